// PreviewWorkers: the local shape's preview step. Threads take ready images that have no
// renditions for their version yet (SqliteMetadataStore::preview_backlog) and run
// make_previews on them. The backlog is the images table itself, so the step is durable:
// work a crash interrupted is found again at the next start, a re-extraction (which rewrites
// the record) asks for new renditions, and a deleted image leaves the backlog with its row.
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "pipeline/metrics.hpp"
#include "pipeline/preview_step.hpp"
#include "store/sqlite_metadata_store.hpp"

namespace imgmeta::pipeline {

struct PreviewWorkerOptions {
  int threads = 1;                                   // rendering is CPU-bound; libvips adds none
  preview::Options render;
  std::chrono::milliseconds idle_poll{500};          // look at the backlog when nothing woke us
  std::chrono::milliseconds retry_after{5000};       // after a storage error on one image
  // Renditions are background work: their threads run at this nice value (Linux sets it per
  // thread), so uploads, extraction and the API get the CPU first when both want it.
  int nice = 19;
};

struct PreviewReport {
  store::PreviewJob job;
  Result<PreviewOutcome> outcome = meta::Error{};
};

// Sets the calling thread's nice value (Linux: per thread), if it is lower. Best effort: a
// failure (a sandbox without the right) leaves the thread at the server's priority.
void nice_this_thread(int nice);

class PreviewWorkers {
 public:
  // renderer null: every image is recorded `failed` with `unavailable` as the reason.
  PreviewWorkers(store::SqliteMetadataStore& metadata, store::BlobStore& blobs, preview::Renderer* renderer,
                 std::string unavailable, PreviewWorkerOptions options, Metrics& metrics);
  ~PreviewWorkers();  // stop()
  PreviewWorkers(const PreviewWorkers&) = delete;
  PreviewWorkers& operator=(const PreviewWorkers&) = delete;

  void set_observer(std::function<void(const PreviewReport&)> observer);  // before start()
  void start();
  void stop();   // the renditions in progress finish
  void wake();   // an image became ready
  // Works through the backlog on the calling thread until it is empty (tests).
  Result<size_t> drain();

 private:
  void loop();
  // Takes one job nobody is working on; nullopt when none is due.
  Result<std::optional<store::PreviewJob>> take();
  void run(const store::PreviewJob& job);

  store::SqliteMetadataStore& metadata_;
  store::BlobStore& blobs_;
  preview::Renderer* renderer_;
  std::string unavailable_;
  PreviewWorkerOptions options_;
  Metrics& metrics_;
  std::function<void(const PreviewReport&)> observer_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  uint64_t wakeups_ = 0;
  std::set<std::string> in_flight_;                                 // owner/imageId
  std::map<std::string, std::chrono::steady_clock::time_point> backoff_;  // after storage errors
  std::vector<std::thread> threads_;
};

}  // namespace imgmeta::pipeline
