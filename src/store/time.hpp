// Time as the stores and the API write it: Unix milliseconds inside, ISO 8601 UTC outside
// ("2026-11-24T23:14:49.755Z", the form S3 writes in eventTime). Part of the header-only
// imgmeta_store_api, hence inline.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

namespace imgmeta::store {

inline int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

namespace time_detail {
// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
inline int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}
inline void civil_from_days(int64_t z, int64_t& y, int64_t& m, int64_t& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = yoe + era * 400 + (m <= 2);
}
inline int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }
inline bool digits(std::string_view s, size_t pos, size_t n, int64_t& out) {
  if (pos > s.size() || n > s.size() - pos) return false;
  out = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}
}  // namespace time_detail

// "YYYY-MM-DDTHH:MM:SS.mmmZ".
inline std::string format_iso8601_ms(int64_t unix_ms) {
  using namespace time_detail;
  int64_t days = floor_div(unix_ms, 86400000);
  int64_t in_day = unix_ms - days * 86400000;
  int64_t y, m, d;
  civil_from_days(days, y, m, d);
  // By hand rather than snprintf: the map's pages format ten thousand of these at a time.
  std::string out;
  if (y < 0 || y > 9999) {
    out = std::to_string(y);  // outside ISO 8601's four digits; never from a real photo
  } else {
    out.resize(4);
    for (int i = 3; i >= 0; --i, y /= 10) out[static_cast<size_t>(i)] = static_cast<char>('0' + y % 10);
  }
  char tail[21] = {'-', 0, 0, '-', 0, 0, 'T', 0, 0, ':', 0, 0, ':', 0, 0, '.', 0, 0, 0, 'Z', 0};
  auto two = [&](int at, int64_t v) {
    tail[at] = static_cast<char>('0' + v / 10);
    tail[at + 1] = static_cast<char>('0' + v % 10);
  };
  two(1, m);
  two(4, d);
  two(7, in_day / 3600000);
  two(10, in_day / 60000 % 60);
  two(13, in_day / 1000 % 60);
  const int64_t ms = in_day % 1000;
  tail[16] = static_cast<char>('0' + ms / 100);
  two(17, ms % 100);
  out.append(tail, 20);
  return out;
}

// Accepts "YYYY-MM-DD" optionally followed by "THH:MM:SS" (or a space instead of 'T'), an
// optional fraction (any number of digits, kept to the microsecond) and an optional zone
// ("Z", "+HH:MM", "-HH:MM", "+HHMM"; none = UTC, as moto writes eventTime). Unix
// microseconds, nullopt when malformed.
inline std::optional<int64_t> parse_iso8601_us(std::string_view s) {
  using namespace time_detail;
  int64_t y, mo, d, h = 0, mi = 0, sec = 0, frac_us = 0;
  if (!digits(s, 0, 4, y) || s.size() < 10 || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' ||
      !digits(s, 8, 2, d))
    return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return std::nullopt;
  size_t p = 10;
  if (p < s.size() && (s[p] == 'T' || s[p] == 't' || s[p] == ' ')) {
    if (!digits(s, p + 1, 2, h) || p + 3 >= s.size() || s[p + 3] != ':' || !digits(s, p + 4, 2, mi) ||
        p + 6 >= s.size() || s[p + 6] != ':' || !digits(s, p + 7, 2, sec))
      return std::nullopt;
    if (h > 23 || mi > 59 || sec > 60) return std::nullopt;
    p += 9;
    if (p < s.size() && (s[p] == '.' || s[p] == ',')) {
      ++p;
      size_t start = p;
      int64_t scale = 100000;
      while (p < s.size() && s[p] >= '0' && s[p] <= '9') {
        frac_us += (s[p] - '0') * scale;
        scale /= 10;
        ++p;
      }
      if (p == start) return std::nullopt;
    }
  }
  int64_t offset_min = 0;
  if (p < s.size()) {
    if (s[p] == 'Z' || s[p] == 'z') {
      ++p;
    } else if (s[p] == '+' || s[p] == '-') {
      int64_t oh, om;
      int sign = s[p] == '-' ? -1 : 1;
      if (!digits(s, p + 1, 2, oh)) return std::nullopt;
      size_t q = p + 3;
      if (q < s.size() && s[q] == ':') ++q;
      if (!digits(s, q, 2, om) || oh > 23 || om > 59) return std::nullopt;
      offset_min = sign * (oh * 60 + om);
      p = q + 2;
    }
  }
  if (p != s.size()) return std::nullopt;
  int64_t secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - offset_min * 60;
  return secs * 1000000 + frac_us;
}

inline std::optional<int64_t> parse_iso8601_ms(std::string_view s) {
  auto us = parse_iso8601_us(s);
  if (!us) return std::nullopt;
  return time_detail::floor_div(*us, 1000);
}

}  // namespace imgmeta::store
