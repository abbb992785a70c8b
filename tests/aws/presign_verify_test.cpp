// verify_presigned: the check the local server runs on its presigned upload URLs.
#include <gtest/gtest.h>

#include "aws/sigv4.hpp"

namespace imgmeta::aws {
namespace {

const Credentials kCreds{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
constexpr int64_t kSignedAt = 1767323045;  // 2026-01-02T03:04:05Z

// A presigned PUT of uploads/u1/01J.jpg with Content-Type and Content-Length conditions.
SignableRequest presigned_put(int64_t expires = 900, const Credentials& creds = kCreds) {
  SignableRequest req{"PUT", "/imgs/uploads/u1/01J%20a.jpg", "",
                      {{"Host", "127.0.0.1:9000"}, {"Content-Type", "image/jpeg"}, {"Content-Length", "1234"}}};
  SigningConfig cfg = SigningConfig::s3("eu-west-1", kSignedAt, std::string(kUnsignedPayload));
  cfg.expires = expires;
  auto sig = presign_request(req, creds, cfg);
  EXPECT_TRUE(sig.ok());
  return req;
}

PresignedCheck check_at(int64_t now) {
  PresignedCheck c;
  c.region = "eu-west-1";
  c.now = now;
  return c;
}

std::string replace(std::string s, const std::string& from, const std::string& to) {
  auto pos = s.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  if (pos != std::string::npos) s.replace(pos, from.size(), to);
  return s;
}

TEST(VerifyPresigned, AcceptsTheUrlAsSignedWithinItsLifetime) {
  auto v = verify_presigned(presigned_put(), kCreds, check_at(kSignedAt + 899));
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(v->access_key_id, "AKIDEXAMPLE");
  EXPECT_EQ(v->expires_at, kSignedAt + 900);
  EXPECT_EQ(v->signed_headers, (std::vector<std::string>{"content-length", "content-type", "host"}));
}

TEST(VerifyPresigned, RefusesAnExpiredUrl) {
  auto v = verify_presigned(presigned_put(), kCreds, check_at(kSignedAt + 901));
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().code, meta::Errc::AccessDenied);
  EXPECT_NE(v.error().message.find("expired"), std::string::npos);
}

TEST(VerifyPresigned, RefusesAUrlDatedBeyondTheClockSkew) {
  auto v = verify_presigned(presigned_put(), kCreds, check_at(kSignedAt - 301));
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().code, meta::Errc::AccessDenied);
}

TEST(VerifyPresigned, RefusesATamperedSignature) {
  SignableRequest req = presigned_put();
  size_t at = req.query.find("X-Amz-Signature=") + 16;
  req.query[at] = req.query[at] == '0' ? '1' : '0';
  auto v = verify_presigned(req, kCreds, check_at(kSignedAt));
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().code, meta::Errc::SignatureDoesNotMatch);
}

TEST(VerifyPresigned, RefusesADifferentContentType) {
  SignableRequest req = presigned_put();
  set_header(req.headers, "Content-Type", "text/html");
  auto v = verify_presigned(req, kCreds, check_at(kSignedAt));
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().code, meta::Errc::SignatureDoesNotMatch);
}

TEST(VerifyPresigned, RefusesABodyOfAnotherLength) {
  SignableRequest req = presigned_put();
  set_header(req.headers, "Content-Length", "999999");
  EXPECT_EQ(verify_presigned(req, kCreds, check_at(kSignedAt)).error().code, meta::Errc::SignatureDoesNotMatch);
}

TEST(VerifyPresigned, RefusesAMissingSignedHeader) {
  SignableRequest req = presigned_put();
  req.headers.erase(req.headers.begin() + 1);  // Content-Type
  auto v = verify_presigned(req, kCreds, check_at(kSignedAt));
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.error().message.find("content-type"), std::string::npos);
}

TEST(VerifyPresigned, RefusesAnotherKey) {
  SignableRequest req = presigned_put();
  req.path = "/imgs/uploads/u2/01J%20a.jpg";
  EXPECT_EQ(verify_presigned(req, kCreds, check_at(kSignedAt)).error().code, meta::Errc::SignatureDoesNotMatch);
}

TEST(VerifyPresigned, RefusesAnotherMethod) {
  SignableRequest req = presigned_put();
  req.method = "GET";
  EXPECT_EQ(verify_presigned(req, kCreds, check_at(kSignedAt)).error().code, meta::Errc::SignatureDoesNotMatch);
}

TEST(VerifyPresigned, RefusesALengthenedExpiry) {
  SignableRequest req = presigned_put();
  req.query = replace(req.query, "X-Amz-Expires=900", "X-Amz-Expires=90000");
  EXPECT_EQ(verify_presigned(req, kCreds, check_at(kSignedAt + 1000)).error().code, meta::Errc::SignatureDoesNotMatch);
}

TEST(VerifyPresigned, RefusesAnUnknownAccessKey) {
  Credentials other{"AKIDOTHER", kCreds.secret_access_key, ""};
  auto v = verify_presigned(presigned_put(900, other), kCreds, check_at(kSignedAt));
  EXPECT_EQ(v.error().code, meta::Errc::InvalidAccessKeyId);
}

TEST(VerifyPresigned, RefusesTheWrongSecret) {
  Credentials other{kCreds.access_key_id, "not-the-secret", ""};
  auto v = verify_presigned(presigned_put(900, other), kCreds, check_at(kSignedAt));
  EXPECT_EQ(v.error().code, meta::Errc::SignatureDoesNotMatch);
}

TEST(VerifyPresigned, RefusesAnotherRegion) {
  PresignedCheck c = check_at(kSignedAt);
  c.region = "us-east-1";
  EXPECT_EQ(verify_presigned(presigned_put(), kCreds, c).error().code, meta::Errc::AuthorizationQueryParametersError);
}

TEST(VerifyPresigned, RefusesAParameterGivenTwice) {
  SignableRequest req = presigned_put();
  req.query += "&X-Amz-Expires=900";
  EXPECT_EQ(verify_presigned(req, kCreds, check_at(kSignedAt)).error().code, meta::Errc::AuthorizationQueryParametersError);
}

TEST(VerifyPresigned, RefusesAnUnsignedUrl) {
  SignableRequest req{"PUT", "/imgs/k", "", {{"Host", "h"}}};
  EXPECT_EQ(verify_presigned(req, kCreds, check_at(kSignedAt)).error().code, meta::Errc::AuthorizationQueryParametersError);
}

TEST(VerifyPresigned, RequiresTheSessionTokenOfTemporaryCredentials) {
  Credentials temp{kCreds.access_key_id, kCreds.secret_access_key, "token/with+chars="};
  SignableRequest req = presigned_put(900, temp);
  EXPECT_TRUE(verify_presigned(req, temp, check_at(kSignedAt)).ok());
  req.query = replace(req.query, "X-Amz-Security-Token=token%2Fwith%2Bchars%3D", "X-Amz-Security-Token=other");
  EXPECT_EQ(verify_presigned(req, temp, check_at(kSignedAt)).error().code, meta::Errc::InvalidToken);
}

TEST(Presign, RefusesAnExpiryBeyondSevenDays) {
  SignableRequest req{"GET", "/b/k", "", {{"Host", "h"}}};
  SigningConfig cfg = SigningConfig::s3("us-east-1", kSignedAt, std::string(kUnsignedPayload));
  cfg.expires = 604801;
  EXPECT_FALSE(presign_request(req, kCreds, cfg).ok());
}

TEST(UriEncode, KeepsUnreservedAndEncodesEverythingElseUppercase) {
  EXPECT_EQ(uri_encode("aZ09-_.~"), "aZ09-_.~");
  EXPECT_EQ(uri_encode("a b+c=d/e*"), "a%20b%2Bc%3Dd%2Fe%2A");
  EXPECT_EQ(uri_encode_path("uploads/u 1/a+b=\xc3\xbc~*.jpg"), "uploads/u%201/a%2Bb%3D%C3%BC~%2A.jpg");
}

TEST(UriDecode, DecodesEscapesAndKeepsPlusAndBrokenEscapes) {
  EXPECT_EQ(uri_decode("a%20b+c%2f%zz%4"), "a b+c/%zz%4");
}

TEST(CanonicalUri, S3SignsThePathAsSentWhileOtherServicesEncodeItAgain) {
  EXPECT_EQ(canonical_uri("/a%20b", false, false), "/a%20b");
  EXPECT_EQ(canonical_uri("/a%20b", true, true), "/a%2520b");
}

TEST(CanonicalQuery, SortsByEncodedNameThenValue) {
  EXPECT_EQ(canonical_query("b=2&a=2&a=1&c"), "a=1&a=2&b=2&c=");
}

}  // namespace
}  // namespace imgmeta::aws
