#include "pipeline/event.hpp"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "store/metadata_store.hpp"
#include "store/time.hpp"
#include "meta/json_text.hpp"

namespace imgmeta::pipeline {
namespace {

using meta::make_error;
using json = nlohmann::json;

constexpr size_t kMaxDocument = 1 << 20;  // bytes of JSON
constexpr size_t kMaxRecords = 10000;
constexpr size_t kMaxKeyBytes = 1024;     // S3's key limit
constexpr int kMaxNesting = 2;            // SQS body -> SNS envelope -> notification, no deeper

const std::string* string_at(const json& obj, const char* name) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(name);
  return it != obj.end() && it->is_string() ? it->get_ptr<const std::string*>() : nullptr;
}

const json* object_at(const json& obj, const char* name) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(name);
  return it != obj.end() && it->is_object() ? &*it : nullptr;
}

// The object's key (URL-decoded, at most S3's 1024 bytes) and size, as S3 records
// (`s3.object`) and EventBridge details (`detail.object`) carry them; `path` names the object
// in the messages.
Status read_key_and_size(const json& object, const std::string& path, const std::string& where, EventRecord& e) {
  const std::string* key = string_at(object, "key");
  if (!key || key->empty()) return make_error(meta::Errc::InvalidEvent, where + ": no " + path + ".key");
  e.key = decode_key(*key);
  if (e.key.size() > kMaxKeyBytes)
    return make_error(meta::Errc::InvalidEvent, where + ": key of " + std::to_string(e.key.size()) + " bytes over 1024");
  if (auto it = object.find("size"); it != object.end()) {
    if (it->is_number_unsigned()) e.size = it->get<uint64_t>();
    else if (it->is_number_integer() && it->get<int64_t>() >= 0) e.size = static_cast<uint64_t>(it->get<int64_t>());
    else if (!it->is_null()) return make_error(meta::Errc::InvalidEvent, where + ": " + path + ".size is not a non-negative integer");
  }
  return meta::ok_status();
}

// One S3 record (User Guide, "Event message structure": eventName, eventTime, s3.bucket.name,
// s3.object.{key,size,eTag,versionId,sequencer}).
Result<EventRecord> parse_record(const json& r, const std::string& where) {
  EventRecord e;
  const std::string* name = string_at(r, "eventName");
  if (!name) return make_error(meta::Errc::InvalidEvent, where + ": no eventName");
  e.event_name = name->starts_with("s3:") ? name->substr(3) : *name;
  if (const std::string* t = string_at(r, "eventTime")) e.event_time = *t;
  if (const std::string* reg = string_at(r, "awsRegion")) e.region = *reg;
  const json* s3 = object_at(r, "s3");
  if (!s3) return make_error(meta::Errc::InvalidEvent, where + ": no s3 object");
  if (const json* bucket = object_at(*s3, "bucket"))
    if (const std::string* b = string_at(*bucket, "name")) e.bucket = *b;
  const json* object = object_at(*s3, "object");
  if (!object) return make_error(meta::Errc::InvalidEvent, where + ": no s3.object");
  if (auto read = read_key_and_size(*object, "s3.object", where, e); !read) return read.error();
  if (const std::string* etag = string_at(*object, "eTag")) {
    std::string_view v = *etag;
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    e.etag = v;
  }
  if (const std::string* seq = string_at(*object, "sequencer")) e.sequencer = *seq;
  if (const std::string* ver = string_at(*object, "versionId")) e.version_id = *ver;
  return e;
}

bool is_test_event(const json& doc) {
  const std::string* ev = string_at(doc, "Event");
  return ev && *ev == "s3:TestEvent";
}

// EventBridge's "detail-type" and detail.reason / deletion-type (S3 User Guide, "EventBridge
// event message structure") as the S3 notification's event name; empty for the detail types
// the pipeline does not act on (restore, tagging, ACL, storage class, ...).
std::string eventbridge_event_name(const std::string& detail_type, const json& detail) {
  const std::string* reason = string_at(detail, "reason");
  const std::string r = reason ? *reason : "";
  if (detail_type == "Object Created") {
    if (r == "CopyObject") return "ObjectCreated:Copy";
    if (r == "CompleteMultipartUpload") return "ObjectCreated:CompleteMultipartUpload";
    if (r == "POST Object") return "ObjectCreated:Post";
    return "ObjectCreated:Put";
  }
  if (detail_type == "Object Deleted") {
    const std::string* deletion = string_at(detail, "deletion-type");
    if (deletion && *deletion == "Delete Marker Created") return "ObjectRemoved:DeleteMarkerCreated";
    return "ObjectRemoved:Delete";  // DeleteObject, DeleteObjects, Lifecycle Expiration
  }
  return "";
}

// One EventBridge event from S3 (source "aws.s3"), as a record.
Status parse_eventbridge(const json& doc, ParsedEvents& out, const std::string& where) {
  const std::string* type = string_at(doc, "detail-type");
  const json* detail = object_at(doc, "detail");
  if (!type || !detail) return make_error(meta::Errc::InvalidEvent, where + ": EventBridge event without detail-type or detail");
  EventRecord e;
  e.event_name = eventbridge_event_name(*type, *detail);
  if (e.event_name.empty()) {
    ++out.ignored;
    return meta::ok_status();
  }
  if (const std::string* t = string_at(doc, "time")) e.event_time = *t;
  if (const std::string* reg = string_at(doc, "region")) e.region = *reg;
  if (const json* bucket = object_at(*detail, "bucket"))
    if (const std::string* b = string_at(*bucket, "name")) e.bucket = *b;
  const json* object = object_at(*detail, "object");
  if (!object) return make_error(meta::Errc::InvalidEvent, where + ": no detail.object");
  if (auto read = read_key_and_size(*object, "detail.object", where, e); !read) return read.error();
  if (const std::string* etag = string_at(*object, "etag")) e.etag = *etag;
  if (const std::string* seq = string_at(*object, "sequencer")) e.sequencer = *seq;
  if (const std::string* ver = string_at(*object, "version-id")) e.version_id = *ver;
  if (out.records.size() >= kMaxRecords) return make_error(meta::Errc::InvalidEvent, where + ": more than 10000 records in all");
  out.records.push_back(std::move(e));
  return meta::ok_status();
}

Status parse_document(const json& doc, ParsedEvents& out, const std::string& where, int depth);

// The S3 notification inside an SNS message (`Message`, a JSON string), from an SNS record
// of a Lambda event or from an SQS body that carries the SNS envelope.
Status parse_sns_message(const json& sns, ParsedEvents& out, const std::string& where, int depth) {
  const std::string* type = string_at(sns, "Type");
  if (type && *type != "Notification") {  // SubscriptionConfirmation, UnsubscribeConfirmation
    ++out.ignored;
    return meta::ok_status();
  }
  const std::string* message = string_at(sns, "Message");
  if (!message) return make_error(meta::Errc::InvalidEvent, where + ": SNS message without a Message");
  if (depth >= kMaxNesting) return make_error(meta::Errc::InvalidEvent, where + ": messages nested too deep");
  json inner = json::parse(*message, nullptr, false);
  if (inner.is_discarded()) return make_error(meta::Errc::InvalidEvent, where + ".Message: not JSON");
  return parse_document(inner, out, where + ".Message", depth + 1);
}

bool is_sns_envelope(const json& doc) {
  const std::string* type = string_at(doc, "Type");
  return type && string_at(doc, "TopicArn") &&
         (*type == "Notification" || *type == "SubscriptionConfirmation" || *type == "UnsubscribeConfirmation");
}

bool is_eventbridge_s3(const json& doc) {
  const std::string* source = string_at(doc, "source");
  return source && *source == "aws.s3" && string_at(doc, "detail-type");
}

Status parse_document(const json& doc, ParsedEvents& out, const std::string& where, int depth) {
  if (is_test_event(doc)) {
    ++out.ignored;
    return meta::ok_status();
  }
  if (!doc.is_object()) return make_error(meta::Errc::InvalidEvent, where + ": not a JSON object");
  if (is_sns_envelope(doc)) return parse_sns_message(doc, out, where, depth);
  if (is_eventbridge_s3(doc)) return parse_eventbridge(doc, out, where);
  auto records = doc.find("Records");
  if (records == doc.end()) {
    // A bare S3 record.
    if (doc.contains("s3") && doc.contains("eventName")) {
      out.records.push_back(TRY(parse_record(doc, where)));
      return meta::ok_status();
    }
    return make_error(meta::Errc::InvalidEvent, where + ": no Records");
  }
  if (!records->is_array()) return make_error(meta::Errc::InvalidEvent, where + ": Records is not an array");
  if (records->size() > kMaxRecords) return make_error(meta::Errc::InvalidEvent, where + ": more than 10000 records");
  size_t index = 0;
  for (const json& r : *records) {
    std::string at = where + " Records[" + std::to_string(index++) + "]";
    if (out.records.size() >= kMaxRecords) return make_error(meta::Errc::InvalidEvent, at + ": more than 10000 records in all");
    const std::string* source = string_at(r, "eventSource");
    if (const std::string* sns_source = string_at(r, "EventSource"); sns_source && *sns_source == "aws:sns") {
      // S3 -> SNS -> Lambda: the record's Sns.Message is the S3 notification.
      const json* sns = object_at(r, "Sns");
      if (!sns) return make_error(meta::Errc::InvalidEvent, at + ": SNS record without Sns");
      TRY(parse_sns_message(*sns, out, at + ".Sns", depth));
      continue;
    }
    if (source && *source == "aws:sqs") {
      // S3 -> SQS -> Lambda: the body is the S3 notification, as a JSON string.
      const std::string* body = string_at(r, "body");
      if (!body) return make_error(meta::Errc::InvalidEvent, at + ": SQS record without a body");
      if (depth >= kMaxNesting) return make_error(meta::Errc::InvalidEvent, at + ": SQS bodies nested too deep");
      json inner = json::parse(*body, nullptr, false);
      if (inner.is_discarded()) return make_error(meta::Errc::InvalidEvent, at + ".body: not JSON");
      TRY(parse_document(inner, out, at + ".body", depth + 1));
      continue;
    }
    if (source && *source != "aws:s3") {
      ++out.ignored;
      continue;
    }
    out.records.push_back(TRY(parse_record(r, at)));
  }
  return meta::ok_status();
}

bool is_key_char_kept(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '.' || c == '*' || c == '\'' || c == '(' || c == ')' || c == '!' || c == '~' || c == '/';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_ulid_text(std::string_view s) {
  // Crockford base32 without I L O U; first character 0-7.
  if (s.size() != 26 || s[0] < '0' || s[0] > '7') return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z' && c != 'I' && c != 'L' && c != 'O' && c != 'U');
  });
}

}  // namespace

Result<ParsedEvents> parse_events(std::string_view text) {
  if (text.size() > kMaxDocument)
    return make_error(meta::Errc::InvalidEvent, "event document of " + std::to_string(text.size()) + " bytes over 1 MiB");
  try {
    json doc = json::parse(text, nullptr, false);
    if (doc.is_discarded()) return make_error(meta::Errc::InvalidEvent, "event document is not JSON");
    ParsedEvents out;
    TRY(parse_document(doc, out, "event", 0));
    return out;
  } catch (const std::exception& e) {  // nlohmann's type errors: never out of the API
    return make_error(meta::Errc::InvalidEvent, std::string("event document: ") + e.what());
  }
}

std::string encode_key(std::string_view key) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char ch : key) {
    auto c = static_cast<unsigned char>(ch);
    if (c == ' ') out += '+';
    else if (is_key_char_kept(c)) out += ch;
    else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string decode_key(std::string_view encoded) {
  std::string out;
  out.reserve(encoded.size());
  for (size_t i = 0; i < encoded.size(); ++i) {
    char c = encoded[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%' && i + 2 < encoded.size() && hex_value(encoded[i + 1]) >= 0 &&
               hex_value(encoded[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(encoded[i + 1]) * 16 + hex_value(encoded[i + 2]));
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

namespace {

json record_json(const EventRecord& r) {
  json object = {{"key", encode_key(r.key)}};
  if (r.size) object["size"] = *r.size;
  if (!r.etag.empty()) object["eTag"] = r.etag;
  if (!r.version_id.empty()) object["versionId"] = r.version_id;
  object["sequencer"] = r.sequencer;
  std::string time = r.event_time;
  if (time.empty()) time = store::format_iso8601_ms(store::now_ms());
  return {{"eventVersion", "2.1"},
          {"eventSource", "aws:s3"},
          {"awsRegion", r.region.empty() ? "local" : r.region},
          {"eventTime", time},
          {"eventName", r.event_name},
          {"userIdentity", {{"principalId", "imgmeta"}}},
          {"requestParameters", {{"sourceIPAddress", "127.0.0.1"}}},
          {"responseElements", {{"x-amz-request-id", r.sequencer}, {"x-amz-id-2", "imgmeta"}}},
          {"s3",
           {{"s3SchemaVersion", "1.0"},
            {"configurationId", "imgmeta-events"},
            {"bucket", {{"name", r.bucket}, {"ownerIdentity", {{"principalId", "imgmeta"}}}, {"arn", "arn:aws:s3:::" + r.bucket}}},
            {"object", object}}}};
}

}  // namespace

std::string format_event(const EventRecord& record) {
  return meta::json_text(record_json(record));
}

std::string format_events(const std::vector<EventRecord>& records) {
  json doc = {{"Records", json::array()}};
  for (const auto& r : records) doc["Records"].push_back(record_json(r));
  return meta::json_text(doc);
}

int compare_sequencers(std::string_view a, std::string_view b) { return store::compare_sequencers(a, b); }

std::string effective_sequencer(const EventRecord& record) {
  if (!record.sequencer.empty()) {
    std::string s = record.sequencer;
    for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
  }
  if (auto us = store::parse_iso8601_us(record.event_time); us && *us >= 0) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%016llX", static_cast<unsigned long long>(*us));
    return buf;
  }
  return "0";
}

bool is_valid_owner(std::string_view owner) {
  if (owner.empty() || owner.size() > 128) return false;
  return std::all_of(owner.begin(), owner.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

std::string object_key(std::string_view owner, std::string_view image_id) {
  return std::string(kUploadsPrefix) + std::string(owner) + "/" + std::string(image_id);
}

std::optional<ObjectKey> parse_object_key(std::string_view key) {
  if (!key.starts_with(kUploadsPrefix)) return std::nullopt;
  std::string_view rest = key.substr(kUploadsPrefix.size());
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  std::string_view owner = rest.substr(0, slash), id = rest.substr(slash + 1);
  if (!is_valid_owner(owner) || !is_ulid_text(id)) return std::nullopt;
  return ObjectKey{std::string(owner), std::string(id)};
}

}  // namespace imgmeta::pipeline
