#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "meta/formats.hpp"

namespace imgmeta::meta {
namespace {

Metadata composite(Metadata md, CompositeFacts facts = {}) {
  const uint8_t none[1] = {0};
  MemorySource src(std::span<const uint8_t>(none, 0));
  Reader reader(src, 0);
  Options options;
  Context ctx{reader, md, options, facts};
  add_composite_fields(ctx);
  return md;
}

double num(const Metadata& md, std::string_view name) {
  double d = NAN;
  EXPECT_TRUE(md.get_number(name, d)) << name << " absent or not a number";
  return d;
}

std::string str(const Metadata& md, std::string_view name) {
  const std::string* s = md.get_string(name);
  return s ? *s : "<absent or not text>";
}

#define EXPECT_CLOSE(actual, expected) EXPECT_NEAR(actual, expected, 1e-9 * std::max(1.0, std::fabs(expected)))

// The EXIF inputs of ../shared/corpus/jpeg/exiftool_Apple.jpg, and ExifTool 12.57's -n
// composites for it (../shared/corpus-oracle).
Metadata apple_iphone7() {
  Metadata md;
  md.set("FileType"_f, std::string("JPEG"));
  md.set("Make"_f, std::string("Apple"));
  md.set("ImageWidth"_f, int64_t{8});
  md.set("ImageHeight"_f, int64_t{8});
  md.set("ExifImageWidth"_f, int64_t{4032});
  md.set("ExifImageHeight"_f, int64_t{3024});
  md.set("ExposureTime"_f, 0.05);
  md.set("ShutterSpeedValue"_f, 0.0499249981003546);
  md.set("FNumber"_f, 1.8);
  md.set("ApertureValue"_f, 1.79999993941969);
  md.set("ISO"_f, int64_t{40});
  md.set("FocalLength"_f, 3.99);
  md.set("FocalLengthIn35mmFormat"_f, int64_t{28});
  md.set("DateTimeOriginal"_f, std::string("2016:09:28 18:18:05"));
  md.set("SubSecTimeOriginal"_f, std::string("813"));
  md.set("CreateDate"_f, std::string("2016:09:28 18:18:05"));
  md.set("SubSecTimeDigitized"_f, std::string("813"));
  md.set("ModifyDate"_f, std::string("2016:09:28 18:18:05"));
  md.set("GPSLatitude"_f, 53.3828472222222);
  md.set("GPSLongitude"_f, -1.45667777777778);
  md.set("LensModel"_f, std::string("iPhone 7 back camera 3.99mm f/1.8"));
  return md;
}

TEST(ExifToolComposite, ShutterSpeedApertureAndLightValue) {
  auto md = composite(apple_iphone7());
  EXPECT_CLOSE(num(md, "ShutterSpeed"), 0.05);
  EXPECT_CLOSE(num(md, "Aperture"), 1.8);
  EXPECT_CLOSE(num(md, "LightValue"), 7.33985000288462);
}

TEST(ExifToolComposite, ShutterSpeedAndApertureFallBackToApexValues) {
  // exiftool_FujiFilm.jpg has no ExposureTime; ApertureValue stands in when FNumber is 0.
  Metadata md;
  md.set("ShutterSpeedValue"_f, 0.015625);
  md.set("FNumber"_f, int64_t{0});
  md.set("ApertureValue"_f, 3.4822022531845);
  md = composite(md);
  EXPECT_CLOSE(num(md, "ShutterSpeed"), 0.015625);
  EXPECT_CLOSE(num(md, "Aperture"), 3.4822022531845);
  EXPECT_FALSE(md.has("LightValue"_f));  // no ISO
}

TEST(ExifToolComposite, ImageSizeAndMegapixels) {
  auto md = composite(apple_iphone7());
  EXPECT_EQ(str(md, "ImageSize"), "8 8");  // the JPEG's own size, not ExifImageWidth
  EXPECT_CLOSE(num(md, "Megapixels"), 6.4e-05);
  Metadata cr2;
  cr2.set("FileType"_f, std::string("CR2"));
  cr2.set("ImageWidth"_f, int64_t{1536});
  cr2.set("ImageHeight"_f, int64_t{1024});
  cr2.set("ExifImageWidth"_f, int64_t{3456});
  cr2.set("ExifImageHeight"_f, int64_t{2304});
  cr2 = composite(cr2);
  EXPECT_EQ(str(cr2, "ImageSize"), "3456 2304");  // Canon raws: the Exif IFD's size
  EXPECT_CLOSE(num(cr2, "Megapixels"), 7.962624);
}

TEST(ExifToolComposite, ScaleFactorFromThe35mmFocalLength) {
  auto md = composite(apple_iphone7());
  EXPECT_CLOSE(num(md, "ScaleFactor35efl"), 7.01754385964912);
  EXPECT_CLOSE(num(md, "FocalLength35efl"), 28);
  EXPECT_CLOSE(num(md, "CircleOfConfusion"), 0.00428159213961349);
  EXPECT_CLOSE(num(md, "FOV"), 65.4705078447874);
  EXPECT_CLOSE(num(md, "HyperfocalDistance"), 2.06570353074275);
  EXPECT_FALSE(md.has("DOF"_f));  // no subject distance
}

TEST(ExifToolComposite, ScaleFactorFromFocalPlaneResolution) {
  // exiftool_FujiFilm.jpg: 1600x1200 pixels at 3053 pixels per cm.
  Metadata md;
  md.set("Make"_f, std::string("FUJIFILM"));
  md.set("ImageWidth"_f, int64_t{8});
  md.set("ImageHeight"_f, int64_t{8});
  md.set("ExifImageWidth"_f, int64_t{1600});
  md.set("ExifImageHeight"_f, int64_t{1200});
  md.set("FNumber"_f, 3.5);
  md.set("FocalLength"_f, int64_t{6});
  md.set("FocalPlaneXResolution"_f, int64_t{3053});
  md.set("FocalPlaneYResolution"_f, int64_t{3053});
  md.set("FocalPlaneResolutionUnit"_f, int64_t{3});
  md = composite(md);
  EXPECT_CLOSE(num(md, "ScaleFactor35efl"), 6.60464882639494);
  EXPECT_CLOSE(num(md, "FocalLength35efl"), 39.6278929583696);
  EXPECT_CLOSE(num(md, "CircleOfConfusion"), 0.00454925938057284);
  EXPECT_CLOSE(num(md, "FOV"), 48.8575623897539);
  EXPECT_CLOSE(num(md, "HyperfocalDistance"), 2.26096457142857);
}

TEST(ExifToolComposite, CanonSensorSizeFromResolutionDenominatorsAndDepthOfField) {
  // ianare_exif-org_canon-ixus.jpg: FocalPlaneXResolution 640000/206, Y 480000/155 (inches).
  Metadata md;
  md.set("Make"_f, std::string("Canon"));
  md.set("ImageWidth"_f, int64_t{640});
  md.set("ImageHeight"_f, int64_t{480});
  md.set("ExifImageWidth"_f, int64_t{640});
  md.set("ExifImageHeight"_f, int64_t{480});
  md.set("ExposureTime"_f, 0.002857142857);
  md.set("FNumber"_f, int64_t{4});
  md.set("ISO"_f, int64_t{65});  // LightValue reads ISO as printed: Canon's 64.84 prints as 65
  md.set("FocalLength"_f, 10.8125);
  md.set("FocalPlaneXResolution"_f, 3106.796117);
  md.set("FocalPlaneYResolution"_f, 3096.774194);
  md.set("FocalPlaneResolutionUnit"_f, int64_t{2});
  md.set("SubjectDistance"_f, 3.75);
  CompositeFacts facts;
  facts.focal_plane_x_res[0] = 640000;
  facts.focal_plane_x_res[1] = 206;
  facts.focal_plane_y_res[0] = 480000;
  facts.focal_plane_y_res[1] = 155;
  md = composite(md, facts);
  EXPECT_CLOSE(num(md, "LightValue"), 13.0726994886507);
  EXPECT_CLOSE(num(md, "ScaleFactor35efl"), 6.60747866943939);
  EXPECT_CLOSE(num(md, "FocalLength35efl"), 71.4433631133134);
  EXPECT_CLOSE(num(md, "CircleOfConfusion"), 0.00454731102921832);
  EXPECT_CLOSE(num(md, "FOV"), 28.28248907282);
  EXPECT_CLOSE(num(md, "HyperfocalDistance"), 6.4274334600605);
  EXPECT_EQ(str(md, "DOF"), "2.3707852953223 8.96602313676849");
}

TEST(ExifToolComposite, NoScaleFactorLeavesTheFocalLength) {
  Metadata md;
  md.set("FocalLength"_f, 5.6);
  md = composite(md);
  EXPECT_CLOSE(num(md, "FocalLength35efl"), 5.6);
  EXPECT_FALSE(md.has("ScaleFactor35efl"_f));
  EXPECT_FALSE(md.has("CircleOfConfusion"_f));
}

TEST(ExifToolComposite, SubSecondDatesWithTheirZones) {
  auto md = composite(apple_iphone7());
  EXPECT_EQ(str(md, "SubSecDateTimeOriginal"), "2016:09:28 18:18:05.813");
  EXPECT_EQ(str(md, "SubSecCreateDate"), "2016:09:28 18:18:05.813");
  EXPECT_FALSE(md.has("SubSecModifyDate"_f));  // neither SubSecTime nor OffsetTime
  Metadata zoned;
  zoned.set("ModifyDate"_f, std::string("2024:05:07 03:32:09"));
  zoned.set("OffsetTime"_f, std::string("+02:00"));
  zoned.set("DateTimeOriginal"_f, std::string("2024:05:07 03:32:09"));
  zoned.set("SubSecTimeOriginal"_f, std::string("042"));
  zoned.set("OffsetTimeOriginal"_f, std::string("-05:30"));
  zoned = composite(zoned);
  EXPECT_EQ(str(zoned, "SubSecModifyDate"), "2024:05:07 03:32:09+02:00");
  EXPECT_EQ(str(zoned, "SubSecDateTimeOriginal"), "2024:05:07 03:32:09.042-05:30");
}

TEST(ExifToolComposite, GpsPositionAndLensId) {
  auto md = composite(apple_iphone7());
  EXPECT_EQ(str(md, "GPSPosition"), "53.3828472222222 -1.45667777777778");
  EXPECT_EQ(str(md, "LensID"), "iPhone 7 back camera 3.99mm f/1.8");
  Metadata no_lens_name;
  no_lens_name.set("LensModel"_f, std::string("Wide"));
  no_lens_name = composite(no_lens_name);
  EXPECT_FALSE(no_lens_name.has("LensID"_f));
}

TEST(ExifToolComposite, LensIdIsLeftToAMakerNotesLensType) {
  // ../shared/raw's CR3 (EOS M50): ExifTool names the lens from the maker note's LensType
  // (4153), so a LensID from LensModel would disagree; Apple's maker note has no LensType.
  Metadata canon;
  canon.set("Make"_f, std::string("Canon"));
  canon.set("LensModel"_f, std::string("EF-M15-45mm f/3.5-6.3 IS STM"));
  CompositeFacts with_maker_note;
  with_maker_note.maker_note = true;
  EXPECT_FALSE(composite(canon, with_maker_note).has("LensID"_f));
  EXPECT_EQ(str(composite(canon), "LensID"), "EF-M15-45mm f/3.5-6.3 IS STM");
  EXPECT_EQ(str(composite(apple_iphone7(), with_maker_note), "LensID"), "iPhone 7 back camera 3.99mm f/1.8");
}

TEST(ExifToolComposite, RedAndBlueBalanceFromWhiteBalanceLevels) {
  // exiftool_FujiFilm.raf's WB_GRGBLevels; exiftool_Panasonic.rw2's WBRed/Green/BlueLevel.
  Metadata fuji;
  fuji.set("WB_GRGBLevels"_f, std::string("384 601 384 515"));
  fuji = composite(fuji);
  EXPECT_CLOSE(num(fuji, "RedBalance"), 1.56510416666667);
  EXPECT_CLOSE(num(fuji, "BlueBalance"), 1.34114583333333);
  Metadata panasonic;
  panasonic.set("WBRedLevel"_f, int64_t{570});
  panasonic.set("WBGreenLevel"_f, int64_t{263});
  panasonic.set("WBBlueLevel"_f, int64_t{438});
  panasonic = composite(panasonic);
  EXPECT_CLOSE(num(panasonic, "RedBalance"), 2.16730038022814);
  EXPECT_CLOSE(num(panasonic, "BlueBalance"), 1.66539923954373);
}

TEST(ExifToolComposite, DateTimeOriginalFromIptcDateAndTimeCreated) {
  // ../shared/corpus/jpeg/exiftool_PhotoMechanic.jpg: no EXIF date, IPTC's date and time.
  Metadata md;
  md.set("DateCreated"_f, std::string("2006:10:29"));
  md.set("TimeCreated"_f, std::string("06:27:51-05:00"));
  md.set("DateTimeCreated"_f, std::string("2006:10:29 06:27:51-05:00"));
  md.set("DigitalCreationDate"_f, std::string("2006:10:29"));
  md.set("DigitalCreationTime"_f, std::string("06:27:51-05:00"));
  md = composite(md);
  EXPECT_EQ(str(md, "DateTimeOriginal"), "2006:10:29 06:27:51-05:00");
  EXPECT_EQ(str(md, "DigitalCreationDateTime"), "2006:10:29 06:27:51-05:00");
  EXPECT_EQ(str(md, "DateTimeOriginalUTC"), "2006-10-29T11:27:51Z");  // the zone it carries
  Metadata exif_wins;
  exif_wins.set("DateTimeOriginal"_f, std::string("1999:05:25 21:00:09"));
  exif_wins.set("DateCreated"_f, std::string("1999:05:25"));
  exif_wins.set("TimeCreated"_f, std::string("21:00:09.62"));
  EXPECT_EQ(str(composite(exif_wins), "DateTimeOriginal"), "1999:05:25 21:00:09");
}

TEST(ExifToolComposite, InfiniteHyperfocalDistanceWithoutAperture) {
  Metadata md;
  md.set("FocalLength"_f, 4.0);
  md.set("FocalLengthIn35mmFormat"_f, int64_t{28});
  md.set("FNumber"_f, int64_t{0});
  md.set("ApertureValue"_f, int64_t{0});
  md = composite(md);
  EXPECT_FALSE(md.has("Aperture"_f));  // neither is true
  EXPECT_FALSE(md.has("HyperfocalDistance"_f));  // Aperture is required
}

TEST(Composite, DateTimeOriginalPairsWithOffsetTimeOriginal) {
  Metadata md;
  md.set("DateTimeOriginal"_f, std::string("2024:03:10 01:30:00"));
  md.set("OffsetTimeOriginal"_f, std::string("+02:00"));
  md.set("OffsetTime"_f, std::string("-05:00"));
  md = composite(md);
  EXPECT_EQ(*md.get_string("DateTimeOriginalUTC"_f), "2024-03-09T23:30:00Z");
  EXPECT_EQ(*md.get_string("DateTimeOriginalTimeZone"_f), "+02:00");
}

TEST(Composite, PlainOffsetTimeIsNeverUsedForDateTimeOriginal) {
  Metadata md;
  md.set("DateTimeOriginal"_f, std::string("2024:03:10 01:30:00"));
  md.set("OffsetTime"_f, std::string("-05:00"));
  md = composite(md);
  EXPECT_FALSE(md.has("DateTimeOriginalUTC"_f));
  EXPECT_EQ(*md.get_string("DateTimeOriginalTimeZone"_f), "local");
}

TEST(Composite, CreateDatePairsWithOffsetTimeDigitizedAndKeepsSubSeconds) {
  Metadata md;
  md.set("CreateDate"_f, std::string("2023:12:31 23:59:59"));
  md.set("OffsetTimeDigitized"_f, std::string("-08:00"));
  md.set("SubSecTimeDigitized"_f, std::string("042"));
  md = composite(md);
  EXPECT_EQ(*md.get_string("CreateDateUTC"_f), "2024-01-01T07:59:59.042Z");
}

TEST(Composite, InlineXmpOffsetIsHonoured) {
  Metadata md;
  md.set("DateTimeOriginal"_f, std::string("2002:07:13 15:58:28+02:00"));
  md = composite(md);
  EXPECT_EQ(*md.get_string("DateTimeOriginalUTC"_f), "2002-07-13T13:58:28Z");
}

TEST(Composite, GarbageDateProducesNothing) {
  Metadata md;
  md.set("DateTimeOriginal"_f, std::string("    :  :     :  :  "));
  md.set("OffsetTimeOriginal"_f, std::string("+02:00"));
  md = composite(md);
  EXPECT_FALSE(md.has("DateTimeOriginalUTC"_f));
  EXPECT_FALSE(md.has("DateTimeOriginalTimeZone"_f));
}

TEST(Composite, OrientationSixSwapsDisplayedSize) {
  Metadata md;
  md.set("ImageWidth"_f, int64_t{4000});
  md.set("ImageHeight"_f, int64_t{3000});
  md.set("Orientation"_f, int64_t{6});
  md = composite(md);
  EXPECT_EQ(std::get<int64_t>(*md.get("DisplayWidth"_f)), 3000);
  EXPECT_EQ(std::get<int64_t>(*md.get("DisplayHeight"_f)), 4000);
  EXPECT_EQ(*md.get_string("ImageSize"_f), "4000 3000");
}

TEST(Composite, ContainerDisplaySizeIsKept) {
  Metadata md;
  md.set("ImageWidth"_f, int64_t{4000});
  md.set("ImageHeight"_f, int64_t{3000});
  md.set("Orientation"_f, int64_t{6});
  md.set("DisplayWidth"_f, int64_t{4000});  // e.g. HEIF irot decides, not EXIF
  md.set("DisplayHeight"_f, int64_t{3000});
  md = composite(md);
  EXPECT_EQ(std::get<int64_t>(*md.get("DisplayWidth"_f)), 4000);
}

TEST(Composite, DimensionNoIntegerHoldsGivesNoDisplaySize) {
  // A CR3 the fuzzer made carries ImageHeight as a float of -1.7e38; converting it was UB.
  for (double bad : {-1.7e38, 1e300, std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity()}) {
    Metadata md;
    md.set("ImageWidth"_f, int64_t{4000});
    md.set("ImageHeight"_f, bad);
    md = composite(md);
    EXPECT_FALSE(md.has("DisplayWidth"_f)) << bad;
    EXPECT_FALSE(md.has("DisplayHeight"_f)) << bad;
  }
}

}  // namespace
}  // namespace imgmeta::meta
