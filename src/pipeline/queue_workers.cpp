#include "pipeline/queue_workers.hpp"

#include "meta/thread_name.hpp"

namespace imgmeta::pipeline {

using std::chrono::seconds;

QueueWorkers::QueueWorkers(EventQueue& queue, store::BlobStore& blobs, store::MetadataStore& metadata,
                           HandlerOptions handler_options, QueueWorkerOptions options, Metrics& metrics)
    : queue_(queue),
      blobs_(blobs),
      metadata_(metadata),
      handler_options_(std::move(handler_options)),
      options_(options),
      metrics_(metrics) {}

QueueWorkers::~QueueWorkers() { stop(); }

void QueueWorkers::set_observer(std::function<void(const QueueReport&)> observer) { observer_ = std::move(observer); }

void QueueWorkers::start() {
  stopping_ = false;
  for (int i = 0; i < std::max(1, options_.threads); ++i) threads_.emplace_back([this] {
    meta::name_this_thread("extract");
    worker_loop();
  });
}

void QueueWorkers::stop() {
  stopping_ = true;
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

seconds QueueWorkers::backoff(uint32_t attempt) {
  int64_t d = options_.backoff_initial.count();
  for (uint32_t i = 1; i < attempt && d < options_.backoff_max.count(); ++i) d *= 2;
  d = std::max<int64_t>(1, std::min<int64_t>(d, options_.backoff_max.count()));
  std::lock_guard lock(rng_mu_);
  std::uniform_int_distribution<int64_t> dist(std::max<int64_t>(1, d / 2), d);
  return seconds(dist(rng_));
}

void QueueWorkers::run(const QueueMessage& m) {
  metrics_.workers_busy.fetch_add(1, std::memory_order_relaxed);
  struct Busy {
    Metrics& metrics;
    ~Busy() { metrics.workers_busy.fetch_sub(1, std::memory_order_relaxed); }
  } busy{metrics_};

  QueueReport report;
  report.message = m;
  auto parsed = parse_events(m.body);
  if (!parsed) {
    report.outcome = parsed.error();
    report.dropped = true;
    (void)queue_.remove(m);
    if (observer_) observer_(report);
    return;
  }
  report.records = parsed->records;
  Result<Outcome> result = Outcome{};
  for (const EventRecord& e : parsed->records) {
    result = handle(e, blobs_, metadata_, handler_options_);
    if (!result) break;
    metrics_.record(*result);
  }
  report.outcome = result;
  if (result) {
    (void)queue_.remove(m);  // a failed delete means one more (idempotent) delivery
  } else {
    metrics_.handler_errors.fetch_add(1, std::memory_order_relaxed);
    if (m.receive_count >= options_.max_attempts) {
      report.gave_up = true;
      metrics_.outbox_dead.fetch_add(1, std::memory_order_relaxed);
      std::string error = "gave up after " + std::to_string(m.receive_count) + " attempts: " + result.error().message;
      for (const EventRecord& e : parsed->records)
        if (mark_failed(e, metadata_, error)) metrics_.events_failed.fetch_add(1, std::memory_order_relaxed);
      (void)queue_.remove(m);
    } else {
      report.retry_in = backoff(m.receive_count);
      metrics_.outbox_retries.fetch_add(1, std::memory_order_relaxed);
      (void)queue_.retry_later(m, report.retry_in);
    }
  }
  if (observer_) observer_(report);
}

Result<size_t> QueueWorkers::poll_once() {
  auto batch = TRY(queue_.receive());
  for (const auto& m : batch) run(m);
  return batch.size();
}

void QueueWorkers::worker_loop() {
  while (!stopping_) {
    auto batch = queue_.receive();
    if (!batch) {
      if (observer_) {
        QueueReport report;
        report.outcome = batch.error();
        observer_(report);
      }
      std::this_thread::sleep_for(options_.error_pause);
      continue;
    }
    for (const auto& m : *batch) run(m);  // messages in hand finish even while stopping
  }
}

}  // namespace imgmeta::pipeline
