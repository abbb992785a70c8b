// UTF-8 validation, the one copy: Metadata::set, the JSON writer and the XML reader use it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace imgmeta::meta {

// Length of the valid UTF-8 sequence starting at s[i] (1-4), or 0 when the bytes there are
// not one (RFC 3629, table 3-7: no overlongs, no surrogates, nothing above U+10FFFF).
inline size_t utf8_sequence_length(std::string_view s, size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return 1;
  size_t n;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) n = 2;
  else if (c == 0xE0) { n = 3; lo = 0xA0; }
  else if (c >= 0xE1 && c <= 0xEC) n = 3;
  else if (c == 0xED) { n = 3; hi = 0x9F; }
  else if (c >= 0xEE && c <= 0xEF) n = 3;
  else if (c == 0xF0) { n = 4; lo = 0x90; }
  else if (c >= 0xF1 && c <= 0xF3) n = 4;
  else if (c == 0xF4) { n = 4; hi = 0x8F; }
  else return 0;
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    auto d = static_cast<unsigned char>(s[i + k]);
    if (k == 1 ? (d < lo || d > hi) : (d < 0x80 || d > 0xBF)) return 0;
  }
  return n;
}

// The end of the run of bytes from s[i] that are ASCII and, when `json_plain`, also neither
// control characters nor '"' nor '\\' (the bytes a JSON string holds as they are). Eight
// bytes at a time: metadata text is mostly ASCII.
inline size_t ascii_run_end(std::string_view s, size_t i, bool json_plain) {
  constexpr uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
  auto has_zero_byte = [](uint64_t v) { return (v - kOnes) & ~v & kHigh; };
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.substr(i, 8).data(), 8);
    uint64_t stop = w & kHigh;
    if (json_plain) {
      stop |= (w - 0x20 * kOnes) & ~w & kHigh;  // a byte below 0x20 (bytes >= 0x80 are caught above)
      stop |= has_zero_byte(w ^ ('"' * kOnes)) | has_zero_byte(w ^ ('\\' * kOnes));
    }
    if (stop) break;
  }
  for (; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80 || (json_plain && (c < 0x20 || c == '"' || c == '\\'))) break;
  }
  return i;
}

// True when all of `s` is well-formed UTF-8.
inline bool is_utf8(std::string_view s) {
  for (size_t i = ascii_run_end(s, 0, false); i < s.size(); i = ascii_run_end(s, i, false)) {
    size_t n = utf8_sequence_length(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

inline constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";  // U+FFFD

}  // namespace imgmeta::meta
