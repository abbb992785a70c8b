// Access tokens of local accounts: JWTs (RFC 7519) signed with Ed25519, "alg": "EdDSA"
// (RFC 8037 section 3.1), by a key kept in the data directory. Only EdDSA is accepted, so
// there is no algorithm to confuse ("none", HS256 with the public key as secret, ...).
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "auth/token_verifier.hpp"

namespace imgmeta::auth {

struct TokenSettings {
  std::string issuer = "imgmeta-local";
  std::string audience = "imgmeta-api";
  int64_t access_ttl_s = 900;   // short: access tokens are not revocable one by one
  int64_t leeway_s = 30;        // clock skew tolerated on exp / nbf / iat
};

class LocalTokens final : public TokenVerifier {
 public:
  // The 32-byte Ed25519 seed at path, created (mode 0600, written atomically) when absent.
  static Result<LocalTokens> load_or_create(const std::string& path, TokenSettings settings);
  static LocalTokens from_seed(const std::array<uint8_t, 32>& seed, TokenSettings settings);

  // A signed access token for principal, valid access_ttl_s from now_s.
  std::string issue(const Principal& principal, int64_t now_s) const;
  Result<Principal> verify(std::string_view token, int64_t now_s) const override;

  const TokenSettings& settings() const { return settings_; }
  const std::string& key_id() const { return key_id_; }

 private:
  LocalTokens(const std::array<uint8_t, 32>& seed, TokenSettings settings);
  std::array<uint8_t, 64> secret_key_{};
  std::array<uint8_t, 32> public_key_{};
  std::string key_id_;
  TokenSettings settings_;
};

// The longest token verify() looks at; anything longer is refused before parsing.
inline constexpr size_t kMaxTokenLength = 8192;

}  // namespace imgmeta::auth
