// AWS Signature Version 4: one implementation that signs requests in the Authorization
// header, presigns URLs (query-string signing) and verifies presigned URLs (the local
// server's upload URLs). Every intermediate string is returned so tests can compare them
// with the published vectors (shared/testdata/sigv4).
//
// Reference: AWS General Reference, "Signature Version 4 signing process" (create a canonical
// request, create a string to sign, calculate the signature) and the S3 API Reference,
// "Authenticating Requests (AWS Signature Version 4)".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "meta/result.hpp"

namespace imgmeta::aws {

using meta::Error;
using meta::Result;
using meta::Status;

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // temporary credentials (STS, Lambda role); empty otherwise
  bool valid() const { return !access_key_id.empty() && !secret_access_key.empty(); }
};

struct Header {
  std::string name;
  std::string value;
};
using Headers = std::vector<Header>;

// The first value of a header, by case-insensitive name; nullptr when absent.
const std::string* find_header(const Headers& headers, std::string_view name);
void set_header(Headers& headers, std::string_view name, std::string value);

// A request as it goes on the wire. path and query are in wire form (already
// percent-encoded as sent; the S3 client encodes keys with uri_encode_path). headers must
// include Host (with the port when it is not the scheme's default).
struct SignableRequest {
  std::string method;
  std::string path = "/";
  std::string query;  // without '?'
  Headers headers;
};

inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";

struct SigningConfig {
  std::string region;
  std::string service;
  int64_t time = 0;  // seconds since the epoch (X-Amz-Date)
  // Every service except S3 URI-encodes the path a second time and normalizes it (removes
  // dot segments and duplicate slashes). S3 signs the path as sent.
  bool double_uri_encode = true;
  bool normalize_path = true;
  // Hex SHA-256 of the body, or UNSIGNED-PAYLOAD. Empty means "hash of an empty body".
  std::string payload_hash;
  // Adds (and signs) x-amz-content-sha256 carrying payload_hash; S3 requires it on every
  // header-signed request. Not used when presigning.
  bool add_content_sha256 = false;
  // The session token is signed by default; a few STS flows append it after signing.
  bool sign_session_token = true;
  int64_t expires = 3600;  // presigned URLs: X-Amz-Expires, 1..604800 seconds

  // S3: path signed as sent, x-amz-content-sha256 on every request.
  static SigningConfig s3(std::string region, int64_t time, std::string payload_hash);
  // JSON services (DynamoDB, Cognito, ...): double-encoded, normalized path, body hash.
  static SigningConfig json_service(std::string service, std::string region, int64_t time, std::string_view body);
};

struct Signature {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;       // lowercase hex
  std::string signed_headers;  // "host;x-amz-date"
  std::string authorization;   // the Authorization header value (header signing only)
};

// Adds X-Amz-Date, X-Amz-Security-Token, x-amz-content-sha256 (as configured) and
// Authorization to req.headers. Headers already present (e.g. x-amz-date) are kept.
// All of req's headers are signed.
Result<Signature> sign_request(SignableRequest& req, const Credentials& credentials, const SigningConfig& config);

// Appends X-Amz-Algorithm, -Credential, -Date, -SignedHeaders, -Expires,
// -Security-Token and -Signature to req.query. req.headers (Host, and any condition such
// as Content-Type, Content-Length, Content-MD5, x-amz-checksum-sha256) are signed: the
// client must send exactly those values.
Result<Signature> presign_request(SignableRequest& req, const Credentials& credentials, const SigningConfig& config);

struct PresignedCheck {
  std::string region;
  std::string service = "s3";
  int64_t now = 0;                  // seconds since the epoch
  int64_t max_clock_skew = 300;     // a URL dated further in the future is refused
  bool double_uri_encode = false;   // S3 rules by default
  bool normalize_path = false;
  std::string payload_hash = std::string(kUnsignedPayload);
};

struct VerifiedPresign {
  std::string access_key_id;
  int64_t expires_at = 0;
  std::vector<std::string> signed_headers;
};

// Checks a presigned request: algorithm, credential scope (key, date, region, service),
// the expiry window, that Host is signed and every signed header is present, and the
// signature (recomputed, compared in constant time). Errors carry S3's codes:
// AuthorizationQueryParametersError, InvalidAccessKeyId, AccessDenied (expired / not yet
// valid), SignatureDoesNotMatch.
Result<VerifiedPresign> verify_presigned(const SignableRequest& req, const Credentials& credentials,
                                         const PresignedCheck& check);

// --- the pieces, exposed for tests and for the clients ---

// RFC 3986 unreserved characters (A-Z a-z 0-9 - _ . ~) kept, every other byte as %XX
// (uppercase hex). encode_slash=false keeps '/' (paths).
std::string uri_encode(std::string_view s, bool encode_slash = true);
inline std::string uri_encode_path(std::string_view s) { return uri_encode(s, false); }
// %XX decoding; '+' stays '+' (SigV4 query strings do not use form encoding). Invalid
// escapes are kept literally.
std::string uri_decode(std::string_view s);
// Removes dot segments (RFC 3986 section 5.2.4) and empty segments, keeping a trailing '/'.
std::string normalize_path(std::string_view path);
std::string canonical_uri(std::string_view wire_path, bool double_uri_encode, bool normalize);
// Parameters decoded, re-encoded strictly, sorted by name then value, joined with '&';
// a parameter without '=' gets an empty value.
std::string canonical_query(std::string_view wire_query);
// Lowercase names sorted; values trimmed with inner whitespace runs collapsed to one space;
// repeated headers joined with ',' in order. Returns {canonical headers block, signed list}.
std::pair<std::string, std::string> canonical_headers(const Headers& headers);
std::string amz_date(int64_t time);  // 20150830T123600Z
std::string signing_key(std::string_view secret, std::string_view date, std::string_view region,
                        std::string_view service);

}  // namespace imgmeta::aws
