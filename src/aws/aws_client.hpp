// One signed AWS call with timeouts and retries: the layer under the S3, DynamoDB and
// Cognito clients. Every attempt is signed afresh (X-Amz-Date moves); throttling, 5xx and
// transport failures are retried with exponential backoff and full jitter ("Exponential
// Backoff And Jitter", AWS Architecture Blog, 2015: sleep = random(0, min(cap, base*2^n))),
// never past the caller's deadline. Errors name the operation, the resource and AWS's
// error code, and carry the code in Error::code.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "aws/http_client.hpp"
#include "aws/sigv4.hpp"

namespace imgmeta::aws {

struct RetryPolicy {
  int max_attempts = 6;                      // first try included
  std::chrono::milliseconds base{25};
  std::chrono::milliseconds throttle_base{100};  // throttling backs off harder than a 5xx
  std::chrono::milliseconds cap{2000};
};

struct ClientConfig {
  std::string endpoint;   // "https://dynamodb.eu-west-1.amazonaws.com", "http://127.0.0.1:5000"
  std::string region;
  std::string signing_service;  // "s3", "dynamodb", "cognito-idp"
  Credentials credentials;
  RetryPolicy retry;
  std::chrono::milliseconds timeout{10000};
  std::chrono::milliseconds connect_timeout{2000};
};

struct AwsRequest {
  std::string operation;  // "S3.GetObject": names the call in errors and logs
  std::string resource;   // "bucket/key", "table": names the input in errors
  std::string method = "GET";
  std::string path = "/";  // wire form, relative to the endpoint's path
  std::string query;       // wire form
  Headers headers;         // besides Host and the signature's own
  std::string body;
  bool s3 = false;         // S3 signing rules (path as sent, x-amz-content-sha256)
  bool unsigned_payload = false;  // S3: sign UNSIGNED-PAYLOAD instead of hashing the body
  size_t max_response_bytes = 64u * 1024 * 1024;
};

// Codes that mean "slow down" (SDK retry-handler lists) and those of transient failures.
bool is_throttling_code(std::string_view code);
bool is_transient_code(std::string_view code);

// Extracts Code/Message from an AWS error body: JSON ({"__type": "...#Code", "message"}),
// XML (<Error><Code>…</Code><Message>…</Message>, also inside <ErrorResponse>), or the
// x-amzn-ErrorType header. Falls back to a code from the status (404 "NotFound", ...).
struct AwsErrorInfo {
  std::string code;
  std::string message;
};
AwsErrorInfo parse_error(const HttpResponse& response);

struct ClientStats {
  std::atomic<uint64_t> requests{0};      // attempts sent
  std::atomic<uint64_t> retries{0};
  std::atomic<uint64_t> bytes_received{0};
};

class AwsClient {
 public:
  AwsClient(ClientConfig config, std::shared_ptr<HttpClient> http);

  // Sends req; a 2xx/3xx response is returned, anything else becomes an Error whose code
  // is AWS's (or "NotFound"/"Forbidden"/... from the status when there is no body).
  // error_body, when given, receives the body of a final error answer (an HTTP status the
  // call gives up on), e.g. the item DynamoDB returns with ConditionalCheckFailedException.
  Result<HttpResponse> call(const AwsRequest& req, std::string* error_body = nullptr);

  // Sets the absolute time (ms since the epoch) after which no retry starts; 0 = none.
  // The Lambda sets it from Lambda-Runtime-Deadline-Ms for each invocation.
  void set_deadline_ms(int64_t deadline_ms) { deadline_ms_ = deadline_ms; }
  const ClientConfig& config() const { return config_; }
  const Url& endpoint() const { return endpoint_; }
  const ClientStats& stats() const { return stats_; }
  // Replaces the sleep between attempts (tests count backoffs instead of waiting).
  void set_sleeper(std::function<void(std::chrono::milliseconds)> sleeper) { sleeper_ = std::move(sleeper); }

  // Creates the signed request for one attempt, without sending it (presigning and tests).
  Result<HttpRequest> prepare(const AwsRequest& req, int64_t now_s) const;

 private:
  std::chrono::milliseconds backoff(int attempt, bool throttled) const;

  ClientConfig config_;
  Url endpoint_;
  std::string endpoint_error_;
  std::shared_ptr<HttpClient> http_;
  std::atomic<int64_t> deadline_ms_{0};
  ClientStats stats_;
  std::function<void(std::chrono::milliseconds)> sleeper_;
};

int64_t unix_now_s();
int64_t unix_now_ms();

}  // namespace imgmeta::aws
