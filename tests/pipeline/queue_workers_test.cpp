// QueueWorkers over a queue held in memory (what SQS does, minus the network), with the
// real handler, directory store and SQLite store.
#include "pipeline/queue_workers.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <filesystem>

#include "../store/temp_dir.hpp"
#include "store/directory_blob_store.hpp"
#include "store/sqlite_metadata_store.hpp"

namespace imgmeta::pipeline {
namespace {

using store::ImageStatus;
constexpr const char* kOwner = "alice";
constexpr const char* kId = "01JD3XJ8Y8ZK5W3V1Q2R4T6Y8A";
const std::string kKey = std::string("uploads/alice/") + kId;

// A queue as SQS behaves for one consumer: receive hands out what is visible, remove
// deletes, retry_later counts another delivery and records the delay asked for.
struct MemoryQueue final : EventQueue {
  std::deque<QueueMessage> visible;
  std::vector<std::string> removed;
  std::vector<std::chrono::seconds> delays;
  bool fail_receive = false;

  Result<std::vector<QueueMessage>> receive() override {
    if (fail_receive) return meta::make_error(meta::Errc::ServiceUnavailable, "SQS.ReceiveMessage: 503");
    std::vector<QueueMessage> out(visible.begin(), visible.end());
    visible.clear();
    return out;
  }
  Status remove(const QueueMessage& m) override {
    removed.push_back(m.id);
    return meta::ok_status();
  }
  Status retry_later(const QueueMessage& m, std::chrono::seconds delay) override {
    delays.push_back(delay);
    QueueMessage again = m;
    again.receive_count++;
    visible.push_back(again);
    return meta::ok_status();
  }
};

std::string created_event(const std::string& sequencer) {
  EventRecord e;
  e.event_name = "ObjectCreated:Put";
  e.event_time = "2024-11-25T02:00:00.000Z";
  e.bucket = "b";
  e.key = kKey;
  e.sequencer = sequencer;
  return format_events({e});
}

struct QueueWorkersTest : ::testing::Test {
  testing::TempDir dir;
  std::unique_ptr<store::DirectoryBlobStore> blobs;
  std::unique_ptr<store::SqliteMetadataStore> db;
  MemoryQueue queue;
  Metrics metrics;
  QueueWorkerOptions options;
  std::vector<QueueReport> reports;

  void SetUp() override {
    store::DirectoryBlobStoreOptions o;
    o.data_dir = dir.path();
    o.secret = "s";
    blobs = std::move(store::DirectoryBlobStore::open(o)).value();
    db = std::move(store::SqliteMetadataStore::open({dir / "meta.db"})).value();
    options.max_attempts = 3;
  }

  void put_image() {
    std::string bytes = testing::read_file(std::string(IMGMETA_SHARED_DIR) + "/corpus/jpeg/ianare_Canon_40D.jpg");
    auto w = blobs->begin_put(kKey, {bytes.size(), "image/jpeg", std::nullopt});
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->write(bytes).ok());
    ASSERT_TRUE((*w)->commit().ok());
  }

  size_t poll() {
    QueueWorkers workers(queue, *blobs, *db, {}, options, metrics);
    workers.set_observer([this](const QueueReport& r) { reports.push_back(r); });
    auto n = workers.poll_once();
    EXPECT_TRUE(n.ok());
    return n ? *n : 0;
  }
};

TEST_F(QueueWorkersTest, HandledMessageIsDeletedAndTheImageReady) {
  put_image();
  queue.visible.push_back({"m1", "r1", created_event("10"), 1});
  EXPECT_EQ(poll(), 1u);
  EXPECT_EQ(queue.removed, std::vector<std::string>{"m1"});
  EXPECT_EQ(db->get(kOwner, kId)->status, ImageStatus::Ready);
  EXPECT_EQ(metrics.events_ready.load(), 1u);
}

TEST_F(QueueWorkersTest, FailedAttemptIsHiddenForABackoffThatGrows) {
  std::filesystem::create_directories(dir / ("blobs/" + kKey));  // unreadable: an I/O error
  queue.visible.push_back({"m1", "r1", created_event("10"), 1});
  poll();
  poll();
  ASSERT_EQ(queue.delays.size(), 2u);
  EXPECT_TRUE(queue.removed.empty());
  // Attempt 1 waits 1-2 s, attempt 2 waits 2-4 s (initial 2 s, doubled, jittered in [d/2, d]).
  EXPECT_GE(queue.delays[0].count(), 1);
  EXPECT_LE(queue.delays[0].count(), 2);
  EXPECT_GE(queue.delays[1].count(), 2);
  EXPECT_LE(queue.delays[1].count(), 4);
  EXPECT_EQ(db->get(kOwner, kId).error().code, meta::Errc::NotFound);
}

TEST_F(QueueWorkersTest, LastAttemptMarksTheImageFailedWithTheReasonAndDeletes) {
  std::filesystem::create_directories(dir / ("blobs/" + kKey));
  queue.visible.push_back({"m1", "r1", created_event("10"), 3});
  poll();
  EXPECT_EQ(queue.removed, std::vector<std::string>{"m1"});
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_TRUE(reports[0].gave_up);
  auto r = db->get(kOwner, kId);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, ImageStatus::Failed);
  EXPECT_NE(r->error.find("gave up after 3 attempts"), std::string::npos) << r->error;
}

TEST_F(QueueWorkersTest, MessageThatIsNoEventIsDroppedNotRetried) {
  queue.visible.push_back({"m1", "r1", "this is not JSON", 1});
  poll();
  EXPECT_EQ(queue.removed, std::vector<std::string>{"m1"});
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_TRUE(reports[0].dropped);
  EXPECT_TRUE(queue.delays.empty());
}

TEST_F(QueueWorkersTest, TestEventIsDeletedWithNothingWritten) {
  queue.visible.push_back({"m1", "r1", R"({"Service":"Amazon S3","Event":"s3:TestEvent","Bucket":"b"})", 1});
  poll();
  EXPECT_EQ(queue.removed, std::vector<std::string>{"m1"});
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_TRUE(reports[0].outcome.ok());
  EXPECT_TRUE(reports[0].records.empty());
}

TEST_F(QueueWorkersTest, DuplicateDeliveryLeavesTheSameState) {
  put_image();
  queue.visible.push_back({"m1", "r1", created_event("10"), 1});
  queue.visible.push_back({"m1", "r1b", created_event("10"), 2});
  EXPECT_EQ(poll(), 2u);
  EXPECT_EQ(queue.removed.size(), 2u);
  EXPECT_EQ(db->get(kOwner, kId)->status, ImageStatus::Ready);
}

TEST_F(QueueWorkersTest, WorkersKeepGoingWhenTheQueueFails) {
  queue.fail_receive = true;
  options.error_pause = std::chrono::milliseconds(10);
  QueueWorkers workers(queue, *blobs, *db, {}, options, metrics);
  std::atomic<int> errors{0};
  workers.set_observer([&](const QueueReport& r) {
    if (!r.outcome) errors++;
  });
  workers.start();
  for (int i = 0; i < 200 && errors < 2; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  workers.stop();
  EXPECT_GE(errors.load(), 2);
}

}  // namespace
}  // namespace imgmeta::pipeline
