// The fixed-width decimal fields of dates, times and zone offsets, read and written the way
// the C library's scanf "%Nd" and printf "%0Nd" / "%.Nd" do (tests/meta/decimal_fields_test.cpp
// holds them to it), without the format-string machinery, which cost a fifteenth of the
// extractor's instructions on camera files for their four dates. A NUL, where scanf's input
// would end, fails or stops a read here just as the end does. Private to src/meta.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace imgmeta::meta {

// scanf's whitespace: the C locale's isspace.
constexpr bool scanf_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

// scanf "%<width>d" from s[at]: skips whitespace, then reads an optional sign and digits, at
// most `width` characters together (width <= 9, so no overflow). Moves `at` past them.
inline bool scan_int(std::string_view s, size_t& at, int width, int& out) {
  size_t i = at;
  while (i < s.size() && scanf_space(s[i])) ++i;
  size_t end = i + static_cast<size_t>(width);
  bool negative = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
  int value = 0;
  size_t first = i;
  while (i < end && i < s.size() && s[i] >= '0' && s[i] <= '9') value = value * 10 + (s[i++] - '0');
  if (i == first) return false;
  out = negative ? -value : value;
  at = i;
  return true;
}

// A literal character of a scanf format: matches exactly that character.
inline bool scan_char(std::string_view s, size_t& at, char c) {
  if (at >= s.size() || s[at] != c) return false;
  ++at;
  return true;
}

// A space in a scanf format: any run of whitespace, possibly none.
inline void scan_spaces(std::string_view s, size_t& at) {
  while (at < s.size() && scanf_space(s[at])) ++at;
}

// scanf "%2d:%2d" from s[at]: a zone offset's hours and minutes. Moves `at` past them.
inline bool scan_hours_minutes(std::string_view s, size_t& at, int& hours, int& minutes) {
  return scan_int(s, at, 2, hours) && scan_char(s, at, ':') && scan_int(s, at, 2, minutes);
}

// printf "%.<digits>d": the sign, then at least `digits` digits.
inline void append_min_digits(std::string& out, long long v, int digits) {
  char buf[24];
  size_t n = 0;
  unsigned long long u = v < 0 ? 0ull - static_cast<unsigned long long>(v) : static_cast<unsigned long long>(v);
  do {
    buf[n++] = static_cast<char>('0' + u % 10);
    u /= 10;
  } while (u);
  if (v < 0) out += '-';
  for (size_t k = n; k < static_cast<size_t>(digits); ++k) out += '0';
  while (n) out += buf[--n];
}

// printf "%0<width>d": zeros after the sign up to `width` characters in all.
inline void append_zero_padded(std::string& out, long long v, int width) {
  append_min_digits(out, v, v < 0 ? width - 1 : width);
}

}  // namespace imgmeta::meta
