// parse_exif: EXIF blocks (TIFF structures in memory) to fields named and valued as
// `exiftool -j -n` shows them. Every input is built here with TiffBuilder.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "meta/exif_tags.hpp"
#include "meta/formats.hpp"
#include "tiff_builder.hpp"

namespace imgmeta::meta {
namespace {

using namespace std::string_view_literals;

using testing::TiffBuilder;

// Tag IDs used below (TIFF 6.0, EXIF 2.32).
constexpr uint16_t kImageWidth = 0x0100, kImageHeight = 0x0101, kCompression = 0x0103, kImageDescription = 0x010e,
                   kMake = 0x010f, kModel = 0x0110, kOrientation = 0x0112, kXResolution = 0x011a,
                   kSoftware = 0x0131, kModifyDate = 0x0132, kArtist = 0x013b, kThumbOffset = 0x0201,
                   kThumbLength = 0x0202, kYCbCrSubSampling = 0x0212, kReferenceBlackWhite = 0x0214,
                   kCopyright = 0x8298, kExposureTime = 0x829a, kFNumber = 0x829d, kExifIfd = 0x8769,
                   kGpsIfd = 0x8825, kIso = 0x8827, kExifVersion = 0x9000, kDateTimeOriginal = 0x9003,
                   kCreateDate = 0x9004, kOffsetTimeOriginal = 0x9011, kComponents = 0x9101,
                   kShutterSpeedValue = 0x9201, kApertureValue = 0x9202, kExposureCompensation = 0x9204,
                   kFlash = 0x9209, kFocalLength = 0x920a, kUserComment = 0x9286, kSubSecTimeOriginal = 0x9291,
                   kXPTitle = 0x9c9b, kColorSpace = 0xa001, kExifImageWidth = 0xa002, kInteropIfd = 0xa005,
                   kFileSource = 0xa300, kWhiteBalance = 0xa403, kFocalLength35 = 0xa405, kSerialNumber = 0xa431,
                   kLensInfo = 0xa432, kLensModel = 0xa434;
constexpr uint16_t kGpsVersionId = 0, kGpsLatitudeRef = 1, kGpsLatitude = 2, kGpsLongitudeRef = 3, kGpsLongitude = 4,
                   kGpsAltitudeRef = 5, kGpsAltitude = 6, kGpsTimeStamp = 7, kGpsSpeedRef = 0x0c, kGpsSpeed = 0x0d,
                   kGpsImgDirection = 0x11, kGpsMapDatum = 0x12, kGpsDateStamp = 0x1d;

Metadata parse(const std::vector<uint8_t>& block, uint64_t file_offset = 0, const Options& options = {},
               Metadata md = {}) {
  MemorySource source(block);
  Reader reader(source, options.limits.max_bytes_read);
  Context ctx{reader, md, options};
  parse_exif(ByteView(block), file_offset, ctx);
  return md;
}

std::string text(const Metadata& md, std::string_view name) {
  const std::string* s = md.get_string(name);
  return s ? *s : "<absent or not text>";
}

double number(const Metadata& md, std::string_view name) {
  double d = NAN;
  md.get_number(name, d);
  return d;
}

bool is_integer(const Metadata& md, std::string_view name) {
  const Value* v = md.get(name);
  return v && std::holds_alternative<int64_t>(*v);
}

bool warned(const Metadata& md, std::string_view part) {
  for (const auto& w : md.warnings)
    if (w.find(part) != std::string::npos) return true;
  return false;
}

std::vector<uint8_t> utf16(std::u16string_view s, Endian e) {
  std::vector<uint8_t> out;
  for (char16_t c : s) {
    uint8_t hi = static_cast<uint8_t>(c >> 8), lo = static_cast<uint8_t>(c & 0xFF);
    if (e == Endian::Big) out.insert(out.end(), {hi, lo});
    else out.insert(out.end(), {lo, hi});
  }
  return out;
}

std::vector<uint8_t> with_prefix(std::string_view code, const std::vector<uint8_t>& body) {
  std::vector<uint8_t> out(code.begin(), code.end());
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

// --- IFD0 text and numbers ---------------------------------------------------------------

TEST(ExifTags, EveryTagFindsItsOwnRowOrNone) {
  EXPECT_EQ(find_exif_tag(0x010F)->field, "Make"_f);
  EXPECT_EQ(find_exif_tag(0x9003)->field, "DateTimeOriginal"_f);
  EXPECT_EQ(find_exif_tag(0x8827)->field, "ISO"_f);
  EXPECT_EQ(find_exif_tag(0xFFFF), nullptr);
  int found = 0;
  for (uint32_t tag = 0; tag <= 0xFFFF; ++tag) {
    const TagInfo* t = find_exif_tag(static_cast<uint16_t>(tag));
    if (!t) continue;
    ASSERT_EQ(t->tag, tag);
    ++found;
  }
  EXPECT_GT(found, 150);
}

TEST(Exif, ReadsIfd0TextInLittleEndianBlock) {
  TiffBuilder b(Endian::Little);
  auto ifd0 = b.add_ifd();
  b.ascii(ifd0, kMake, "Canon");
  b.ascii(ifd0, kModel, "Canon EOS 40D");
  b.ascii(ifd0, kModifyDate, "2008:05:30 15:56:01");
  Metadata md = parse(b.build());
  EXPECT_EQ(text(md, "ExifByteOrder"), "II");
  EXPECT_EQ(text(md, "Make"), "Canon");
  EXPECT_EQ(text(md, "Model"), "Canon EOS 40D");
  EXPECT_EQ(text(md, "ModifyDate"), "2008:05:30 15:56:01");
  EXPECT_TRUE(md.warnings.empty());
}

TEST(Exif, ReadsIfd0TextInBigEndianBlock) {
  TiffBuilder b(Endian::Big);
  auto ifd0 = b.add_ifd();
  b.ascii(ifd0, kMake, "NIKON CORPORATION");
  b.shorts(ifd0, kOrientation, {6});
  Metadata md = parse(b.build());
  EXPECT_EQ(text(md, "ExifByteOrder"), "MM");
  EXPECT_EQ(text(md, "Make"), "NIKON CORPORATION");
  EXPECT_EQ(number(md, "Orientation"), 6);
  EXPECT_TRUE(is_integer(md, "Orientation"));
}

TEST(Exif, MakeModelSoftwareArtistLoseTrailingWhiteSpace) {
  TiffBuilder b(Endian::Little);
  auto ifd0 = b.add_ifd();
  b.ascii(ifd0, kMake, "OLYMPUS IMAGING CORP.  ");
  b.ascii(ifd0, kModel, "E-P3\t ");
  b.ascii(ifd0, kSoftware, "Version 1.0 ");
  b.ascii(ifd0, kArtist, "Ian Britton  ");
  b.ascii(ifd0, kImageDescription, "kept as is  ");
  Metadata md = parse(b.build());
  EXPECT_EQ(text(md, "Make"), "OLYMPUS IMAGING CORP.");
  EXPECT_EQ(text(md, "Model"), "E-P3");
  EXPECT_EQ(text(md, "Software"), "Version 1.0");
  EXPECT_EQ(text(md, "Artist"), "Ian Britton");
  EXPECT_EQ(text(md, "ImageDescription"), "kept as is  ");
}

TEST(Exif, AsciiStopsAtTheFirstNul) {
  TiffBuilder b(Endian::Little);
  auto ifd0 = b.add_ifd();
  b.bytes(ifd0, kModel, 2, {'E', '9', '5', '0', 0, 'x', 'y', 0, 0});
  Metadata md = parse(b.build());
  EXPECT_EQ(text(md, "Model"), "E950");
}

TEST(Exif, IntegralRationalIsAnInteger) {
  TiffBuilder b(Endian::Little);
  auto ifd0 = b.add_ifd();
  b.rationals(ifd0, kXResolution, {{300, 1}});
  Metadata md = parse(b.build());
  EXPECT_TRUE(is_integer(md, "XResolution"));
  EXPECT_EQ(number(md, "XResolution"), 300);
}

TEST(Exif, RationalIsRoundedToTenSignificantDigits) {
  TiffBuilder b(Endian::Big);
  auto ifd0 = b.add_ifd();
  auto exif = b.add_ifd();
  b.pointer(ifd0, kExifIfd, exif);
  b.rationals(exif, kExposureTime, {{1, 3}});
  b.rationals(exif, kFNumber, {{28, 10}});
  b.rationals(exif, kFocalLength, {{16391, 1000}});
  Metadata md = parse(b.build());
  EXPECT_EQ(number(md, "ExposureTime"), 0.3333333333);
  EXPECT_EQ(number(md, "FNumber"), 2.8);
  EXPECT_EQ(number(md, "FocalLength"), 16.391);
}

TEST(Exif, SignedRationalKeepsItsSign) {
  TiffBuilder b(Endian::Little);
  auto ifd0 = b.add_ifd();
  auto exif = b.add_ifd();
  b.pointer(ifd0, kExifIfd, exif);
  b.srationals(exif, kExposureCompensation, {{-2, 3}});
  Metadata md = parse(b.build());
  EXPECT_EQ(number(md, "ExposureCompensation"), -0.6666666667);
}

TEST(Exif, RationalWithZeroDenominatorIsInfOrUndef) {
  TiffBuilder b(Endian::Little);
  auto ifd0 = b.add_ifd();
  auto exif = b.add_ifd();
  b.pointer(ifd0, kExifIfd, exif);
  b.rationals(exif, kExposureTime, {{1, 0}});
  b.rationals(exif, kFNumber, {{0, 0}});
  Metadata md = parse(b.build());
  EXPECT_EQ(text(md, "ExposureTime"), "inf");
  EXPECT_EQ(text(md, "FNumber"), "undef");
}

TEST(Exif, SeveralValuesAreJoinedWithSpaces) {
  TiffBuilder b(Endian::Little);
  auto ifd0 = b.add_ifd();
  b.shorts(ifd0, kYCbCrSubSampling, {2, 2});
  b.rationals(ifd0, kReferenceBlackWhite, {{0, 1}, {255, 1}, {128, 1}, {255, 1}, {128, 1}, {255, 1}});
  Metadata md = parse(b.build());
  EXPECT_EQ(text(md, "YCbCrSubSampling"), "2 2");
  EXPECT_EQ(text(md, "ReferenceBlackWhite"), "0 255 128 255 128 255");
}

// --- Exif IFD ------------------------------------------------------------------------------

TEST(Exif, ReadsExifIfdDatesAndExposure) {
  TiffBuilder b(Endian::Little);
  auto ifd0 = b.add_ifd();
  auto exif = b.add_ifd();
  b.pointer(ifd0, kExifIfd, exif);
  b.ascii(exif, kDateTimeOriginal, "2002:07:13 15:58:28");
  b.ascii(exif, kCreateDate, "2002:07:13 15:58:29");
  b.ascii(exif, kOffsetTimeOriginal, "+02:00");
  b.shorts(exif, kIso, {400});
  b.shorts(exif, kFlash, {16});
  b.shorts(exif, kColorSpace, {1});
  b.longs(exif, kExifImageWidth, {2400});
  b.shorts(exif, kWhiteBalance, {0});
  b.shorts(exif, kFocalLength35, {50});
  b.ascii(exif, kSerialNumber, "560018150");
  b.ascii(exif, kLensModel, "EF16-35mm f/2.8L II USM");
  Metadata md = parse(b.build());
  EXPECT_EQ(text(md, "DateTimeOriginal"), "2002:07:13 15:58:28");
  EXPECT_EQ(text(md, "CreateDate"), "2002:07:13 15:58:29");
  EXPECT_EQ(text(md, "OffsetTimeOriginal"), "+02:00");
  EXPECT_EQ(number(md, "ISO"), 400);
  EXPECT_EQ(number(md, "Flash"), 16);
  EXPECT_EQ(number(md, "ColorSpace"), 1);
  EXPECT_EQ(number(md, "ExifImageWidth"), 2400);
  EXPECT_EQ(number(md, "WhiteBalance"), 0);
  EXPECT_EQ(number(md, "FocalLengthIn35mmFormat"), 50);
  EXPECT_EQ(text(md, "SerialNumber"), "560018150");
  EXPECT_EQ(text(md, "LensModel"), "EF16-35mm f/2.8L II USM");
}

TEST(Exif, VersionFieldsAreTextWithoutNuls) {
  TiffBuilder b(Endian::Little);
  auto ifd0 = b.add_ifd();
  auto exif = b.add_ifd();
  b.pointer(ifd0, kExifIfd, exif);
  b.undefined(exif, kExifVersion, "0231");
  Metadata md = parse(b.build());
  EXPECT_EQ(text(md, "ExifVersion"), "0231");
}

TEST(Exif, ComponentsConfigurationIsAListOfBytes) {
  TiffBuilder b(Endian::Little);
  auto ifd0 = b.add_ifd();
  auto exif = b.add_ifd();
  b.pointer(ifd0, kExifIfd, exif);
  b.bytes(exif, kComponents, 7, {1, 2, 3, 0});
  Metadata md = parse(b.build());
  EXPECT_EQ(text(md, "ComponentsConfiguration"), "1 2 3 0");
}

TEST(Exif, SingleUndefinedByteIsANumber) {
  TiffBuilder b(Endian::Little);
  auto ifd0 = b.add_ifd();
  auto exif = b.add_ifd();
  b.pointer(ifd0, kExifIfd, exif);
  b.bytes(exif, kFileSource, 7, {3});
  Metadata md = parse(b.build());
  EXPECT_TRUE(is_integer(md, "FileSource"));
  EXPECT_EQ(number(md, "FileSource"), 3);
}

TEST(Exif, ApexValuesAreConvertedLikeExifTool) {
  TiffBuilder b(Endian::Little);
  auto ifd0 = b.add_ifd();
  auto exif = b.add_ifd();
  b.pointer(ifd0, kExifIfd, exif);
  b.srationals(exif, kShutterSpeedValue, {{6, 1}});  // 2^-6 s
  b.rationals(exif, kApertureValue, {{8, 1}});       // f/2^(8/2)
  Metadata md = parse(b.build());
  EXPECT_EQ(number(md, "ShutterSpeedValue"), 0.015625);
  EXPECT_EQ(number(md, "ApertureValue"), 16);
}

TEST(Exif, LensInfoIsFourNumbers) {
  TiffBuilder b(Endian::Little);
  auto ifd0 = b.add_ifd();
  auto exif = b.add_ifd();
  b.pointer(ifd0, kExifIfd, exif);
  b.rationals(exif, kLensInfo, {{24, 1}, {70, 1}, {28, 10}, {0, 0}});
  Metadata md = parse(b.build());
  EXPECT_EQ(text(md, "LensInfo"), "24 70 2.8 undef");
}

TEST(Exif, SubSecTimeLosesTrailingSpaces) {
  TiffBuilder b(Endian::Little);
  auto ifd0 = b.add_ifd();
  auto exif = b.add_ifd();
  b.pointer(ifd0, kExifIfd, exif);
  b.ascii(exif, kSubSecTimeOriginal, "27  ");
  Metadata md = parse(b.build());
  EXPECT_EQ(text(md, "SubSecTimeOriginal"), "27");
}

TEST(Exif, CopyrightShowsPhotographerAndEditorOnTwoLines) {
  TiffBuilder b(Endian::Little);
  auto ifd0 = b.add_ifd();
  b.bytes(ifd0, kCopyright, 2, {'P', 'h', 'i', 'l', ' ', 0, 'E', 'd', 0});
  Metadata md = parse(b.build());
  EXPECT_EQ(text(md, "Copyright"), "Phil\nEd");
}

TEST(Exif, XpTitleIsUcs2LittleEndian) {
  TiffBuilder b(Endian::Big);  // XP tags are little endian whatever the block's order
  auto ifd0 = b.add_ifd();
  b.bytes(ifd0, kXPTitle, 1, utf16(u"Bl\u00e5", Endian::Little));
  Metadata md = parse(b.build());
  EXPECT_EQ(text(md, "XPTitle"), "Bl\xc3\xa5");
}

// --- UserComment -----------------------------------------------------------------------------

Metadata user_comment(Endian block, std::vector<uint8_t> value) {
  TiffBuilder b(block);
  auto ifd0 = b.add_ifd();
  auto exif = b.add_ifd();
  b.pointer(ifd0, kExifIfd, exif);
  b.bytes(exif, kUserComment, 7, std::move(value));
  return parse(b.build());
}

TEST(ExifUserComment, AsciiCodeIsRemovedAndNamed) {
  std::string s = "hello   ";
  Metadata md = user_comment(Endian::Little, with_prefix(std::string_view("ASCII\0\0\0", 8),
                                                         std::vector<uint8_t>(s.begin(), s.end())));
  EXPECT_EQ(text(md, "UserComment"), "hello");
  EXPECT_EQ(text(md, "UserCommentCharset"), "ASCII");
}

TEST(ExifUserComment, UnicodeInBlockByteOrderBecomesUtf8) {
  Metadata md = user_comment(Endian::Big, with_prefix(std::string_view("UNICODE\0", 8), utf16(u"Caf\u00e9", Endian::Big)));
  EXPECT_EQ(text(md, "UserComment"), "Caf\xc3\xa9");
  EXPECT_EQ(text(md, "UserCommentCharset"), "UNICODE");
}

TEST(ExifUserComment, UnicodeInTheOtherByteOrderIsRecognised) {
  // Microsoft writes little-endian UTF-16 even in big-endian EXIF.
  Metadata md = user_comment(Endian::Big, with_prefix(std::string_view("UNICODE\0", 8), utf16(u"Hello", Endian::Little)));
  EXPECT_EQ(text(md, "UserComment"), "Hello");
}

TEST(ExifUserComment, UnicodeByteOrderMarkDecides) {
  std::vector<uint8_t> body = {0xFF, 0xFE};
  auto rest = utf16(u"\u00e9t\u00e9", Endian::Little);
  body.insert(body.end(), rest.begin(), rest.end());
  Metadata md = user_comment(Endian::Big, with_prefix(std::string_view("UNICODE\0", 8), body));
  EXPECT_EQ(text(md, "UserComment"), "\xc3\xa9t\xc3\xa9");
}

TEST(ExifUserComment, UndefinedCodeIsText) {
  std::string s = "plain";
  Metadata md = user_comment(Endian::Little, with_prefix(std::string_view("\0\0\0\0\0\0\0\0", 8),
                                                         std::vector<uint8_t>(s.begin(), s.end())));
  EXPECT_EQ(text(md, "UserComment"), "plain");
  EXPECT_EQ(text(md, "UserCommentCharset"), "Undefined");
}

TEST(ExifUserComment, AllBlankCommentIsEmpty) {
  Metadata md = user_comment(Endian::Little, with_prefix(std::string_view("ASCII\0\0\0", 8),
                                                         std::vector<uint8_t>(20, ' ')));
  EXPECT_EQ(text(md, "UserComment"), "");
}

TEST(ExifUserComment, JisCodeIsNamed) {
  Metadata md = user_comment(Endian::Little, with_prefix(std::string_view("JIS\0\0\0\0\0", 8), {'a', 'b'}));
  EXPECT_EQ(text(md, "UserCommentCharset"), "JIS");
  EXPECT_EQ(text(md, "UserComment"), "ab");
}

TEST(ExifUserComment, UnknownCodeKeepsEverythingAndWarns) {
  std::string s = "XYZ12345text";
  Metadata md = user_comment(Endian::Little, std::vector<uint8_t>(s.begin(), s.end()));
  EXPECT_EQ(text(md, "UserComment"), "XYZ12345text");
  EXPECT_FALSE(md.has("UserCommentCharset"_f));
  EXPECT_TRUE(warned(md, "UserComment"));
}

// --- GPS ---------------------------------------------------------------------------------------

struct GpsInput {
  std::string lat_ref = "N", lon_ref = "E";
  std::vector<uint8_t> altitude_ref = {0};
};

std::vector<uint8_t> gps_block(const GpsInput& in, Endian e = Endian::Little) {
  TiffBuilder b(e);
  auto ifd0 = b.add_ifd();
  auto gps = b.add_ifd();
  b.pointer(ifd0, kGpsIfd, gps);
  b.bytes(gps, kGpsVersionId, 1, {2, 2, 0, 0});
  b.ascii(gps, kGpsLatitudeRef, in.lat_ref);
  b.rationals(gps, kGpsLatitude, {{54, 1}, {59, 1}, {228, 10}});  // 54 59' 22.8"
  b.ascii(gps, kGpsLongitudeRef, in.lon_ref);
  b.rationals(gps, kGpsLongitude, {{1, 1}, {5485, 100}, {0, 1}});  // 1 54.85'
  if (!in.altitude_ref.empty()) b.bytes(gps, kGpsAltitudeRef, 1, in.altitude_ref);
  b.rationals(gps, kGpsAltitude, {{3983, 1000}});
  b.rationals(gps, kGpsTimeStamp, {{14, 1}, {58, 1}, {24, 1}});
  b.ascii(gps, kGpsDateStamp, "2002:07:13");
  b.ascii(gps, kGpsSpeedRef, "K");
  b.rationals(gps, kGpsSpeed, {{5, 2}});
  b.rationals(gps, kGpsImgDirection, {{18050, 100}});
  b.ascii(gps, kGpsMapDatum, "WGS-84");
  return b.build();
}

TEST(ExifGps, NorthAndEastArePositiveDecimalDegrees) {
  Metadata md = parse(gps_block({}));
  EXPECT_NEAR(number(md, "GPSLatitude"), 54.9896666666667, 1e-12);
  EXPECT_NEAR(number(md, "GPSLongitude"), 1.91416666666667, 1e-12);
  EXPECT_EQ(text(md, "GPSLatitudeRef"), "N");
  EXPECT_EQ(text(md, "GPSLongitudeRef"), "E");
}

TEST(ExifGps, SouthAndWestAreNegative) {
  Metadata md = parse(gps_block({.lat_ref = "S", .lon_ref = "W"}, Endian::Big));
  EXPECT_NEAR(number(md, "GPSLatitude"), -54.9896666666667, 1e-12);
  EXPECT_NEAR(number(md, "GPSLongitude"), -1.91416666666667, 1e-12);
}

TEST(ExifGps, AltitudeBelowSeaLevelIsNegative) {
  EXPECT_EQ(number(parse(gps_block({})), "GPSAltitude"), 3.983);
  Metadata below = parse(gps_block({.altitude_ref = {1}}));
  EXPECT_EQ(number(below, "GPSAltitude"), -3.983);
  EXPECT_EQ(number(below, "GPSAltitudeRef"), 1);
}

TEST(ExifGps, AltitudeWithoutReferenceStaysPositive) {
  Metadata md = parse(gps_block({.altitude_ref = {}}));
  EXPECT_EQ(number(md, "GPSAltitude"), 3.983);
}

TEST(ExifGps, TimeDateAndTheirCombination) {
  Metadata md = parse(gps_block({}));
  EXPECT_EQ(text(md, "GPSTimeStamp"), "14:58:24");
  EXPECT_EQ(text(md, "GPSDateStamp"), "2002:07:13");
  EXPECT_EQ(text(md, "GPSDateTime"), "2002:07:13 14:58:24Z");
}

TEST(ExifGps, VersionSpeedDirectionAndDatum) {
  Metadata md = parse(gps_block({}));
  EXPECT_EQ(text(md, "GPSVersionID"), "2 2 0 0");
  EXPECT_EQ(text(md, "GPSSpeedRef"), "K");
  EXPECT_EQ(number(md, "GPSSpeed"), 2.5);
  EXPECT_EQ(number(md, "GPSImgDirection"), 180.5);
  EXPECT_EQ(text(md, "GPSMapDatum"), "WGS-84");
}

TEST(ExifGps, TimeStampKeepsFractionalSecondsAndCarries) {
  TiffBuilder b(Endian::Little);
  auto ifd0 = b.add_ifd();
  auto gps = b.add_ifd();
  b.pointer(ifd0, kGpsIfd, gps);
  b.rationals(gps, kGpsTimeStamp, {{14, 1}, {27, 1}, {724, 100}});
  EXPECT_EQ(text(parse(b.build()), "GPSTimeStamp"), "14:27:07.24");

  TiffBuilder c(Endian::Little);
  ifd0 = c.add_ifd();
  gps = c.add_ifd();
  c.pointer(ifd0, kGpsIfd, gps);
  c.rationals(gps, kGpsTimeStamp, {{10, 1}, {0, 1}, {3661, 1}});  // 3661 s carry into h and min
  EXPECT_EQ(text(parse(c.build()), "GPSTimeStamp"), "11:01:01");
}

TEST(ExifGps, CoordinateWithZeroDenominatorIsEmpty) {
  TiffBuilder b(Endian::Little);
  auto ifd0 = b.add_ifd();
  auto gps = b.add_ifd();
  b.pointer(ifd0, kGpsIfd, gps);
  b.ascii(gps, kGpsLatitudeRef, "N");
  b.rationals(gps, kGpsLatitude, {{0, 0}, {0, 0}, {0, 0}});
  Metadata md = parse(b.build());
  EXPECT_EQ(text(md, "GPSLatitude"), "");
}

// --- IFD1, priorities, thumbnail -------------------------------------------------------------

TEST(Exif, ThumbnailOffsetIsReportedFromTheStartOfTheFile) {
  TiffBuilder b(Endian::Little);
  auto ifd0 = b.add_ifd();
  auto ifd1 = b.add_ifd();
  b.next(ifd0, ifd1);
  b.shorts(ifd1, kCompression, {6});
  b.longs(ifd1, kThumbOffset, {1038});
  b.longs(ifd1, kThumbLength, {28});
  Metadata md = parse(b.build(), 12);  // the block starts at file offset 12
  EXPECT_EQ(number(md, "ThumbnailOffset"), 1050);
  EXPECT_EQ(number(md, "ThumbnailLength"), 28);
  EXPECT_EQ(number(md, "Compression"), 6);
}

TEST(Exif, Ifd1NeverReplacesIfd0) {
  TiffBuilder b(Endian::Little);
  auto ifd0 = b.add_ifd();
  auto ifd1 = b.add_ifd();
  b.next(ifd0, ifd1);
  b.rationals(ifd0, kXResolution, {{300, 1}});
  b.rationals(ifd1, kXResolution, {{72, 1}});
  b.shorts(ifd1, kOrientation, {1});
  Metadata md = parse(b.build());
  EXPECT_EQ(number(md, "XResolution"), 300);
  EXPECT_EQ(number(md, "Orientation"), 1);  // absent from IFD0: IFD1 fills it
}

TEST(Exif, ImageSizeYieldsToTheContainer) {
  TiffBuilder b(Endian::Little);
  auto ifd0 = b.add_ifd();
  b.longs(ifd0, kImageWidth, {4000});
  b.longs(ifd0, kImageHeight, {3000});
  auto block = b.build();

  Metadata from_header;
  from_header.set("ImageWidth"_f, int64_t{640});
  Metadata md = parse(block, 0, {}, std::move(from_header));
  EXPECT_EQ(number(md, "ImageWidth"), 640);
  EXPECT_EQ(number(md, "ImageHeight"), 3000);
}

TEST(Exif, ExifReplacesEarlierContainerValues) {
  TiffBuilder b(Endian::Little);
  auto ifd0 = b.add_ifd();
  b.rationals(ifd0, kXResolution, {{180, 1}});
  Metadata jfif;
  jfif.set("XResolution"_f, int64_t{72});
  Metadata md = parse(b.build(), 0, {}, std::move(jfif));
  EXPECT_EQ(number(md, "XResolution"), 180);
}

TEST(Exif, InteropIfdIsRead) {
  TiffBuilder b(Endian::Big);
  auto ifd0 = b.add_ifd();
  auto exif = b.add_ifd();
  auto interop = b.add_ifd();
  b.pointer(ifd0, kExifIfd, exif);
  b.pointer(exif, kInteropIfd, interop);
  b.ascii(interop, 0x0001, "R98");
  b.undefined(interop, 0x0002, "0100");
  Metadata md = parse(b.build());
  EXPECT_EQ(text(md, "InteropIndex"), "R98");
  EXPECT_EQ(text(md, "InteropVersion"), "0100");
}

TEST(Exif, BigTiffBlockIsRead) {
  TiffBuilder b(Endian::Little, /*big=*/true);
  auto ifd0 = b.add_ifd();
  auto exif = b.add_ifd();
  b.ascii(ifd0, kMake, "Phase One");
  b.pointer(ifd0, kExifIfd, exif);
  b.ascii(exif, kDateTimeOriginal, "2020:01:02 03:04:05");
  Metadata md = parse(b.build());
  EXPECT_EQ(text(md, "Make"), "Phase One");
  EXPECT_EQ(text(md, "DateTimeOriginal"), "2020:01:02 03:04:05");
  EXPECT_FALSE(md.has("ExifByteOrder"_f));
}

// --- Hostile structures ----------------------------------------------------------------------

TEST(ExifMalformed, IfdPointingToItselfIsReadOnce) {
  TiffBuilder b(Endian::Little);
  auto ifd0 = b.add_ifd();
  b.ascii(ifd0, kMake, "Loop");
  b.next(ifd0, ifd0);
  Metadata md = parse(b.build());
  EXPECT_EQ(text(md, "Make"), "Loop");
  EXPECT_TRUE(warned(md, "IFD loop"));
}

TEST(ExifMalformed, SubIfdPointingBackToIfd0IsNotFollowed) {
  TiffBuilder b(Endian::Little);
  auto ifd0 = b.add_ifd();
  b.ascii(ifd0, kMake, "Loop");
  b.pointer(ifd0, kExifIfd, ifd0);
  Metadata md = parse(b.build());
  EXPECT_EQ(text(md, "Make"), "Loop");
  EXPECT_TRUE(warned(md, "IFD loop"));
}

TEST(ExifMalformed, EntryCountLargerThanTheBlockKeepsTheEntriesThatFit) {
  TiffBuilder b(Endian::Little);
  auto ifd0 = b.add_ifd();
  b.shorts(ifd0, kOrientation, {3});
  b.shorts(ifd0, kCompression, {6});
  auto block = b.build();
  block[b.offset_of(ifd0)] = 0xFF;  // 255 entries claimed; 2 are there
  block.resize(b.offset_of(ifd0) + 2 + 2 * 12);
  Metadata md = parse(block);
  EXPECT_EQ(number(md, "Orientation"), 3);
  EXPECT_EQ(number(md, "Compression"), 6);
  EXPECT_TRUE(warned(md, "entry count 255 exceeds remaining bytes"));
}

TEST(ExifMalformed, ValueOffsetPastTheEndIsSkipped) {
  TiffBuilder b(Endian::Little);
  auto ifd0 = b.add_ifd();
  b.raw_field(ifd0, kModel, 2, 20, 0xFFFFFF00);
  b.ascii(ifd0, kMake, "Kept");
  Metadata md = parse(b.build());
  EXPECT_FALSE(md.has("Model"_f));
  EXPECT_EQ(text(md, "Make"), "Kept");
  EXPECT_TRUE(warned(md, "is outside the data"));
}

TEST(ExifMalformed, HugeCountIsOutsideTheData) {
  TiffBuilder b(Endian::Big);
  auto ifd0 = b.add_ifd();
  b.raw_field(ifd0, kReferenceBlackWhite, 5, 0xFFFFFFFF, 8);  // 32 GiB of rationals
  b.ascii(ifd0, kMake, "Kept");
  Metadata md = parse(b.build());
  EXPECT_FALSE(md.has("ReferenceBlackWhite"_f));
  EXPECT_EQ(text(md, "Make"), "Kept");
}

TEST(ExifMalformed, CountTimesSizeOverflowIsSkipped) {
  TiffBuilder b(Endian::Little, /*big=*/true);
  auto ifd0 = b.add_ifd();
  b.raw_field(ifd0, kReferenceBlackWhite, 5, 0x2000000000000001ull, 16);  // * 8 wraps to 8
  b.ascii(ifd0, kMake, "Kept");
  Metadata md = parse(b.build());
  EXPECT_FALSE(md.has("ReferenceBlackWhite"_f));
  EXPECT_EQ(text(md, "Make"), "Kept");
  EXPECT_TRUE(warned(md, "overflows"));
}

TEST(ExifMalformed, UnknownTypeIsSkippedWithAWarning) {
  TiffBuilder b(Endian::Little);
  auto ifd0 = b.add_ifd();
  b.raw(ifd0, kOrientation, 99, 1, {1, 0, 0, 0});
  b.ascii(ifd0, kMake, "Kept");
  Metadata md = parse(b.build());
  EXPECT_FALSE(md.has("Orientation"_f));
  EXPECT_EQ(text(md, "Make"), "Kept");
  EXPECT_TRUE(warned(md, "unknown type 99"));
}

TEST(ExifMalformed, NestingBeyondTheDepthLimitIsNotRead) {
  TiffBuilder b(Endian::Little);
  auto ifd0 = b.add_ifd();
  auto exif = b.add_ifd();
  auto interop = b.add_ifd();
  b.pointer(ifd0, kExifIfd, exif);
  b.pointer(exif, kInteropIfd, interop);
  b.ascii(exif, kDateTimeOriginal, "2001:01:01 00:00:00");
  b.ascii(interop, 0x0001, "R98");
  Options options;
  options.limits.max_depth = 1;  // IFD0 = 0, ExifIFD = 1, InteropIFD = 2
  Metadata md = parse(b.build(), 0, options);
  EXPECT_EQ(text(md, "DateTimeOriginal"), "2001:01:01 00:00:00");
  EXPECT_FALSE(md.has("InteropIndex"_f));
  EXPECT_TRUE(warned(md, "nesting deeper than 1"));
}

TEST(ExifMalformed, IfdCountIsCapped) {
  TiffBuilder b(Endian::Little);
  std::vector<size_t> chain;
  for (int i = 0; i < 10; ++i) chain.push_back(b.add_ifd());
  for (size_t i = 0; i + 1 < chain.size(); ++i) b.next(chain[i], chain[i + 1]);
  b.ascii(chain[0], kMake, "First");
  b.ascii(chain[9], kModel, "Tenth");
  Options options;
  options.limits.max_ifds = 3;
  Metadata md = parse(b.build(), 0, options);
  EXPECT_EQ(text(md, "Make"), "First");
  EXPECT_FALSE(md.has("Model"_f));
  EXPECT_TRUE(warned(md, "IFD limit of 3"));
}

TEST(ExifMalformed, EntryCountIsCapped) {
  TiffBuilder b(Endian::Little);
  auto ifd0 = b.add_ifd();
  b.ascii(ifd0, kMake, "Early");
  for (uint16_t t = 0x1100; t < 0x1110; ++t) b.shorts(ifd0, t, {1});
  b.ascii(ifd0, kModel, "Late");
  Options options;
  options.limits.max_ifd_entries = 4;
  Metadata md = parse(b.build(), 0, options);
  EXPECT_EQ(text(md, "Make"), "Early");
  EXPECT_FALSE(md.has("Model"_f));
  EXPECT_TRUE(warned(md, "exceeds the limit of 4"));
}

TEST(ExifMalformed, ShortHeaderIsAWarning) {
  const std::vector<uint8_t> block = {'I', 'I', 42, 0};
  Metadata md = parse(block);
  EXPECT_TRUE(md.fields.empty());
  EXPECT_TRUE(warned(md, "TIFF header"));
}

TEST(ExifMalformed, Ifd0InsideTheHeaderIsAWarning) {
  const std::vector<uint8_t> block = {'I', 'I', 42, 0, 4, 0, 0, 0, 0, 0};
  Metadata md = parse(block);
  EXPECT_TRUE(md.fields.empty());
  EXPECT_TRUE(warned(md, "points into the header"));
}

TEST(ExifMalformed, ZeroFilledIfdGivesNothingAndNoNoise) {
  std::vector<uint8_t> block = {'M', 'M', 0, 42, 0, 0, 0, 8, 0, 3};
  block.resize(block.size() + 3 * 12 + 4, 0);
  Metadata md = parse(block);
  EXPECT_TRUE(md.warnings.empty());
  EXPECT_EQ(text(md, "ExifByteOrder"), "MM");
}

TEST(ExifMalformed, TooManyBadEntriesAbandonTheIfd) {
  TiffBuilder b(Endian::Little);
  auto ifd0 = b.add_ifd();
  for (uint16_t t = 0x1000; t < 0x1020; ++t) b.raw(ifd0, t, 77, 1, {0, 0, 0, 0});
  b.ascii(ifd0, kMake, "After the junk");
  Metadata md = parse(b.build());
  EXPECT_FALSE(md.has("Make"_f));
  EXPECT_TRUE(warned(md, "too many bad entries"));
  EXPECT_LE(md.warnings.size(), 12u);
}

}  // namespace
}  // namespace imgmeta::meta

namespace imgmeta::meta {
namespace {

// PrintIM (tag 0xc4a5): "PrintIM\0", version, a reserved word, an entry count, 6-byte entries.
std::vector<uint8_t> print_im(const std::string& version, uint16_t count, size_t entries_present, Endian order) {
  std::vector<uint8_t> v = {'P', 'r', 'i', 'n', 't', 'I', 'M', 0};
  v.insert(v.end(), version.begin(), version.end());
  v.push_back(0);
  v.push_back(0);
  v.push_back(static_cast<uint8_t>(order == Endian::Big ? count >> 8 : count & 0xFF));
  v.push_back(static_cast<uint8_t>(order == Endian::Big ? count & 0xFF : count >> 8));
  v.resize(v.size() + 6 * entries_present, 0);
  return v;
}

TEST(ExifPrintIm, VersionIsReported) {
  TiffBuilder b(Endian::Big);
  size_t ifd0 = b.add_ifd();
  b.bytes(ifd0, 0xc4a5, 7, print_im("0300", 2, 2, Endian::Big));
  auto md = parse(b.build());
  EXPECT_EQ(text(md, "PrintIMVersion"), "0300");
}

TEST(ExifPrintIm, CountInTheOtherByteOrderIsAccepted) {
  TiffBuilder b(Endian::Little);
  size_t ifd0 = b.add_ifd();
  b.bytes(ifd0, 0xc4a5, 7, print_im("0250", 3, 3, Endian::Big));
  auto md = parse(b.build());
  EXPECT_EQ(text(md, "PrintIMVersion"), "0250");
}

TEST(ExifPrintIm, CountPastTheBlockOrWrongHeaderGivesNothing) {
  TiffBuilder b(Endian::Big);
  size_t ifd0 = b.add_ifd();
  b.bytes(ifd0, 0xc4a5, 7, print_im("0300", 0x2000, 1, Endian::Big));
  auto md = parse(b.build());
  EXPECT_FALSE(md.has("PrintIMVersion"_f));
  EXPECT_TRUE(warned(md, "PrintIM"));
  TiffBuilder c(Endian::Big);
  ifd0 = c.add_ifd();
  auto not_print_im = print_im("0300", 0, 0, Endian::Big);
  not_print_im[0] = 'X';
  c.bytes(ifd0, 0xc4a5, 7, not_print_im);
  EXPECT_FALSE(parse(c.build()).has("PrintIMVersion"_f));
}

}  // namespace
}  // namespace imgmeta::meta
