#include "aws/dynamodb_client.hpp"

#include <cmath>
#include <cstdio>

#include "meta/json_text.hpp"

namespace imgmeta::aws {

using meta::make_error;

namespace {
ClientConfig dynamo_config(const AwsSettings& settings) {
  ClientConfig c;
  c.endpoint = endpoint_for(settings, "dynamodb");
  c.region = settings.region;
  c.credentials = settings.credentials;
  return c;
}
}  // namespace

DynamoClient::DynamoClient(const AwsSettings& settings, std::shared_ptr<HttpClient> http)
    : DynamoClient(dynamo_config(settings), std::move(http)) {}

DynamoClient::DynamoClient(ClientConfig config, std::shared_ptr<HttpClient> http) {
  config.signing_service = "dynamodb";
  // DynamoDB's own SDK default: 25 ms base delay (throttling still backs off from 100 ms).
  client_ = std::make_unique<AwsClient>(std::move(config), std::move(http));
}

Result<Json> DynamoClient::call(const std::string& operation, const Json& request, const std::string& resource) {
  return call(operation, request, resource, nullptr);
}

Result<Json> DynamoClient::call(const std::string& operation, const Json& request, const std::string& resource,
                                Json* error_doc) {
  AwsRequest r;
  r.operation = "DynamoDB." + operation;
  r.resource = resource;
  r.method = "POST";
  r.path = "/";
  r.headers = {{"Content-Type", "application/x-amz-json-1.0"}, {"X-Amz-Target", "DynamoDB_20120810." + operation}};
  r.body = meta::json_text(request);
  std::string error_body;
  if (error_doc) *error_doc = Json();
  auto resp = client_->call(r, error_doc ? &error_body : nullptr);
  if (!resp) {
    if (error_doc) {
      *error_doc = Json::parse(error_body, nullptr, false);
      if (!error_doc->is_object()) *error_doc = Json();
    }
    return resp.error();
  }
  auto doc = Json::parse(resp->body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    return make_error(meta::Errc::InvalidResponse, r.operation + " " + resource + ": response is not a JSON object");
  return doc;
}

namespace ddb {

std::optional<std::string> get_s(const Json& item, const std::string& name) {
  auto it = item.find(name);
  if (it == item.end() || !it->is_object()) return std::nullopt;
  auto s = it->find("S");
  if (s == it->end() || !s->is_string()) return std::nullopt;
  return s->get<std::string>();
}

namespace {
// The text of a number attribute ("N"), or null when absent or of another type.
const std::string* number_text(const Json& item, const std::string& name) {
  auto it = item.find(name);
  if (it == item.end() || !it->is_object()) return nullptr;
  auto n = it->find("N");
  if (n == it->end() || !n->is_string()) return nullptr;
  return &n->get_ref<const std::string&>();
}
}  // namespace

std::optional<int64_t> get_n(const Json& item, const std::string& name) {
  const std::string* text = number_text(item, name);
  if (!text) return std::nullopt;
  char* end = nullptr;
  long long v = std::strtoll(text->c_str(), &end, 10);
  if (end == text->c_str() || *end != '\0') return std::nullopt;
  return static_cast<int64_t>(v);
}

Json D(double d) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", std::isfinite(d) ? d : 0.0);
  return typed("N", std::string(buf));
}

std::optional<double> get_d(const Json& item, const std::string& name) {
  const std::string* text = number_text(item, name);
  if (!text) return std::nullopt;
  char* end = nullptr;
  double v = std::strtod(text->c_str(), &end);
  if (end == text->c_str() || *end != '\0' || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::optional<bool> get_bool(const Json& item, const std::string& name) {
  auto it = item.find(name);
  if (it == item.end() || !it->is_object()) return std::nullopt;
  auto b = it->find("BOOL");
  if (b == it->end() || !b->is_boolean()) return std::nullopt;
  return b->get<bool>();
}

}  // namespace ddb
}  // namespace imgmeta::aws
