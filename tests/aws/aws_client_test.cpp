// AwsClient: signing every attempt, retrying throttling/5xx/transport failures with backoff,
// stopping at the deadline, and errors that name the operation and AWS's code. Driven
// against a real local HTTP server answering with the error bodies AWS documents.
#include <gtest/gtest.h>

#include "aws/aws_client.hpp"
#include "script_server.hpp"

namespace imgmeta::aws {
namespace {

using imgmeta::testing::ScriptedResponse;
using imgmeta::testing::ScriptServer;

struct Fixture {
  ScriptServer server;
  std::vector<std::chrono::milliseconds> sleeps;
  AwsClient client;
  explicit Fixture(RetryPolicy retry = {})
      : client(ClientConfig{server.url(), "eu-west-1", "dynamodb", {"AKID", "SECRET", "TOKEN"}, retry,
                            std::chrono::milliseconds(2000), std::chrono::milliseconds(1000)},
               std::make_shared<HttpClient>()) {
    client.set_sleeper([this](std::chrono::milliseconds d) { sleeps.push_back(d); });
  }
};

AwsRequest put_item() {
  AwsRequest r;
  r.operation = "DynamoDB.PutItem";
  r.resource = "imgmeta-images";
  r.method = "POST";
  r.headers = {{"Content-Type", "application/x-amz-json-1.0"}, {"X-Amz-Target", "DynamoDB_20120810.PutItem"}};
  r.body = R"({"TableName":"imgmeta-images"})";
  return r;
}

ScriptedResponse json_error(int status, const std::string& type, const std::string& message) {
  return {status, {{"Content-Type", "application/x-amz-json-1.0"}},
          R"({"__type":"com.amazonaws.dynamodb.v20120810#)" + type + R"(","message":")" + message + R"("})"};
}

TEST(AwsClient, SignsTheRequestWithTheSessionToken) {
  Fixture f;
  f.server.push({200, {}, "{}"});
  ASSERT_TRUE(f.client.call(put_item()).ok());
  auto got = f.server.received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].method, "POST");
  EXPECT_EQ(got[0].body, R"({"TableName":"imgmeta-images"})");
  EXPECT_EQ(got[0].header("x-amz-security-token"), "TOKEN");
  std::string auth = got[0].header("authorization");
  EXPECT_TRUE(auth.starts_with("AWS4-HMAC-SHA256 Credential=AKID/")) << auth;
  EXPECT_NE(auth.find("/eu-west-1/dynamodb/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target,"),
            std::string::npos)
      << auth;
}

TEST(AwsClient, Retries5xxUntilSuccess) {
  Fixture f;
  f.server.push({500, {}, ""});
  f.server.push({503, {}, ""});
  f.server.push({200, {}, R"({"ok":1})"});
  auto r = f.client.call(put_item());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->body, R"({"ok":1})");
  EXPECT_EQ(f.server.received().size(), 3u);
  EXPECT_EQ(f.sleeps.size(), 2u);
  EXPECT_EQ(f.client.stats().retries.load(), 2u);
}

TEST(AwsClient, RetriesThrottlingReportedAs400) {
  Fixture f;
  f.server.push(json_error(400, "ProvisionedThroughputExceededException", "slow down"));
  f.server.push({200, {}, "{}"});
  EXPECT_TRUE(f.client.call(put_item()).ok());
  EXPECT_EQ(f.server.received().size(), 2u);
}

TEST(AwsClient, BackoffIsJitteredUnderAnExponentialCeiling) {
  RetryPolicy p;
  p.max_attempts = 6;
  p.base = std::chrono::milliseconds(10);
  p.cap = std::chrono::milliseconds(60);
  Fixture f(p);
  for (int i = 0; i < 6; ++i) f.server.push({503, {}, ""});
  EXPECT_FALSE(f.client.call(put_item()).ok());
  ASSERT_EQ(f.sleeps.size(), 5u);
  const int64_t ceilings[] = {10, 20, 40, 60, 60};
  for (size_t i = 0; i < 5; ++i) EXPECT_LE(f.sleeps[i].count(), ceilings[i]) << i;
}

TEST(AwsClient, DoesNotRetryAClientError) {
  Fixture f;
  f.server.push(json_error(400, "ValidationException", "One or more parameter values were invalid"));
  auto r = f.client.call(put_item());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, meta::Errc::Service);
  EXPECT_EQ(r.error().service_code, "ValidationException");
  EXPECT_EQ(r.error().message,
            "DynamoDB.PutItem imgmeta-images: HTTP 400 ValidationException: One or more parameter values were invalid");
  EXPECT_EQ(f.server.received().size(), 1u);
}

TEST(AwsClient, GivesUpAfterMaxAttemptsNamingTheLastError) {
  RetryPolicy p;
  p.max_attempts = 3;
  Fixture f(p);
  for (int i = 0; i < 3; ++i) f.server.push({503, {{"Content-Type", "application/xml"}}, "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"});
  auto r = f.client.call(put_item());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, meta::Errc::Service);
  EXPECT_EQ(r.error().service_code, "SlowDown");
  EXPECT_EQ(r.error().message, "DynamoDB.PutItem imgmeta-images: HTTP 503 SlowDown: Please reduce your request rate. (3 attempts)");
}

TEST(AwsClient, StartsNoRetryPastTheDeadline) {
  Fixture f;
  f.server.push({503, {}, ""});
  f.client.set_deadline_ms(unix_now_ms() + 100);
  auto r = f.client.call(put_item());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(f.server.received().size(), 1u);
}

TEST(AwsClient, RetriesATimedOutAttempt) {
  Fixture f;
  f.server.push({200, {}, "late", std::chrono::milliseconds(2500)});
  f.server.push({200, {}, "on time"});
  auto r = f.client.call(put_item());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->body, "on time");
}

TEST(AwsClient, RetriesAConnectionRefused) {
  int port;
  { ScriptServer gone; port = gone.port(); }
  AwsClient c(ClientConfig{"http://127.0.0.1:" + std::to_string(port), "eu-west-1", "dynamodb", {"AKID", "SECRET", ""}, {3}},
              std::make_shared<HttpClient>());
  int sleeps = 0;
  c.set_sleeper([&](std::chrono::milliseconds) { ++sleeps; });
  auto r = c.call(put_item());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, meta::Errc::Transport);
  EXPECT_EQ(sleeps, 2);
}

TEST(ParseError, ReadsS3XmlWithEntities) {
  HttpResponse resp{404, {}, "<?xml version=\"1.0\"?><Error><Code>NoSuchKey</Code><Message>a &amp; b &lt;c&gt;</Message></Error>"};
  auto e = parse_error(resp);
  EXPECT_EQ(e.code, "NoSuchKey");
  EXPECT_EQ(e.message, "a & b <c>");
}

TEST(ParseError, ReadsTheErrorResponseEnvelopeOfMotoAuthFailures) {
  HttpResponse resp{403, {}, "<ErrorResponse><Error><Code>SignatureDoesNotMatch</Code><Message>m</Message></Error></ErrorResponse>"};
  EXPECT_EQ(parse_error(resp).code, "SignatureDoesNotMatch");
}

TEST(ParseError, FallsBackToTheStatusWithoutABody) {
  EXPECT_EQ(parse_error(HttpResponse{404, {}, ""}).code, "NotFound");
  EXPECT_EQ(parse_error(HttpResponse{412, {}, ""}).code, "PreconditionFailed");
}

TEST(ParseError, ReadsTheErrorTypeHeader) {
  HttpResponse resp{400, {{"X-Amzn-ErrorType", "ConditionalCheckFailedException:http://internal.amazon.com/"}}, ""};
  EXPECT_EQ(parse_error(resp).code, "ConditionalCheckFailedException");
}

}  // namespace
}  // namespace imgmeta::aws
