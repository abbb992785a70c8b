#include "http/server_metrics.hpp"

#include <unistd.h>

#include <cstdio>
#include <fstream>

namespace imgmeta::http {
namespace {

std::string_view known_method(std::string_view m) {
  for (std::string_view k : {"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"})
    if (m == k) return k;
  return "OTHER";
}

void counter(std::string& out, std::string_view name, std::string_view help, uint64_t value) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += " counter\n";
  out += name;
  out += ' ';
  out += std::to_string(value);
  out += '\n';
}

void gauge(std::string& out, std::string_view name, std::string_view help, int64_t value) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += " gauge\n";
  out += name;
  out += ' ';
  out += std::to_string(value);
  out += '\n';
}

// Resident set size from /proc/self/statm (pages).
int64_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  long long size = 0, resident = 0;
  if (!(statm >> size >> resident)) return 0;
  return resident * static_cast<int64_t>(::sysconf(_SC_PAGESIZE));
}

}  // namespace

void HttpMetrics::record(std::string_view method, std::string_view route, int status, double seconds) {
  request_seconds.observe(seconds);
  std::lock_guard lock(mu_);
  ++requests_[{std::string(known_method(method)), std::string(route), status}];
}

void HttpMetrics::render(std::string& out) const {
  out += "# HELP imgmeta_http_requests_total HTTP requests answered, by method, route pattern and status.\n";
  out += "# TYPE imgmeta_http_requests_total counter\n";
  {
    std::lock_guard lock(mu_);
    for (const auto& [k, v] : requests_) {
      const auto& [method, route, status] = k;
      out += "imgmeta_http_requests_total{method=\"" + method + "\",route=\"" + route + "\",status=\"" +
             std::to_string(status) + "\"} " + std::to_string(v) + "\n";
    }
  }
  gauge(out, "imgmeta_http_requests_in_flight", "HTTP requests being handled.", in_flight.load());
  gauge(out, "imgmeta_http_open_connections", "HTTP connections open.", open_connections.load());
  gauge(out, "imgmeta_http_request_queue_depth", "Requests waiting for a worker thread.", queue_depth.load());
  counter(out, "imgmeta_http_connections_rejected_total", "Connections refused at the connection limit.",
          connections_rejected.load());
  counter(out, "imgmeta_http_requests_rejected_busy_total", "Requests answered 503 because the request queue was full.",
          requests_rejected_busy.load());
  request_seconds.render(out, "imgmeta_http_request_duration_seconds", "Time from request start to handler end.");
  upload_seconds.render(out, "imgmeta_upload_duration_seconds", "Blob PUT time, body streamed to disk and committed.");
  counter(out, "imgmeta_upload_bytes_total", "Bytes received by blob PUTs.", upload_bytes.load());
  counter(out, "imgmeta_uploads_completed_total", "Uploads committed (record pending, event queued).", uploads_completed.load());
  counter(out, "imgmeta_upload_parts_completed_total", "Multipart parts stored.", parts_completed.load());
  counter(out, "imgmeta_uploads_rejected_total", "Blob PUTs refused (signature, expiry, size, checksum) or failed.",
          uploads_rejected.load());
}

std::string render_metrics(const HttpMetrics& http, const ApiCounters& api, const pipeline::Metrics& pipeline,
                           const std::optional<store::OutboxStats>& outbox, int64_t start_time_ms,
                           std::string_view version) {
  std::string out;
  out.reserve(8192);
  out += "# HELP imgmeta_build_info The running version.\n# TYPE imgmeta_build_info gauge\n";
  out += "imgmeta_build_info{version=\"" + std::string(version) + "\"} 1\n";
  http.render(out);
  counter(out, "imgmeta_auth_signups_total", "Accounts created.", api.signups.load());
  counter(out, "imgmeta_auth_signins_total", "Successful sign-ins.", api.signins.load());
  counter(out, "imgmeta_auth_signin_failures_total", "Sign-ins refused for wrong credentials.", api.signin_failures.load());
  counter(out, "imgmeta_auth_rate_limited_total", "Sign-in and sign-up attempts refused by the rate limits.", api.rate_limited.load());
  counter(out, "imgmeta_auth_token_rejections_total", "Requests refused for a missing, invalid or expired token.",
          api.token_rejections.load());
  counter(out, "imgmeta_uploads_presigned_total", "Upload URLs issued.", api.uploads_presigned.load());
  counter(out, "imgmeta_uploads_duplicate_total", "Uploads refused as duplicates (same SHA-256).", api.duplicates.load());
  counter(out, "imgmeta_images_deleted_total", "Images deleted.", api.deletes.load());
  counter(out, "imgmeta_images_reextract_total", "Re-extractions requested.", api.reextracts.load());
  pipeline.render(out);
  if (outbox) {
    out += "# HELP imgmeta_outbox_rows Outbox rows by state (sampled at scrape).\n# TYPE imgmeta_outbox_rows gauge\n";
    out += "imgmeta_outbox_rows{state=\"queued\"} " + std::to_string(outbox->queued) + "\n";
    out += "imgmeta_outbox_rows{state=\"leased\"} " + std::to_string(outbox->leased) + "\n";
    out += "imgmeta_outbox_rows{state=\"failed\"} " + std::to_string(outbox->failed) + "\n";
  }
  gauge(out, "process_resident_memory_bytes", "Resident memory size in bytes.", resident_bytes());
  out += "# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.\n"
         "# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds " +
         std::to_string(start_time_ms / 1000) + "\n";
  return out;
}

}  // namespace imgmeta::http
