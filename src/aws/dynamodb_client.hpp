// Amazon DynamoDB over its JSON 1.0 protocol (DynamoDB API Reference): one POST per
// operation with X-Amz-Target "DynamoDB_20120810.<Operation>". The request and response
// documents are passed through as JSON; helpers build the typed attribute values.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "aws/aws_client.hpp"
#include "aws/config.hpp"

namespace imgmeta::aws {

using Json = nlohmann::json;

class DynamoClient {
 public:
  explicit DynamoClient(const AwsSettings& settings, std::shared_ptr<HttpClient> http = nullptr);
  DynamoClient(ClientConfig config, std::shared_ptr<HttpClient> http = nullptr);

  // Any operation ("PutItem", "Query", "CreateTable", ...). resource names the table in
  // errors. AWS's error code (ConditionalCheckFailedException, ...) is the Error's code.
  Result<Json> call(const std::string& operation, const Json& request, const std::string& resource = "");
  // The same; when the call fails with an answer from DynamoDB, *error_doc is that answer's
  // JSON object (e.g. {"__type": ..., "Item": {...}} for a failed condition with
  // ReturnValuesOnConditionCheckFailure ALL_OLD), else null.
  Result<Json> call(const std::string& operation, const Json& request, const std::string& resource, Json* error_doc);

  AwsClient& client() { return *client_; }

 private:
  std::unique_ptr<AwsClient> client_;
};

// Attribute values (DynamoDB Developer Guide, "Supported data types": S, N, BOOL, M, L).
namespace ddb {
// {type: value}, built without an initializer list (which nlohmann copies element by element).
inline Json typed(const char* type, Json value) {
  Json j(Json::value_t::object);
  j.emplace(type, std::move(value));
  return j;
}
inline Json S(std::string s) { return typed("S", std::move(s)); }
inline Json N(int64_t n) { return typed("N", std::to_string(n)); }
inline Json N(uint64_t n) { return typed("N", std::to_string(n)); }
// A finite double written so that it reads back exactly (17 significant digits).
Json D(double d);
inline Json BOOL(bool b) { return typed("BOOL", b); }
// Typed reads of an item's attribute; nullopt when absent or of another type.
std::optional<std::string> get_s(const Json& item, const std::string& name);
std::optional<int64_t> get_n(const Json& item, const std::string& name);
std::optional<double> get_d(const Json& item, const std::string& name);
std::optional<bool> get_bool(const Json& item, const std::string& name);
}  // namespace ddb

}  // namespace imgmeta::aws
