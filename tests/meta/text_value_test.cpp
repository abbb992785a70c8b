// ExifTool's number conventions (meta/text_value.hpp): Perl's %.15g text and the value read
// back from it.
#include "meta/text_value.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <limits>
#include <random>

namespace imgmeta::meta {
namespace {

std::string printf_15g(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.15g", v);
  return buf;
}

TEST(PerlNumber, PrintsAsPrintfPercent15g) {
  for (double v : {0.0, 1.0, -2.5, 0.1, 1.0 / 3, 1e15, 1e16, 123456789012345678.0, 1e-5, 6.4e-05, 1e300, 5e-324})
    EXPECT_EQ(perl_number(v), printf_15g(v)) << v;
  std::mt19937_64 rng(3);
  for (int i = 0; i < 100000; ++i) {
    uint64_t bits = rng();
    double v;
    std::memcpy(&v, &bits, sizeof v);
    if (!std::isfinite(v)) continue;
    ASSERT_EQ(perl_number(v), printf_15g(v)) << v;
    ASSERT_EQ(round_sig15(v), std::strtod(printf_15g(v).c_str(), nullptr)) << v;
  }
}

TEST(PerlNumber, NonFiniteAsPerlPrintsThem) {
  EXPECT_EQ(perl_number(std::numeric_limits<double>::quiet_NaN()), "NaN");
  EXPECT_EQ(perl_number(std::numeric_limits<double>::infinity()), "Inf");
  EXPECT_EQ(perl_number(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_TRUE(std::isnan(round_sig15(std::numeric_limits<double>::quiet_NaN())));
  EXPECT_EQ(round_sig15(std::numeric_limits<double>::infinity()), std::numeric_limits<double>::infinity());
}

TEST(RoundSig15, KeepsFifteenSignificantDigits) {
  EXPECT_EQ(round_sig15(27.99999999999999), 28.0);
  EXPECT_EQ(round_sig15(0.1 + 0.2), 0.3);
  EXPECT_EQ(round_sig15(-0.0), -0.0);
}

}  // namespace
}  // namespace imgmeta::meta
