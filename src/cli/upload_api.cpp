#include "cli/upload_api.hpp"
#include "meta/json_text.hpp"

#include <algorithm>
#include <random>
#include <thread>

namespace imgmeta::cli {
namespace {

using meta::make_error;
using nlohmann::json;

// Cognito's JSON API (AWS JSON 1.1): one POST to the regional endpoint per action.
constexpr const char* kCognitoTarget = "AWSCognitoIdentityProviderService.InitiateAuth";
constexpr const char* kCognitoContentType = "application/x-amz-json-1.1";

json parse_json(const std::string& text) {
  if (text.empty()) return nullptr;
  return json::parse(text, nullptr, /*allow_exceptions=*/false);
}

std::optional<int> retry_after(const aws::HttpResponse& r) {
  if (const std::string* v = aws::find_header(r.headers, "Retry-After")) {
    try {
      int s = std::stoi(*v);
      if (s >= 0) return std::min(s, 60);
    } catch (...) {
    }
  }
  return std::nullopt;
}

std::string str_or(const json& j, const char* key, std::string fallback = {}) {
  if (j.is_object()) {
    auto it = j.find(key);
    if (it != j.end() && it->is_string()) return it->get<std::string>();
  }
  return fallback;
}

}  // namespace

bool is_retryable_status(long status) { return status >= 500 || status == 429 || status == 408; }

void backoff_sleep(const RetryPolicy& policy, int attempt, std::optional<int> retry_after_s) {
  std::chrono::milliseconds delay;
  if (retry_after_s) {
    delay = std::chrono::seconds(*retry_after_s);
  } else {
    auto cap = policy.first_delay * (1LL << std::min(attempt - 1, 16));
    cap = std::min<std::chrono::milliseconds>(cap, policy.max_delay);
    thread_local std::mt19937_64 rng{std::random_device{}()};
    // Half fixed, half jitter: several jobs failing together do not come back together.
    std::uniform_int_distribution<long long> jitter(cap.count() / 2, std::max<long long>(cap.count(), 1));
    delay = std::chrono::milliseconds(jitter(rng));
  }
  std::this_thread::sleep_for(delay);
}

std::string ApiReply::error_code() const {
  if (body.is_object() && body.contains("error")) return str_or(body["error"], "code");
  return {};
}

std::string ApiReply::error_message() const {
  if (body.is_object() && body.contains("error")) {
    std::string m = str_or(body["error"], "message");
    if (!m.empty()) return m;
  }
  return "the server answered HTTP " + std::to_string(status);
}

ApiSession::ApiSession(std::string server_url, RetryPolicy retry) : server_(std::move(server_url)), retry_(retry) {
  while (!server_.empty() && server_.back() == '/') server_.pop_back();
  config_.api_base = server_;
}

meta::Result<aws::HttpResponse> ApiSession::send_with_retry(aws::HttpRequest request, int attempts) {
  for (int attempt = 1;; ++attempt) {
    auto r = http_.send(request);
    bool retry = !r ? true : is_retryable_status(r->status);
    if (!retry || attempt >= attempts) return r;
    backoff_sleep(retry_, attempt, r ? retry_after(*r) : std::nullopt);
  }
}

meta::Status ApiSession::load_config() {
  aws::HttpRequest req;
  req.url = server_ + "/config.json";
  req.timeout = std::chrono::seconds(20);
  // Two tries only: a wrong --server should say so quickly, not after a minute of backoff.
  auto r = send_with_retry(req, 2);
  if (!r) return make_error(meta::Errc::Unreachable, "cannot reach the server at " + server_ + ": " + r.error().message);
  if (r->status == 404) return meta::ok_status();  // no web app: the local shape's defaults
  if (r->status != 200)
    return make_error(meta::Errc::BadServer, server_ + "/config.json answered HTTP " + std::to_string(r->status) +
                                       "; is --server the address of imgmeta (the web app's URL)?");
  json c = parse_json(r->body);
  if (!c.is_object() || !c.contains("auth"))
    return make_error(meta::Errc::BadServer, server_ + "/config.json is not imgmeta's configuration; is --server the web app's URL?");
  config_.found = true;
  std::string base = str_or(c, "apiBaseUrl");
  while (!base.empty() && base.back() == '/') base.pop_back();
  if (base.starts_with("http://") || base.starts_with("https://")) config_.api_base = base;
  else if (base.starts_with("/")) config_.api_base = server_ + base;
  const json& auth = c["auth"];
  if (str_or(auth, "mode") == "cognito") {
    config_.cognito = true;
    config_.region = str_or(auth, "region");
    config_.user_pool_id = str_or(auth, "userPoolId");
    config_.client_id = str_or(auth, "clientId");
    config_.cognito_endpoint = str_or(auth, "endpoint");
    if (config_.region.empty() || config_.client_id.empty())
      return make_error(meta::Errc::BadServer, server_ + "/config.json names Cognito sign-in without a region and client id");
  }
  if (c.contains("multipartThreshold") && c["multipartThreshold"].is_number_unsigned())
    config_.multipart_threshold = c["multipartThreshold"].get<uint64_t>();
  if (c.contains("maxUploadSize") && c["maxUploadSize"].is_number_unsigned())
    config_.max_upload_size = c["maxUploadSize"].get<uint64_t>();
  return meta::ok_status();
}

meta::Status ApiSession::sign_in(const std::string& username, const std::string& password) {
  std::lock_guard lock(mu_);
  username_ = username;
  password_ = password;
  return sign_in_locked();
}

meta::Status ApiSession::cognito_initiate(const json& request) {
  std::string endpoint = config_.cognito_endpoint.empty()
                             ? "https://cognito-idp." + config_.region + ".amazonaws.com"
                             : config_.cognito_endpoint;
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
  aws::HttpRequest req;
  req.method = "POST";
  req.url = endpoint + "/";
  req.headers = {{"Content-Type", kCognitoContentType}, {"X-Amz-Target", kCognitoTarget}};
  req.body = meta::json_text(request);
  auto r = send_with_retry(req, retry_.attempts);
  if (!r) return make_error(meta::Errc::Unreachable, "cannot reach Cognito at " + endpoint + ": " + r.error().message);
  json body = parse_json(r->body);
  if (r->status != 200) {
    std::string type = str_or(body, "__type");
    if (auto hash = type.rfind('#'); hash != std::string::npos) type = type.substr(hash + 1);
    std::string message = str_or(body, "message", str_or(body, "Message", "HTTP " + std::to_string(r->status)));
    if (type == "NotAuthorizedException" || type == "UserNotFoundException")
      return make_error(meta::Errc::InvalidCredentials, "Cognito refused the sign-in: " + message);
    return meta::make_service_error(type.empty() ? "CognitoError" : type, "Cognito InitiateAuth failed: " + type + ": " + message);
  }
  if (body.contains("ChallengeName"))
    return make_error(meta::Errc::Challenge, "Cognito asks for " + str_or(body, "ChallengeName") +
                                       " before this account can sign in; finish that in the web app first");
  const json& result = body.is_object() && body.contains("AuthenticationResult") ? body["AuthenticationResult"] : json();
  // The ID token, as the web app sends: the API accepts Cognito ID and access tokens of the pool's client.
  std::string token = str_or(result, "IdToken", str_or(result, "AccessToken"));
  if (token.empty()) return make_error(meta::Errc::CognitoError, "Cognito InitiateAuth answered without tokens");
  access_token_ = token;
  if (std::string rt = str_or(result, "RefreshToken"); !rt.empty()) refresh_token_ = rt;
  token_generation_++;
  return meta::ok_status();
}

meta::Status ApiSession::sign_in_locked() {
  if (config_.cognito) {
    return cognito_initiate({{"AuthFlow", "USER_PASSWORD_AUTH"},
                             {"ClientId", config_.client_id},
                             {"AuthParameters", {{"USERNAME", username_}, {"PASSWORD", password_}}}});
  }
  aws::HttpRequest req;
  req.method = "POST";
  req.url = api_url("/api/auth/signin");
  req.headers = {{"Content-Type", "application/json"}};
  req.body = meta::json_text(json{{"username", username_}, {"password", password_}});
  auto r = send_with_retry(req, retry_.attempts);
  if (!r) return make_error(meta::Errc::Unreachable, "cannot reach the server at " + server_ + ": " + r.error().message);
  ApiReply reply{r->status, parse_json(r->body)};
  if (r->status == 401) return make_error(meta::Errc::InvalidCredentials, "sign-in refused: wrong username or password");
  if (r->status == 404)
    return make_error(meta::Errc::BadServer, "the server has no local sign-in (" + req.url + " answered 404); is --server right?");
  if (r->status != 200) return meta::make_service_error(reply.error_code(), "sign-in failed: " + reply.error_message());
  access_token_ = str_or(reply.body, "accessToken");
  refresh_token_ = str_or(reply.body, "refreshToken");
  if (access_token_.empty()) return make_error(meta::Errc::BadServer, "sign-in answered 200 without an access token");
  token_generation_++;
  return meta::ok_status();
}

meta::Status ApiSession::refresh_locked() {
  if (!refresh_token_.empty()) {
    if (config_.cognito) {
      auto st = cognito_initiate({{"AuthFlow", "REFRESH_TOKEN_AUTH"},
                                  {"ClientId", config_.client_id},
                                  {"AuthParameters", {{"REFRESH_TOKEN", refresh_token_}}}});
      if (st) return st;
    } else {
      aws::HttpRequest req;
      req.method = "POST";
      req.url = api_url("/api/auth/refresh");
      req.headers = {{"Content-Type", "application/json"}};
      req.body = meta::json_text(json{{"refreshToken", refresh_token_}});
      auto r = send_with_retry(req, retry_.attempts);
      if (r && r->status == 200) {
        json body = parse_json(r->body);
        std::string at = str_or(body, "accessToken");
        if (!at.empty()) {
          access_token_ = at;
          refresh_token_ = str_or(body, "refreshToken", refresh_token_);
          token_generation_++;
          return meta::ok_status();
        }
      }
    }
  }
  // The refresh token was refused or used up: the password is still at hand.
  return sign_in_locked();
}

std::string ApiSession::token() const {
  std::lock_guard lock(mu_);
  return access_token_;
}

meta::Result<ApiReply> ApiSession::call(const std::string& method, const std::string& path,
                                        const std::optional<json>& body) {
  aws::HttpRequest req;
  req.method = method;
  req.url = api_url(path);
  req.timeout = std::chrono::seconds(120);  // completing a multipart upload of a large file on S3 takes a while
  if (body) {
    req.headers.push_back({"Content-Type", "application/json"});
    req.body = meta::json_text(*body);
  }
  for (int pass = 0;; ++pass) {
    uint64_t generation;
    {
      std::lock_guard lock(mu_);
      generation = token_generation_;
      aws::set_header(req.headers, "Authorization", "Bearer " + access_token_);
    }
    auto r = send_with_retry(req, retry_.attempts);
    if (!r) return make_error(meta::Errc::Unreachable, method + " " + path + ": " + r.error().message);
    if (r->status == 401 && pass == 0) {
      std::lock_guard lock(mu_);
      // Another job may have refreshed already while this one waited.
      if (generation == token_generation_) {
        if (auto st = refresh_locked(); !st) return make_error(st.error(), "the session expired and signing in again failed: " + st.error().message);
      }
      continue;
    }
    return ApiReply{r->status, parse_json(r->body)};
  }
}

}  // namespace imgmeta::cli
