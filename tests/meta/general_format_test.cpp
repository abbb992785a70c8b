#include "meta/general_format.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace imgmeta::meta {
namespace {

std::string printf_g(double v, int precision) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", precision, v);
  return buf;
}

std::string general(double v, int precision) {
  std::string out = "x";  // appends, never replaces
  append_general(out, v, precision);
  return out.substr(1);
}

// Values of every shape the extractor formats: rationals of small and large integers,
// decimal text read back, integers around the exponent-form switch, tiny and huge
// magnitudes, negative zero, and random bit patterns (long round-trip forms, subnormals).
std::vector<double> samples() {
  std::vector<double> v = {0.0,    -0.0,   1.0,     -1.0,    0.5,      1e-4,    1e-5,      9.99999e-5, 0.0001234,
                           1e9,    1e10,   1e14,    1e15,    1e16,     123456789012345.0, 1234567890123456.0,
                           999999999.5,    9999999999.5,    0.1,      0.2 + 0.1, 1.0 / 3,   2.0 / 3,    100.0,
                           1e300,  -1e-300, 5e-324, std::numeric_limits<double>::max(),
                           std::numeric_limits<double>::min()};
  for (int e = -20; e <= 20; ++e) {
    v.push_back(std::pow(10.0, e));
    v.push_back(-2.5 * std::pow(10.0, e));
  }
  // Whole numbers on both sides of every digit count (printed as integers below the
  // precision's digit count, in exponent form from there).
  for (int e = 0; e <= 19; ++e) {
    double p = std::pow(10.0, e);
    for (double x : {p - 1, p, p + 1, 2 * p, 9 * p + 7})
      for (double sign : {1.0, -1.0}) v.push_back(sign * x);
  }
  // Short decimals (the fast path): every digit count and scale, both signs.
  std::mt19937_64 decimals(777);
  for (int digits = 1; digits <= 16; ++digits)
    for (int scale = 0; scale <= 19; ++scale)
      for (int i = 0; i < 40; ++i) {
        const auto m = static_cast<double>(decimals() % static_cast<uint64_t>(std::pow(10.0, digits)));
        v.push_back(m / std::pow(10.0, scale));
        v.push_back(-m / std::pow(10.0, scale));
      }
  for (double x : {5.6, 0.005, 1.0 / 200, 2.8, 0.3, 72.0 / 7, 99999.95, 9.9999999995, 0.00009999, 1234.5e-9})
    v.push_back(x);
  std::mt19937_64 rng(12345);
  std::uniform_int_distribution<int64_t> small(-100000, 100000), big(-4294967295LL, 4294967295LL);
  for (int i = 0; i < 20000; ++i) {
    int64_t a = small(rng), b = small(rng), c = big(rng), d = big(rng);
    if (b != 0) v.push_back(static_cast<double>(a) / static_cast<double>(b));
    if (d != 0) v.push_back(static_cast<double>(c) / static_cast<double>(d));
    double bits = std::bit_cast<double>(rng());
    if (std::isfinite(bits)) v.push_back(bits);
    v.push_back(static_cast<double>(a) / 1000.0);
    v.push_back(static_cast<double>(c) * static_cast<double>(a));  // whole, up to 15 digits
  }
  return v;
}

TEST(GeneralFormat, WritesWhatPrintfWritesForEveryPrecisionTheExtractorUses) {
  const auto values = samples();
  for (int precision : {1, 6, 10, 15, 16, 17})
    for (double x : values) ASSERT_EQ(general(x, precision), printf_g(x, precision)) << "%." << precision << "g of " << x;
}

TEST(GeneralFormat, ShortDecimalsAreFoundAndNamedExactly) {
  int64_t m = 0;
  int scale = 0;
  ASSERT_TRUE(short_decimal(0.005, 10, m, scale));
  EXPECT_EQ(m, 5);
  EXPECT_EQ(scale, 3);
  ASSERT_TRUE(short_decimal(-5.6, 15, m, scale));
  EXPECT_EQ(m, 56);
  EXPECT_EQ(scale, 1);
  EXPECT_FALSE(short_decimal(1.0 / 3, 15, m, scale));
  EXPECT_FALSE(short_decimal(0.0, 15, m, scale));
  EXPECT_FALSE(short_decimal(std::numeric_limits<double>::quiet_NaN(), 15, m, scale));
  EXPECT_FALSE(short_decimal(12345678901.0, 10, m, scale));  // more digits than asked for
  EXPECT_FALSE(short_decimal(0.5, 16, m, scale));            // past 15 digits the claim fails
  // Whenever one is found, m / 10^scale read as text is v, and so is v's shortest form.
  for (double x : samples())
    for (int digits : {10, 15})
      if (short_decimal(x, digits, m, scale)) {
        const std::string text = std::to_string(m) + "e-" + std::to_string(scale);
        double back = 0;
        std::from_chars(text.data(), text.data() + text.size(), back);
        ASSERT_EQ(back, std::fabs(x)) << text;
      }
}

TEST(GeneralFormat, NonFiniteValuesAreWrittenAsToCharsWritesThem) {
  EXPECT_EQ(general(std::numeric_limits<double>::infinity(), 15), "inf");
  EXPECT_EQ(general(-std::numeric_limits<double>::infinity(), 15), "-inf");
  EXPECT_EQ(general(std::numeric_limits<double>::quiet_NaN(), 15), "nan");
}

TEST(GeneralFormat, RoundingIsReadingBackThePrintfText) {
  for (int precision : {10, 15, 16})
    for (double x : samples()) {
      // Read back as from_chars reads it: a text beyond the double range leaves the value.
      const std::string text = printf_g(x, precision);
      double expected = x;
      std::from_chars(text.data(), text.data() + text.size(), expected);
      double got = round_general(x, precision);
      ASSERT_EQ(std::bit_cast<uint64_t>(got), std::bit_cast<uint64_t>(expected)) << precision << " digits of " << x;
    }
  EXPECT_TRUE(std::isnan(round_general(std::numeric_limits<double>::quiet_NaN(), 15)));
  EXPECT_EQ(round_general(std::numeric_limits<double>::infinity(), 15), std::numeric_limits<double>::infinity());
}

}  // namespace
}  // namespace imgmeta::meta
