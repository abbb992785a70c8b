// Hashes, MACs and encodings the AWS adapters share (OpenSSL 3 underneath).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace imgmeta::aws {

using Sha256 = std::array<uint8_t, 32>;

Sha256 sha256(std::string_view data);
Sha256 hmac_sha256(std::string_view key, std::string_view data);
std::string hex(const uint8_t* data, size_t size);
inline std::string hex(const Sha256& d) { return hex(d.data(), d.size()); }
inline std::string sha256_hex(std::string_view data) { return hex(sha256(data)); }
inline std::string_view as_chars(const Sha256& d) { return {reinterpret_cast<const char*>(d.data()), d.size()}; }

// Constant-time comparison (CRYPTO_memcmp); false when the sizes differ.
bool equal_constant_time(std::string_view a, std::string_view b);

// RFC 4648 section 4 (base64) and section 5 (base64url, no padding on output; padding
// optional on input). Decoding rejects characters outside the alphabet.
std::string base64_encode(std::string_view data);
std::optional<std::string> base64_decode(std::string_view text);
std::string base64url_encode(std::string_view data);
std::optional<std::string> base64url_decode(std::string_view text);

// MD5 (Content-MD5 conditions on presigned uploads) and SHA-256, base64 as S3 wants them.
std::string md5_base64(std::string_view data);
std::string sha256_base64(std::string_view data);

}  // namespace imgmeta::aws
