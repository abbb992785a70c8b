#include "meta/general_format.hpp"

#include <charconv>
#include <cmath>

namespace imgmeta::meta {

// std::to_chars with a format and a precision is specified as printf's conversion with
// that precision, so it is %g without a format string or a locale.
void append_general(std::string& out, double v, int precision) {
  char buf[40];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general, precision);
  out.append(buf, r.ptr);
}

double round_general(double v, int precision) {
  if (!std::isfinite(v) || v == 0) return v;
  char buf[40];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general, precision);
  double out = v;  // a text beyond the double range leaves v as it is
  if (ec == std::errc()) std::from_chars(buf, end, out);
  return out;
}

}  // namespace imgmeta::meta
