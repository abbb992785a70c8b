#include "store/time.hpp"

#include <gtest/gtest.h>

namespace imgmeta::store {
namespace {

TEST(Time, FormatsUtcWithMilliseconds) {
  EXPECT_EQ(format_iso8601_ms(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_iso8601_ms(1567539447192), "2019-09-03T19:37:27.192Z");
  EXPECT_EQ(format_iso8601_ms(-1), "1969-12-31T23:59:59.999Z");
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
