// CognitoVerifier: auth::TokenVerifier for Amazon Cognito user pool tokens (ID and access
// tokens, JWTs signed RS256 with the pool's keys). Follows "Verifying a JSON Web Token"
// (Amazon Cognito Developer Guide) and RFC 7519 / RFC 7515 / RFC 7517:
//   - the header's alg must be exactly "RS256" (no "none", no HS256 with the public key as
//     an HMAC secret, no other algorithm), kid must name a key of the pool's JWKS, and a
//     "crit" header is refused;
//   - the signature is verified with that RSA key (RSASSA-PKCS1-v1_5 SHA-256, >= 2048 bits);
//   - iss must equal the configured issuer, token_use one of the allowed uses, and the
//     client matches: ID tokens by `aud`, access tokens by `client_id`;
//   - exp must be in the future and iat not in the future (nbf when present), with a small
//     clock skew.
// Issuer and JWKS URL are separate settings: the issuer is always the AWS form
// (https://cognito-idp.<region>.amazonaws.com/<poolId>), while the keys may be served
// elsewhere (moto serves them on its own port).
//
// Keys: fetched on first use and cached; a token naming an unknown kid triggers one
// refetch (key rotation), at most once per refresh_interval so random kids cannot make us
// hammer the JWKS endpoint. Thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "auth/token_verifier.hpp"
#include "aws/http_client.hpp"

namespace imgmeta::aws {

struct CognitoSettings {
  std::string issuer;                     // https://cognito-idp.<region>.amazonaws.com/<poolId>
  std::string jwks_url;                   // issuer + "/.well-known/jwks.json" on AWS
  std::set<std::string> client_ids;       // app client ids accepted (aud / client_id)
  std::set<std::string> token_uses = {"id", "access"};
  int64_t clock_skew_s = 60;
  std::chrono::seconds refresh_interval{60};
  std::chrono::milliseconds fetch_timeout{3000};
};

// "cognito://<region>/<poolId>?client=<id>[&client=<id2>][&use=access][&jwks=<url>]" with
// the JWKS URL defaulting to the issuer's (or, when an endpoint override for Cognito is
// configured, <endpoint>/<poolId>/.well-known/jwks.json, as moto serves it).
Result<CognitoSettings> parse_cognito_uri(std::string_view uri, const std::string& endpoint_override = "");

class CognitoVerifier final : public auth::TokenVerifier {
 public:
  explicit CognitoVerifier(CognitoSettings settings, std::shared_ptr<HttpClient> http = nullptr);
  ~CognitoVerifier() override;

  Result<auth::Principal> verify(std::string_view token, int64_t now_s) const override;

  // Loads a JWKS document directly (tests, or keys shipped with a deployment); a later
  // unknown kid still refetches from jwks_url.
  Status load_jwks(std::string_view json) const;
  uint64_t jwks_fetches() const;

 private:
  struct Keys;
  Status refresh(bool force) const;

  CognitoSettings settings_;
  std::shared_ptr<HttpClient> http_;
  mutable std::mutex mu_;
  mutable std::unique_ptr<Keys> keys_;
};

}  // namespace imgmeta::aws
