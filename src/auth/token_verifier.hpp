// TokenVerifier: turns a bearer token into the Principal it speaks for. The local server
// verifies its own EdDSA JWTs (auth/local_tokens.hpp); the AWS shape adds a Cognito JWKS
// verifier (src/aws) behind the same interface, so the API routes never know which.
#pragma once

#include <string>
#include <string_view>

#include "meta/result.hpp"

namespace imgmeta::auth {

using meta::Error;
using meta::Result;
using meta::Status;

// Who a request acts for. `subject` is the owner id used in object keys
// (`uploads/<owner>/<imageId>`): the local user id or the Cognito `sub`.
struct Principal {
  std::string subject;
  std::string username;
};

class TokenVerifier {
 public:
  virtual ~TokenVerifier() = default;
  // Checks signature, algorithm, issuer, audience, token use and expiry against now_s (Unix
  // seconds). Errors carry code "InvalidToken" (malformed, tampered, wrong issuer/audience)
  // or "ExpiredToken"; messages name the check that failed, never the secret material.
  virtual Result<Principal> verify(std::string_view token, int64_t now_s) const = 0;
};

}  // namespace imgmeta::auth
