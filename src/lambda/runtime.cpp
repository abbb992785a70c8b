#include "lambda/runtime.hpp"

#include <cstdlib>
#include <exception>
#include <nlohmann/json.hpp>
#include <thread>

#include "aws/aws_client.hpp"
#include "meta/json_text.hpp"

namespace imgmeta::lambda {

using meta::make_error;

namespace {

// The Runtime API's paths and headers (names compare case-insensitively).
constexpr char kApiVersion[] = "/2018-06-01";
constexpr char kNextPath[] = "/runtime/invocation/next";
constexpr char kInvocationPath[] = "/runtime/invocation/";
constexpr char kInitErrorPath[] = "/runtime/init/error";
constexpr char kRequestIdHeader[] = "lambda-runtime-aws-request-id";
constexpr char kDeadlineHeader[] = "lambda-runtime-deadline-ms";
constexpr char kFunctionArnHeader[] = "lambda-runtime-invoked-function-arn";
constexpr char kTraceIdHeader[] = "lambda-runtime-trace-id";
constexpr char kClientContextHeader[] = "lambda-runtime-client-context";
constexpr char kCognitoIdentityHeader[] = "lambda-runtime-cognito-identity";
constexpr char kErrorTypeHeader[] = "Lambda-Runtime-Function-Error-Type";
constexpr char kErrorContentType[] = "application/vnd.aws.lambda.error+json";
constexpr char kTraceEnv[] = "_X_AMZN_TRACE_ID";
constexpr size_t kMaxEventBytes = 7u * 1024 * 1024;  // Lambda's payload limit is 6 MB

std::string header_or_empty(const aws::HttpResponse& r, const char* name) {
  const std::string* v = aws::find_header(r.headers, name);
  return v ? *v : std::string();
}

}  // namespace

int64_t Invocation::remaining_ms() const { return deadline_ms - aws::unix_now_ms(); }

std::string error_document(const HandlerError& error) {
  nlohmann::json doc{{"errorMessage", error.message}, {"errorType", error.type}, {"stackTrace", nlohmann::json::array()}};
  return meta::json_text(doc);
}

RuntimeClient::RuntimeClient(RuntimeOptions options, std::shared_ptr<aws::HttpClient> http)
    : options_(std::move(options)), http_(std::move(http)), base_("http://" + options_.api + kApiVersion) {
  if (!http_) http_ = std::make_shared<aws::HttpClient>();
}

Result<Invocation> RuntimeClient::next() {
  aws::HttpRequest req;
  req.method = "GET";
  req.url = base_ + kNextPath;
  // No timeout on purpose: this call blocks until an event arrives, which may be minutes,
  // and Lambda freezes the whole process between invocations - a timer would fire on thaw
  // and abort a call that is about to be answered.
  req.timeout = std::chrono::milliseconds(0);
  req.max_response_bytes = kMaxEventBytes;
  auto resp = http_->send(req);
  if (!resp) return resp.error();
  if (resp->status != 200)
    return make_error(meta::Errc::RuntimeApiError, "Runtime API next: HTTP " + std::to_string(resp->status) + " " + resp->body);
  Invocation inv;
  inv.request_id = header_or_empty(*resp, kRequestIdHeader);
  if (inv.request_id.empty()) return make_error(meta::Errc::RuntimeApiError, "Runtime API next: no request id");
  inv.deadline_ms = std::strtoll(header_or_empty(*resp, kDeadlineHeader).c_str(), nullptr, 10);
  inv.function_arn = header_or_empty(*resp, kFunctionArnHeader);
  inv.trace_id = header_or_empty(*resp, kTraceIdHeader);
  inv.client_context = header_or_empty(*resp, kClientContextHeader);
  inv.cognito_identity = header_or_empty(*resp, kCognitoIdentityHeader);
  inv.payload = std::move(resp->body);
  return inv;
}

Status RuntimeClient::post(const std::string& path, const std::string& body, const std::string& error_type) {
  aws::HttpRequest req;
  req.method = "POST";
  req.url = base_ + path;
  req.body = body;
  req.timeout = std::chrono::milliseconds(10000);
  if (!error_type.empty()) {
    req.headers.push_back({kErrorTypeHeader, error_type});
    req.headers.push_back({"Content-Type", kErrorContentType});
  }
  Error last;
  for (int attempt = 0; attempt < options_.post_attempts; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(options_.post_backoff * (1 << (attempt - 1)));
    auto resp = http_->send(req);
    if (!resp) {
      last = make_error(resp.error(), "Runtime API POST " + path + ": " + resp.error().message);
      continue;  // transport failure: retry
    }
    if (resp->status == 202 || resp->status == 200) return meta::ok_status();
    last = make_error(resp->status == 413 ? meta::Errc::PayloadTooLarge : meta::Errc::RuntimeApiError,
                      "Runtime API POST " + path + ": HTTP " + std::to_string(resp->status) + " " + resp->body);
    if (resp->status < 500) return last;  // 400/403/413: the same post cannot succeed
  }
  return last;
}

Status RuntimeClient::post_response(const std::string& request_id, const std::string& body) {
  return post(kInvocationPath + request_id + "/response", body, "");
}

Status RuntimeClient::post_error(const std::string& request_id, const HandlerError& error) {
  return post(kInvocationPath + request_id + "/error", error_document(error), error.type);
}

Status RuntimeClient::post_init_error(const HandlerError& error) {
  return post(kInitErrorPath, error_document(error), error.type);
}

int RuntimeClient::run(const Handler& handler) {
  int64_t done = 0;
  int transport_failures = 0;
  while (options_.max_invocations == 0 || done < options_.max_invocations) {
    auto inv = next();
    if (!inv) {
      // The Runtime API is local to the sandbox; a refused connection right after start or
      // a transient failure is retried briefly, anything else ends the runtime.
      if (inv.error().code == meta::Errc::Transport && ++transport_failures < 5) {
        std::this_thread::sleep_for(options_.post_backoff * (1 << transport_failures));
        continue;
      }
      std::fprintf(stderr, "{\"level\":\"error\",\"message\":\"%s\"}\n", inv.error().message.c_str());
      return 1;
    }
    transport_failures = 0;
    if (!inv->trace_id.empty()) setenv(kTraceEnv, inv->trace_id.c_str(), 1);
    else unsetenv(kTraceEnv);

    HandlerResult result;
    try {
      result = handler(*inv);
    } catch (const std::exception& e) {  // the process boundary: nothing may escape the loop
      result = HandlerResult::failure("Runtime.UnhandledException", e.what());
    }
    Status posted = result.ok ? post_response(inv->request_id, result.body) : post_error(inv->request_id, result.error);
    if (!posted && posted.error().code == meta::Errc::PayloadTooLarge)
      posted = post_error(inv->request_id, {"Function.ResponseSizeTooLarge", "response of " +
                                                                                 std::to_string(result.body.size()) +
                                                                                 " bytes exceeds the payload limit"});
    if (!posted) std::fprintf(stderr, "{\"level\":\"error\",\"requestId\":\"%s\",\"message\":\"%s\"}\n",
                              inv->request_id.c_str(), posted.error().message.c_str());
    ++done;
  }
  return 0;
}

}  // namespace imgmeta::lambda
