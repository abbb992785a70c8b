// ASCII text helpers every part uses: case folding and comparison that ignore the locale
// (header names, tokens, keys and the search index are ASCII rules, and std::tolower would
// follow LC_CTYPE), hex digits and percent-encoding. Lives in meta because meta is the part
// the others may all depend on.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace imgmeta::meta {

constexpr char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

inline std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = ascii_lower(c);
  return out;
}

inline bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return ascii_lower(x) == ascii_lower(y); });
}

inline bool icontains(std::string_view haystack, std::string_view needle) {
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                     [](char x, char y) { return ascii_lower(x) == ascii_lower(y); }) != haystack.end();
}

// Lower-case hex, two digits a byte (digests, ETags, keys).
inline std::string hex_lower(std::span<const uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(bytes.size() * 2, '0');
  for (size_t i = 0; i < bytes.size(); ++i) {
    out[2 * i] = kDigits[bytes[i] >> 4];
    out[2 * i + 1] = kDigits[bytes[i] & 15];
  }
  return out;
}
inline std::string hex_lower(std::string_view bytes) {
  return hex_lower(std::span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
}

// RFC 3986 section 2.3: the characters percent-encoding never changes.
constexpr bool is_unreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

// Percent-encodes every byte `keep` does not keep, as %XX with upper-case digits (RFC 3986
// section 2.1 recommends them, and SigV4 requires them).
template <class Keep>
std::string percent_encode(std::string_view s, Keep keep) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    if (keep(ch)) {
      out += ch;
    } else {
      const auto c = static_cast<unsigned char>(ch);
      out += '%';
      out += kDigits[c >> 4];
      out += kDigits[c & 15];
    }
  }
  return out;
}

}  // namespace imgmeta::meta
