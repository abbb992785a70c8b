#include "store/time.hpp"

#include <gtest/gtest.h>

namespace imgmeta::store {
namespace {

TEST(Time, FormatsUtcWithMilliseconds) {
  EXPECT_EQ(format_iso8601_ms(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_iso8601_ms(1567539447192), "2019-09-03T19:37:27.192Z");
  EXPECT_EQ(format_iso8601_ms(-1), "1969-12-31T23:59:59.999Z");
}

TEST(Time, FormatAgreesWithTheParserAcrossTheFourDigitYears) {
  // Year 0000 to 9999, every field's carries (ms 999, end of day, end of month, leap days).
  const int64_t first = -62167219200000;  // 0000-01-01T00:00:00.000Z
  const int64_t last = 253402300799999;   // 9999-12-31T23:59:59.999Z
  EXPECT_EQ(format_iso8601_ms(first), "0000-01-01T00:00:00.000Z");
  EXPECT_EQ(format_iso8601_ms(last), "9999-12-31T23:59:59.999Z");
  EXPECT_EQ(format_iso8601_ms(951782400000 - 1), "2000-02-28T23:59:59.999Z");
  EXPECT_EQ(format_iso8601_ms(951868800000 - 1), "2000-02-29T23:59:59.999Z");
  uint64_t x = 88172645463325252ull;  // xorshift: a fixed spread of instants
  for (int i = 0; i < 20000; ++i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    const int64_t t = first + static_cast<int64_t>(x % static_cast<uint64_t>(last - first));
    const std::string text = format_iso8601_ms(t);
    ASSERT_EQ(text.size(), 24u) << t;
    ASSERT_EQ(parse_iso8601_ms(text), t) << text;
  }
}

TEST(Time, ParsesS3EventTime) { EXPECT_EQ(parse_iso8601_ms("2019-09-03T19:37:27.192Z"), 1567539447192); }

TEST(Time, ParsesMotoEventTimeWithMicrosecondsAndNoZoneAsUtc) {
  EXPECT_EQ(parse_iso8601_us("2026-11-24T23:14:49.755845"), int64_t{1795562089755845});
}

TEST(Time, AppliesOffsets) {
  EXPECT_EQ(parse_iso8601_ms("2019-09-03T21:37:27+02:00"), 1567539447000);
  EXPECT_EQ(parse_iso8601_ms("2019-09-03T17:37:27-0200"), 1567539447000);
}

TEST(Time, DateAloneIsMidnightUtc) { EXPECT_EQ(parse_iso8601_ms("2019-09-03"), 1567468800000); }

TEST(Time, RejectsMalformedText) {
  for (const char* bad : {"", "2019", "2019-13-01", "2019-09-03T25:00:00Z", "2019-09-03T19:37:27.Z",
                          "2019-09-03T19:37:27Zjunk", "yesterday"})
    EXPECT_EQ(parse_iso8601_ms(bad), std::nullopt) << bad;
}

}  // namespace
}  // namespace imgmeta::store
