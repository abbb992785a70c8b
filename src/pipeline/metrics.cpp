#include "pipeline/metrics.hpp"

#include <cstdio>

namespace imgmeta::pipeline {
namespace {

void counter(std::string& out, std::string_view name, std::string_view help, uint64_t value) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" counter\n");
  out.append(name).append(" ").append(std::to_string(value)).append("\n");
}

void gauge(std::string& out, std::string_view name, std::string_view help, int64_t value) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" gauge\n");
  out.append(name).append(" ").append(std::to_string(value)).append("\n");
}

std::string format_double(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

}  // namespace

void Histogram::observe(double seconds) {
  if (!(seconds >= 0)) seconds = 0;  // also NaN
  for (size_t i = 0; i < kBounds.size(); ++i) {
    if (seconds <= kBounds[i]) {
      buckets_[i].fetch_add(1, std::memory_order_relaxed);
      break;
    }
  }
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_us_.fetch_add(static_cast<uint64_t>(seconds * 1e6), std::memory_order_relaxed);
}

void Histogram::render(std::string& out, std::string_view name, std::string_view help) const {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" histogram\n");
  uint64_t cumulative = 0;
  for (size_t i = 0; i < kBounds.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    out.append(name).append("_bucket{le=\"").append(format_double(kBounds[i])).append("\"} ");
    out.append(std::to_string(cumulative)).append("\n");
  }
  uint64_t count = count_.load(std::memory_order_relaxed);
  out.append(name).append("_bucket{le=\"+Inf\"} ").append(std::to_string(count)).append("\n");
  out.append(name).append("_sum ").append(format_double(static_cast<double>(sum_us_.load(std::memory_order_relaxed)) / 1e6)).append("\n");
  out.append(name).append("_count ").append(std::to_string(count)).append("\n");
}

void Metrics::record(const Outcome& o) {
  switch (o.action) {
    case Action::Extracted:
      switch (o.status) {
        case store::ImageStatus::Ready: events_ready.fetch_add(1, std::memory_order_relaxed); break;
        case store::ImageStatus::Failed: events_failed.fetch_add(1, std::memory_order_relaxed); break;
        case store::ImageStatus::Unsupported: events_unsupported.fetch_add(1, std::memory_order_relaxed); break;
        case store::ImageStatus::Pending: break;
      }
      break;
    case Action::Removed: events_removed.fetch_add(1, std::memory_order_relaxed); break;
    case Action::Stale: events_stale.fetch_add(1, std::memory_order_relaxed); break;
    case Action::Missing: events_missing.fetch_add(1, std::memory_order_relaxed); break;
    case Action::Ignored: events_ignored.fetch_add(1, std::memory_order_relaxed); break;
  }
  bytes_read.fetch_add(o.bytes_read, std::memory_order_relaxed);
  if (o.action == Action::Extracted) extract_seconds.observe(static_cast<double>(o.extract_time.count()) / 1e6);
  handle_seconds.observe(static_cast<double>(o.total_time.count()) / 1e6);
}

void Metrics::render(std::string& out) const {
  auto load = [](const std::atomic<uint64_t>& a) { return a.load(std::memory_order_relaxed); };
  out.append("# HELP imgmeta_events_total S3 event records handled, by outcome.\n");
  out.append("# TYPE imgmeta_events_total counter\n");
  for (auto [label, value] : {std::pair{"ready", load(events_ready)}, std::pair{"failed", load(events_failed)},
                              std::pair{"unsupported", load(events_unsupported)}, std::pair{"removed", load(events_removed)},
                              std::pair{"stale", load(events_stale)}, std::pair{"missing", load(events_missing)},
                              std::pair{"ignored", load(events_ignored)}}) {
    out.append("imgmeta_events_total{outcome=\"").append(label).append("\"} ").append(std::to_string(value)).append("\n");
  }
  counter(out, "imgmeta_handler_errors_total", "Handler attempts that failed and will be retried.", load(handler_errors));
  counter(out, "imgmeta_outbox_retries_total", "Outbox events rescheduled with backoff.", load(outbox_retries));
  counter(out, "imgmeta_outbox_dead_total", "Outbox events given up after the attempt limit (image marked failed).",
          load(outbox_dead));
  counter(out, "imgmeta_outbox_reclaimed_total", "Outbox leases taken over after they expired.", load(outbox_reclaimed));
  gauge(out, "imgmeta_outbox_depth", "Outbox events waiting or in flight.", outbox_depth.load(std::memory_order_relaxed));
  gauge(out, "imgmeta_workers_busy", "Workers running the handler now.", workers_busy.load(std::memory_order_relaxed));
  counter(out, "imgmeta_extract_bytes_read_total", "Bytes the extractor fetched from the blob store.", load(bytes_read));
  extract_seconds.render(out, "imgmeta_extract_seconds", "Time in meta::extract, including its ranged reads.");
  handle_seconds.render(out, "imgmeta_handle_seconds", "Time in the event handler.");
  event_age_seconds.render(out, "imgmeta_event_age_seconds", "Outbox event created to handled.");
  out.append("# HELP imgmeta_previews_total Images whose renditions were made or refused, by outcome.\n");
  out.append("# TYPE imgmeta_previews_total counter\n");
  for (auto [label, value] : {std::pair{"ready", load(previews_ready)}, std::pair{"failed", load(previews_failed)},
                              std::pair{"unsupported", load(previews_unsupported)}}) {
    out.append("imgmeta_previews_total{outcome=\"").append(label).append("\"} ").append(std::to_string(value)).append("\n");
  }
  counter(out, "imgmeta_preview_errors_total", "Preview attempts that failed on storage and will be retried.",
          load(preview_errors));
  render_seconds.render(out, "imgmeta_render_seconds", "Time making one image's renditions.");
}

}  // namespace imgmeta::pipeline
