#include "pipeline/preview_workers.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include "meta/thread_name.hpp"

namespace imgmeta::pipeline {

namespace {
std::string job_key(const store::PreviewJob& j) { return j.owner + "/" + j.image_id; }
constexpr int kBacklogBatch = 64;
}  // namespace

// PRIO_PROCESS with a thread id names that thread alone on Linux.
void nice_this_thread(int nice) {
  const auto self = static_cast<id_t>(gettid());
  if (getpriority(PRIO_PROCESS, self) < nice) (void)setpriority(PRIO_PROCESS, self, nice);
}

PreviewWorkers::PreviewWorkers(store::SqliteMetadataStore& metadata, store::BlobStore& blobs,
                               preview::Renderer* renderer, std::string unavailable, PreviewWorkerOptions options,
                               Metrics& metrics)
    : metadata_(metadata),
      blobs_(blobs),
      renderer_(renderer),
      unavailable_(std::move(unavailable)),
      options_(std::move(options)),
      metrics_(metrics) {}

PreviewWorkers::~PreviewWorkers() { stop(); }

void PreviewWorkers::set_observer(std::function<void(const PreviewReport&)> observer) {
  observer_ = std::move(observer);
}

void PreviewWorkers::start() {
  std::lock_guard lock(mu_);
  stopping_ = false;
  for (int i = 0; i < std::max(1, options_.threads); ++i) threads_.emplace_back([this] {
    meta::name_this_thread("preview");
    loop();
  });
}

void PreviewWorkers::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

void PreviewWorkers::wake() {
  {
    std::lock_guard lock(mu_);
    ++wakeups_;
  }
  cv_.notify_one();
}

Result<std::optional<store::PreviewJob>> PreviewWorkers::take() {
  auto backlog = metadata_.preview_backlog(kBacklogBatch);
  if (!backlog) return backlog.error();
  std::lock_guard lock(mu_);
  const auto now = std::chrono::steady_clock::now();
  for (auto& job : *backlog) {
    std::string key = job_key(job);
    if (in_flight_.count(key)) continue;
    if (auto it = backoff_.find(key); it != backoff_.end()) {
      if (it->second > now) continue;
      backoff_.erase(it);
    }
    in_flight_.insert(key);
    return std::optional<store::PreviewJob>(std::move(job));
  }
  return std::optional<store::PreviewJob>();
}

void PreviewWorkers::run(const store::PreviewJob& job) {
  auto outcome = make_previews(job.owner, job.image_id, job.sequencer, blobs_, metadata_, renderer_,
                               options_.render, unavailable_);
  if (outcome) {
    if (outcome->render_time.count() > 0)
      metrics_.render_seconds.observe(static_cast<double>(outcome->render_time.count()) / 1e6);
    if (outcome->action == PreviewAction::Rendered || outcome->action == PreviewAction::Recorded) {
      auto& counter = outcome->state.status == store::PreviewStatus::Ready         ? metrics_.previews_ready
                      : outcome->state.status == store::PreviewStatus::Unsupported ? metrics_.previews_unsupported
                                                                                   : metrics_.previews_failed;
      counter.fetch_add(1, std::memory_order_relaxed);
    }
  } else {
    metrics_.preview_errors.fetch_add(1, std::memory_order_relaxed);
  }
  {
    std::lock_guard lock(mu_);
    in_flight_.erase(job_key(job));
    // A storage error, or a record that did not take the write: wait before the next try.
    if (!outcome || outcome->action == PreviewAction::NotYet || outcome->action == PreviewAction::Skipped)
      backoff_[job_key(job)] = std::chrono::steady_clock::now() + options_.retry_after;
  }
  if (observer_) observer_(PreviewReport{job, std::move(outcome)});
}

void PreviewWorkers::loop() {
  nice_this_thread(options_.nice);
  for (;;) {
    uint64_t seen;
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      seen = wakeups_;
    }
    auto job = take();
    if (job && *job) {
      run(**job);
      continue;
    }
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, options_.idle_poll, [&] { return stopping_ || wakeups_ != seen; });
  }
}

Result<size_t> PreviewWorkers::drain() {
  size_t n = 0;
  for (;;) {
    auto job = take();
    if (!job) return job.error();
    if (!*job) return n;
    run(**job);
    ++n;
  }
}

}  // namespace imgmeta::pipeline
