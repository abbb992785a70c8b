#include "aws/aws_client.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <random>
#include <thread>

#include "aws/digest.hpp"

namespace imgmeta::aws {

using meta::make_error;

int64_t unix_now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}
int64_t unix_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool is_throttling_code(std::string_view code) {
  static constexpr std::array<std::string_view, 14> kCodes = {
      "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
      "TooManyRequestsException", "ProvisionedThroughputExceededException", "TransactionInProgressException",
      "RequestLimitExceeded", "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled", "SlowDown",
      "PriorRequestNotComplete", "EC2ThrottledException"};
  return std::find(kCodes.begin(), kCodes.end(), code) != kCodes.end();
}

bool is_transient_code(std::string_view code) {
  static constexpr std::array<std::string_view, 9> kCodes = {
      "InternalError", "InternalFailure", "InternalServerError", "ServiceUnavailable", "RequestTimeout",
      "RequestTimeoutException", "Transport", "Timeout", "IDPCommunicationError"};
  return std::find(kCodes.begin(), kCodes.end(), code) != kCodes.end();
}

namespace {

std::string xml_text(std::string_view body, std::string_view tag) {
  std::string open = "<" + std::string(tag) + ">", close = "</" + std::string(tag) + ">";
  size_t a = body.find(open);
  if (a == std::string_view::npos) return "";
  a += open.size();
  size_t b = body.find(close, a);
  if (b == std::string_view::npos) return "";
  std::string raw(body.substr(a, b - a));
  // The five predefined XML entities (XML 1.0 section 4.6).
  std::string out;
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '&') {
      static constexpr std::pair<std::string_view, char> kEntities[] = {
          {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
      bool done = false;
      for (auto [name, ch] : kEntities)
        if (std::string_view(raw).substr(i).starts_with(name)) {
          out += ch;
          i += name.size() - 1;
          done = true;
          break;
        }
      if (done) continue;
    }
    out += raw[i];
  }
  return out;
}

std::string status_code_name(long status) {
  switch (status) {
    case 304: return "NotModified";
    case 400: return "BadRequest";
    case 403: return "Forbidden";
    case 404: return "NotFound";
    case 409: return "Conflict";
    case 412: return "PreconditionFailed";
    case 416: return "InvalidRange";
    case 429: return "TooManyRequestsException";
    case 500: return "InternalError";
    case 502: return "BadGateway";
    case 503: return "ServiceUnavailable";
    case 504: return "GatewayTimeout";
    default: return "HTTP" + std::to_string(status);
  }
}

}  // namespace

AwsErrorInfo parse_error(const HttpResponse& response) {
  AwsErrorInfo info;
  std::string_view body = response.body;
  size_t first = body.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && body[first] == '{') {
    auto j = nlohmann::json::parse(body, nullptr, false);
    if (j.is_object()) {
      auto str = [&](const char* k) {
        auto it = j.find(k);
        return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
      };
      std::string type = !str("__type").empty() ? str("__type") : str("code");
      if (auto hash = type.rfind('#'); hash != std::string::npos) type = type.substr(hash + 1);
      info.code = type;
      info.message = !str("message").empty() ? str("message") : str("Message");
    }
  } else if (first != std::string_view::npos && body[first] == '<') {
    info.code = xml_text(body, "Code");
    info.message = xml_text(body, "Message");
  }
  if (info.code.empty())
    if (const auto* t = find_header(response.headers, "x-amzn-ErrorType")) info.code = t->substr(0, t->find(':'));
  if (info.code.empty()) info.code = status_code_name(response.status);
  return info;
}

AwsClient::AwsClient(ClientConfig config, std::shared_ptr<HttpClient> http)
    : config_(std::move(config)), http_(std::move(http)) {
  auto url = parse_url(config_.endpoint);
  if (url) endpoint_ = *url;
  else endpoint_error_ = url.error().message;
  if (!http_) http_ = std::make_shared<HttpClient>();
}

Result<HttpRequest> AwsClient::prepare(const AwsRequest& req, int64_t now_s) const {
  if (!endpoint_error_.empty()) return make_error(meta::Errc::InvalidArgument, req.operation + ": endpoint: " + endpoint_error_);
  SignableRequest s;
  s.method = req.method;
  s.path = endpoint_.path + (req.path.empty() ? "/" : req.path);
  s.query = req.query;
  s.headers.push_back({"Host", endpoint_.authority});
  for (const auto& h : req.headers) s.headers.push_back(h);
  SigningConfig cfg;
  if (req.s3) {
    cfg = SigningConfig::s3(config_.region, now_s, req.unsigned_payload ? std::string(kUnsignedPayload) : sha256_hex(req.body));
  } else {
    cfg = SigningConfig::json_service(config_.signing_service, config_.region, now_s, req.body);
  }
  auto sig = sign_request(s, config_.credentials, cfg);
  if (!sig) return make_error(meta::Errc::InvalidArgument, req.operation + " " + req.resource + ": " + sig.error().message);
  HttpRequest h;
  h.method = req.method;
  h.url = endpoint_.origin() + s.path + (s.query.empty() ? "" : "?" + s.query);
  for (auto& hd : s.headers)
    if (hd.name != "Host") h.headers.push_back(std::move(hd));
  h.body = req.body;
  h.timeout = config_.timeout;
  h.connect_timeout = config_.connect_timeout;
  h.max_response_bytes = req.max_response_bytes;
  return h;
}

std::chrono::milliseconds AwsClient::backoff(int attempt, bool throttled) const {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  int64_t base = (throttled ? config_.retry.throttle_base : config_.retry.base).count();
  int64_t ceiling = std::min<int64_t>(config_.retry.cap.count(), base << std::min(attempt, 20));
  std::uniform_int_distribution<int64_t> dist(0, std::max<int64_t>(ceiling, 1));
  return std::chrono::milliseconds(dist(rng));
}

Result<HttpResponse> AwsClient::call(const AwsRequest& req, std::string* error_body) {
  std::string what = req.operation + (req.resource.empty() ? "" : " " + req.resource);
  int attempts = 0;
  Error last;
  while (true) {
    ++attempts;
    auto prepared = prepare(req, unix_now_s());
    if (!prepared) return prepared.error();
    stats_.requests++;
    auto resp = http_->send(*prepared);
    bool throttled = false;
    if (resp) {
      stats_.bytes_received += resp->body.size();
      if (resp->status >= 200 && resp->status < 400) return std::move(resp).value();
      AwsErrorInfo info = parse_error(*resp);
      last = meta::make_service_error(info.code, what + ": HTTP " + std::to_string(resp->status) + " " + info.code +
                                       (info.message.empty() ? "" : ": " + info.message));
      throttled = resp->status == 429 || is_throttling_code(info.code);
      bool retryable = throttled || resp->status >= 500 || is_transient_code(info.code);
      if (!retryable) {
        if (error_body) *error_body = std::move(resp->body);
        return last;
      }
    } else {
      last = make_error(resp.error(), what + ": " + resp.error().message);
      if (resp.error().code == meta::Errc::ResponseTooLarge) return last;
    }
    if (attempts >= config_.retry.max_attempts) break;
    auto delay = backoff(attempts - 1, throttled);
    int64_t deadline = deadline_ms_.load();
    // Leave room for the attempt itself: no retry that could not finish before the deadline.
    if (deadline > 0 && unix_now_ms() + delay.count() + 200 > deadline) break;
    stats_.retries++;
    if (sleeper_) sleeper_(delay);
    else std::this_thread::sleep_for(delay);
  }
  if (attempts > 1) last.message += " (" + std::to_string(attempts) + " attempts)";
  return last;
}

}  // namespace imgmeta::aws
