// The S3 event record: what S3 sends when an object is created or removed, what the local
// server writes into its outbox, and what the handler takes. Parsed from every shape it
// arrives in: a notification ({"Records":[...]}), the same inside an SQS message body (S3 ->
// SQS -> Lambda), inside an SNS message (S3 -> SNS -> Lambda: a record with "EventSource":
// "aws:sns" whose Sns.Message is the notification; S3 -> SNS -> SQS: a body that is the SNS
// envelope), an EventBridge event from S3 ("source":"aws.s3", detail-type "Object Created" /
// "Object Deleted"), and moto's variant (no sequencer, '/' as %2F, eventTime without 'Z').
//
// Reference: Amazon S3 User Guide, "Event message structure" (eventVersion 2.1).
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "meta/result.hpp"

namespace imgmeta::pipeline {

using meta::Error;
using meta::Result;
using meta::Status;

// Event names as S3 writes them in a record (the configuration uses the "s3:" prefix,
// records do not).
inline constexpr std::string_view kObjectCreatedPut = "ObjectCreated:Put";
inline constexpr std::string_view kObjectCreatedCompleteMultipartUpload = "ObjectCreated:CompleteMultipartUpload";
inline constexpr std::string_view kObjectRemovedDelete = "ObjectRemoved:Delete";

struct EventRecord {
  std::string event_name;  // "ObjectCreated:Put", "ObjectRemoved:Delete", ... ("s3:" prefix stripped)
  std::string event_time;  // as received, ISO 8601 ("2019-09-03T19:37:27.192Z")
  std::string region;      // awsRegion ("local" from the embedded server)
  std::string bucket;      // s3.bucket.name
  std::string key;         // s3.object.key, decoded ('+' -> space, then %XX)
  std::optional<uint64_t> size;  // absent on S3's delete records
  std::string etag;        // s3.object.eTag, no quotes; may be empty
  std::string sequencer;   // s3.object.sequencer, hex; empty when the sender gives none (moto)
  std::string version_id;  // s3.object.versionId; empty when unversioned

  bool is_created() const { return event_name.starts_with("ObjectCreated:"); }
  bool is_removed() const { return event_name.starts_with("ObjectRemoved:"); }
};

struct ParsedEvents {
  std::vector<EventRecord> records;  // S3 records in document order
  size_t ignored = 0;                // s3:TestEvent messages, non-S3 records
};

// Parses a notification document: {"Records":[S3 records]}, an SQS event whose records
// carry such a document (or an s3:TestEvent) as their string `body`, an SNS event whose
// records carry it as Sns.Message, an SNS envelope ({"Type":"Notification","TopicArn":...,
// "Message":...}; confirmations are ignored), an EventBridge S3 event (other detail types
// than Object Created/Deleted are ignored), a bare S3 record, or an s3:TestEvent (no
// records). Errors name the record index and the field. Caps: 10000 records, 1 MiB of JSON,
// two levels of envelopes (SQS -> SNS), key 1024 bytes after decoding (S3's limit).
Result<ParsedEvents> parse_events(std::string_view json);

// One record as real S3 writes it (eventVersion 2.1, key form-encoded with '/' kept,
// eventTime with milliseconds and 'Z'), and the whole {"Records":[...]} document.
std::string format_event(const EventRecord& record);
std::string format_events(const std::vector<EventRecord>& records);

// S3's key encoding in records: form-style, space as '+', every byte outside
// [A-Za-z0-9-_.*'()!~/] as %XX. decode_key undoes it and moto's variant: '+' -> space, then
// %XX (invalid escapes are kept literally).
std::string encode_key(std::string_view key);
std::string decode_key(std::string_view encoded);

// S3 User Guide: "the sequencer ... compare the strings after left-padding the shorter one
// with zeros". Case-insensitive hex; <0, 0, >0 like strcmp. Only meaningful for one key.
int compare_sequencers(std::string_view a, std::string_view b);

// The sequencer that orders this record: s3.object.sequencer, uppercased; when absent
// (moto), 16 hex digits of eventTime in microseconds since the epoch, so senders without
// sequencers still order by time; "0" when neither is usable.
std::string effective_sequencer(const EventRecord& record);

// The key contract (DESIGN.md): uploads/<owner>/<imageId>. owner: 1-128 characters of
// [A-Za-z0-9_-] (Cognito subs are UUIDs, local ids ULIDs); imageId: a ULID.
inline constexpr std::string_view kUploadsPrefix = "uploads/";
struct ObjectKey {
  std::string owner;
  std::string image_id;
};
bool is_valid_owner(std::string_view owner);
std::string object_key(std::string_view owner, std::string_view image_id);
// nullopt when key does not follow the contract (the handler then ignores the event).
std::optional<ObjectKey> parse_object_key(std::string_view key);

}  // namespace imgmeta::pipeline
