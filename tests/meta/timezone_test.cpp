// Time zones recovered from the GPS clock (add_composite_fields): TIFF files built here with
// an Exif IFD (DateTimeOriginal, CreateDate, maybe OffsetTime*) and a GPS IFD (GPSDateStamp,
// GPSTimeStamp, which EXIF 2.32 section 4.6.6 defines as UTC), read through extract().
#include <gtest/gtest.h>

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "meta/extract.hpp"
#include "tiff_builder.hpp"

namespace imgmeta::meta {
namespace {

using testing::TiffBuilder;

constexpr uint16_t kMake = 0x010f, kExifIfd = 0x8769, kGpsIfd = 0x8825, kDateTimeOriginal = 0x9003,
                   kCreateDate = 0x9004, kOffsetTimeOriginal = 0x9011, kOffsetTimeDigitized = 0x9012,
                   kSubSecTimeOriginal = 0x9291, kGpsTimeStamp = 0x0007, kGpsDateStamp = 0x001d;

struct Photo {
  std::string taken;                          // DateTimeOriginal and CreateDate, camera wall clock
  std::optional<std::string> offset;          // OffsetTimeOriginal / OffsetTimeDigitized
  std::optional<std::string> subsec;          // SubSecTimeOriginal
  std::optional<std::string> gps_date;        // GPSDateStamp, "YYYY:MM:DD"
  std::optional<std::array<uint32_t, 3>> gps_time;  // GPSTimeStamp, whole h, m, s
};

Metadata extract_photo(const Photo& p, Endian endian = Endian::Little) {
  TiffBuilder b(endian);
  size_t ifd0 = b.add_ifd(), exif = b.add_ifd(), gps = b.add_ifd();
  b.ascii(ifd0, kMake, "Test");
  b.pointer(ifd0, kExifIfd, exif);
  b.pointer(ifd0, kGpsIfd, gps);
  b.ascii(exif, kDateTimeOriginal, p.taken);
  b.ascii(exif, kCreateDate, p.taken);
  if (p.offset) {
    b.ascii(exif, kOffsetTimeOriginal, *p.offset);
    b.ascii(exif, kOffsetTimeDigitized, *p.offset);
  }
  if (p.subsec) b.ascii(exif, kSubSecTimeOriginal, *p.subsec);
  if (p.gps_time) {
    auto [h, m, s] = *p.gps_time;
    b.rationals(gps, kGpsTimeStamp, {{h, 1}, {m, 1}, {s, 1}});
  }
  if (p.gps_date) b.ascii(gps, kGpsDateStamp, *p.gps_date);
  auto file = b.build();
  MemorySource source(file);
  auto md = extract(source);
  EXPECT_TRUE(md.ok()) << (md.ok() ? "" : md.error().message);
  return md.ok() ? std::move(md).value() : Metadata{};
}

std::string text(const Metadata& md, std::string_view name) {
  const std::string* s = md.get_string(name);
  return s ? *s : "<absent or not text>";
}

TEST(GpsTimeZone, SameDayOffsetIsRecovered) {
  auto md = extract_photo({"2024:06:01 14:30:10", {}, "25", "2024:06:01", {{12, 30, 0}}});
  EXPECT_EQ(text(md, "DateTimeOriginalTimeZone"), "+02:00");
  EXPECT_EQ(text(md, "DateTimeOriginalTimeZoneSource"), "GPSDateTime");
  EXPECT_EQ(text(md, "DateTimeOriginalUTC"), "2024-06-01T12:30:10.25Z");
  EXPECT_EQ(text(md, "CreateDateTimeZone"), "+02:00");
  EXPECT_EQ(text(md, "CreateDateTimeZoneSource"), "GPSDateTime");
  EXPECT_EQ(text(md, "CreateDateUTC"), "2024-06-01T12:30:10Z");
}

TEST(GpsTimeZone, FixFromThePreviousDayAcrossMidnight) {
  // 00:20 local in Tokyo is 15:20 UTC the day before.
  auto md = extract_photo({"2024:01:01 00:20:05", {}, {}, "2023:12:31", {{15, 19, 40}}}, Endian::Big);
  EXPECT_EQ(text(md, "DateTimeOriginalTimeZone"), "+09:00");
  EXPECT_EQ(text(md, "DateTimeOriginalTimeZoneSource"), "GPSDateTime");
  EXPECT_EQ(text(md, "DateTimeOriginalUTC"), "2023-12-31T15:20:05Z");
}

TEST(GpsTimeZone, FixFromTheNextDayAcrossMidnight) {
  // 21:10 in Honolulu (-10:00) on the 28th is 07:10 UTC on the 29th (a leap day).
  auto md = extract_photo({"2024:02:28 21:10:00", {}, {}, "2024:02:29", {{7, 10, 30}}});
  EXPECT_EQ(text(md, "DateTimeOriginalTimeZone"), "-10:00");
  EXPECT_EQ(text(md, "DateTimeOriginalUTC"), "2024-02-29T07:10:00Z");
}

TEST(GpsTimeZone, FortyFiveMinuteZone) {
  // Kathmandu, +05:45.
  auto md = extract_photo({"2024:10:05 09:00:30", {}, {}, "2024:10:05", {{3, 15, 10}}});
  EXPECT_EQ(text(md, "DateTimeOriginalTimeZone"), "+05:45");
  EXPECT_EQ(text(md, "DateTimeOriginalUTC"), "2024-10-05T03:15:30Z");
}

TEST(GpsTimeZone, ClocksMinutesApartAreNotUsed) {
  // 2 h 7 min apart: rounds to +02:00, but the clocks then disagree by 7 minutes.
  auto md = extract_photo({"2024:06:01 14:37:00", {}, {}, "2024:06:01", {{12, 30, 0}}});
  EXPECT_EQ(text(md, "DateTimeOriginalTimeZone"), "local");
  EXPECT_EQ(text(md, "DateTimeOriginalTimeZoneSource"), "none");
  EXPECT_FALSE(md.has("DateTimeOriginalUTC"_f));
  EXPECT_FALSE(md.has("CreateDateUTC"_f));
}

TEST(GpsTimeZone, AStaleFixFromAnotherDayIsNotUsed) {
  // Same time of day, a week earlier: a difference of days is no zone at all.
  auto md = extract_photo({"2024:06:08 12:30:00", {}, {}, "2024:06:01", {{12, 30, 0}}});
  EXPECT_EQ(text(md, "DateTimeOriginalTimeZoneSource"), "none");
  EXPECT_FALSE(md.has("DateTimeOriginalUTC"_f));
}

TEST(GpsTimeZone, OffsetOutsideRealZonesIsNotUsed) {
  // +15:00 and -13:00 are no zone on Earth (the range is -12:00..+14:00).
  auto east = extract_photo({"2024:06:02 03:00:00", {}, {}, "2024:06:01", {{12, 0, 0}}});
  EXPECT_EQ(text(east, "DateTimeOriginalTimeZoneSource"), "none");
  EXPECT_FALSE(east.has("DateTimeOriginalUTC"_f));
  auto west = extract_photo({"2024:05:31 23:00:00", {}, {}, "2024:06:01", {{12, 0, 0}}});
  EXPECT_EQ(text(west, "DateTimeOriginalTimeZoneSource"), "none");
  // The edges themselves are real zones (Kiribati +14:00, Baker Island -12:00).
  auto kiribati = extract_photo({"2024:06:02 02:00:00", {}, {}, "2024:06:01", {{12, 0, 0}}});
  EXPECT_EQ(text(kiribati, "DateTimeOriginalTimeZone"), "+14:00");
  auto baker = extract_photo({"2024:06:01 00:00:00", {}, {}, "2024:06:01", {{12, 0, 0}}});
  EXPECT_EQ(text(baker, "DateTimeOriginalTimeZone"), "-12:00");
}

TEST(GpsTimeZone, RecordedOffsetWinsOverGps) {
  auto md = extract_photo({"2024:06:01 14:30:00", "+01:00", {}, "2024:06:01", {{12, 30, 0}}});
  EXPECT_EQ(text(md, "DateTimeOriginalTimeZone"), "+01:00");
  EXPECT_EQ(text(md, "DateTimeOriginalTimeZoneSource"), "OffsetTimeOriginal");
  EXPECT_EQ(text(md, "DateTimeOriginalUTC"), "2024-06-01T13:30:00Z");
  EXPECT_EQ(text(md, "CreateDateTimeZoneSource"), "OffsetTimeDigitized");
}

TEST(GpsTimeZone, NoGpsDateMeansNoZone) {
  auto md = extract_photo({"2024:06:01 14:30:00", {}, {}, {}, {{12, 30, 0}}});
  EXPECT_EQ(text(md, "DateTimeOriginalTimeZone"), "local");
  EXPECT_EQ(text(md, "DateTimeOriginalTimeZoneSource"), "none");
}

}  // namespace
}  // namespace imgmeta::meta
