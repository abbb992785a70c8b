// The Lambda Runtime API client (custom runtime, provided.al2023): the loop that asks for
// the next invocation, runs the handler and posts its response or error, and reports
// initialisation failures. Reference: AWS Lambda Developer Guide, "Using the Lambda runtime
// API for custom runtimes" (API version 2018-06-01), and shared/docs/aws-local-testing.md
// section 11.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "aws/http_client.hpp"
#include "meta/result.hpp"

namespace imgmeta::lambda {

using meta::Error;
using meta::Result;
using meta::Status;

struct Invocation {
  std::string request_id;
  int64_t deadline_ms = 0;  // Unix ms; the handler must be done before it
  std::string function_arn;
  std::string trace_id;     // X-Ray trace header; also put in _X_AMZN_TRACE_ID
  std::string client_context;
  std::string cognito_identity;
  std::string payload;      // the event JSON

  // Milliseconds left before the deadline (negative once past it).
  int64_t remaining_ms() const;
};

// What a handler returns: the response body, or an error that becomes the invocation's
// error (errorType/errorMessage) and makes Lambda retry or redrive the event.
struct HandlerError {
  std::string type;     // "Handled.Retryable", "Runtime.InvalidEvent", ...
  std::string message;
};
struct HandlerResult {
  bool ok = true;
  std::string body;
  HandlerError error;
  static HandlerResult success(std::string body) { return {true, std::move(body), {}}; }
  static HandlerResult failure(std::string type, std::string message) {
    return {false, "", {std::move(type), std::move(message)}};
  }
};
using Handler = std::function<HandlerResult(const Invocation&)>;

struct RuntimeOptions {
  std::string api;              // AWS_LAMBDA_RUNTIME_API, "host:port"
  int post_attempts = 4;        // posts to the Runtime API, with backoff
  std::chrono::milliseconds post_backoff{20};
  int64_t max_invocations = 0;  // 0: run until the Runtime API says stop (tests set a count)
};

class RuntimeClient {
 public:
  explicit RuntimeClient(RuntimeOptions options, std::shared_ptr<aws::HttpClient> http = nullptr);

  // GET /runtime/invocation/next. Errors: "Transport" (retry), "RuntimeApiError" (403/500:
  // the runtime should exit).
  Result<Invocation> next();
  Status post_response(const std::string& request_id, const std::string& body);
  Status post_error(const std::string& request_id, const HandlerError& error);
  Status post_init_error(const HandlerError& error);

  // The loop: next -> handler -> response/error, until next fails for good or
  // max_invocations ran. Returns the process exit code.
  int run(const Handler& handler);

 private:
  Status post(const std::string& path, const std::string& body, const std::string& error_type);

  RuntimeOptions options_;
  std::shared_ptr<aws::HttpClient> http_;
  std::string base_;
};

// {"errorMessage":…,"errorType":…,"stackTrace":[]} as the Runtime API expects it.
std::string error_document(const HandlerError& error);

}  // namespace imgmeta::lambda
