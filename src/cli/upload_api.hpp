// The imgmeta HTTP API as `imgmeta upload` uses it: /config.json, sign-in (local accounts or
// Cognito's USER_PASSWORD_AUTH), bearer-token calls that retry with backoff on 5xx and
// connection errors and sign in again on 401.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "aws/http_client.hpp"
#include "meta/result.hpp"

namespace imgmeta::cli {

// How often and how patiently a request is repeated after a 5xx, a 429 or a lost connection.
struct RetryPolicy {
  int attempts = 5;
  std::chrono::milliseconds first_delay{500};
  std::chrono::milliseconds max_delay{8000};
};

// Sleeps before retry number `attempt` (1 = the first retry): exponential, with full jitter,
// or the server's Retry-After when it gave one.
void backoff_sleep(const RetryPolicy& policy, int attempt, std::optional<int> retry_after_s = std::nullopt);
bool is_retryable_status(long status);

// What the server's /config.json says (see web/src/config.ts).
struct ServerConfig {
  std::string api_base;  // absolute, no trailing '/'
  bool found = false;    // false: the server has no /config.json (defaults assumed)
  bool cognito = false;
  std::string region, user_pool_id, client_id, cognito_endpoint;
  uint64_t multipart_threshold = 64ull << 20;
  std::optional<uint64_t> max_upload_size;
};

struct ApiReply {
  long status = 0;
  nlohmann::json body;  // null when the body was empty or not JSON
  std::string error_code() const;     // body.error.code, or ""
  std::string error_message() const;  // body.error.message, or a description of the status
};

class ApiSession {
 public:
  ApiSession(std::string server_url, RetryPolicy retry);

  // GET <server>/config.json. A server without one is taken as the local shape.
  meta::Status load_config();
  const ServerConfig& config() const { return config_; }

  // Signs in; errors have code "InvalidCredentials" for a wrong username or password.
  meta::Status sign_in(const std::string& username, const std::string& password);

  // A JSON call to <api_base><path> with the bearer token. Retries 5xx/429/transport errors
  // with backoff; on 401 refreshes the token (once per call) and tries again. A returned
  // reply may carry any status; an error means the server could not be reached at all.
  meta::Result<ApiReply> call(const std::string& method, const std::string& path,
                              const std::optional<nlohmann::json>& body = std::nullopt);

  // The current bearer token (for the content download in tests and diagnostics).
  std::string token() const;

  // An absolute URL of the API.
  std::string api_url(const std::string& path) const { return config_.api_base + path; }

  aws::HttpClient& http() { return http_; }
  const RetryPolicy& retry() const { return retry_; }

 private:
  meta::Status sign_in_locked();
  meta::Status refresh_locked();
  meta::Status cognito_initiate(const nlohmann::json& request);
  meta::Result<aws::HttpResponse> send_with_retry(aws::HttpRequest request, int attempts);

  std::string server_;
  RetryPolicy retry_;
  ServerConfig config_;
  aws::HttpClient http_;
  mutable std::mutex mu_;
  std::string username_, password_;
  std::string access_token_, refresh_token_;
  uint64_t token_generation_ = 0;
};

}  // namespace imgmeta::cli
