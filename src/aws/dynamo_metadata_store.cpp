#include "aws/dynamo_metadata_store.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "aws/digest.hpp"
#include "meta/ascii.hpp"
#include "meta/json_text.hpp"

namespace imgmeta::aws {

using meta::make_error;
using store::ImageRecord;
using store::ImageStatus;

namespace {

constexpr size_t kSequencerWidth = 48;
constexpr size_t kMaxSearchText = 4096;
constexpr size_t kMaxNameText = 1024;
constexpr char kIntentPrefix[] = "intent#";
constexpr int64_t kTakenOffset = 1000000000000000;  // 1e15 ms: keeps takenAt keys non-negative
constexpr int kMaxQueryPages = 20;                  // per list() call; then a cursor to resume
constexpr int64_t kIntentGraceS = 24 * 3600;

using meta::ascii_lower;

std::string pad_number(int64_t v, int width) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%0*lld", width, static_cast<long long>(v < 0 ? 0 : v));
  return buf;
}

std::string uploaded_key(const ImageRecord& r) { return pad_number(r.uploaded_at_ms, 13) + "#" + r.image_id; }

std::string taken_key(const std::optional<int64_t>& taken, const std::string& image_id) {
  if (!taken) return "0#" + image_id;
  int64_t v = std::clamp<int64_t>(*taken, -kTakenOffset, kTakenOffset * 8);
  return "1" + pad_number(v + kTakenOffset, 16) + "#" + image_id;
}

Json key_of(const std::string& owner, const std::string& sort_key) {
  return Json{{"owner", ddb::S(owner)}, {"imageId", ddb::S(sort_key)}};
}

bool is_conditional_failure(const Error& e) { return e.code == meta::Errc::ConditionalCheckFailedException; }

// Cuts a UTF-8 string to at most n bytes without splitting a character.
std::string utf8_prefix(const std::string& s, size_t n) {
  if (s.size() <= n) return s;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

size_t value_size(const Json& v) {
  if (v.contains("S")) return v["S"].get_ref<const std::string&>().size();
  if (v.contains("N")) return v["N"].get_ref<const std::string&>().size() / 2 + 2;
  if (v.contains("BOOL") || v.contains("NULL")) return 1;
  size_t total = 3;
  if (v.contains("M"))
    for (const auto& [k, x] : v["M"].items()) total += k.size() + value_size(x) + 1;
  if (v.contains("L"))
    for (const auto& x : v["L"]) total += value_size(x) + 1;
  return total;
}

Status check_owner(const std::string& op, const std::string& owner) {
  if (owner.empty() || owner.size() > 1024) return make_error(meta::Errc::InvalidArgument, op + ": empty or oversized owner");
  return meta::ok_status();
}

Status check_image_id(const std::string& op, const std::string& id) {
  if (id.empty() || id.size() > 512 || id.starts_with(kIntentPrefix))
    return make_error(meta::Errc::InvalidArgument, op + ": image id '" + id + "' is not acceptable");
  return meta::ok_status();
}

}  // namespace

std::string padded_sequencer(std::string_view sequencer) {
  if (sequencer.empty() || sequencer.size() > kSequencerWidth) return "";
  std::string out(kSequencerWidth - sequencer.size(), '0');
  for (char c : sequencer) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return "";
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

size_t item_size(const Json& item) {
  size_t total = 0;
  for (const auto& [name, value] : item.items()) total += name.size() + value_size(value);
  return total;
}

std::string trim_metadata_json(const std::string& metadata_json, size_t budget) {
  if (metadata_json.size() <= budget) return metadata_json;
  auto doc = nlohmann::ordered_json::parse(metadata_json, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return R"({"MetadataTruncated":true})";
  doc["MetadataTruncated"] = true;
  std::string out = meta::json_text(doc);
  while (out.size() > budget && doc.size() > 1) {
    std::string largest;
    size_t largest_size = 0;
    for (const auto& [k, v] : doc.items()) {
      if (k == "MetadataTruncated") continue;
      size_t sz = v.is_string() ? v.get_ref<const std::string&>().size() : meta::json_text(v).size();
      if (sz > largest_size) {
        largest_size = sz;
        largest = k;
      }
    }
    if (largest.empty()) break;
    auto& v = doc[largest];
    if (v.is_string() && v.get_ref<const std::string&>().size() > 300) {
      v = utf8_prefix(v.get<std::string>(), 256) + "\xE2\x80\xA6";  // "…"
    } else {
      doc.erase(largest);
    }
    out = meta::json_text(doc);
  }
  if (out.size() > budget) return R"({"MetadataTruncated":true})";
  return out;
}

Result<Json> record_to_item(const ImageRecord& r) {
  std::string op = "DynamoMetadataStore.apply " + r.owner + "/" + r.image_id;
  if (auto s = check_owner(op, r.owner); !s) return s.error();
  if (auto s = check_image_id(op, r.image_id); !s) return s.error();
  std::string seq = padded_sequencer(r.sequencer);
  if (seq.empty()) return make_error(meta::Errc::InvalidArgument, op + ": sequencer '" + r.sequencer + "' is not 1..48 hex digits");
  Json item = key_of(r.owner, r.image_id);
  item["kind"] = ddb::S("image");
  item["filename"] = ddb::S(r.filename);
  item["contentType"] = ddb::S(r.content_type);
  item["size"] = ddb::N(r.size);
  item["sha256"] = ddb::S(ascii_lower(r.sha256));
  item["etag"] = ddb::S(r.etag);
  item["status"] = ddb::S(std::string(store::to_string(r.status)));
  item["error"] = ddb::S(utf8_prefix(r.error, 4096));
  item["uploadedAt"] = ddb::N(r.uploaded_at_ms);
  if (r.taken_at_ms) item["takenAt"] = ddb::N(*r.taken_at_ms);
  item["updatedAt"] = ddb::N(r.updated_at_ms);
  item["sequencer"] = ddb::S(r.sequencer);
  item["seq"] = ddb::S(seq);
  item["format"] = ddb::S(r.format);
  item["make"] = ddb::S(r.make);
  item["model"] = ddb::S(r.model);
  item["fmtKey"] = ddb::S(ascii_lower(r.format));
  item["makeKey"] = ddb::S(ascii_lower(r.make));
  item["modelKey"] = ddb::S(ascii_lower(r.model));
  if (std::string lens = r.lens ? *r.lens : store::lens_of(r.metadata_json); !lens.empty()) item["lensKey"] = ddb::S(utf8_prefix(ascii_lower(lens), 1024));
  item["hasGps"] = ddb::BOOL(r.has_gps);
  // The exposure, orientation and map filters' values (FilterExpression on the owner's query).
  for (auto [name, value] : {std::pair{"lat", r.lat}, std::pair{"lon", r.lon}, std::pair{"iso", r.iso},
                             std::pair{"fNumber", r.f_number}, std::pair{"focal", r.focal_mm},
                             std::pair{"exposure", r.exposure_s}})
    if (value) item[name] = ddb::D(*value);
  item["dispW"] = ddb::N(int64_t{r.display_width});
  item["dispH"] = ddb::N(int64_t{r.display_height});
  item["searchText"] = ddb::S(utf8_prefix(ascii_lower(r.search_text), kMaxSearchText));
  // The file name's words alone, for apply_extraction(), which writes the metadata's words
  // (searchWords, in place of searchText) without knowing the file name: an update
  // expression cannot concatenate strings.
  item["nameText"] = ddb::S(utf8_prefix(ascii_lower(r.filename), kMaxNameText));
  item["byUploaded"] = ddb::S(uploaded_key(r));
  item["byTaken"] = ddb::S(taken_key(r.taken_at_ms, r.image_id));
  if (!r.sha256.empty()) item["bySha256"] = ddb::S(ascii_lower(r.sha256) + "#" + r.image_id);
  item["metadata"] = ddb::S(r.metadata_json.empty() ? "{}" : r.metadata_json);
  size_t size = item_size(item);
  if (size > kMaxItemBytes) {
    size_t meta_size = item["metadata"]["S"].get_ref<const std::string&>().size();
    size_t rest = size - meta_size + 16;  // + "metadataTruncated"
    if (rest >= kMaxItemBytes) return make_error(meta::Errc::InvalidArgument, op + ": record too large even without metadata");
    item["metadata"] = ddb::S(trim_metadata_json(r.metadata_json, kMaxItemBytes - rest));
    item["metadataTruncated"] = ddb::BOOL(true);
  }
  return item;
}

// What the `q` filter searches: searchText, or, on records apply_extraction() wrote, the file
// name's words (nameText) and the metadata's (searchWords) joined as the handler joins them.
std::string item_search_text(const Json& item) {
  if (item.contains("searchText")) return ddb::get_s(item, "searchText").value_or("");
  return store::combined_search_text(ddb::get_s(item, "nameText").value_or(""),
                                     ddb::get_s(item, "searchWords").value_or(""));
}

Result<ImageRecord> item_to_record(const Json& item) {
  ImageRecord r;
  r.owner = ddb::get_s(item, "owner").value_or("");
  r.image_id = ddb::get_s(item, "imageId").value_or("");
  if (ddb::get_s(item, "kind").value_or("") != "image")
    return make_error(meta::Errc::NotFound, "DynamoMetadataStore: " + r.owner + "/" + r.image_id + " is not an image record");
  r.filename = ddb::get_s(item, "filename").value_or("");
  r.content_type = ddb::get_s(item, "contentType").value_or("");
  r.size = static_cast<uint64_t>(std::max<int64_t>(0, ddb::get_n(item, "size").value_or(0)));
  r.sha256 = ddb::get_s(item, "sha256").value_or("");
  r.etag = ddb::get_s(item, "etag").value_or("");
  auto status = store::parse_image_status(ddb::get_s(item, "status").value_or(""));
  if (!status) return make_error(meta::Errc::InvalidResponse, "DynamoMetadataStore: " + r.owner + "/" + r.image_id + ": bad status");
  r.status = *status;
  r.error = ddb::get_s(item, "error").value_or("");
  r.uploaded_at_ms = ddb::get_n(item, "uploadedAt").value_or(0);
  r.taken_at_ms = ddb::get_n(item, "takenAt");
  r.updated_at_ms = ddb::get_n(item, "updatedAt").value_or(0);
  r.sequencer = ddb::get_s(item, "sequencer").value_or("");
  r.metadata_json = ddb::get_s(item, "metadata").value_or("{}");
  r.format = ddb::get_s(item, "format").value_or("");
  r.make = ddb::get_s(item, "make").value_or("");
  r.model = ddb::get_s(item, "model").value_or("");
  r.has_gps = ddb::get_bool(item, "hasGps").value_or(false);
  r.search_text = item_search_text(item);
  r.lat = ddb::get_d(item, "lat");
  r.lon = ddb::get_d(item, "lon");
  r.iso = ddb::get_d(item, "iso");
  r.f_number = ddb::get_d(item, "fNumber");
  r.focal_mm = ddb::get_d(item, "focal");
  r.exposure_s = ddb::get_d(item, "exposure");
  r.display_width = static_cast<int>(ddb::get_n(item, "dispW").value_or(0));
  r.display_height = static_cast<int>(ddb::get_n(item, "dispH").value_or(0));
  if (auto ps = ddb::get_s(item, "previewStatus")) {
    r.preview.status = store::parse_preview_status(*ps).value_or(store::PreviewStatus::Failed);
    r.preview.error = ddb::get_s(item, "previewError").value_or("");
    r.preview.version = ddb::get_s(item, "previewVersion").value_or("");
    r.preview.origin = ddb::get_s(item, "previewOrigin").value_or("");
    r.preview.sequencer = ddb::get_s(item, "previewSequencer").value_or("");
    r.preview.thumb_width = static_cast<int>(ddb::get_n(item, "thumbWidth").value_or(0));
    r.preview.thumb_height = static_cast<int>(ddb::get_n(item, "thumbHeight").value_or(0));
    r.preview.preview_width = static_cast<int>(ddb::get_n(item, "previewWidth").value_or(0));
    r.preview.preview_height = static_cast<int>(ddb::get_n(item, "previewHeight").value_or(0));
  }
  r.trashed_at_ms = ddb::get_n(item, "trashedAt");
  return r;
}

DynamoMetadataStore::DynamoMetadataStore(std::shared_ptr<DynamoClient> client, std::string table)
    : client_(std::move(client)), table_(std::move(table)) {}

Json DynamoMetadataStore::create_table_request(const std::string& table) {
  auto gsi = [](const char* name, const char* sort, const char* projection) {
    return Json{{"IndexName", name},
                {"KeySchema", Json::array({{{"AttributeName", "owner"}, {"KeyType", "HASH"}},
                                           {{"AttributeName", sort}, {"KeyType", "RANGE"}}})},
                {"Projection", {{"ProjectionType", projection}}}};
  };
  Json attrs = Json::array();
  for (const char* a : {"owner", "imageId", "byUploaded", "byTaken", "bySha256", "byTrashed"})
    attrs.push_back({{"AttributeName", a}, {"AttributeType", "S"}});
  return Json{{"TableName", table},
              {"BillingMode", "PAY_PER_REQUEST"},
              {"AttributeDefinitions", attrs},
              {"KeySchema", Json::array({{{"AttributeName", "owner"}, {"KeyType", "HASH"}},
                                         {{"AttributeName", "imageId"}, {"KeyType", "RANGE"}}})},
              {"GlobalSecondaryIndexes", Json::array({gsi("byUploaded", "byUploaded", "ALL"), gsi("byTaken", "byTaken", "ALL"),
                                                      gsi("bySha256", "bySha256", "KEYS_ONLY"),
                                                      gsi("byTrashed", "byTrashed", "ALL")})}};
}

Status DynamoMetadataStore::put_upload_intent(const store::UploadIntent& in) {
  std::string op = "DynamoMetadataStore.put_upload_intent " + in.owner + "/" + in.image_id;
  if (auto s = check_owner(op, in.owner); !s) return s.error();
  if (auto s = check_image_id(op, in.image_id); !s) return s.error();
  Json item = key_of(in.owner, in.image_id);
  item["kind"] = ddb::S("intent");
  item["filename"] = ddb::S(in.filename);
  item["contentType"] = ddb::S(in.content_type);
  item["size"] = ddb::N(in.size);
  item["sha256"] = ddb::S(ascii_lower(in.sha256));
  // What the record takes over unchanged when apply_extraction() turns the intent into it
  // (an update expression can copy no computed value): see the header.
  item["nameText"] = ddb::S(utf8_prefix(ascii_lower(in.filename.empty() ? in.image_id : in.filename), kMaxNameText));
  if (!in.sha256.empty()) item["bySha256"] = ddb::S(ascii_lower(in.sha256) + "#" + in.image_id);
  item["createdAt"] = ddb::N(in.created_at_ms);
  item["expiresAt"] = ddb::N(in.expires_at_ms);
  item["uploadId"] = ddb::S(in.multipart_upload_id);
  item["partSize"] = ddb::N(in.part_size);
  item["ttl"] = ddb::N(in.expires_at_ms / 1000 + kIntentGraceS);  // DynamoDB TTL: epoch seconds
  Json req{{"TableName", table_},
           {"Item", item},
           {"ConditionExpression", "attribute_not_exists(imageId)"}};
  auto r = client_->call("PutItem", req, table_);
  if (!r) {
    if (is_conditional_failure(r.error())) return make_error(meta::Errc::Conflict, op + ": an upload intent with this id exists");
    return r.error();
  }
  return meta::ok_status();
}

Result<store::UploadIntent> DynamoMetadataStore::get_upload_intent(const std::string& owner, const std::string& image_id) {
  std::string op = "DynamoMetadataStore.get_upload_intent " + owner + "/" + image_id;
  if (auto s = check_owner(op, owner); !s) return s.error();
  if (auto s = check_image_id(op, image_id); !s) return make_error(meta::Errc::NotFound, op + ": no such upload intent");
  Json item;
  // On the image's item; intents written before that layout live at "intent#<imageId>".
  for (const std::string& sort_key : {image_id, kIntentPrefix + image_id}) {
    Json req{{"TableName", table_}, {"Key", key_of(owner, sort_key)}, {"ConsistentRead", true}};
    auto r = client_->call("GetItem", req, table_);
    if (!r) return r.error();
    if (r->contains("Item") && ddb::get_s((*r)["Item"], "kind").value_or("") == "intent") {
      item = (*r)["Item"];
      break;
    }
  }
  if (item.is_null()) return make_error(meta::Errc::NotFound, op + ": no such upload intent");
  store::UploadIntent in;
  in.owner = owner;
  in.image_id = image_id;
  in.filename = ddb::get_s(item, "filename").value_or("");
  in.content_type = ddb::get_s(item, "contentType").value_or("");
  in.size = static_cast<uint64_t>(std::max<int64_t>(0, ddb::get_n(item, "size").value_or(0)));
  in.sha256 = ddb::get_s(item, "sha256").value_or("");
  in.created_at_ms = ddb::get_n(item, "createdAt").value_or(0);
  in.expires_at_ms = ddb::get_n(item, "expiresAt").value_or(0);
  in.multipart_upload_id = ddb::get_s(item, "uploadId").value_or("");
  in.part_size = static_cast<uint64_t>(std::max<int64_t>(0, ddb::get_n(item, "partSize").value_or(0)));
  return in;
}

Status DynamoMetadataStore::remove_upload_intent(const std::string& owner, const std::string& image_id) {
  std::string op = "DynamoMetadataStore.remove_upload_intent " + owner + "/" + image_id;
  if (auto s = check_owner(op, owner); !s) return s.error();
  if (auto s = check_image_id(op, image_id); !s) return meta::ok_status();
  // Only while it is an intent: the same item may hold the record by now.
  Json req{{"TableName", table_},
           {"Key", key_of(owner, image_id)},
           {"ConditionExpression", "#kind = :intent"},
           {"ExpressionAttributeNames", {{"#kind", "kind"}}},
           {"ExpressionAttributeValues", {{":intent", ddb::S("intent")}}}};
  auto r = client_->call("DeleteItem", req, table_);
  if (!r && !is_conditional_failure(r.error())) return r.error();
  Json legacy{{"TableName", table_}, {"Key", key_of(owner, kIntentPrefix + image_id)}};
  auto l = client_->call("DeleteItem", legacy, table_);
  if (!l) return l.error();
  return meta::ok_status();
}

Result<std::optional<std::string>> DynamoMetadataStore::find_by_sha256(const std::string& owner, const std::string& sha256) {
  std::string op = "DynamoMetadataStore.find_by_sha256 " + owner;
  if (auto s = check_owner(op, owner); !s) return s.error();
  if (sha256.empty()) return std::optional<std::string>();
  Json req{{"TableName", table_},
           {"IndexName", "bySha256"},
           {"KeyConditionExpression", "#o = :o AND begins_with(#k, :h)"},
           {"ExpressionAttributeNames", {{"#o", "owner"}, {"#k", "bySha256"}}},
           {"ExpressionAttributeValues", {{":o", ddb::S(owner)}, {":h", ddb::S(ascii_lower(sha256) + "#")}}},
           {"Limit", 10}};
  auto r = client_->call("Query", req, table_);
  if (!r) return r.error();
  const Json& items = (*r)["Items"];
  if (!items.is_array()) return std::optional<std::string>();
  // The index (keys only) holds upload intents too: an image id counts once it is a record.
  for (const auto& hit : items) {
    std::string id = ddb::get_s(hit, "imageId").value_or("");
    if (id.empty()) continue;
    Json get{{"TableName", table_},
             {"Key", key_of(owner, id)},
             {"ConsistentRead", true},
             {"ProjectionExpression", "#kind"},
             {"ExpressionAttributeNames", {{"#kind", "kind"}}}};
    auto item = client_->call("GetItem", get, table_);
    if (!item) return item.error();
    if (item->contains("Item") && ddb::get_s((*item)["Item"], "kind").value_or("") == "image")
      return std::optional<std::string>(id);
  }
  return std::optional<std::string>();
}

// An UpdateItem rather than a PutItem: the renditions' attributes (set_preview, written by
// the preview function, which may finish first on a duplicate event) survive a rewrite.
Result<bool> DynamoMetadataStore::apply(const ImageRecord& record) {
  auto item = record_to_item(record);
  if (!item) return item.error();
  std::string seq = (*item)["seq"]["S"];
  std::string same = "(#seq = :seq AND #kind = :image";
  if (record.status == ImageStatus::Pending) same += " AND #status = :pending";
  same += ")";
  Json names{{"#id", "imageId"}, {"#seq", "seq"}, {"#kind", "kind"}};
  Json values{{":seq", ddb::S(seq)}, {":image", ddb::S("image")}, {":intent", ddb::S("intent")}};
  if (record.status == ImageStatus::Pending) {
    names["#status"] = "status";
    values[":pending"] = ddb::S("pending");
  }
  std::string set, remove;
  int n = 0;
  for (auto& [name, value] : item->items()) {
    if (name == "owner" || name == "imageId") continue;
    std::string k = std::to_string(n++);
    names["#a" + k] = name;
    values[":a" + k] = std::move(value);  // the item is not read again
    set += (set.empty() ? "SET " : ", ") + ("#a" + k) + " = :a" + k;
  }
  // Optional attributes an older version of the record may have had.
  for (const char* name : {"takenAt", "bySha256", "metadataTruncated", "lensKey", "lat", "lon", "iso", "fNumber", "focal",
                           "exposure", "searchWords", "createdAt", "expiresAt", "uploadId", "partSize", "ttl"}) {
    if (item->contains(name)) continue;
    std::string k = std::to_string(n++);
    names["#a" + k] = name;
    remove += (remove.empty() ? " REMOVE " : ", ") + ("#a" + k);
  }
  Json req(Json::value_t::object);  // members moved in, as in apply_extraction()
  req["TableName"] = table_;
  req["Key"] = key_of(record.owner, record.image_id);
  req["UpdateExpression"] = set + remove;
  req["ConditionExpression"] = "attribute_not_exists(#id) OR #kind = :intent OR #seq < :seq OR " + same;
  req["ExpressionAttributeNames"] = std::move(names);
  req["ExpressionAttributeValues"] = std::move(values);
  auto r = client_->call("UpdateItem", req, table_ + " " + record.owner + "/" + record.image_id);
  if (!r) {
    if (is_conditional_failure(r.error())) return false;
    return r.error();
  }
  return true;
}

// One UpdateItem that writes the extraction-owned attributes (store::merge_extraction) onto
// the stored image item, never reading it first. Its condition is apply()'s for an existing
// image item (#seq <= :seq: older, or the same version again); an upload intent on the item
// (put_upload_intent) becomes the record in the same write. It asks for the old item when
// the condition fails (ReturnValuesOnConditionCheckFailure), which then tells the cases apart
// without another request:
//   no item, or a tombstone older than :seq      NoRecord (the caller writes the whole record)
//   an intent the update could not finish (unnamed content type, no file name)   NoRecord
//   an image or tombstone at a newer sequencer   Stale (a tombstone at the same one, too: apply()'s rule)
//   an image at or before :seq that the update could not finish alone: its content type is
//     unknown (empty or application/octet-stream; merge_extraction fills it in) or it lacks
//     nameText (written before this layout): merged with the returned old item and apply()ed.
Result<store::ApplyOutcome> DynamoMetadataStore::apply_extraction(const ImageRecord& extracted) {
  std::string op = "DynamoMetadataStore.apply_extraction " + extracted.owner + "/" + extracted.image_id;
  if (extracted.status == ImageStatus::Pending) return make_error(meta::Errc::InvalidArgument, op + ": status pending is no extraction");
  ImageRecord landed = extracted;  // uploadedAt: used when an intent becomes the record
  if (landed.uploaded_at_ms <= 0) landed.uploaded_at_ms = static_cast<int64_t>(unix_now_ms());
  auto item = record_to_item(landed);  // checks owner, image id and sequencer; trims metadata
  if (!item) return item.error();
  const std::string seq = (*item)["seq"]["S"];
  Json names{{"#kind", "kind"}, {"#seq", "seq"}, {"#nt", "nameText"}, {"#ct", "contentType"}};
  Json values{{":image", ddb::S("image")}, {":seq", ddb::S(seq)}, {":empty", ddb::S("")}};
  std::string set, remove;
  int n = 0;
  auto alias = [&](const std::string& attr) {
    std::string k = "#a" + std::to_string(n++);
    names[k] = attr;
    return k;
  };
  auto set_attr = [&](const std::string& attr, Json value) {
    std::string k = alias(attr);
    std::string v = ":" + k.substr(1);
    values[v] = std::move(value);
    set += (set.empty() ? "SET " : ", ") + k + " = " + v;
  };
  auto remove_attr = [&](const std::string& attr) { remove += (remove.empty() ? " REMOVE " : ", ") + alias(attr); };
  // What merge_extraction() writes, in record_to_item()'s form; optional ones are removed
  // when the new extraction lacks them.
  for (const char* attr : {"status", "error", "metadata", "format", "make", "model", "fmtKey", "makeKey", "modelKey",
                           "hasGps", "dispW", "dispH", "byTaken", "sequencer", "seq", "updatedAt", "size", "etag"})
    set_attr(attr, std::move((*item)[attr]));  // each attribute is used once: moved, not copied
  // An upload intent on the item becomes the record: it holds the upload's attributes
  // (filename, contentType, sha256, bySha256, nameText) already; uploadedAt and its index key
  // come from the extraction, and the intent's own attributes (and its TTL) go.
  set_attr("kind", ddb::S("image"));
  for (const char* attr : {"uploadedAt", "byUploaded"}) {
    std::string k = alias(attr);
    std::string v = ":" + k.substr(1);
    values[v] = std::move((*item)[attr]);
    set += ", " + k + " = if_not_exists(" + k + ", " + v + ")";
  }
  for (const char* attr : {"createdAt", "expiresAt", "uploadId", "partSize", "ttl"}) remove_attr(attr);
  for (const char* attr : {"metadataTruncated", "lensKey", "lat", "lon", "iso", "fNumber", "focal", "exposure", "takenAt"}) {
    if (item->contains(attr)) set_attr(attr, std::move((*item)[attr]));
    else remove_attr(attr);
  }
  set_attr("searchWords", std::move((*item)["searchText"]));  // the metadata's words: see record_to_item
  remove_attr("searchText");
  names["#fn"] = "filename";
  values[":intent"] = ddb::S("intent");
  std::string condition =
      "((#kind = :image AND #seq <= :seq) OR #kind = :intent) AND attribute_exists(#nt) AND #ct <> :empty AND #fn <> :empty";
  if (!store::is_unknown_content_type(extracted.content_type)) {
    // The extractor names the type: a stored unknown one must take it (merged below).
    values[":octet"] = ddb::S("application/octet-stream");
    condition += " AND #ct <> :octet";
  }
  Json req(Json::value_t::object);  // members moved in: the values hold the whole metadata
  req["TableName"] = table_;
  req["Key"] = key_of(extracted.owner, extracted.image_id);
  req["UpdateExpression"] = set + remove;
  req["ConditionExpression"] = std::move(condition);
  req["ExpressionAttributeNames"] = std::move(names);
  req["ExpressionAttributeValues"] = std::move(values);
  req["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD";
  Json failure;
  auto r = client_->call("UpdateItem", req, table_ + " " + extracted.owner + "/" + extracted.image_id, &failure);
  if (r) return store::ApplyOutcome::Applied;
  if (!is_conditional_failure(r.error())) return r.error();
  // DynamoDB returns the old item with the failure when there is one; none: no item at all.
  if (!failure.is_object() || !failure.contains("Item") || !failure["Item"].is_object()) return store::ApplyOutcome::NoRecord;
  const Json& old = failure["Item"];
  const std::string old_seq = ddb::get_s(old, "seq").value_or("");
  const std::string old_kind = ddb::get_s(old, "kind").value_or("");
  // An intent the update could not finish alone (an unnamed content type): the caller
  // builds the record from it.
  if (old_kind == "intent") return store::ApplyOutcome::NoRecord;
  if (old_kind != "image") return old_seq >= seq ? store::ApplyOutcome::Stale : store::ApplyOutcome::NoRecord;
  if (old_seq > seq) return store::ApplyOutcome::Stale;
  auto stored = item_to_record(old);
  if (!stored) return make_error(stored.error(), op + ": " + stored.error().message);
  store::merge_extraction(*stored, extracted);
  auto written = apply(*stored);
  if (!written) return written.error();
  return *written ? store::ApplyOutcome::Applied : store::ApplyOutcome::Stale;
}

Result<bool> DynamoMetadataStore::set_preview(const std::string& owner, const std::string& image_id,
                                              const std::string& sequencer, const store::PreviewState& p) {
  std::string op = "DynamoMetadataStore.set_preview " + owner + "/" + image_id;
  if (auto s = check_owner(op, owner); !s) return s.error();
  if (auto s = check_image_id(op, image_id); !s) return s.error();
  std::string seq = padded_sequencer(sequencer);
  if (seq.empty()) return make_error(meta::Errc::InvalidArgument, op + ": sequencer '" + sequencer + "' is not 1..48 hex digits");
  Json names{{"#seq", "seq"}, {"#kind", "kind"}, {"#ps", "previewStatus"}, {"#pe", "previewError"},
             {"#pv", "previewVersion"}, {"#po", "previewOrigin"}, {"#pq", "previewSequencer"},
             {"#tw", "thumbWidth"}, {"#th", "thumbHeight"}, {"#pw", "previewWidth"}, {"#ph", "previewHeight"}};
  Json values{{":seq", ddb::S(seq)}, {":image", ddb::S("image")},
              {":ps", ddb::S(std::string(store::to_string(p.status)))}, {":pe", ddb::S(utf8_prefix(p.error, 1024))},
              {":pv", ddb::S(p.version)}, {":po", ddb::S(p.origin)}, {":pq", ddb::S(sequencer)},
              {":tw", ddb::N(int64_t{p.thumb_width})}, {":th", ddb::N(int64_t{p.thumb_height})},
              {":pw", ddb::N(int64_t{p.preview_width})}, {":ph", ddb::N(int64_t{p.preview_height})}};
  Json req{{"TableName", table_},
           {"Key", key_of(owner, image_id)},
           {"UpdateExpression",
            "SET #ps = :ps, #pe = :pe, #pv = :pv, #po = :po, #pq = :pq, #tw = :tw, #th = :th, #pw = :pw, #ph = :ph"},
           {"ConditionExpression", "#kind = :image AND #seq = :seq"},
           {"ExpressionAttributeNames", names},
           {"ExpressionAttributeValues", values}};
  auto r = client_->call("UpdateItem", req, table_ + " " + owner + "/" + image_id);
  if (!r) {
    if (is_conditional_failure(r.error())) return false;
    return r.error();
  }
  return true;
}

Result<bool> DynamoMetadataStore::remove(const std::string& owner, const std::string& image_id, const std::string& sequencer) {
  std::string op = "DynamoMetadataStore.remove " + owner + "/" + image_id;
  if (auto s = check_owner(op, owner); !s) return s.error();
  if (auto s = check_image_id(op, image_id); !s) return s.error();
  std::string seq = padded_sequencer(sequencer);
  if (seq.empty()) return make_error(meta::Errc::InvalidArgument, op + ": sequencer '" + sequencer + "' is not 1..48 hex digits");
  Json item = key_of(owner, image_id);
  item["kind"] = ddb::S("tombstone");
  item["seq"] = ddb::S(seq);
  item["sequencer"] = ddb::S(sequencer);
  item["updatedAt"] = ddb::N(static_cast<int64_t>(unix_now_ms()));
  Json req{{"TableName", table_},
           {"Item", item},
           {"ConditionExpression", "attribute_not_exists(#id) OR #kind = :intent OR #seq <= :seq"},
           {"ExpressionAttributeNames", {{"#id", "imageId"}, {"#seq", "seq"}, {"#kind", "kind"}}},
           {"ExpressionAttributeValues", {{":seq", ddb::S(seq)}, {":intent", ddb::S("intent")}}},
           {"ReturnValues", "ALL_OLD"}};
  auto r = client_->call("PutItem", req, table_ + " " + owner + "/" + image_id);
  if (!r) {
    if (is_conditional_failure(r.error())) return false;
    return r.error();
  }
  return r->contains("Attributes") && ddb::get_s((*r)["Attributes"], "kind").value_or("") == "image";
}

Result<ImageRecord> DynamoMetadataStore::get(const std::string& owner, const std::string& image_id) {
  std::string op = "DynamoMetadataStore.get " + owner + "/" + image_id;
  if (auto s = check_owner(op, owner); !s) return s.error();
  if (auto s = check_image_id(op, image_id); !s) return make_error(meta::Errc::NotFound, op + ": no such image");
  Json req{{"TableName", table_}, {"Key", key_of(owner, image_id)}, {"ConsistentRead", true}};
  auto r = client_->call("GetItem", req, table_);
  if (!r) return r.error();
  if (!r->contains("Item")) return make_error(meta::Errc::NotFound, op + ": no such image");
  auto rec = item_to_record((*r)["Item"]);
  if (!rec && rec.error().code == meta::Errc::NotFound) return make_error(meta::Errc::NotFound, op + ": no such image");
  return rec;
}

namespace {

std::string encode_cursor(const std::string& index, const Json& key) {
  return base64url_encode(meta::json_text(Json{{"x", index}, {"k", key}}));
}

}  // namespace

Result<store::ImagePage> DynamoMetadataStore::list(const store::ImageQuery& q) {
  std::string op = "DynamoMetadataStore.list " + q.owner;
  if (auto s = check_owner(op, q.owner); !s) return s.error();
  const int max_limit = q.location_only ? store::kMaxLocationLimit : store::kMaxListLimit;
  if (q.limit < 1 || q.limit > max_limit)
    return make_error(meta::Errc::InvalidArgument, op + ": limit " + std::to_string(q.limit) + " outside 1.." +
                                             std::to_string(max_limit));
  // Items carry their metadata here, so a map page stays at kMaxListLimit (a shorter page
  // than asked for, with a cursor: callers page on).
  const int limit = std::min(q.limit, store::kMaxListLimit);
  bool by_taken = q.sort == store::SortOrder::Taken;
  std::string index = by_taken ? "byTaken" : "byUploaded";

  Json start;
  if (!q.cursor.empty()) {
    auto raw = base64url_decode(q.cursor);
    Json c = raw ? Json::parse(*raw, nullptr, false) : Json();
    bool ok = c.is_object() && c.contains("x") && c["x"] == index && c.contains("k") && c["k"].is_object() &&
              ddb::get_s(c["k"], "owner").value_or("") == q.owner && ddb::get_s(c["k"], "imageId") &&
              ddb::get_s(c["k"], index) && c["k"].size() == 3;
    if (!ok) return make_error(meta::Errc::InvalidArgument, op + ": malformed cursor (or one from another owner or sort order)");
    start = c["k"];
  }

  Json names{{"#o", "owner"}};
  Json values{{":o", ddb::S(q.owner)}};
  std::string key_cond = "#o = :o";
  std::vector<std::string> filters;
  if (by_taken && (q.taken_from_ms || q.taken_to_ms)) {
    names["#k"] = "byTaken";
    std::string lo = q.taken_from_ms ? taken_key(*q.taken_from_ms, "") : "1";
    std::string hi = q.taken_to_ms ? taken_key(*q.taken_to_ms, "~") : "1~";
    values[":lo"] = ddb::S(lo);
    values[":hi"] = ddb::S(hi);
    key_cond += " AND #k BETWEEN :lo AND :hi";
  } else {
    if (q.taken_from_ms) {
      names["#t"] = "takenAt";
      values[":tf"] = ddb::N(*q.taken_from_ms);
      filters.push_back("#t >= :tf");
    }
    if (q.taken_to_ms) {
      names["#t"] = "takenAt";
      values[":tt"] = ddb::N(*q.taken_to_ms);
      filters.push_back("#t <= :tt");
    }
  }
  auto eq = [&](const char* attr, const char* alias, const std::string& value) {
    names[std::string("#") + alias] = attr;
    values[std::string(":") + alias] = ddb::S(value);
    filters.push_back(std::string("#") + alias + " = :" + alias);
  };
  // Case-insensitive substrings: the *Key attributes hold the lowercase values.
  auto has = [&](const char* attr, const char* alias, const std::vector<std::string>& any) {
    names[std::string("#") + alias] = attr;
    std::string cond;
    for (size_t i = 0; i < any.size(); ++i) {
      std::string v = std::string(":") + alias + std::to_string(i);
      values[v] = ddb::S(any[i]);
      cond += (i ? " OR " : "") + std::string("contains(#") + alias + ", " + v + ")";
    }
    filters.push_back("(" + cond + ")");
  };
  if (q.format) has("fmtKey", "f", store::format_patterns(*q.format));
  if (q.make) has("makeKey", "mk", {ascii_lower(*q.make)});
  if (q.model) has("modelKey", "md", {ascii_lower(*q.model)});
  if (q.lens) has("lensKey", "ln", {ascii_lower(*q.lens)});
  if (q.status) eq("status", "st", std::string(store::to_string(*q.status)));
  if (q.has_gps) {
    names["#g"] = "hasGps";
    values[":g"] = ddb::BOOL(*q.has_gps);
    filters.push_back("#g = :g");
  }
  auto range = [&](const char* attr, const char* alias, const std::optional<double>& lo, const std::optional<double>& hi) {
    if (!lo && !hi) return;
    names[std::string("#") + alias] = attr;
    if (lo) {
      values[std::string(":") + alias + "lo"] = ddb::D(*lo);
      filters.push_back(std::string("#") + alias + " >= :" + alias + "lo");
    }
    if (hi) {
      values[std::string(":") + alias + "hi"] = ddb::D(*hi);
      filters.push_back(std::string("#") + alias + " <= :" + alias + "hi");
    }
  };
  range("iso", "iso", q.iso_min, q.iso_max);
  range("fNumber", "fn", q.f_min, q.f_max);
  range("focal", "fl", q.focal_min, q.focal_max);
  range("exposure", "ex", q.exposure_min, q.exposure_max);
  if (q.orientation) {
    names["#dw"] = "dispW";
    names["#dh"] = "dispH";
    if (*q.orientation == store::Orientation::Portrait) filters.push_back("#dh > #dw");
    if (*q.orientation == store::Orientation::Landscape) filters.push_back("#dw > #dh");
    if (*q.orientation == store::Orientation::Square) {
      values[":zero"] = ddb::N(int64_t{0});
      filters.push_back("#dw = #dh AND #dw > :zero");
    }
  }
  if (q.bbox) {
    names["#la"] = "lat";
    names["#lo"] = "lon";
    values[":la0"] = ddb::D(q.bbox->min_lat);
    values[":la1"] = ddb::D(q.bbox->max_lat);
    values[":lo0"] = ddb::D(q.bbox->min_lon);
    values[":lo1"] = ddb::D(q.bbox->max_lon);
    filters.push_back("#la BETWEEN :la0 AND :la1");
    filters.push_back(q.bbox->min_lon <= q.bbox->max_lon ? "#lo BETWEEN :lo0 AND :lo1" : "(#lo >= :lo0 OR #lo <= :lo1)");
  }
  // Records written by apply_extraction keep the file name's words (nameText) and the
  // metadata's (searchWords) apart, searched as "<name> <words>": a phrase with a space may
  // span the two. DynamoDB cannot join them, so each split of the phrase at a space becomes
  // a necessary condition (the name holds the head, the words begin with the tail) and the
  // exact test runs here on what comes back (phrase_spans).
  std::string phrase;
  bool phrase_spans = false;
  if (q.q && !q.q->empty()) {
    phrase = ascii_lower(*q.q);
    names["#q"] = "searchText";
    names["#qn"] = "nameText";
    names["#qw"] = "searchWords";
    values[":q"] = ddb::S(phrase);
    std::string cond = "contains(#q, :q) OR contains(#qn, :q) OR contains(#qw, :q)";
    constexpr size_t kMaxSplits = 8;
    size_t splits = 0;
    for (size_t at = phrase.find(' '); at != std::string::npos; at = phrase.find(' ', at + 1)) {
      phrase_spans = true;
      if (++splits > kMaxSplits) {
        cond += " OR attribute_exists(#qw)";  // too many to list: the exact test decides
        break;
      }
      const std::string head = phrase.substr(0, at), tail = phrase.substr(at + 1), n = std::to_string(splits);
      std::string split = "attribute_exists(#qw)";  // the phrase is one space
      if (!head.empty()) {
        values[":qh" + n] = ddb::S(head);
        split = "contains(#qn, :qh" + n + ")";
      }
      if (!tail.empty()) {
        values[":qt" + n] = ddb::S(tail);
        split = (head.empty() ? "" : split + " AND ") + "begins_with(#qw, :qt" + n + ")";
      }
      cond += " OR (" + split + ")";
    }
    filters.push_back("(" + cond + ")");
  }

  // Limit counts items read before the filter: read more when the query's own filters
  // narrow it. The trash filter alone does not: trashed images are few, and the loop below
  // reads on when it dropped some.
  const bool narrowed = !filters.empty();
  names["#trashed"] = "trashedAt";
  filters.push_back("attribute_not_exists(#trashed)");

  store::ImagePage page;
  std::vector<Json> items;  // up to limit + 1: the extra one says another page exists
  const size_t want = static_cast<size_t>(limit) + 1;
  for (int pages = 0; pages < kMaxQueryPages; ++pages) {
    Json req{{"TableName", table_},
             {"IndexName", index},
             {"KeyConditionExpression", key_cond},
             {"ExpressionAttributeNames", names},
             {"ExpressionAttributeValues", values},
             {"ScanIndexForward", false}};
    // Limit counts items read before the filter: read more when filtering.
    size_t need = want - items.size();
    req["Limit"] = narrowed ? std::max<size_t>(need, 100) : need;
    if (!filters.empty()) {
      std::string f;
      for (const auto& part : filters) f += (f.empty() ? "" : " AND ") + part;
      req["FilterExpression"] = f;
    }
    if (!start.is_null()) req["ExclusiveStartKey"] = start;
    auto r = client_->call("Query", req, table_ + "/" + index);
    if (!r) return r.error();
    for (const auto& it : (*r)["Items"]) {
      if (phrase_spans && item_search_text(it).find(phrase) == std::string::npos) continue;
      items.push_back(it);
      if (items.size() == want) break;
    }
    if (items.size() == want) break;
    if (!r->contains("LastEvaluatedKey")) {
      start = Json();
      break;
    }
    start = (*r)["LastEvaluatedKey"];
    if (pages + 1 == kMaxQueryPages) {  // stop reading; resume from where DynamoDB stopped
      page.next_cursor = encode_cursor(index, start);
    }
  }
  if (items.size() == want) {
    items.pop_back();
    const Json& last = items.back();
    Json key{{"owner", last["owner"]}, {"imageId", last["imageId"]}, {index, last[index]}};
    page.next_cursor = encode_cursor(index, key);
  }
  for (const auto& it : items) {
    auto rec = item_to_record(it);
    if (!rec) return rec.error();
    if (q.location_only) rec->metadata_json = "{}";  // read anyway: a projection costs the same RCUs
    page.items.push_back(std::move(rec).value());
  }
  return page;
}

// --- the trash ---

namespace {

std::string trashed_key(int64_t at_ms, const std::string& image_id) { return pad_number(at_ms, 13) + "#" + image_id; }

}  // namespace

Result<ImageRecord> DynamoMetadataStore::trash(const std::string& owner, const std::string& image_id, int64_t at_ms) {
  std::string op = "DynamoMetadataStore.trash " + owner + "/" + image_id;
  if (auto s = check_owner(op, owner); !s) return s.error();
  if (auto s = check_image_id(op, image_id); !s) return make_error(meta::Errc::NotFound, op + ": no such image");
  Json req{{"TableName", table_},
           {"Key", key_of(owner, image_id)},
           {"UpdateExpression", "SET #t = if_not_exists(#t, :t), #k = if_not_exists(#k, :k)"},
           {"ConditionExpression", "#kind = :image"},
           {"ExpressionAttributeNames", {{"#t", "trashedAt"}, {"#k", "byTrashed"}, {"#kind", "kind"}}},
           {"ExpressionAttributeValues",
            {{":t", ddb::N(at_ms)}, {":k", ddb::S(trashed_key(at_ms, image_id))}, {":image", ddb::S("image")}}},
           {"ReturnValues", "ALL_NEW"}};
  auto r = client_->call("UpdateItem", req, table_ + " " + owner + "/" + image_id);
  if (!r) {
    if (is_conditional_failure(r.error())) return make_error(meta::Errc::NotFound, op + ": no such image");
    return r.error();
  }
  if (!r->contains("Attributes")) return make_error(meta::Errc::InvalidResponse, op + ": UpdateItem returned no attributes");
  return item_to_record((*r)["Attributes"]);
}

Result<ImageRecord> DynamoMetadataStore::restore(const std::string& owner, const std::string& image_id) {
  std::string op = "DynamoMetadataStore.restore " + owner + "/" + image_id;
  if (auto s = check_owner(op, owner); !s) return s.error();
  if (auto s = check_image_id(op, image_id); !s) return make_error(meta::Errc::NotFound, op + ": no such image in the trash");
  Json req{{"TableName", table_},
           {"Key", key_of(owner, image_id)},
           {"UpdateExpression", "REMOVE #t, #k"},
           {"ConditionExpression", "#kind = :image AND attribute_exists(#t)"},
           {"ExpressionAttributeNames", {{"#t", "trashedAt"}, {"#k", "byTrashed"}, {"#kind", "kind"}}},
           {"ExpressionAttributeValues", {{":image", ddb::S("image")}}},
           {"ReturnValues", "ALL_NEW"}};
  auto r = client_->call("UpdateItem", req, table_ + " " + owner + "/" + image_id);
  if (!r) {
    if (is_conditional_failure(r.error())) return make_error(meta::Errc::NotFound, op + ": no such image in the trash");
    return r.error();
  }
  if (!r->contains("Attributes")) return make_error(meta::Errc::InvalidResponse, op + ": UpdateItem returned no attributes");
  return item_to_record((*r)["Attributes"]);
}

Result<store::ImagePage> DynamoMetadataStore::list_trash(const store::TrashQuery& q) {
  std::string op = "DynamoMetadataStore.list_trash " + q.owner;
  if (auto s = check_owner(op, q.owner); !s) return s.error();
  if (q.limit < 1 || q.limit > store::kMaxListLimit)
    return make_error(meta::Errc::InvalidArgument, op + ": limit " + std::to_string(q.limit) + " outside 1.." +
                                             std::to_string(store::kMaxListLimit));
  const std::string index = "byTrashed";
  Json start;
  if (!q.cursor.empty()) {
    auto raw = base64url_decode(q.cursor);
    Json c = raw ? Json::parse(*raw, nullptr, false) : Json();
    bool ok = c.is_object() && c.contains("x") && c["x"] == index && c.contains("k") && c["k"].is_object() &&
              ddb::get_s(c["k"], "owner").value_or("") == q.owner && ddb::get_s(c["k"], "imageId") &&
              ddb::get_s(c["k"], index) && c["k"].size() == 3;
    if (!ok) return make_error(meta::Errc::InvalidArgument, op + ": malformed cursor (or one from another owner or listing)");
    start = c["k"];
  }
  store::ImagePage page;
  std::vector<Json> items;
  const size_t want = static_cast<size_t>(q.limit) + 1;
  for (int pages = 0; pages < kMaxQueryPages; ++pages) {
    Json req{{"TableName", table_},
             {"IndexName", index},
             {"KeyConditionExpression", "#o = :o"},
             {"ExpressionAttributeNames", {{"#o", "owner"}}},
             {"ExpressionAttributeValues", {{":o", ddb::S(q.owner)}}},
             {"ScanIndexForward", false},
             {"Limit", want - items.size()}};
    if (!start.is_null()) req["ExclusiveStartKey"] = start;
    auto r = client_->call("Query", req, table_ + "/" + index);
    if (!r) return r.error();
    for (const auto& it : (*r)["Items"]) {
      items.push_back(it);
      if (items.size() == want) break;
    }
    if (items.size() == want || !r->contains("LastEvaluatedKey")) break;
    start = (*r)["LastEvaluatedKey"];
  }
  if (items.size() == want) {
    items.pop_back();
    const Json& last = items.back();
    page.next_cursor = encode_cursor(index, Json{{"owner", last["owner"]}, {"imageId", last["imageId"]}, {index, last[index]}});
  }
  for (const auto& it : items) {
    auto rec = item_to_record(it);
    if (!rec) return rec.error();
    page.items.push_back(std::move(rec).value());
  }
  return page;
}

// A Scan of the sparse byTrashed index: it holds the trashed images of every owner and
// nothing else, so the daily purge reads the trash, not the table.
Result<std::vector<store::TrashedImage>> DynamoMetadataStore::expired_trash(int64_t cutoff_ms, int limit) {
  std::string op = "DynamoMetadataStore.expired_trash";
  if (limit < 1) return make_error(meta::Errc::InvalidArgument, op + ": limit must be positive");
  std::vector<store::TrashedImage> out;
  Json start;
  for (;;) {
    Json req{{"TableName", table_},
             {"IndexName", "byTrashed"},
             {"FilterExpression", "#t <= :c"},
             {"ProjectionExpression", "#o, #id, #t"},
             {"ExpressionAttributeNames", {{"#t", "trashedAt"}, {"#o", "owner"}, {"#id", "imageId"}}},
             {"ExpressionAttributeValues", {{":c", ddb::N(cutoff_ms)}}}};
    if (!start.is_null()) req["ExclusiveStartKey"] = start;
    auto r = client_->call("Scan", req, table_ + "/byTrashed");
    if (!r) return r.error();
    for (const auto& it : (*r)["Items"]) {
      store::TrashedImage t{ddb::get_s(it, "owner").value_or(""), ddb::get_s(it, "imageId").value_or(""),
                            ddb::get_n(it, "trashedAt").value_or(0)};
      if (t.owner.empty() || t.image_id.empty()) continue;
      out.push_back(std::move(t));
      if (out.size() == static_cast<size_t>(limit)) return out;
    }
    if (!r->contains("LastEvaluatedKey")) break;
    start = (*r)["LastEvaluatedKey"];
  }
  return out;
}

}  // namespace imgmeta::aws
