#include <gtest/gtest.h>

#include "meta/formats.hpp"

namespace imgmeta::meta {
namespace {

Metadata composite(Metadata md) {
  const uint8_t none[1] = {0};
  MemorySource src(std::span<const uint8_t>(none, 0));
  Reader reader(src, 0);
  Options options;
  Context ctx{reader, md, options};
  add_composite_fields(ctx);
  return md;
}

TEST(Composite, DateTimeOriginalPairsWithOffsetTimeOriginal) {
  Metadata md;
  md.set("DateTimeOriginal", std::string("2024:03:10 01:30:00"));
  md.set("OffsetTimeOriginal", std::string("+02:00"));
  md.set("OffsetTime", std::string("-05:00"));
  md = composite(md);
  EXPECT_EQ(*md.get_string("DateTimeOriginalUTC"), "2024-03-09T23:30:00Z");
  EXPECT_EQ(*md.get_string("DateTimeOriginalTimeZone"), "+02:00");
}

TEST(Composite, PlainOffsetTimeIsNeverUsedForDateTimeOriginal) {
  Metadata md;
  md.set("DateTimeOriginal", std::string("2024:03:10 01:30:00"));
  md.set("OffsetTime", std::string("-05:00"));
  md = composite(md);
  EXPECT_FALSE(md.has("DateTimeOriginalUTC"));
  EXPECT_EQ(*md.get_string("DateTimeOriginalTimeZone"), "local");
}

TEST(Composite, CreateDatePairsWithOffsetTimeDigitizedAndKeepsSubSeconds) {
  Metadata md;
  md.set("CreateDate", std::string("2023:12:31 23:59:59"));
  md.set("OffsetTimeDigitized", std::string("-08:00"));
  md.set("SubSecTimeDigitized", std::string("042"));
  md = composite(md);
  EXPECT_EQ(*md.get_string("CreateDateUTC"), "2024-01-01T07:59:59.042Z");
}

TEST(Composite, InlineXmpOffsetIsHonoured) {
  Metadata md;
  md.set("DateTimeOriginal", std::string("2002:07:13 15:58:28+02:00"));
  md = composite(md);
  EXPECT_EQ(*md.get_string("DateTimeOriginalUTC"), "2002-07-13T13:58:28Z");
}

TEST(Composite, GarbageDateProducesNothing) {
  Metadata md;
  md.set("DateTimeOriginal", std::string("    :  :     :  :  "));
  md.set("OffsetTimeOriginal", std::string("+02:00"));
  md = composite(md);
  EXPECT_FALSE(md.has("DateTimeOriginalUTC"));
  EXPECT_FALSE(md.has("DateTimeOriginalTimeZone"));
}

TEST(Composite, OrientationSixSwapsDisplayedSize) {
  Metadata md;
  md.set("ImageWidth", int64_t{4000});
  md.set("ImageHeight", int64_t{3000});
  md.set("Orientation", int64_t{6});
  md = composite(md);
  EXPECT_EQ(std::get<int64_t>(*md.get("DisplayWidth")), 3000);
  EXPECT_EQ(std::get<int64_t>(*md.get("DisplayHeight")), 4000);
  EXPECT_EQ(*md.get_string("ImageSize"), "4000 3000");
}

TEST(Composite, ContainerDisplaySizeIsKept) {
  Metadata md;
  md.set("ImageWidth", int64_t{4000});
  md.set("ImageHeight", int64_t{3000});
  md.set("Orientation", int64_t{6});
  md.set("DisplayWidth", int64_t{4000});  // e.g. HEIF irot decides, not EXIF
  md.set("DisplayHeight", int64_t{3000});
  md = composite(md);
  EXPECT_EQ(std::get<int64_t>(*md.get("DisplayWidth")), 4000);
}

}  // namespace
}  // namespace imgmeta::meta
