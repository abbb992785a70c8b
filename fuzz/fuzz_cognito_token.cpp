// libFuzzer: Cognito token verification. The input is split at its first NUL: a JWKS
// document (as the pool's key endpoint could serve it) and a bearer token.
#include <cstdint>
#include <cstring>
#include <string_view>

#include "aws/cognito_verifier.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view all(reinterpret_cast<const char*>(data), size);
  size_t nul = all.find('\0');
  std::string_view jwks = nul == std::string_view::npos ? std::string_view() : all.substr(0, nul);
  std::string_view token = nul == std::string_view::npos ? all : all.substr(nul + 1);
  imgmeta::aws::CognitoSettings s;
  s.issuer = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_fuzz";
  s.jwks_url = "";  // no fetches: an unknown kid fails at once
  s.client_ids = {"client"};
  imgmeta::aws::CognitoVerifier verifier(s);
  if (!jwks.empty()) (void)verifier.load_jwks(jwks);
  (void)verifier.verify(token, 1'800'000'000);
  return 0;
}
