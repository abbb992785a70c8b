// /metrics for the local server: HTTP request counts and latency, the API's counters, the
// pipeline's metrics (pipeline/metrics.hpp), the outbox depth and process memory, in the
// Prometheus text exposition format 0.0.4.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>

#include "http/api.hpp"
#include "pipeline/metrics.hpp"
#include "store/sqlite_metadata_store.hpp"

namespace imgmeta::http {

class HttpMetrics {
 public:
  // route: a fixed pattern ("/api/images/{imageId}", "static", "unknown"), never a raw path,
  // so label cardinality stays bounded; unusual methods count as "OTHER".
  void record(std::string_view method, std::string_view route, int status, double seconds);
  void render(std::string& out) const;

  std::atomic<int64_t> in_flight{0};
  std::atomic<int64_t> open_connections{0};
  std::atomic<int64_t> queue_depth{0};           // requests waiting for a pool thread
  std::atomic<uint64_t> connections_rejected{0}; // refused at the connection limit
  std::atomic<uint64_t> requests_rejected_busy{0}; // answered 503: the request queue was full
  std::atomic<uint64_t> upload_bytes{0};        // bytes received by blob PUTs
  std::atomic<uint64_t> uploads_completed{0};   // single PUTs committed (pending record written)
  std::atomic<uint64_t> parts_completed{0};     // multipart parts stored
  std::atomic<uint64_t> uploads_rejected{0};    // blob PUTs refused or failed
  pipeline::Histogram request_seconds;
  pipeline::Histogram upload_seconds;           // blob PUT, first byte to response

 private:
  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, int>, uint64_t> requests_;
};

std::string render_metrics(const HttpMetrics& http, const ApiCounters& api, const pipeline::Metrics& pipeline,
                           const std::optional<store::OutboxStats>& outbox, int64_t start_time_ms,
                           std::string_view version);

}  // namespace imgmeta::http
