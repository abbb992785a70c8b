// printf's "%.<precision>g" for doubles, the form ExifTool's numbers take: Perl prints a
// number as %.15g, and ExifTool rounds rationals to %.10g. The one home of that convention
// in src/meta.
#pragma once

#include <string>

namespace imgmeta::meta {

// Appends v as printf("%.*g", precision, v) writes it ("inf", "-inf", "nan" as to_chars
// writes them). precision: 1..17.
void append_general(std::string& out, double v, int precision);

// v rounded to `precision` significant digits: its %g text read back.
double round_general(double v, int precision);

}  // namespace imgmeta::meta
