// Base64url without padding (RFC 4648 section 5), the encoding of JWT parts (RFC 7515
// section 2) and of our opaque tokens.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace imgmeta::auth {

std::string base64url_encode(std::span<const uint8_t> bytes);
inline std::string base64url_encode(std::string_view text) {
  return base64url_encode(std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}
// nullopt for any character outside the alphabet, padding, or a malformed length.
std::optional<std::vector<uint8_t>> base64url_decode(std::string_view text);

}  // namespace imgmeta::auth
