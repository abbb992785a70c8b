#include "meta/general_format.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <string_view>

namespace imgmeta::meta {
namespace {

constexpr double kPowers10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8, 1e9,
                                1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18};

// True when %.<precision>g prints v as its integer digits: v is a whole number with at most
// `precision` digits (fewer than that and no rounding, no exponent). Most EXIF numbers are
// (ISO speeds, focal lengths, dimensions), and the digits cost a tenth of a rounded conversion.
bool plain_integer(double v, int precision) {
  if (v == 0 || precision < 1) return false;  // -0 prints as "-0"
  double limit = kPowers10[precision < 18 ? precision : 18];
  return std::fabs(v) < limit && v == std::trunc(v);
}

// printf's %.<precision>g of the short decimal m / 10^scale (m > 0, see short_decimal): the
// digits of m without its trailing zeros, in fixed form when the exponent X of the leading
// digit is within -4 <= X < precision, else as d.ddde±XX.
void append_short_general(std::string& out, bool negative, int64_t m, int scale, int precision) {
  char digits[20];
  auto r = std::to_chars(digits, digits + sizeof digits, m);
  int n = static_cast<int>(r.ptr - digits);
  const int exp10 = n - 1 - scale;
  while (n > 1 && digits[n - 1] == '0') --n;
  const std::string_view d(digits, static_cast<size_t>(n));
  if (negative) out += '-';
  if (exp10 < -4 || exp10 >= precision) {
    out += d[0];
    if (n > 1) {
      out += '.';
      out += d.substr(1);
    }
    out += exp10 < 0 ? "e-" : "e+";
    const int mag = exp10 < 0 ? -exp10 : exp10;
    if (mag < 10) out += '0';
    char e[4];
    auto er = std::to_chars(e, e + sizeof e, mag);
    out.append(e, er.ptr);
  } else if (exp10 >= 0) {
    const int whole = exp10 + 1;
    if (n <= whole) {
      out += d;
      out.append(static_cast<size_t>(whole - n), '0');
    } else {
      out += d.substr(0, static_cast<size_t>(whole));
      out += '.';
      out += d.substr(static_cast<size_t>(whole));
    }
  } else {
    out += "0.";
    out.append(static_cast<size_t>(-exp10 - 1), '0');
    out += d;
  }
}

}  // namespace

bool short_decimal(double v, int digits, int64_t& m, int& scale) {
  const double a = std::fabs(v);
  if (digits < 1 || digits > 15 || !(a > 0)) return false;
  const double limit = kPowers10[digits];
  if (!(a < limit)) return false;
  for (int k = 0; k <= 17; ++k) {
    const double scaled = a * kPowers10[k];
    if (!(scaled < limit)) return false;
    // m / 10^k, both exact, divided with one rounding: v is the double nearest m / 10^k.
    if (scaled == std::trunc(scaled) && scaled / kPowers10[k] == a) {
      m = static_cast<int64_t>(scaled);
      scale = k;
      return true;
    }
  }
  return false;
}

// std::to_chars with a format and a precision is specified as printf's conversion with
// that precision, so it is %g without a format string or a locale.
void append_general(std::string& out, double v, int precision) {
  char buf[40];
  int64_t m = 0;
  int scale = 0;
  if (plain_integer(v, precision)) {
    auto r = std::to_chars(buf, buf + sizeof buf, static_cast<long long>(v));
    out.append(buf, r.ptr);
  } else if (short_decimal(v, precision, m, scale)) {
    append_short_general(out, v < 0, m, scale, precision);
  } else {
    auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general, precision);
    out.append(buf, r.ptr);
  }
}

double round_general(double v, int precision) {
  int64_t m = 0;
  int scale = 0;
  if (!std::isfinite(v) || v == 0 || plain_integer(v, precision)) return v;
  if (short_decimal(v, precision, m, scale)) return v;  // its text names v itself
  char buf[40];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general, precision);
  double out = v;  // a text beyond the double range leaves v as it is
  if (ec == std::errc()) std::from_chars(buf, end, out);
  return out;
}

}  // namespace imgmeta::meta
