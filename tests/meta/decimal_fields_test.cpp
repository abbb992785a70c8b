// The scanf/printf stand-ins of meta/decimal_fields.hpp against the C library itself.
#include "meta/decimal_fields.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <string>

namespace imgmeta::meta {
namespace {

// Random short strings over the characters that matter to "%Nd" and the separators.
std::string random_text(std::mt19937& rng) {
  static constexpr char kAlphabet[] = "0123456789012345 \t\n+-::x";
  std::uniform_int_distribution<int> length(0, 22), pick(0, sizeof kAlphabet - 2);
  std::string s;
  for (int n = length(rng); n > 0; --n) s += kAlphabet[pick(rng)];
  return s;
}

// A date with a few characters replaced, inserted or dropped.
std::string mutated_date(std::mt19937& rng) {
  std::string s = "2024:05:06 07:08:09+02:00";
  std::string noise = random_text(rng);
  for (size_t i = 0; i < noise.size() && i < 3; ++i) {
    auto at = [&](std::mt19937& g) { return std::uniform_int_distribution<size_t>(0, s.size() - 1)(g); };
    switch (noise.size() % 3) {
      case 0: s[at(rng)] = noise[i]; break;
      case 1: s.insert(at(rng), 1, noise[i]); break;
      default: s.erase(at(rng), 1);
    }
  }
  return s;
}

TEST(DecimalFields, DateScanMatchesScanf) {
  int matched = 0;
  std::mt19937 rng(7);
  for (int round = 0; round < 200000; ++round) {
    std::string s = round % 2 ? random_text(rng) : mutated_date(rng);
    int want[6] = {}, got[6] = {}, consumed = -1;
    bool want_ok = std::sscanf(s.c_str(), "%4d:%2d:%2d %2d:%2d:%2d%n", &want[0], &want[1], &want[2], &want[3],
                               &want[4], &want[5], &consumed) == 6;
    size_t at = 0;
    bool ok = scan_int(s, at, 4, got[0]) && scan_char(s, at, ':') && scan_int(s, at, 2, got[1]) &&
              scan_char(s, at, ':') && scan_int(s, at, 2, got[2]);
    if (ok) scan_spaces(s, at);
    ok = ok && scan_int(s, at, 2, got[3]) && scan_char(s, at, ':') && scan_int(s, at, 2, got[4]) &&
         scan_char(s, at, ':') && scan_int(s, at, 2, got[5]);
    ASSERT_EQ(ok, want_ok) << '"' << s << '"';
    if (!ok) continue;
    ++matched;
    for (int i = 0; i < 6; ++i) ASSERT_EQ(got[i], want[i]) << '"' << s << "\" field " << i;
    ASSERT_EQ(at, static_cast<size_t>(consumed)) << '"' << s << '"';
  }
  EXPECT_GT(matched, 20000);  // the successful reads were compared too, not only the failures
}

TEST(DecimalFields, OffsetScanMatchesScanf) {
  std::mt19937 rng(11);
  for (int round = 0; round < 100000; ++round) {
    std::string s = random_text(rng);
    int wh = 0, wm = 0, consumed = -1, h = 0, m = 0;
    bool want_ok = std::sscanf(s.c_str(), "%2d:%2d%n", &wh, &wm, &consumed) == 2;
    size_t at = 0;
    bool ok = scan_int(s, at, 2, h) && scan_char(s, at, ':') && scan_int(s, at, 2, m);
    ASSERT_EQ(ok, want_ok) << '"' << s << '"';
    if (!ok) continue;
    ASSERT_EQ(h, wh) << s;
    ASSERT_EQ(m, wm) << s;
    ASSERT_EQ(at, static_cast<size_t>(consumed)) << s;
  }
}

TEST(DecimalFields, PaddingMatchesPrintf) {
  for (long long v = -20000; v <= 20000; v += (v > -200 && v < 200) ? 1 : 37) {
    for (int width = 1; width <= 5; ++width) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%0*lld", width, v);
      std::string zero_padded;
      append_zero_padded(zero_padded, v, width);
      ASSERT_EQ(zero_padded, buf) << v << " width " << width;
      std::snprintf(buf, sizeof buf, "%.*lld", width, v);
      std::string min_digits;
      append_min_digits(min_digits, v, width);
      ASSERT_EQ(min_digits, buf) << v << " digits " << width;
    }
  }
}

}  // namespace
}  // namespace imgmeta::meta
