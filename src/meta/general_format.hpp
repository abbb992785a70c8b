// printf's "%.<precision>g" for doubles, the form ExifTool's numbers take: Perl prints a
// number as %.15g, and ExifTool rounds rationals to %.10g. The one home of that convention
// in src/meta.
#pragma once

#include <cstdint>
#include <string>

namespace imgmeta::meta {

// Appends v as printf("%.*g", precision, v) writes it ("inf", "-inf", "nan" as to_chars
// writes them). precision: 1..17.
void append_general(std::string& out, double v, int precision);

// Whether v is the double nearest to a short decimal m / 10^scale, with 0 < m < 10^digits,
// 0 <= scale <= 17 and digits <= 15 (m and scale for |v|; false for 0 and non-finite v).
// Decimals of at most 15 digits lie more than four ulps apart, so then that decimal is at
// once v's %.<digits>g text (without trailing zeros), its shortest round-trip text, and
// v rounded to `digits` digits is v itself: the digits come without a float conversion.
// Most numbers in image metadata are such decimals (0.005, 5.6, 72).
bool short_decimal(double v, int digits, int64_t& m, int& scale);

// v rounded to `precision` significant digits: its %g text read back.
double round_general(double v, int precision);

}  // namespace imgmeta::meta
