#include "pipeline/outbox.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include "../store/temp_dir.hpp"
#include "pipeline/ulid.hpp"
#include "store/time.hpp"

namespace imgmeta::pipeline {
namespace {

using namespace std::chrono_literals;
using store::ImageStatus;

constexpr const char* kOwner = "alice";

std::string corpus(const std::string& rel) { return testing::read_file(std::string(IMGMETA_SHARED_DIR) + "/corpus/" + rel); }

struct OutboxTest : ::testing::Test {
  testing::TempDir dir;
  std::unique_ptr<store::DirectoryBlobStore> blobs;
  std::unique_ptr<store::SqliteMetadataStore> db;
  Metrics metrics;
  WorkerOptions worker_options;
  std::unique_ptr<Outbox> outbox;
  std::string jpeg = corpus("jpeg/ianare_Canon_40D.jpg");

  void SetUp() override {
    worker_options.backoff_initial = 200ms;
    worker_options.idle_poll = 50ms;
    open();
  }

  void open() {
    store::DirectoryBlobStoreOptions o;
    o.data_dir = dir.path();
    o.secret = "s";
    auto b = store::DirectoryBlobStore::open(o);
    ASSERT_TRUE(b.ok()) << b.error().message;
    blobs = std::move(b).value();
    db = std::move(store::SqliteMetadataStore::open({dir / "meta.db"})).value();
    outbox = std::make_unique<Outbox>(*db, *blobs, HandlerOptions{}, worker_options, metrics);
  }

  void close() {
    outbox.reset();
    db.reset();
    blobs.reset();
  }

  // POST /api/uploads + the PUT landing: intent, then the file.
  store::UploadIntent upload_file(const std::string& bytes, const std::string& id = new_ulid()) {
    store::UploadIntent intent{kOwner, id, "photo.jpg", "image/jpeg", bytes.size(), "", store::now_ms(),
                               store::now_ms() + 900000, "", 0};
    EXPECT_TRUE(db->put_upload_intent(intent).ok());
    auto w = blobs->begin_put(object_key(kOwner, id), {bytes.size(), "image/jpeg", std::nullopt});
    EXPECT_TRUE(w.ok());
    EXPECT_TRUE((*w)->write(bytes).ok());
    EXPECT_TRUE((*w)->commit().ok());
    return intent;
  }

  store::UploadIntent upload(const std::string& bytes, const std::string& id = new_ulid()) {
    store::UploadIntent intent = upload_file(bytes, id);
    auto info = blobs->head(object_key(kOwner, id));
    auto r = outbox->object_created(intent, *info);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return intent;
  }

  ImageStatus status_of(const std::string& id) {
    auto r = db->get(kOwner, id);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r ? r->status : ImageStatus::Pending;
  }

  // Runs due rows until the outbox is empty of due and backing-off work, or the deadline.
  void drain_until_settled(std::chrono::milliseconds deadline = 10s) {
    auto end = std::chrono::steady_clock::now() + deadline;
    while (std::chrono::steady_clock::now() < end) {
      ASSERT_TRUE(outbox->drain().ok());
      auto st = db->outbox_stats();
      if (st->queued + st->leased == 0) return;
      std::this_thread::sleep_for(5ms);
    }
    FAIL() << "outbox did not settle";
  }

  // A directory where the file is: reads fail (an I/O error, retried), the file stays put.
  void make_unreadable(const std::string& id) {
    std::string path = *blobs->path_of(object_key(kOwner, id));
    std::filesystem::rename(path, path + "-aside");
    std::filesystem::create_directory(path);
  }
  void make_readable(const std::string& id) {
    std::string path = *blobs->path_of(object_key(kOwner, id));
    std::filesystem::remove(path);
    std::filesystem::rename(path + "-aside", path);
  }
};

TEST_F(OutboxTest, UploadIsPendingUntilAWorkerExtractsIt) {
  auto intent = upload(jpeg);
  EXPECT_EQ(status_of(intent.image_id), ImageStatus::Pending);
  EXPECT_EQ(db->get_upload_intent(kOwner, intent.image_id).error().code, meta::Errc::NotFound);
  EXPECT_EQ(db->outbox_stats()->queued, 1);
  EXPECT_EQ(outbox->drain().value(), 1u);
  EXPECT_EQ(status_of(intent.image_id), ImageStatus::Ready);
  EXPECT_EQ(db->get(kOwner, intent.image_id)->filename, "photo.jpg");
  EXPECT_EQ(db->outbox_stats()->queued, 0);
  EXPECT_EQ(metrics.events_ready.load(), 1u);
}

TEST_F(OutboxTest, QueuedRowIsAnS3ObjectCreatedPutRecord) {
  auto intent = upload(jpeg);
  auto row = db->claim(store::now_ms(), 1000);
  ASSERT_TRUE(row.ok() && row->has_value());
  auto parsed = parse_events((*row)->event_json);
  ASSERT_TRUE(parsed.ok());
  ASSERT_EQ(parsed->records.size(), 1u);
  const EventRecord& e = parsed->records[0];
  EXPECT_EQ(e.event_name, "ObjectCreated:Put");
  EXPECT_EQ(e.key, object_key(kOwner, intent.image_id));
  EXPECT_EQ(e.size, std::optional<uint64_t>(jpeg.size()));
  EXPECT_EQ(e.etag.size(), 32u);
  EXPECT_EQ(e.sequencer, db->get(kOwner, intent.image_id)->sequencer);
  EXPECT_EQ(e.sequencer.size(), 16u);
}

TEST_F(OutboxTest, DeleteRemovesRecordAndBytesAtOnceAndQueuesObjectRemoved) {
  auto intent = upload(jpeg);
  drain_until_settled();
  ASSERT_TRUE(outbox->delete_image(kOwner, intent.image_id).ok());
  EXPECT_EQ(db->get(kOwner, intent.image_id).error().code, meta::Errc::NotFound);
  EXPECT_EQ(blobs->head(object_key(kOwner, intent.image_id)).error().code, meta::Errc::NotFound);
  EXPECT_EQ(db->outbox_stats()->queued, 1);
  drain_until_settled();
  EXPECT_EQ(metrics.events_removed.load(), 1u);
}

TEST_F(OutboxTest, DeletingAnotherOwnersImageIsNotFound) {
  auto intent = upload(jpeg);
  EXPECT_EQ(outbox->delete_image("mallory", intent.image_id).error().code, meta::Errc::NotFound);
  EXPECT_EQ(outbox->reextract("mallory", intent.image_id).error().code, meta::Errc::NotFound);
  EXPECT_TRUE(blobs->head(object_key(kOwner, intent.image_id)).ok());
}

TEST_F(OutboxTest, DeleteBeforeTheUploadIsExtractedEndsWithNothing) {
  auto intent = upload(jpeg);
  ASSERT_TRUE(outbox->delete_image(kOwner, intent.image_id).ok());
  drain_until_settled();  // the create runs after the delete: stale
  EXPECT_EQ(db->get(kOwner, intent.image_id).error().code, meta::Errc::NotFound);
  EXPECT_EQ(testing::files_under(dir / "blobs"), std::vector<std::string>{});
}

TEST_F(OutboxTest, ReextractRunsTheHandlerAgain) {
  auto intent = upload(jpeg);
  drain_until_settled();
  ASSERT_TRUE(outbox->reextract(kOwner, intent.image_id).ok());
  EXPECT_EQ(outbox->drain().value(), 1u);
  EXPECT_EQ(metrics.events_ready.load(), 2u);
  EXPECT_EQ(status_of(intent.image_id), ImageStatus::Ready);
}

TEST_F(OutboxTest, FailedAttemptIsRetriedAfterABackoffWithJitter) {
  auto intent = upload(jpeg);
  make_unreadable(intent.image_id);
  int64_t before = store::now_ms();
  EXPECT_EQ(outbox->drain().value(), 1u);
  EXPECT_EQ(metrics.outbox_retries.load(), 1u);
  // First retry: d = 200 ms, waiting somewhere in [100, 200] ms.
  EXPECT_FALSE(db->claim(before + 99, 1000)->has_value());
  auto due = db->next_due_ms();
  ASSERT_TRUE(due.ok() && due->has_value());
  EXPECT_GE(**due, before + 100);
  EXPECT_LE(**due, store::now_ms() + 200);
  EXPECT_EQ(status_of(intent.image_id), ImageStatus::Pending);
  make_readable(intent.image_id);
  drain_until_settled();
  EXPECT_EQ(status_of(intent.image_id), ImageStatus::Ready);
}

TEST_F(OutboxTest, GivesUpAfterTheAttemptLimitAndMarksTheImageFailed) {
  close();
  worker_options.max_attempts = 3;
  worker_options.backoff_initial = 1ms;
  worker_options.backoff_max = 4ms;
  open();
  auto intent = upload(jpeg);
  make_unreadable(intent.image_id);
  std::vector<AttemptReport> reports;
  outbox->set_observer([&](const AttemptReport& r) { reports.push_back(r); });
  drain_until_settled();
  ASSERT_EQ(reports.size(), 3u);
  EXPECT_FALSE(reports[0].gave_up);
  EXPECT_TRUE(reports[2].gave_up);
  auto r = db->get(kOwner, intent.image_id);
  EXPECT_EQ(r->status, ImageStatus::Failed);
  EXPECT_TRUE(r->error.starts_with("gave up after 3 attempts: ")) << r->error;
  EXPECT_EQ(db->outbox_stats()->failed, 1);
  EXPECT_EQ(metrics.outbox_dead.load(), 1u);
  EXPECT_EQ(db->list({.owner = kOwner, .status = ImageStatus::Failed})->items.size(), 1u);
}

TEST_F(OutboxTest, WorkersProcessManyUploadsInParallel) {
  close();
  worker_options.threads = 4;
  open();
  ASSERT_TRUE(outbox->start().ok());
  std::vector<std::string> ids;
  for (int i = 0; i < 24; ++i) ids.push_back(upload(jpeg).image_id);
  auto end = std::chrono::steady_clock::now() + 30s;
  size_t ready = 0;
  while (std::chrono::steady_clock::now() < end) {
    ready = 0;
    for (auto& id : ids) ready += status_of(id) == ImageStatus::Ready;
    if (ready == ids.size()) break;
    std::this_thread::sleep_for(20ms);
  }
  outbox->stop();
  EXPECT_EQ(ready, ids.size());
  EXPECT_EQ(metrics.events_ready.load(), ids.size());
  EXPECT_EQ(metrics.workers_busy.load(), 0);
}

TEST_F(OutboxTest, StopLeavesNoEventHalfDone) {
  ASSERT_TRUE(outbox->start().ok());
  for (int i = 0; i < 10; ++i) upload(jpeg);
  outbox->stop();
  auto st = db->outbox_stats();
  EXPECT_EQ(st->leased, 0);  // every claimed event finished (or was never claimed)
  EXPECT_EQ(st->queued + static_cast<int64_t>(metrics.events_ready.load()), 10);
}

TEST_F(OutboxTest, EventClaimedByAKilledProcessIsFinishedAfterRestart) {
  auto intent = upload(jpeg);
  close();
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // The doomed server: claims the event with a long lease, then dies mid-work.
    auto db2 = store::SqliteMetadataStore::open({dir / "meta.db"});
    if (!db2 || !(*db2)->claim(store::now_ms(), 3600 * 1000).ok()) _exit(2);
    raise(SIGKILL);
    _exit(3);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  open();
  EXPECT_EQ(db->outbox_stats()->leased, 1);
  ASSERT_TRUE(outbox->start().ok());  // releases the dead process's lease
  auto end = std::chrono::steady_clock::now() + 10s;
  while (status_of(intent.image_id) != ImageStatus::Ready && std::chrono::steady_clock::now() < end)
    std::this_thread::sleep_for(10ms);
  outbox->stop();
  EXPECT_EQ(status_of(intent.image_id), ImageStatus::Ready);
  EXPECT_EQ(metrics.outbox_reclaimed.load(), 1u);
}

TEST_F(OutboxTest, RecoveryCommitsALandedFileWhoseRecordWasNeverWritten) {
  auto intent = upload_file(jpeg);  // renamed into place, then the process died
  auto report = outbox->recover(*blobs);
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->committed, 1u);
  EXPECT_EQ(status_of(intent.image_id), ImageStatus::Pending);
  drain_until_settled();
  EXPECT_EQ(status_of(intent.image_id), ImageStatus::Ready);
}

TEST_F(OutboxTest, RecoveryRemovesAFileWithNeitherRecordNorIntent) {
  auto intent = upload_file(jpeg);
  ASSERT_TRUE(db->remove_upload_intent(kOwner, intent.image_id).ok());
  auto report = outbox->recover(*blobs);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->removed, 1u);
  EXPECT_EQ(testing::files_under(dir / "blobs"), std::vector<std::string>{});
}

TEST_F(OutboxTest, HalfWrittenUploadLeavesNoRecordAndNoFileAfterRestart) {
  store::UploadIntent intent{kOwner, new_ulid(), "big.jpg", "image/jpeg", 1000, "", 1, 2, "", 0};
  ASSERT_TRUE(db->put_upload_intent(intent).ok());
  auto w = blobs->begin_put(object_key(kOwner, intent.image_id), {1000, "image/jpeg", std::nullopt});
  ASSERT_TRUE((*w)->write(jpeg.substr(0, 500)).ok());
  // Simulate the kill: the temp file stays behind because the writer never runs its destructor.
  std::string leftover = dir / "blobs/uploads/alice/.tmp-deadbeefdeadbeef";
  testing::write_file(leftover, jpeg.substr(0, 500));
  w->reset();
  close();
  open();
  EXPECT_EQ(blobs->startup_cleanup().temp_files, 1u);
  ASSERT_TRUE(outbox->recover(*blobs).ok());
  EXPECT_EQ(testing::files_under(dir / "blobs"), std::vector<std::string>{});
  EXPECT_EQ(db->get(kOwner, intent.image_id).error().code, meta::Errc::NotFound);
  EXPECT_EQ(db->outbox_stats()->queued, 0);
}

TEST(SequencerClock, IncreasesAboveItsFloor) {
  SequencerClock clock("FFFFFFFFFFFFFFF0");
  EXPECT_EQ(clock.next(), "FFFFFFFFFFFFFFF1");
  EXPECT_EQ(clock.next(), "FFFFFFFFFFFFFFF2");
  SequencerClock fresh;
  std::string a = fresh.next(), b = fresh.next();
  EXPECT_EQ(a.size(), 16u);
  EXPECT_LT(compare_sequencers(a, b), 0);
}

TEST(MetricsText, RendersPrometheusCountersAndHistograms) {
  Metrics m;
  Outcome o;
  o.action = Action::Extracted;
  o.status = ImageStatus::Ready;
  o.bytes_read = 4096;
  o.extract_time = 3ms;
  o.total_time = 4ms;
  m.record(o);
  std::string text;
  m.render(text);
  EXPECT_NE(text.find("imgmeta_events_total{outcome=\"ready\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("imgmeta_extract_bytes_read_total 4096\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE imgmeta_extract_seconds histogram\n"), std::string::npos);
  EXPECT_NE(text.find("imgmeta_extract_seconds_bucket{le=\"0.0025\"} 0\n"), std::string::npos);
  EXPECT_NE(text.find("imgmeta_extract_seconds_bucket{le=\"0.005\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("imgmeta_extract_seconds_bucket{le=\"+Inf\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("imgmeta_extract_seconds_count 1\n"), std::string::npos);
}

}  // namespace
}  // namespace imgmeta::pipeline
