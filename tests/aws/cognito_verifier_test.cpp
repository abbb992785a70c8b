// CognitoVerifier's claim checks with tokens signed here by a fresh RSA key (the moto tests
// cover moto-issued tokens): each test changes one thing about an otherwise valid token.
#include <gtest/gtest.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <nlohmann/json.hpp>

#include "aws/cognito_verifier.hpp"
#include "aws/digest.hpp"

namespace imgmeta::aws {
namespace {

using Json = nlohmann::json;

const std::string kIssuer = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEfGhI";
constexpr int64_t kNow = 1767323045;

struct Signer {
  EVP_PKEY* key;
  explicit Signer(int bits = 2048) : key(EVP_RSA_gen(static_cast<unsigned>(bits))) {}
  ~Signer() { EVP_PKEY_free(key); }
  std::string jwk_part(const char* name) const {
    BIGNUM* bn = nullptr;
    EVP_PKEY_get_bn_param(key, name, &bn);
    std::string bytes(static_cast<size_t>(BN_num_bytes(bn)), '\0');
    BN_bn2bin(bn, reinterpret_cast<unsigned char*>(bytes.data()));
    BN_free(bn);
    return base64url_encode(bytes);
  }
  std::string jwks(const std::string& kid = "k1") const {
    return Json{{"keys", {{{"kty", "RSA"}, {"alg", "RS256"}, {"use", "sig"}, {"kid", kid},
                           {"n", jwk_part(OSSL_PKEY_PARAM_RSA_N)}, {"e", jwk_part(OSSL_PKEY_PARAM_RSA_E)}}}}}
        .dump();
  }
  std::string sign(const Json& header, const Json& claims) const {
    std::string input = base64url_encode(header.dump()) + "." + base64url_encode(claims.dump());
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    size_t len = 0;
    EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key);
    EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()), input.size());
    std::string sig(len, '\0');
    EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                   reinterpret_cast<const unsigned char*>(input.data()), input.size());
    EVP_MD_CTX_free(ctx);
    sig.resize(len);
    return input + "." + base64url_encode(sig);
  }
};

const Signer& signer() {
  static Signer s;
  return s;
}

Json header() { return {{"alg", "RS256"}, {"kid", "k1"}}; }

Json id_claims() {
  return {{"iss", kIssuer}, {"sub", "3cc59f9b-d362-4c37-9128-b724f3035a34"}, {"aud", "client-1"},
          {"token_use", "id"}, {"iat", kNow - 10}, {"exp", kNow + 3600}, {"cognito:username", "alice"}};
}

std::unique_ptr<CognitoVerifier> verifier() {
  CognitoSettings s;
  s.issuer = kIssuer;
  s.jwks_url = "http://127.0.0.1:1/unused";
  s.client_ids = {"client-1"};
  s.clock_skew_s = 60;
  auto v = std::make_unique<CognitoVerifier>(s);
  EXPECT_TRUE(v->load_jwks(signer().jwks()).ok());
  return v;
}

std::string verify_code(const Json& h, const Json& claims, int64_t now = kNow) {
  auto r = verifier()->verify(signer().sign(h, claims), now);
  return r.ok() ? "ok" : std::string(r.error().code_name());
}

TEST(CognitoVerifier, AcceptsAValidIdToken) {
  auto r = verifier()->verify(signer().sign(header(), id_claims()), kNow);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->subject, "3cc59f9b-d362-4c37-9128-b724f3035a34");
  EXPECT_EQ(r->username, "alice");
}

TEST(CognitoVerifier, AcceptsAnAudienceArrayContainingTheClient) {
  Json c = id_claims();
  c["aud"] = {"other", "client-1"};
  EXPECT_EQ(verify_code(header(), c), "ok");
}

TEST(CognitoVerifier, AccessTokensAreMatchedByClientIdNotAud) {
  Json c = id_claims();
  c.erase("aud");
  c["token_use"] = "access";
  c["client_id"] = "client-1";
  c["username"] = "alice";
  EXPECT_EQ(verify_code(header(), c), "ok");
  c["client_id"] = "client-2";
  c["aud"] = "client-1";
  EXPECT_EQ(verify_code(header(), c), "InvalidToken");
}

TEST(CognitoVerifier, ExpiryAllowsTheClockSkewOnly) {
  Json c = id_claims();
  EXPECT_EQ(verify_code(header(), c, kNow + 3600 + 60), "ok");
  EXPECT_EQ(verify_code(header(), c, kNow + 3600 + 61), "ExpiredToken");
}

TEST(CognitoVerifier, RefusesTokensIssuedOrValidOnlyInTheFuture) {
  Json c = id_claims();
  c["iat"] = kNow + 600;
  EXPECT_EQ(verify_code(header(), c), "InvalidToken");
  c = id_claims();
  c["nbf"] = kNow + 600;
  EXPECT_EQ(verify_code(header(), c), "InvalidToken");
}

TEST(CognitoVerifier, RefusesMissingOrOddClaims) {
  for (const char* drop : {"exp", "sub", "iss", "token_use"}) {
    Json c = id_claims();
    c.erase(drop);
    EXPECT_EQ(verify_code(header(), c), "InvalidToken") << drop;
  }
  Json c = id_claims();
  c["token_use"] = 7;  // wrong type: refused, not an exception
  EXPECT_EQ(verify_code(header(), c), "InvalidToken");
  c = id_claims();
  c["iss"] = kIssuer + "/";
  EXPECT_EQ(verify_code(header(), c), "InvalidToken");
}

TEST(CognitoVerifier, RefusesCriticalHeadersAndMissingKid) {
  Json h = header();
  h["crit"] = {"exp"};
  EXPECT_EQ(verify_code(h, id_claims()), "InvalidToken");
  h = header();
  h.erase("kid");
  EXPECT_EQ(verify_code(h, id_claims()), "InvalidToken");
}

TEST(CognitoVerifier, RefusesMalformedSerializations) {
  auto v = verifier();
  std::string good = signer().sign(header(), id_claims());
  for (std::string t : {std::string(""), std::string("a.b"), good + ".x", std::string("!!.??.**"), std::string(20000, 'a')})
    EXPECT_EQ(v->verify(t, kNow).error().code, meta::Errc::InvalidToken) << t.substr(0, 20);
}

TEST(CognitoVerifier, IgnoresKeysShorterThan2048Bits) {
  Signer weak(1024);
  CognitoSettings s;
  s.issuer = kIssuer;
  s.jwks_url = "http://127.0.0.1:1/unused";
  s.client_ids = {"client-1"};
  CognitoVerifier v(s);
  ASSERT_TRUE(v.load_jwks(weak.jwks()).ok());
  EXPECT_EQ(v.verify(weak.sign(header(), id_claims()), kNow).error().code, meta::Errc::JwksUnavailable)
      << "the weak key is dropped, so kid k1 is unknown and the refetch fails";
}

TEST(ParseCognitoUri, BuildsIssuerAndJwksUrl) {
  auto s = parse_cognito_uri("cognito://eu-west-1/eu-west-1_AbC?client=abc&client=def&use=access");
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->issuer, "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC");
  EXPECT_EQ(s->jwks_url, "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC/.well-known/jwks.json");
  EXPECT_EQ(s->client_ids, (std::set<std::string>{"abc", "def"}));
  EXPECT_EQ(s->token_uses, (std::set<std::string>{"access"}));
  auto local = parse_cognito_uri("cognito://us-east-1/us-east-1_x?client=c", "http://127.0.0.1:5000");
  EXPECT_EQ(local->jwks_url, "http://127.0.0.1:5000/us-east-1_x/.well-known/jwks.json");
  EXPECT_FALSE(parse_cognito_uri("cognito://us-east-1/pool").ok()) << "a client id is required";
  EXPECT_FALSE(parse_cognito_uri("https://x").ok());
}

}  // namespace
}  // namespace imgmeta::aws
