// The API Lambda's event adapter: HTTP API v2 / function URL events (the shared examples
// from aws-lambda-go) to http::ApiRequest, and http::ApiResponse to the 2.0 response format.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "lambda/api_handler.hpp"
#include "lambda/runtime.hpp"

namespace imgmeta::lambda {
namespace {

using nlohmann::json;

json load(const std::string& name) {
  std::ifstream in(std::string(IMGMETA_SHARED_DIR) + "/testdata/events/aws-lambda-go/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return json::parse(ss.str());
}

TEST(ApiEvent, ReadsTheHttpApiJwtAuthorizerExample) {
  json ev = load("apigw-v2-request-jwt-authorizer.json");
  ev["requestContext"]["authorizer"]["jwt"]["claims"] = {{"sub", "3cc59f9b"}, {"cognito:username", "alice"},
                                                         {"exp", "1767323045"}};
  auto r = api_request_from_event(ev);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->method, "GET");
  EXPECT_EQ(r->path, "/my/path");
  EXPECT_EQ(r->query.count("parameter1"), 2u);
  EXPECT_EQ(r->query.find("parameter2")->second, "value");
  ASSERT_NE(r->header("header1"), nullptr);
  EXPECT_EQ(*r->header("header1"), "value1");
  EXPECT_EQ(*r->header("cookie"), "cookie1; cookie2");
  EXPECT_EQ(r->body, "{\r\n\t\"a\": 1\r\n}");
  ASSERT_TRUE(r->principal.has_value());
  EXPECT_EQ(r->principal->subject, "3cc59f9b");
  EXPECT_EQ(r->principal->username, "alice");
  EXPECT_EQ(r->remote_address, "IP");
  EXPECT_EQ(r->request_id, "id");
}

TEST(ApiEvent, PlaceholderClaimsWithoutSubGiveNoPrincipal) {
  auto r = api_request_from_event(load("apigw-v2-request-jwt-authorizer.json"));
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->principal.has_value()) << "no sub: the Api then asks for a bearer token";
}

TEST(ApiEvent, FunctionUrlEventsCarryNoPrincipal) {
  auto r = api_request_from_event(load("lambda-urls-request.json"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->method, "POST");
  EXPECT_EQ(r->body, "Hello from client!");
  EXPECT_FALSE(r->principal.has_value()) << "an IAM authorizer's caller is not a user";
}

TEST(ApiEvent, DecodesBase64BodiesPathEscapesAndFormQueries) {
  json ev = load("lambda-urls-request.json");
  ev["rawPath"] = "/api/images/01J%41";
  ev["rawQueryString"] = "q=red+flower%21&empty";
  ev["body"] = "eyJhIjoxfQ==";
  ev["isBase64Encoded"] = true;
  auto r = api_request_from_event(ev);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->path, "/api/images/01JA");
  EXPECT_EQ(r->query.find("q")->second, "red flower!");
  EXPECT_EQ(r->query.find("empty")->second, "");
  EXPECT_EQ(r->body, "{\"a\":1}");
}

TEST(ApiEvent, StripsANamedStageFromThePath) {
  json ev = load("apigw-v2-request-no-authorizer.json");
  ev["requestContext"]["stage"] = "prod";
  ev["rawPath"] = "/prod/api/images";
  EXPECT_EQ(api_request_from_event(ev)->path, "/api/images");
}

TEST(ApiEvent, RefusesOtherEvents) {
  EXPECT_EQ(api_request_from_event(json{{"Records", json::array()}}).error().code, meta::Errc::InvalidEvent);
  json ev = load("lambda-urls-request.json");
  ev["body"] = "%%%";
  ev["isBase64Encoded"] = true;
  EXPECT_EQ(api_request_from_event(ev).error().code, meta::Errc::InvalidEvent);
  ev = load("lambda-urls-request.json");
  ev["requestContext"].erase("http");
  EXPECT_FALSE(api_request_from_event(ev).ok());
}

TEST(EventResponse, MovesSetCookieToCookiesAndJoinsRepeatedHeaders) {
  http::ApiResponse resp;
  resp.status = 201;
  resp.body = R"({"ok":true})";
  resp.headers = {{"Content-Type", "application/json"}, {"Vary", "Origin"}, {"Vary", "Accept"},
                  {"Set-Cookie", "a=1; HttpOnly"}, {"set-cookie", "b=2"}};
  json doc = event_response(resp, 1 << 20);
  EXPECT_EQ(doc["statusCode"], 201);
  EXPECT_EQ(doc["headers"]["Vary"], "Origin, Accept");
  EXPECT_EQ(doc["cookies"], json::array({"a=1; HttpOnly", "b=2"}));
  EXPECT_FALSE(doc["headers"].contains("Set-Cookie"));
  EXPECT_EQ(doc["body"], R"({"ok":true})");
  EXPECT_EQ(doc["isBase64Encoded"], false);
}

TEST(EventResponse, SendsStreamedBytesAsBase64) {
  static const uint8_t bytes[] = {0xFF, 0xD8, 0xFF, 0xE0, 0x00};
  http::ApiResponse resp;
  resp.status = 206;
  resp.stream = http::StreamBody{std::make_shared<meta::MemorySource>(std::span<const uint8_t>(bytes)), 1, 3};
  json doc = event_response(resp, 1 << 20);
  EXPECT_EQ(doc["body"], "2P/g");  // base64 of D8 FF E0
  EXPECT_EQ(doc["isBase64Encoded"], true);
}

TEST(EventResponse, RefusesAStreamLargerThanThePayloadLimit) {
  static const uint8_t bytes[100] = {};
  http::ApiResponse resp;
  resp.stream = http::StreamBody{std::make_shared<meta::MemorySource>(std::span<const uint8_t>(bytes)), 0, 100};
  EXPECT_EQ(event_response(resp, 64)["statusCode"], 502);
}

TEST(RuntimeErrorDocument, HasTheShapeTheRuntimeApiExpects) {
  json doc = json::parse(error_document({"Handled.Retryable", "S3.GetObject b/k: HTTP 503 SlowDown"}));
  EXPECT_EQ(doc["errorType"], "Handled.Retryable");
  EXPECT_EQ(doc["errorMessage"], "S3.GetObject b/k: HTTP 503 SlowDown");
  EXPECT_TRUE(doc["stackTrace"].is_array());
}

}  // namespace
}  // namespace imgmeta::lambda
