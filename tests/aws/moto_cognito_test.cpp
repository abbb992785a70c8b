// CognitoVerifier against tokens issued by moto's Cognito user pools (RS256, issuer in the
// AWS form, JWKS on moto's port): genuine tokens verify; tampered, expired, wrong-audience,
// wrong-pool and algorithm attacks are refused.
#include <gtest/gtest.h>

#include <openssl/hmac.h>

#include <nlohmann/json.hpp>

#include "aws/aws_client.hpp"
#include "aws/cognito_verifier.hpp"
#include "aws/digest.hpp"
#include "moto_server.hpp"

namespace imgmeta::aws {
namespace {

using imgmeta::testing::moto;
using Json = nlohmann::json;

Json cognito(const std::string& op, const Json& body) {
  static AwsClient client(ClientConfig{moto().url(), "us-east-1", "cognito-idp", {"testing", "testing", ""}}, nullptr);
  AwsRequest r;
  r.operation = "CognitoIdentityProvider." + op;
  r.method = "POST";
  r.headers = {{"Content-Type", "application/x-amz-json-1.1"},
               {"X-Amz-Target", "AWSCognitoIdentityProviderService." + op}};
  r.body = body.dump();
  auto resp = client.call(r);
  EXPECT_TRUE(resp.ok()) << (resp.ok() ? "" : resp.error().message);
  return resp.ok() ? Json::parse(resp->body) : Json::object();
}

struct Pool {
  std::string id, client_id, id_token, access_token, sub;
  std::string issuer() const { return "https://cognito-idp.us-east-1.amazonaws.com/" + id; }
};

// A pool with one app client and one confirmed user signed in (aws-local-testing.md section 5).
Pool make_pool(const std::string& name) {
  Pool p;
  p.id = cognito("CreateUserPool", {{"PoolName", name}, {"UsernameAttributes", {"email"}}})["UserPool"]["Id"];
  p.client_id = cognito("CreateUserPoolClient", {{"UserPoolId", p.id},
                                                 {"ClientName", "web"},
                                                 {"GenerateSecret", false},
                                                 {"ExplicitAuthFlows", {"ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}}})
                    ["UserPoolClient"]["ClientId"];
  cognito("SignUp", {{"ClientId", p.client_id},
                     {"Username", "alice@example.com"},
                     {"Password", "Passw0rdX!"},
                     {"UserAttributes", {{{"Name", "email"}, {"Value", "alice@example.com"}}}}});
  cognito("AdminConfirmSignUp", {{"UserPoolId", p.id}, {"Username", "alice@example.com"}});
  auto auth = cognito("InitiateAuth", {{"ClientId", p.client_id},
                                       {"AuthFlow", "USER_PASSWORD_AUTH"},
                                       {"AuthParameters", {{"USERNAME", "alice@example.com"}, {"PASSWORD", "Passw0rdX!"}}}});
  p.id_token = auth["AuthenticationResult"]["IdToken"];
  p.access_token = auth["AuthenticationResult"]["AccessToken"];
  auto parts = p.id_token.substr(p.id_token.find('.') + 1);
  p.sub = Json::parse(*base64url_decode(parts.substr(0, parts.find('.'))))["sub"];
  return p;
}

const Pool& pool_a() {
  static Pool p = make_pool("imgmeta-users");
  return p;
}
const Pool& pool_b() {
  static Pool p = make_pool("other-users");
  return p;
}

CognitoSettings settings_for(const Pool& p) {
  auto s = parse_cognito_uri("cognito://us-east-1/" + p.id + "?client=" + p.client_id, moto().url());
  EXPECT_TRUE(s.ok());
  return *s;
}

int64_t now() { return unix_now_s(); }

// Rebuilds a token with another header and/or payload, keeping or replacing the signature.
std::string with_parts(const std::string& token, const std::optional<Json>& header, const std::optional<Json>& payload,
                       std::optional<std::string> signature = std::nullopt) {
  size_t d1 = token.find('.'), d2 = token.find('.', d1 + 1);
  std::string h = header ? base64url_encode(header->dump()) : token.substr(0, d1);
  std::string p = payload ? base64url_encode(payload->dump()) : token.substr(d1 + 1, d2 - d1 - 1);
  std::string s = signature ? *signature : token.substr(d2 + 1);
  return h + "." + p + "." + s;
}

Json payload_of(const std::string& token) {
  size_t d1 = token.find('.'), d2 = token.find('.', d1 + 1);
  return Json::parse(*base64url_decode(token.substr(d1 + 1, d2 - d1 - 1)));
}

TEST(MotoCognito, IdAndAccessTokensVerify) {
  CognitoVerifier v(settings_for(pool_a()));
  auto id = v.verify(pool_a().id_token, now());
  ASSERT_TRUE(id.ok()) << id.error().message;
  EXPECT_EQ(id->subject, pool_a().sub);
  auto access = v.verify(pool_a().access_token, now());
  ASSERT_TRUE(access.ok()) << access.error().message;
  EXPECT_EQ(access->subject, pool_a().sub);
  EXPECT_EQ(v.jwks_fetches(), 1u) << "keys fetched once and cached";
}

TEST(MotoCognito, TamperedPayloadIsRefused) {
  CognitoVerifier v(settings_for(pool_a()));
  Json claims = payload_of(pool_a().id_token);
  claims["sub"] = "someone-else";
  auto r = v.verify(with_parts(pool_a().id_token, std::nullopt, claims), now());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, meta::Errc::InvalidToken);
  EXPECT_NE(r.error().message.find("signature"), std::string::npos);
}

TEST(MotoCognito, TamperedSignatureIsRefused) {
  CognitoVerifier v(settings_for(pool_a()));
  std::string t = pool_a().access_token;
  t[t.size() - 5] = t[t.size() - 5] == 'A' ? 'B' : 'A';
  EXPECT_EQ(v.verify(t, now()).error().code, meta::Errc::InvalidToken);
}

TEST(MotoCognito, ExpiredTokenIsRefused) {
  CognitoVerifier v(settings_for(pool_a()));
  int64_t exp = payload_of(pool_a().id_token)["exp"];
  EXPECT_TRUE(v.verify(pool_a().id_token, exp + 30).ok()) << "within the clock skew";
  auto r = v.verify(pool_a().id_token, exp + 3600);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, meta::Errc::ExpiredToken);
}

TEST(MotoCognito, TokenForAnotherAppClientIsRefused) {
  CognitoSettings s = settings_for(pool_a());
  s.client_ids = {"some-other-client-id"};
  CognitoVerifier v(s);
  EXPECT_EQ(v.verify(pool_a().id_token, now()).error().code, meta::Errc::InvalidToken);
  EXPECT_EQ(v.verify(pool_a().access_token, now()).error().code, meta::Errc::InvalidToken);
}

// moto signs every pool's tokens with the same key: only the issuer check tells pools apart.
TEST(MotoCognito, TokenFromAnotherPoolIsRefused) {
  CognitoSettings s = settings_for(pool_a());
  s.client_ids.insert(pool_b().client_id);
  CognitoVerifier v(s);
  auto r = v.verify(pool_b().id_token, now());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("issuer"), std::string::npos);
}

TEST(MotoCognito, AlgNoneIsRefused) {
  CognitoVerifier v(settings_for(pool_a()));
  std::string t = with_parts(pool_a().id_token, Json{{"alg", "none"}, {"kid", "dummy"}}, std::nullopt, "");
  EXPECT_EQ(v.verify(t, now()).error().code, meta::Errc::InvalidToken);
}

// Algorithm confusion: HS256 keyed with the public key's bytes, which a verifier that lets
// the token choose its algorithm would accept.
TEST(MotoCognito, Hs256SignedWithThePublicKeyIsRefused) {
  CognitoVerifier v(settings_for(pool_a()));
  aws::HttpClient http;
  auto jwks = http.send({"GET", moto().url() + "/" + pool_a().id + "/.well-known/jwks.json"});
  ASSERT_TRUE(jwks.ok());
  std::string secret = jwks->body;
  Json header{{"alg", "HS256"}, {"kid", "dummy"}, {"typ", "JWT"}};
  std::string input = base64url_encode(header.dump()) + "." + base64url_encode(payload_of(pool_a().id_token).dump());
  Sha256 mac = hmac_sha256(secret, input);
  std::string t = input + "." + base64url_encode(as_chars(mac));
  auto r = v.verify(t, now());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("RS256"), std::string::npos);
}

TEST(MotoCognito, OtherRsaAlgorithmNamesAreRefused) {
  CognitoVerifier v(settings_for(pool_a()));
  for (const char* alg : {"RS512", "PS256", "rs256", "ES256"}) {
    std::string t = with_parts(pool_a().id_token, Json{{"alg", alg}, {"kid", "dummy"}}, std::nullopt);
    EXPECT_EQ(v.verify(t, now()).error().code, meta::Errc::InvalidToken) << alg;
  }
}

TEST(MotoCognito, UnknownKidRefetchesOnceThenRefuses) {
  CognitoVerifier v(settings_for(pool_a()));
  ASSERT_TRUE(v.verify(pool_a().id_token, now()).ok());
  std::string t = with_parts(pool_a().id_token, Json{{"alg", "RS256"}, {"kid", "rotated"}}, std::nullopt);
  EXPECT_EQ(v.verify(t, now()).error().code, meta::Errc::InvalidToken);
  EXPECT_EQ(v.jwks_fetches(), 2u);
  EXPECT_EQ(v.verify(t, now()).error().code, meta::Errc::InvalidToken);
  EXPECT_EQ(v.jwks_fetches(), 2u) << "refetch is rate-limited";
}

TEST(MotoCognito, TokenUseCanBeRestrictedToAccessTokens) {
  CognitoSettings s = settings_for(pool_a());
  s.token_uses = {"access"};
  CognitoVerifier v(s);
  EXPECT_TRUE(v.verify(pool_a().access_token, now()).ok());
  EXPECT_EQ(v.verify(pool_a().id_token, now()).error().code, meta::Errc::InvalidToken);
}

TEST(MotoCognito, UnreachableJwksIsNotATokenError) {
  CognitoSettings s = settings_for(pool_a());
  s.jwks_url = "http://127.0.0.1:1/jwks.json";
  CognitoVerifier v(s);
  auto r = v.verify(pool_a().id_token, now());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, meta::Errc::JwksUnavailable);
}

}  // namespace
}  // namespace imgmeta::aws
