#include "pipeline/event.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "../store/temp_dir.hpp"

namespace imgmeta::pipeline {
namespace {

std::string events_file(const std::string& rel) {
  return testing::read_file(std::string(IMGMETA_SHARED_DIR) + "/testdata/events/" + rel);
}

EventRecord only_record(const std::string& rel) {
  auto parsed = parse_events(events_file(rel));
  EXPECT_TRUE(parsed.ok()) << rel << ": " << (parsed ? "" : parsed.error().message);
  EXPECT_EQ(parsed ? parsed->records.size() : 0u, 1u) << rel;
  return parsed && !parsed->records.empty() ? parsed->records[0] : EventRecord{};
}

TEST(Events, AwsLambdaGoPutWithVersionAndPlaceholderSequencer) {
  EventRecord e = only_record("aws-lambda-go/s3-event.json");
  EXPECT_EQ(e.event_name, "ObjectCreated:Put");
  EXPECT_EQ(e.event_time, "1970-01-01T00:00:00.123Z");
  EXPECT_EQ(e.region, "us-east-1");
  EXPECT_EQ(e.bucket, "sourcebucket");
  EXPECT_EQ(e.key, "Happy Face.jpg");
  EXPECT_EQ(e.size, std::optional<uint64_t>(1024));
  EXPECT_EQ(e.etag, "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(e.sequencer, "Happy Sequencer");
  EXPECT_EQ(e.version_id, "version");
  EXPECT_TRUE(e.is_created());
}

TEST(Events, PowertoolsPutWithHexSequencer) {
  EventRecord e = only_record("powertools-lambda-python/s3Event.json");
  EXPECT_EQ(e.event_name, "ObjectCreated:Put");
  EXPECT_EQ(e.bucket, "lambda-artifacts-deafc19498e3f2df");
  EXPECT_EQ(e.key, "b21b84d653bb07b05b1e6b33684dc11b");
  EXPECT_EQ(e.size, std::optional<uint64_t>(1305107));
  EXPECT_EQ(e.sequencer, "0C0F6F405D6ED209E1");
  EXPECT_EQ(effective_sequencer(e), "0C0F6F405D6ED209E1");
}

TEST(Events, PowertoolsDeleteHasNoSizeNorEtag) {
  EventRecord e = only_record("powertools-lambda-python/s3EventDeleteObject.json");
  EXPECT_EQ(e.event_name, "ObjectRemoved:Delete");
  EXPECT_TRUE(e.is_removed());
  EXPECT_EQ(e.size, std::nullopt);
  EXPECT_EQ(e.etag, "");
  EXPECT_EQ(e.sequencer, "0C0F6F405D6ED209E1");
}

TEST(Events, SqsBodyCarriesTheS3Notification) {
  EventRecord e = only_record("powertools-lambda-python/s3SqsEvent.json");
  EXPECT_EQ(e.event_name, "ObjectCreated:Put");
  EXPECT_EQ(e.bucket, "xxx");
  EXPECT_EQ(e.key, "test.pdf");
  EXPECT_EQ(e.size, std::optional<uint64_t>(104681));
  EXPECT_EQ(e.version_id, "yd3d4HaWOT2zguDLvIQLU6ptDTwKBnQV");
  EXPECT_EQ(e.sequencer, "00643717F9F8B85354");
}

TEST(Events, MotoKeyIsFormDecodedWithSlashesAndUnicode) {
  EventRecord e = only_record("moto-5.2.1/s3-put.json");
  EXPECT_EQ(e.key, "uploads/u1/red flower+\xC3\xBC.jpg");
  EXPECT_EQ(e.bucket, "capture-bucket2");
  EXPECT_EQ(e.size, std::optional<uint64_t>(40));
  EXPECT_EQ(e.sequencer, "");
  // No sequencer: ordered by eventTime (2026-11-24T23:14:57.734692, microseconds, UTC).
  EXPECT_EQ(effective_sequencer(e), "0006610DE101F424");
}

TEST(Events, MotoCopyMultipartAndDelete) {
  EXPECT_EQ(only_record("moto-5.2.1/s3-copy.json").event_name, "ObjectCreated:Copy");
  EventRecord mpu = only_record("moto-5.2.1/s3-complete-multipart-upload.json");
  EXPECT_EQ(mpu.event_name, "ObjectCreated:CompleteMultipartUpload");
  EXPECT_EQ(mpu.key, "uploads/u1/mpu.jpg");
  EXPECT_EQ(mpu.etag, "bccb8986cc6b395e4f045d410c776698-1");
  EventRecord del = only_record("moto-5.2.1/s3-delete.json");
  EXPECT_TRUE(del.is_removed());
  EXPECT_EQ(del.key, "uploads/u1/red flower+\xC3\xBC.jpg");
}

TEST(Events, TestEventHasNoRecords) {
  auto parsed = parse_events(events_file("moto-5.2.1/s3-test-event.json"));
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(parsed->records.empty());
  EXPECT_EQ(parsed->ignored, 1u);
}

TEST(Events, EveryS3FileInTheTestdataParses) {
  size_t files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(std::string(IMGMETA_SHARED_DIR) + "/testdata/events")) {
    std::string name = entry.path().filename().string();
    if (entry.path().extension() != ".json" || name.find("s3") == std::string::npos) continue;
    auto parsed = parse_events(testing::read_file(entry.path().string()));
    EXPECT_TRUE(parsed.ok()) << entry.path() << ": " << (parsed ? "" : parsed.error().message);
    ++files;
  }
  EXPECT_EQ(files, 9u);
}

TEST(Events, ApiGatewayPayloadIsNotAnS3Event) {
  auto parsed = parse_events(events_file("aws-lambda-go/apigw-v2-request-no-authorizer.json"));
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().code, meta::Errc::InvalidEvent);
}

TEST(Events, MalformedDocumentsNameWhatIsWrong) {
  EXPECT_EQ(parse_events("not json").error().code, meta::Errc::InvalidEvent);
  EXPECT_EQ(parse_events("[1,2]").error().code, meta::Errc::InvalidEvent);
  auto no_key = parse_events(R"({"Records":[{"eventName":"ObjectCreated:Put","s3":{"object":{}}}]})");
  ASSERT_FALSE(no_key.ok());
  EXPECT_NE(no_key.error().message.find("Records[0]"), std::string::npos) << no_key.error().message;
  EXPECT_FALSE(parse_events(R"({"Records":[{"eventName":"ObjectCreated:Put","s3":{"object":{"key":"k","size":-1}}}]})").ok());
  EXPECT_FALSE(parse_events(R"({"Records":[{"eventName":"ObjectCreated:Put","s3":{"object":{"key":"k","size":"1"}}}]})").ok());
  EXPECT_FALSE(parse_events(R"({"Records":{"a":1}})").ok());
}

TEST(Events, DocumentsOverOneMebibyteAreRefused) {
  EXPECT_EQ(parse_events(std::string(1024 * 1024 + 1, ' ')).error().code, meta::Errc::InvalidEvent);
}

TEST(Events, FormattedRecordIsRealS3ShapedAndParsesBack) {
  EventRecord e;
  e.event_name = "ObjectCreated:Put";
  e.event_time = "2024-11-25T02:00:00.000Z";
  e.region = "local";
  e.bucket = "imgmeta-local";
  e.key = "uploads/u1/a b+c\xC3\xBC";
  e.size = 5;
  e.etag = "5d41402abc4b2a76b9719d911017c592";
  e.sequencer = "00000000000000A0";
  std::string doc = format_events({e});
  EXPECT_NE(doc.find("\"key\":\"uploads/u1/a+b%2Bc%C3%BC\""), std::string::npos) << doc;
  EXPECT_NE(doc.find("\"eventVersion\":\"2.1\""), std::string::npos);
  EXPECT_NE(doc.find("\"eventSource\":\"aws:s3\""), std::string::npos);
  auto back = parse_events(doc);
  ASSERT_TRUE(back.ok());
  ASSERT_EQ(back->records.size(), 1u);
  const EventRecord& r = back->records[0];
  EXPECT_EQ(r.key, e.key);
  EXPECT_EQ(r.event_name, e.event_name);
  EXPECT_EQ(r.event_time, e.event_time);
  EXPECT_EQ(r.bucket, e.bucket);
  EXPECT_EQ(r.size, e.size);
  EXPECT_EQ(r.etag, e.etag);
  EXPECT_EQ(r.sequencer, e.sequencer);
}

TEST(Events, DeleteIsFormattedWithoutSizeOrEtagAsS3Does) {
  EventRecord e;
  e.event_name = "ObjectRemoved:Delete";
  e.key = "k";
  e.sequencer = "1";
  std::string doc = format_event(e);
  EXPECT_EQ(doc.find("\"size\""), std::string::npos);
  EXPECT_EQ(doc.find("\"eTag\""), std::string::npos);
}

TEST(Events, KeyDecodingKeepsInvalidEscapes) {
  EXPECT_EQ(decode_key("a%2"), "a%2");
  EXPECT_EQ(decode_key("a%zz"), "a%zz");
  EXPECT_EQ(decode_key("%2F%2f"), "//");
}

TEST(Sequencers, DuplicateAndReorderedCompareAsS3Says) {
  EXPECT_EQ(compare_sequencers("0C0F6F405D6ED209E1", "0C0F6F405D6ED209E1"), 0);
  EXPECT_LT(compare_sequencers("0C0F6F405D6ED209E1", "0C0F6F405D6ED20A00"), 0);
  EXPECT_GT(compare_sequencers("100", "FF"), 0);
  EXPECT_EQ(compare_sequencers("0a", "A"), 0);
}

TEST(Keys, UploadsOwnerImageIdContract) {
  auto k = parse_object_key("uploads/u-1_x/01JD3XJ8Y8ZK5W3V1Q2R4T6Y8A");
  ASSERT_TRUE(k);
  EXPECT_EQ(k->owner, "u-1_x");
  EXPECT_EQ(k->image_id, "01JD3XJ8Y8ZK5W3V1Q2R4T6Y8A");
  EXPECT_EQ(object_key("u1", "01JD3XJ8Y8ZK5W3V1Q2R4T6Y8A"), "uploads/u1/01JD3XJ8Y8ZK5W3V1Q2R4T6Y8A");
  for (const char* bad : {"uploads/u1", "uploads//01JD3XJ8Y8ZK5W3V1Q2R4T6Y8A", "other/u1/01JD3XJ8Y8ZK5W3V1Q2R4T6Y8A",
                          "uploads/u1/not-a-ulid", "uploads/u1/01JD3XJ8Y8ZK5W3V1Q2R4T6Y8A/x",
                          "uploads/u 1/01JD3XJ8Y8ZK5W3V1Q2R4T6Y8A", "uploads/u1/81JD3XJ8Y8ZK5W3V1Q2R4T6Y8A"})
    EXPECT_FALSE(parse_object_key(bad)) << bad;
}

}  // namespace
}  // namespace imgmeta::pipeline
