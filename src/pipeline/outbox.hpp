// Outbox: the local shape's event pipeline. The server records what happened to an object
// (upload landed, delete) together with an S3-format event row in one SQLite transaction;
// worker threads claim the rows and run the same handler the Lambda runs.
//
//   PUT verified + renamed ──object_created─▶ images(pending) + outbox row   (one transaction)
//   DELETE ──delete_image──▶ record removed + tombstone + outbox row, then the file removed
//   workers: claim (lease) ─▶ handle() ─▶ finish | retry (backoff + jitter) | give up (failed)
//
// Crash safety: a claim whose worker died is claimed again when its lease expires, and at
// start() every lease is released at once (one process per data directory). recover()
// reconciles files with records: a file that landed (verified, renamed) but whose record was
// never committed is committed now when its upload intent exists, otherwise removed.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "pipeline/event.hpp"
#include "pipeline/handler.hpp"
#include "pipeline/metrics.hpp"
#include "pipeline/uploads.hpp"
#include "store/directory_blob_store.hpp"
#include "store/sqlite_metadata_store.hpp"

namespace imgmeta::pipeline {

struct WorkerOptions {
  int threads = 2;
  std::chrono::milliseconds lease{60000};           // longer than any extraction
  int max_attempts = 5;                             // then the image is marked failed
  std::chrono::milliseconds backoff_initial{200};   // attempt n waits ~initial * 2^(n-1) ...
  std::chrono::milliseconds backoff_max{30000};     // ... capped here, with jitter in [d/2, d]
  std::chrono::milliseconds idle_poll{1000};        // re-check when nothing woke the workers
  std::string bucket = "imgmeta-local";             // s3.bucket.name in the records written
};

// Local sequencers: 16+ uppercase hex digits of microseconds since the epoch, strictly
// increasing within the process and seeded above everything stored, so they keep increasing
// across restarts even if the clock steps back.
class SequencerClock {
 public:
  explicit SequencerClock(std::string floor = {});
  std::string next();

 private:
  std::mutex mu_;
  uint64_t last_ = 0;
};

// What the workers report for each attempt (for the JSON-lines log).
struct AttemptReport {
  store::OutboxRow row;
  Result<Outcome> outcome = Error{};  // the handler's result (an error = will retry or gave up)
  bool gave_up = false;               // max_attempts reached: the image was marked failed
  std::chrono::milliseconds retry_in{0};
};

// The local shape's ImageEvents (pipeline/uploads.hpp).
class Outbox final : public ImageEvents {
 public:
  Outbox(store::SqliteMetadataStore& metadata, store::BlobStore& blobs, HandlerOptions handler_options,
         WorkerOptions worker_options, Metrics& metrics);
  ~Outbox() override;  // stop()
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;

  // Called once per attempt, from the worker thread. Set before start().
  void set_observer(std::function<void(const AttemptReport&)> observer);

  // Releases the previous process's leases and starts the workers.
  Status start();
  // Graceful: no new claims; in-flight events finish; then the threads join.
  void stop();

  // The upload of intent landed (the file is committed with `object`): record pending
  // (pending_record) and queue ObjectCreated:Put (CompleteMultipartUpload when
  // intent.multipart_upload_id is set) in one transaction, then wake a worker. Returns the
  // pending record.
  Result<store::ImageRecord> object_created(const store::UploadIntent& intent, const store::ObjectInfo& object) override;
  // DELETE: removes the record (tombstone) and queues ObjectRemoved:Delete in one
  // transaction, then removes the bytes. "NotFound" when the owner has no such image.
  Status delete_image(const std::string& owner, const std::string& image_id) override;
  // Queues ObjectCreated:Put again with the record's sequencer: the handler re-extracts and
  // overwrites (equal sequencer). "NotFound" when the owner has no such image.
  Status reextract(const std::string& owner, const std::string& image_id) override;

  // Start-up reconciliation of files and records (see top). Call before start().
  struct RecoveryReport {
    size_t committed = 0;  // landed files whose record was missing, now pending
    size_t removed = 0;    // files with neither record nor intent
  };
  Result<RecoveryReport> recover(store::DirectoryBlobStore& directory);

  // Runs due rows on the calling thread until none is due (tests, one-shot tools).
  // Returns how many attempts ran.
  Result<size_t> drain();

  void wake();  // a row was queued elsewhere

 private:
  void worker_loop();
  // Claims and runs one row; false when nothing was due.
  Result<bool> run_one();
  std::chrono::milliseconds backoff(int attempt);
  // Group commit: uploads recorded at the same time share one transaction (one WAL fsync).
  // The first caller to find no commit running commits everything queued so far; the others
  // wait for it (or for the next one) and return their own result.
  Result<bool> commit_upload_grouped(const store::ImageRecord& record, const store::OutboxEvent& event);

  store::SqliteMetadataStore& metadata_;
  store::BlobStore& blobs_;
  HandlerOptions handler_options_;
  WorkerOptions options_;
  Metrics& metrics_;
  std::function<void(const AttemptReport&)> observer_;
  Result<SequencerClock*> sequencers();  // created on first use, seeded from the store
  std::mutex sequencers_mu_;
  std::unique_ptr<SequencerClock> sequencers_;

  struct PendingUpload;
  std::mutex group_mu_;
  std::condition_variable group_cv_;
  std::vector<PendingUpload*> group_queue_;
  bool group_committing_ = false;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  uint64_t wakeups_ = 0;
  std::vector<std::thread> threads_;
  std::mutex rng_mu_;
  std::mt19937_64 rng_;
};

}  // namespace imgmeta::pipeline
