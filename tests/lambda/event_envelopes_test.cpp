// The fan-out's envelopes (deploy/template.yaml routes the bucket's events through one SNS
// topic; EventBridge is the documented alternative): every shape in tests/lambda/fixtures/
// parses to the S3 record it carries, the extract handler and the queue workers act on them,
// and malformed envelopes are refused with the place named.
#include <gtest/gtest.h>

#include <deque>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "../store/temp_dir.hpp"
#include "lambda/extract_handler.hpp"
#include "pipeline/event.hpp"
#include "pipeline/queue_workers.hpp"
#include "store/directory_blob_store.hpp"
#include "store/sqlite_metadata_store.hpp"

namespace imgmeta::pipeline {
namespace {

using nlohmann::json;

const std::string kKey = "uploads/3f1c2a9e-1b7d-4c55-9a0e-0d8c4e9b7a21/01HQZX9Y3K4M5N6P7Q8R9S0T1V";
const std::string kBucket = "imgmeta-images-123456789012-us-east-2";

std::string fixture(const std::string& name) {
  auto path = std::filesystem::path(IMGMETA_LAMBDA_FIXTURES) / name;
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

ParsedEvents parse_fixture(const std::string& name) {
  auto parsed = parse_events(fixture(name));
  EXPECT_TRUE(parsed.ok()) << name << ": " << (parsed ? "" : parsed.error().message);
  return parsed ? *parsed : ParsedEvents{};
}

TEST(Envelopes, SnsLambdaEventCarriesTheS3Notification) {
  auto p = parse_fixture("sns-lambda-s3-put.json");
  ASSERT_EQ(p.records.size(), 1u);
  const EventRecord& e = p.records[0];
  EXPECT_EQ(e.event_name, "ObjectCreated:Put");
  EXPECT_EQ(e.bucket, kBucket);
  EXPECT_EQ(e.key, kKey);
  EXPECT_EQ(e.size, std::optional<uint64_t>(1305107));
  EXPECT_EQ(e.sequencer, "0C0F6F405D6ED209E1");
  EXPECT_EQ(e.region, "us-east-2");
  EXPECT_TRUE(parse_object_key(e.key).has_value());
}

TEST(Envelopes, SnsLambdaDeleteHasNoSize) {
  auto p = parse_fixture("sns-lambda-s3-delete.json");
  ASSERT_EQ(p.records.size(), 1u);
  EXPECT_TRUE(p.records[0].is_removed());
  EXPECT_EQ(p.records[0].size, std::nullopt);
  EXPECT_EQ(p.records[0].sequencer, "0C0F6F405D6ED20A00");
}

TEST(Envelopes, SqsBodyThatIsAnSnsEnvelope) {
  auto p = parse_fixture("sqs-sns-s3-put.json");
  ASSERT_EQ(p.records.size(), 1u);
  EXPECT_EQ(p.records[0].event_name, "ObjectCreated:CompleteMultipartUpload");
  EXPECT_EQ(p.records[0].key, kKey);
}

TEST(Envelopes, TestEventAndConfirmationsThroughSnsAreIgnored) {
  auto t = parse_fixture("sns-envelope-s3-test-event.json");
  EXPECT_TRUE(t.records.empty());
  EXPECT_EQ(t.ignored, 1u);
  auto c = parse_fixture("sns-envelope-subscription-confirmation.json");
  EXPECT_TRUE(c.records.empty());
  EXPECT_EQ(c.ignored, 1u);
}

TEST(Envelopes, EventBridgeObjectCreated) {
  auto p = parse_fixture("eventbridge-object-created.json");
  ASSERT_EQ(p.records.size(), 1u);
  const EventRecord& e = p.records[0];
  EXPECT_EQ(e.event_name, "ObjectCreated:Put");
  EXPECT_TRUE(e.is_created());
  EXPECT_EQ(e.event_time, "2021-11-12T00:00:00Z");
  EXPECT_EQ(e.region, "ca-central-1");
  EXPECT_EQ(e.bucket, kBucket);
  EXPECT_EQ(e.key, kKey);
  EXPECT_EQ(e.size, std::optional<uint64_t>(5));
  EXPECT_EQ(e.etag, "b1946ac92492d2347c6235b4d2611184");
  EXPECT_EQ(e.version_id, "IYV3p45BT0ac8hjHg1houSdS1a.Mro8e");
  EXPECT_EQ(effective_sequencer(e), "617F08299329D189");
}

TEST(Envelopes, EventBridgeObjectDeletedAndReasons) {
  auto p = parse_fixture("eventbridge-object-deleted.json");
  ASSERT_EQ(p.records.size(), 1u);
  EXPECT_EQ(p.records[0].event_name, "ObjectRemoved:Delete");
  EXPECT_EQ(p.records[0].size, std::nullopt);
  EXPECT_EQ(p.records[0].sequencer, "617f0837b476e463");

  json doc = json::parse(fixture("eventbridge-object-created.json"));
  for (auto [reason, name] : {std::pair{"CopyObject", "ObjectCreated:Copy"},
                              std::pair{"CompleteMultipartUpload", "ObjectCreated:CompleteMultipartUpload"},
                              std::pair{"POST Object", "ObjectCreated:Post"}}) {
    doc["detail"]["reason"] = reason;
    auto r = parse_events(doc.dump());
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->records.size(), 1u);
    EXPECT_EQ(r->records[0].event_name, name);
  }
  json del = json::parse(fixture("eventbridge-object-deleted.json"));
  del["detail"]["deletion-type"] = "Delete Marker Created";
  auto r = parse_events(del.dump());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->records[0].event_name, "ObjectRemoved:DeleteMarkerCreated");
  EXPECT_TRUE(r->records[0].is_removed());
}

TEST(Envelopes, EventBridgeTypesThePipelineDoesNotActOnAreIgnored) {
  auto p = parse_fixture("eventbridge-object-tagging.json");
  EXPECT_TRUE(p.records.empty());
  EXPECT_EQ(p.ignored, 1u);
}

TEST(Envelopes, EventBridgeInsideAnSqsBody) {
  json sqs = json::parse(fixture("sqs-sns-s3-put.json"));
  sqs["Records"][0]["body"] = fixture("eventbridge-object-created.json");
  auto r = parse_events(sqs.dump());
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->records.size(), 1u);
  EXPECT_EQ(r->records[0].version_id, "IYV3p45BT0ac8hjHg1houSdS1a.Mro8e");
}

TEST(Envelopes, MalformedEnvelopesNameThePlace) {
  json sns = json::parse(fixture("sns-lambda-s3-put.json"));
  json no_sns = sns;
  no_sns["Records"][0].erase("Sns");
  auto a = parse_events(no_sns.dump());
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.error().message.find("Records[0]: SNS record without Sns"), std::string::npos) << a.error().message;

  json bad_message = sns;
  bad_message["Records"][0]["Sns"]["Message"] = "{not json";
  auto b = parse_events(bad_message.dump());
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.error().message.find("Sns.Message: not JSON"), std::string::npos) << b.error().message;

  json no_message = json::parse(fixture("sns-envelope-s3-test-event.json"));
  no_message.erase("Message");
  EXPECT_FALSE(parse_events(no_message.dump()).ok());

  json eb = json::parse(fixture("eventbridge-object-created.json"));
  eb["detail"]["object"].erase("key");
  auto c = parse_events(eb.dump());
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("detail.object.key"), std::string::npos);
  eb = json::parse(fixture("eventbridge-object-created.json"));
  eb["detail"]["object"]["size"] = -5;
  EXPECT_FALSE(parse_events(eb.dump()).ok());
}

TEST(Envelopes, EnvelopesNestedBeyondSqsAndSnsAreRefused) {
  // SQS body -> SNS envelope -> SNS envelope -> notification: one envelope too many.
  json inner = json::parse(fixture("sns-envelope-s3-test-event.json"));
  inner["Message"] = json::parse(fixture("sqs-sns-s3-put.json"))["Records"][0]["body"].get<std::string>();
  json sqs = json::parse(fixture("sqs-sns-s3-put.json"));
  sqs["Records"][0]["body"] = inner.dump();
  auto r = parse_events(sqs.dump());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("nested too deep"), std::string::npos) << r.error().message;
}

// The handler and the queue workers over the directory store and SQLite.
struct EnvelopeDelivery : ::testing::Test {
  imgmeta::testing::TempDir dir;
  std::unique_ptr<store::DirectoryBlobStore> blobs;
  std::unique_ptr<store::SqliteMetadataStore> db;
  const std::string owner = "3f1c2a9e-1b7d-4c55-9a0e-0d8c4e9b7a21";
  const std::string id = "01HQZX9Y3K4M5N6P7Q8R9S0T1V";

  void SetUp() override {
    store::DirectoryBlobStoreOptions o;
    o.data_dir = dir.path();
    o.secret = "s";
    blobs = std::move(store::DirectoryBlobStore::open(o)).value();
    db = std::move(store::SqliteMetadataStore::open({dir / "meta.db"})).value();
    std::string bytes = imgmeta::testing::read_file(std::string(IMGMETA_SHARED_DIR) + "/corpus/jpeg/ianare_Canon_40D.jpg");
    auto w = blobs->begin_put(kKey, {bytes.size(), "image/jpeg", std::nullopt});
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->write(bytes).ok());
    ASSERT_TRUE((*w)->commit().ok());
  }
};

TEST_F(EnvelopeDelivery, ExtractHandlerActsOnAnSnsEventThenItsDelete) {
  lambda::ExtractContext ctx;
  ctx.blobs = blobs.get();
  ctx.metadata = db.get();
  ctx.bucket = kBucket;
  std::ostringstream log;
  ctx.log = &log;
  lambda::Invocation inv;
  inv.request_id = "r1";
  inv.payload = fixture("sns-lambda-s3-put.json");
  auto result = lambda::handle_extract(inv, ctx);
  EXPECT_TRUE(result.ok) << log.str();
  auto rec = db->get(owner, id);
  ASSERT_TRUE(rec.ok()) << log.str();
  EXPECT_EQ(rec->status, store::ImageStatus::Ready);

  inv.payload = fixture("sns-lambda-s3-delete.json");
  result = lambda::handle_extract(inv, ctx);
  EXPECT_TRUE(result.ok) << log.str();
  EXPECT_FALSE(db->get(owner, id).ok());
}

struct OneMessageQueue final : EventQueue {
  std::deque<QueueMessage> visible;
  std::vector<std::string> removed;
  Result<std::vector<QueueMessage>> receive() override {
    std::vector<QueueMessage> out(visible.begin(), visible.end());
    visible.clear();
    return out;
  }
  Status remove(const QueueMessage& m) override {
    removed.push_back(m.id);
    return meta::ok_status();
  }
  Status retry_later(const QueueMessage&, std::chrono::seconds) override { return meta::ok_status(); }
};

TEST_F(EnvelopeDelivery, QueueWorkersReadSnsEnvelopesFromTheirQueue) {
  OneMessageQueue queue;
  std::string body = json::parse(fixture("sqs-sns-s3-put.json"))["Records"][0]["body"].get<std::string>();
  queue.visible.push_back({"m1", "r1", body, 1});
  queue.visible.push_back({"m2", "r2", fixture("sns-envelope-s3-test-event.json"), 1});
  Metrics metrics;
  QueueWorkers workers(queue, *blobs, *db, {}, {}, metrics);
  auto n = workers.poll_once();
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 2u);
  EXPECT_EQ(queue.removed, (std::vector<std::string>{"m1", "m2"}));
  auto rec = db->get(owner, id);
  ASSERT_TRUE(rec.ok());
  EXPECT_EQ(rec->status, store::ImageStatus::Ready);
}

}  // namespace
}  // namespace imgmeta::pipeline
