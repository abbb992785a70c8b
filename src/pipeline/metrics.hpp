// Counters and histograms of the pipeline, lock-free (atomics), rendered in the Prometheus
// text exposition format (version 0.0.4) by whoever serves /metrics. One Metrics value per
// process, passed by reference to the workers; nothing global.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "pipeline/handler.hpp"

namespace imgmeta::pipeline {

// A cumulative histogram with fixed upper bounds in seconds (Prometheus "le" buckets).
class Histogram {
 public:
  static constexpr std::array<double, 14> kBounds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                     0.1,    0.25,  0.5,    1,     2.5,   5,    10};
  void observe(double seconds);
  // Appends "# TYPE name histogram" and the _bucket/_sum/_count lines.
  void render(std::string& out, std::string_view name, std::string_view help) const;
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }

 private:
  std::array<std::atomic<uint64_t>, kBounds.size()> buckets_{};  // non-cumulative, cumulated on render
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_us_{0};  // microseconds, so it can be an integer atomic
};

struct Metrics {
  // Events handled, by outcome (imgmeta_events_total{outcome="..."}).
  std::atomic<uint64_t> events_ready{0};
  std::atomic<uint64_t> events_failed{0};       // extraction written as failed
  std::atomic<uint64_t> events_unsupported{0};
  std::atomic<uint64_t> events_removed{0};
  std::atomic<uint64_t> events_stale{0};
  std::atomic<uint64_t> events_missing{0};
  std::atomic<uint64_t> events_ignored{0};
  std::atomic<uint64_t> handler_errors{0};      // handle() returned an error (will retry)
  // Outbox (local shape).
  std::atomic<uint64_t> outbox_retries{0};      // attempts rescheduled with backoff
  std::atomic<uint64_t> outbox_dead{0};         // gave up after max attempts: marked failed
  std::atomic<uint64_t> outbox_reclaimed{0};    // expired leases taken over (crash recovery)
  std::atomic<int64_t> outbox_depth{0};         // rows waiting or in flight (gauge, sampled)
  std::atomic<int64_t> workers_busy{0};         // gauge
  // Bytes.
  std::atomic<uint64_t> bytes_read{0};          // fetched by the extractor
  // Latencies.
  Histogram extract_seconds;     // meta::extract incl. its reads
  Histogram handle_seconds;      // the whole handler
  Histogram event_age_seconds;   // outbox row created -> handled (queueing + work)
  // Renditions (the preview step).
  std::atomic<uint64_t> previews_ready{0};
  std::atomic<uint64_t> previews_failed{0};
  std::atomic<uint64_t> previews_unsupported{0};
  std::atomic<uint64_t> preview_errors{0};      // storage errors (will retry)
  Histogram render_seconds;      // preview::Renderer::render

  // Counts one handler outcome (action/status counters, bytes, histograms).
  void record(const Outcome& outcome);
  // Appends every metric above, prefixed "imgmeta_", in Prometheus text format.
  void render(std::string& out) const;
};

}  // namespace imgmeta::pipeline
