#include "lambda/api_handler.hpp"

#include <chrono>
#include <iostream>

#include "aws/aws_client.hpp"
#include "aws/digest.hpp"
#include "aws/sigv4.hpp"
#include "lambda/log.hpp"
#include "meta/ascii.hpp"
#include "meta/json_text.hpp"

namespace imgmeta::lambda {

using meta::make_error;
using nlohmann::json;

namespace {

constexpr size_t kMaxRequestBody = 6u * 1024 * 1024;

std::string str(const json& obj, const char* name) {
  if (!obj.is_object()) return "";
  auto it = obj.find(name);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

const json* object_at(const json& obj, std::initializer_list<const char*> path) {
  const json* cur = &obj;
  for (const char* p : path) {
    if (!cur->is_object()) return nullptr;
    auto it = cur->find(p);
    if (it == cur->end()) return nullptr;
    cur = &*it;
  }
  return cur->is_object() ? cur : nullptr;
}

// application/x-www-form-urlencoded decoding of one query component: '+' is a space.
std::string form_decode(std::string_view s) {
  std::string plus_as_space(s);
  for (auto& c : plus_as_space)
    if (c == '+') c = ' ';
  return aws::uri_decode(plus_as_space);
}

}  // namespace

Result<http::ApiRequest> api_request_from_event(const json& event) {
  if (!event.is_object() || str(event, "version") != "2.0")
    return make_error(meta::Errc::InvalidEvent, "api event: not an HTTP API / function URL event (payload format 2.0)");
  const json* http_ctx = object_at(event, {"requestContext", "http"});
  if (!http_ctx || str(*http_ctx, "method").empty())
    return make_error(meta::Errc::InvalidEvent, "api event: requestContext.http.method missing");
  http::ApiRequest r;
  r.method = str(*http_ctx, "method");
  std::string raw_path = str(event, "rawPath");
  if (raw_path.empty()) raw_path = str(*http_ctx, "path");
  // A named stage prefixes rawPath ("/prod/api/images"); the routes know no stage.
  std::string stage = str(event["requestContext"], "stage");
  if (!stage.empty() && stage != "$default" && raw_path.starts_with("/" + stage + "/"))
    raw_path = raw_path.substr(stage.size() + 1);
  r.path = aws::uri_decode(raw_path);
  if (r.path.empty()) r.path = "/";

  const std::string raw_qs = str(event, "rawQueryString");
  size_t pos = 0;
  while (pos < raw_qs.size()) {
    size_t amp = raw_qs.find('&', pos);
    if (amp == std::string::npos) amp = raw_qs.size();
    std::string_view kv = std::string_view(raw_qs).substr(pos, amp - pos);
    pos = amp + 1;
    if (kv.empty()) continue;
    size_t eq = kv.find('=');
    r.query.emplace(form_decode(kv.substr(0, eq)), eq == std::string_view::npos ? "" : form_decode(kv.substr(eq + 1)));
  }

  if (const json* headers = object_at(event, {"headers"}))
    for (const auto& [name, value] : headers->items())
      if (value.is_string()) r.headers.emplace(name, value.get<std::string>());
  if (auto c = event.find("cookies"); c != event.end() && c->is_array()) {
    std::string cookie;
    for (const auto& v : *c)
      if (v.is_string()) cookie += (cookie.empty() ? "" : "; ") + v.get<std::string>();
    if (!cookie.empty()) r.headers.emplace("cookie", cookie);
  }

  std::string body = str(event, "body");
  bool b64 = event.contains("isBase64Encoded") && event["isBase64Encoded"].is_boolean() && event["isBase64Encoded"].get<bool>();
  if (b64) {
    auto decoded = aws::base64_decode(body);
    if (!decoded) return make_error(meta::Errc::InvalidEvent, "api event: body is not valid base64");
    body = std::move(*decoded);
  }
  if (body.size() > kMaxRequestBody) return make_error(meta::Errc::InvalidEvent, "api event: body larger than 6 MiB");
  r.body = std::move(body);

  // API Gateway's JWT authorizer verified the token: take the principal from its claims.
  if (const json* claims = object_at(event, {"requestContext", "authorizer", "jwt", "claims"})) {
    std::string sub = str(*claims, "sub");
    if (!sub.empty()) {
      auth::Principal p;
      p.subject = sub;
      p.username = !str(*claims, "cognito:username").empty() ? str(*claims, "cognito:username") : str(*claims, "username");
      r.principal = p;
    }
  }
  r.remote_address = str(*http_ctx, "sourceIp");
  r.request_id = str(event["requestContext"], "requestId");
  return r;
}

json event_response(const http::ApiResponse& resp, size_t max_body_bytes) {
  json out{{"statusCode", resp.status}};
  json headers = json::object();
  json cookies = json::array();
  for (const auto& [name, value] : resp.headers) {
    if (meta::iequals(name, "set-cookie")) {
      cookies.push_back(value);
      continue;
    }
    if (headers.contains(name)) headers[name] = headers[name].get<std::string>() + ", " + value;
    else headers[name] = value;
  }
  std::string body = resp.body;
  bool binary = false;
  if (resp.stream && resp.stream->source) {
    if (resp.stream->length > max_body_bytes / 4 * 3) {
      json err{{"error", {{"code", "ResponseTooLarge"}, {"message", "the content is larger than a Lambda response; use the redirect"}}}};
      return {{"statusCode", 502}, {"headers", {{"Content-Type", "application/json"}}}, {"body", meta::json_text(err)}, {"isBase64Encoded", false}};
    }
    std::string bytes(static_cast<size_t>(resp.stream->length), '\0');
    auto n = resp.stream->source->read_at(resp.stream->offset,
                                          std::span<uint8_t>(reinterpret_cast<uint8_t*>(bytes.data()), bytes.size()));
    if (!n) {
      json err{{"error", {{"code", "InternalError"}, {"message", n.error().message}}}};
      return {{"statusCode", 500}, {"headers", {{"Content-Type", "application/json"}}}, {"body", meta::json_text(err)}, {"isBase64Encoded", false}};
    }
    bytes.resize(*n);
    body = aws::base64_encode(bytes);
    binary = true;
  }
  out["headers"] = headers;
  if (!cookies.empty()) out["cookies"] = cookies;
  out["body"] = body;
  out["isBase64Encoded"] = binary;
  return out;
}

HandlerResult handle_api(const Invocation& inv, ApiContext& ctx) {
  auto started = std::chrono::steady_clock::now();
  std::ostream& out = ctx.log ? *ctx.log : std::cout;
  auto event = json::parse(inv.payload, nullptr, false);
  auto req = api_request_from_event(event);
  if (!req) {
    Json line{{"level", "error"}, {"requestId", inv.request_id}, {"error", req.error().message}};
    write_log_line(out, line);
    return HandlerResult::failure("Runtime.InvalidEvent", req.error().message);
  }
  if (req->request_id.empty()) req->request_id = inv.request_id;
  http::ApiResponse resp = ctx.api->handle(*req);
  json doc = event_response(resp, ctx.max_response_bytes);
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();

  Json line;
  line["Function"] = ctx.function_name;
  line["Route"] = resp.route.empty() ? "unmatched" : req->method + " " + resp.route;
  line["Requests"] = 1;
  line["ServerErrors"] = doc["statusCode"].get<int>() >= 500 ? 1 : 0;
  line["LatencyMs"] = ms;
  line["level"] = doc["statusCode"].get<int>() >= 500 ? "error" : "info";
  line["requestId"] = inv.request_id;
  line["apiRequestId"] = req->request_id;
  line["method"] = req->method;
  line["path"] = req->path;
  line["status"] = doc["statusCode"];
  if (!resp.error_code.empty()) line["errorCode"] = resp.error_code;
  if (!resp.subject.empty()) line["subject"] = resp.subject;
  write_log_line(out, line,
                 emf_block("imgmeta", {{"Function"}, {"Function", "Route"}},
                           {{"Requests", "Count"}, {"ServerErrors", "Count"}, {"LatencyMs", "Milliseconds"}}, aws::unix_now_ms()));
  return HandlerResult::success(meta::json_text(doc));
}

}  // namespace imgmeta::lambda
