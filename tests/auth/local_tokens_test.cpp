#include "auth/local_tokens.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "auth/base64url.hpp"

namespace imgmeta::auth {
namespace {

constexpr int64_t kNow = 1'800'000'000;

std::array<uint8_t, 32> seed(uint8_t fill) {
  std::array<uint8_t, 32> s{};
  s.fill(fill);
  return s;
}

LocalTokens tokens(uint8_t fill = 1, TokenSettings settings = {}) { return LocalTokens::from_seed(seed(fill), settings); }

std::string part(const std::string& token, int index) {
  size_t a = token.find('.'), b = token.find('.', a + 1);
  if (index == 0) return token.substr(0, a);
  if (index == 1) return token.substr(a + 1, b - a - 1);
  return token.substr(b + 1);
}

nlohmann::json decode(const std::string& b64) {
  auto bytes = base64url_decode(b64);
  return nlohmann::json::parse(bytes->begin(), bytes->end());
}

TEST(LocalTokens, IssuedTokenVerifiesToItsPrincipal) {
  auto t = tokens();
  auto p = t.verify(t.issue({"01ARZ3NDEKTSV4RRFFQ69G5FAV", "alice"}, kNow), kNow + 10);
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->subject, "01ARZ3NDEKTSV4RRFFQ69G5FAV");
  EXPECT_EQ(p->username, "alice");
}

TEST(LocalTokens, HeaderSaysEdDSAAndKeyId) {
  auto t = tokens();
  auto header = decode(part(t.issue({"u1", "a"}, kNow), 0));
  EXPECT_EQ(header["alg"], "EdDSA");
  EXPECT_EQ(header["kid"], t.key_id());
}

TEST(LocalTokens, ClaimsCarryIssuerAudienceUseAndExpiry) {
  TokenSettings s;
  s.access_ttl_s = 600;
  auto claims = decode(part(tokens(1, s).issue({"u1", "a"}, kNow), 1));
  EXPECT_EQ(claims["iss"], "imgmeta-local");
  EXPECT_EQ(claims["aud"], "imgmeta-api");
  EXPECT_EQ(claims["token_use"], "access");
  EXPECT_EQ(claims["exp"], kNow + 600);
}

TEST(LocalTokens, ExpiredBeyondLeewayIsExpiredToken) {
  auto t = tokens();
  std::string token = t.issue({"u1", "a"}, kNow);
  EXPECT_TRUE(t.verify(token, kNow + 900 + 30).ok());  // within the 30 s leeway
  auto r = t.verify(token, kNow + 900 + 31);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, meta::Errc::ExpiredToken);
}

TEST(LocalTokens, IssuedInTheFutureIsRefused) {
  auto t = tokens();
  EXPECT_EQ(t.verify(t.issue({"u1", "a"}, kNow + 3600), kNow).error().code, meta::Errc::InvalidToken);
}

TEST(LocalTokens, TamperedPayloadIsRefused) {
  auto t = tokens();
  std::string token = t.issue({"u1", "a"}, kNow);
  auto claims = decode(part(token, 1));
  claims["sub"] = "u2";
  std::string forged = part(token, 0) + "." + base64url_encode(claims.dump()) + "." + part(token, 2);
  auto r = t.verify(forged, kNow);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, meta::Errc::InvalidToken);
}

TEST(LocalTokens, TokenOfAnotherKeyIsRefused) {
  EXPECT_FALSE(tokens(1).verify(tokens(2).issue({"u1", "a"}, kNow), kNow).ok());
}

TEST(LocalTokens, OtherAlgorithmsAreRefused) {
  auto t = tokens();
  std::string token = t.issue({"u1", "a"}, kNow);
  for (const char* alg : {"none", "HS256", "RS256", "ES256"}) {
    nlohmann::json header = {{"alg", alg}, {"typ", "JWT"}};
    std::string forged = base64url_encode(header.dump()) + "." + part(token, 1) + "." + part(token, 2);
    EXPECT_EQ(t.verify(forged, kNow).error().code, meta::Errc::InvalidToken) << alg;
  }
}

TEST(LocalTokens, WrongIssuerOrAudienceIsRefused) {
  TokenSettings other;
  other.issuer = "someone-else";
  EXPECT_FALSE(tokens(1).verify(tokens(1, other).issue({"u1", "a"}, kNow), kNow).ok());
  TokenSettings other_aud;
  other_aud.audience = "another-api";
  EXPECT_FALSE(tokens(1).verify(tokens(1, other_aud).issue({"u1", "a"}, kNow), kNow).ok());
}

TEST(LocalTokens, MalformedTokensAreRefused) {
  auto t = tokens();
  for (const std::string& bad : std::vector<std::string>{"", "a", "a.b", "a.b.c.d", "!!.!!.!!", "e30.e30.", std::string(9000, 'a')})
    EXPECT_EQ(t.verify(bad, kNow).error().code, meta::Errc::InvalidToken) << bad.substr(0, 20);
}

TEST(LocalTokens, KeyFileIsCreatedPrivateAndReloaded) {
  auto dir = std::filesystem::temp_directory_path() / ("imgmeta-key-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string path = (dir / "k").string();
  auto first = LocalTokens::load_or_create(path, {});
  ASSERT_TRUE(first.ok()) << first.error().message;
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_size, 32);
  auto second = LocalTokens::load_or_create(path, {});
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(first->key_id(), second->key_id());
  EXPECT_TRUE(second->verify(first->issue({"u1", "a"}, kNow), kNow).ok());
  std::filesystem::remove_all(dir);
}

TEST(Base64url, RoundTripsAndRejectsPaddingAndForeignCharacters) {
  std::vector<uint8_t> bytes = {0xfb, 0xff, 0x00, 0x10};
  EXPECT_EQ(base64url_encode(bytes), "-_8AEA");
  EXPECT_EQ(*base64url_decode("-_8AEA"), bytes);
  EXPECT_FALSE(base64url_decode("-_8AEA==").has_value());
  EXPECT_FALSE(base64url_decode("+/8AEA").has_value());
}

}  // namespace
}  // namespace imgmeta::auth
