#include "meta/general_format.hpp"

#include <charconv>
#include <cmath>

namespace imgmeta::meta {
namespace {

// True when %.<precision>g prints v as its integer digits: v is a whole number with at most
// `precision` digits (fewer than that and no rounding, no exponent). Most EXIF numbers are
// (ISO speeds, focal lengths, dimensions), and the digits cost a tenth of a rounded conversion.
bool plain_integer(double v, int precision) {
  static constexpr double kPowers[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8, 1e9,
                                       1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18};
  if (v == 0 || precision < 1) return false;  // -0 prints as "-0"
  double limit = kPowers[precision < 18 ? precision : 18];
  return std::fabs(v) < limit && v == std::trunc(v);
}

}  // namespace

// std::to_chars with a format and a precision is specified as printf's conversion with
// that precision, so it is %g without a format string or a locale.
void append_general(std::string& out, double v, int precision) {
  char buf[40];
  auto r = plain_integer(v, precision) ? std::to_chars(buf, buf + sizeof buf, static_cast<long long>(v))
                                       : std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general, precision);
  out.append(buf, r.ptr);
}

double round_general(double v, int precision) {
  if (!std::isfinite(v) || v == 0 || plain_integer(v, precision)) return v;
  char buf[40];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general, precision);
  double out = v;  // a text beyond the double range leaves v as it is
  if (ec == std::errc()) std::from_chars(buf, end, out);
  return out;
}

}  // namespace imgmeta::meta
