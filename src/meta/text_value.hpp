// Text as the embedded-block parsers (XMP, IPTC, ICC, Photoshop) hand it to Metadata: typed
// the way `exiftool -j` types its output, and decoded to UTF-8. Private to src/meta.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "meta/general_format.hpp"
#include "meta/metadata.hpp"
#include "meta/utf8.hpp"

namespace imgmeta::meta {

// ExifTool's values are Perl numbers, and Perl prints a number as printf's %.15g does, with
// "NaN", "Inf" and "-Inf" for the rest. The one copy of that convention in src/meta.
inline std::string perl_number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Inf" : "-Inf";
  std::string out;
  append_general(out, v, 15);
  return out;
}

// A computed double as it comes back from Perl's text form (15 significant digits), so that
// our JSON prints what ExifTool prints and later formulas start from the value ExifTool has.
inline double round_sig15(double v) { return round_general(v, 15); }

// `exiftool -j` prints a value as a JSON number when its text matches
// /^-?(\d|[1-9]\d{1,14})(\.\d{1,16})?(e[-+]?\d{1,3})?$/i and as a boolean when it is
// "true"/"false" (any case); everything else stays a string. Same rule here.
inline Value json_typed(std::string s) {
  auto lower_eq = [&](std::string_view w) {
    if (s.size() != w.size()) return false;
    for (size_t i = 0; i < s.size(); ++i)
      if ((s[i] | 0x20) != w[i]) return false;
    return true;
  };
  if (lower_eq("true")) return true;
  if (lower_eq("false")) return false;
  size_t i = 0, n = s.size();
  auto digits = [&](size_t max) {
    size_t start = i;
    while (i < n && i - start < max + 1 && s[i] >= '0' && s[i] <= '9') ++i;
    return i - start;
  };
  if (i < n && s[i] == '-') ++i;
  size_t int_start = i;
  size_t int_digits = digits(15);
  if (int_digits == 0 || int_digits > 15 || (int_digits > 1 && s[int_start] == '0')) return s;
  bool real = false;
  if (i < n && s[i] == '.') {
    ++i;
    size_t frac = digits(16);
    if (frac == 0 || frac > 16) return s;
    real = true;
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < n && (s[i] == '-' || s[i] == '+')) ++i;
    size_t exp = digits(3);
    if (exp == 0 || exp > 3) return s;
    real = true;
  }
  if (i != n) return s;
  if (!real) return static_cast<int64_t>(std::strtoll(s.c_str(), nullptr, 10));
  return std::strtod(s.c_str(), nullptr);
}

// ISO 8859-1 to UTF-8: every byte is its own code point.
inline std::string latin1_to_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size() + s.size() / 4);
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x80) {
      out += ch;
    } else {
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return out;
}

// Appends code point cp as UTF-8 (callers pass only valid scalar values).
inline void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Text up to its first NUL (C strings in fixed-size or counted fields).
inline std::string_view until_nul(std::string_view s) {
  size_t z = s.find('\0');
  return z == std::string_view::npos ? s : s.substr(0, z);
}

}  // namespace imgmeta::meta
