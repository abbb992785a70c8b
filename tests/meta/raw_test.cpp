// Camera raws that are not TIFF files: Canon CR3 (ISOBMFF with TIFF structures in the CMT1-
// CMT4 boxes of a 'uuid' box in moov) and FujiFilm RAF (a header, an embedded JPEG holding the
// EXIF, and RAF directories). Every file is built here.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "box_builder.hpp"
#include "meta/extract.hpp"
#include "tiff_builder.hpp"

namespace imgmeta::meta {
namespace {

using test::box;
using test::Bytes;
using testing::TiffBuilder;

constexpr uint16_t kImageWidth = 0x0100, kImageHeight = 0x0101, kMake = 0x010f, kModel = 0x0110,
                   kOrientation = 0x0112, kExifIfd = 0x8769, kExposureTime = 0x829a, kFNumber = 0x829d,
                   kDateTimeOriginal = 0x9003, kFocalLength = 0x920a, kGpsLatitudeRef = 0x0001,
                   kGpsLatitude = 0x0002;

Metadata extract_bytes(const std::vector<uint8_t>& file, bool expect_ok = true) {
  MemorySource source(file);
  auto md = extract(source);
  EXPECT_EQ(md.ok(), expect_ok) << (md.ok() ? "" : md.error().message);
  return md.ok() ? std::move(md).value() : Metadata{};
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

bool warned(const Metadata& md, std::string_view part) {
  for (const auto& w : md.warnings)
    if (w.find(part) != std::string::npos) return true;
  return false;
}

Bytes as_bytes(const std::vector<uint8_t>& v) {
  Bytes b;
  b.vec() = v;
  return b;
}

// --- CR3 ---

const Bytes kCanonUuid = {0x85, 0xc0, 0xb6, 0x87, 0x82, 0x0f, 0x11, 0xe0,
                          0x81, 0x11, 0xf4, 0xce, 0x46, 0x2b, 0x6a, 0x48};

Bytes uuid_box(const Bytes& uuid, const Bytes& children) {
  return Bytes().u32(8 + 16 + children.size()).chars("uuid").bytes(uuid).bytes(children);
}

// A CR3 as the EOS M50 writes one: ftyp 'crx ', moov { uuid(Canon) { CNCV, CMT1..CMT4 } }.
std::vector<uint8_t> cr3(const Bytes& uuid = kCanonUuid) {
  TiffBuilder ifd0(Endian::Little);
  size_t i0 = ifd0.add_ifd();
  ifd0.shorts(i0, kImageWidth, {6000});
  ifd0.shorts(i0, kImageHeight, {4000});
  ifd0.ascii(i0, kMake, "Canon");
  ifd0.ascii(i0, kModel, "Canon EOS M50");
  ifd0.shorts(i0, kOrientation, {1});
  TiffBuilder exif(Endian::Little);
  size_t e0 = exif.add_ifd();
  exif.rationals(e0, kExposureTime, {{1, 100}});
  exif.rationals(e0, kFNumber, {{56, 10}});
  exif.ascii(e0, kDateTimeOriginal, "2018:02:21 12:08:56");
  exif.rationals(e0, kFocalLength, {{15, 1}});
  TiffBuilder gps(Endian::Little);
  size_t g0 = gps.add_ifd();
  gps.ascii(g0, kGpsLatitudeRef, "S");
  gps.rationals(g0, kGpsLatitude, {{33, 1}, {51, 1}, {36, 1}});
  Bytes children = box("CNCV", Bytes().chars("CanonCR3_001/00.09.00/00.00.00"))
                       .bytes(box("CMT1", as_bytes(ifd0.build())))
                       .bytes(box("CMT2", as_bytes(exif.build())))
                       .bytes(box("CMT3", Bytes().chars("II*").u8(0).fill(12, 0)))  // maker note: not read
                       .bytes(box("CMT4", as_bytes(gps.build())));
  Bytes file = box("ftyp", Bytes().chars("crx ").u32(1).chars("crx isom"));
  file.bytes(box("moov", uuid_box(uuid, children)));
  return file.vec();
}

TEST(Cr3, CameraFieldsComeFromTheCmtBoxes) {
  auto md = extract_bytes(cr3());
  EXPECT_EQ(text(md, "FileType"), "CR3");
  EXPECT_EQ(text(md, "Make"), "Canon");
  EXPECT_EQ(text(md, "Model"), "Canon EOS M50");
  EXPECT_EQ(number(md, "ImageWidth"), 6000);
  EXPECT_EQ(number(md, "ImageHeight"), 4000);
  EXPECT_EQ(number(md, "Orientation"), 1);
  EXPECT_EQ(text(md, "DateTimeOriginal"), "2018:02:21 12:08:56");
  EXPECT_DOUBLE_EQ(number(md, "ExposureTime"), 0.01);
  EXPECT_DOUBLE_EQ(number(md, "FNumber"), 5.6);
  EXPECT_NEAR(number(md, "GPSLatitude"), -(33 + 51 / 60.0 + 36 / 3600.0), 1e-9);  // CMT4 is a GPS IFD
  EXPECT_DOUBLE_EQ(number(md, "ShutterSpeed"), 0.01);
}

TEST(Cr3, AnotherUuidIsNotReadAsCanons) {
  Bytes other = kCanonUuid;
  other[0] ^= 0xFF;
  auto md = extract_bytes(cr3(other));
  EXPECT_EQ(text(md, "FileType"), "CR3");
  EXPECT_FALSE(md.has("Make"_f));
}

TEST(Cr3, BrokenTiffInACmtBoxWarnsAndTheRestIsRead) {
  auto file = cr3();
  // Find CMT2 and spoil its TIFF byte-order mark.
  for (size_t i = 0; i + 8 < file.size(); ++i)
    if (std::string_view(reinterpret_cast<const char*>(&file[i]), 4) == "CMT2") {
      file[i + 4] = 'X';
      break;
    }
  auto md = extract_bytes(file);
  EXPECT_EQ(text(md, "Make"), "Canon");
  EXPECT_FALSE(md.has("DateTimeOriginal"_f));
  EXPECT_TRUE(warned(md, "EXIF"));
}

TEST(Cr3, CmtBoxPastTheUuidBoxIsAWarning) {
  auto file = cr3();
  for (size_t i = 0; i + 8 < file.size(); ++i)
    if (std::string_view(reinterpret_cast<const char*>(&file[i]), 4) == "CMT1") {
      file[i - 2] = 0x7F;  // size far beyond its parent
      break;
    }
  auto md = extract_bytes(file);
  EXPECT_TRUE(warned(md, "CR3"));
  EXPECT_FALSE(md.has("Make"_f));
}

// --- RAF ---

// A JPEG with an APP1 EXIF block and an 8x8 frame header.
Bytes jpeg_with_exif(const std::vector<uint8_t>& tiff) {
  Bytes app1 = Bytes().chars("Exif").u16(0).bytes(as_bytes(tiff));
  Bytes j = Bytes().u16(0xFFD8);
  j.u16(0xFFE1).u16(2 + app1.size()).bytes(app1);
  j.u16(0xFFC0).u16(17).u8(8).u16(8).u16(8).u8(3);  // SOF0: 8 bits, 8x8, 3 components
  for (uint8_t c = 1; c <= 3; ++c) j.u8(c).u8(c == 1 ? 0x22 : 0x11).u8(0);
  j.u16(0xFFDA).u16(12).u8(3).bytes({1, 0, 2, 0x11, 3, 0x11, 0, 63, 0}).bytes({0x00, 0x00});
  j.u16(0xFFD9);
  return j;
}

struct RafEntry {
  uint16_t tag;
  Bytes value;
};

Bytes raf_directory(const std::vector<RafEntry>& entries) {
  Bytes d = Bytes().u32(entries.size());
  for (const auto& e : entries) d.u16(e.tag).u16(e.value.size()).bytes(e.value);
  return d;
}

// Header (0x5c bytes, plus the directory pointers up to 0x94), the RAF directory, the JPEG.
std::vector<uint8_t> raf(const std::vector<RafEntry>& entries, bool second_directory = false) {
  TiffBuilder t(Endian::Little);
  size_t i0 = t.add_ifd(), e0 = t.add_ifd();
  t.ascii(i0, kMake, "FUJIFILM");
  t.ascii(i0, kModel, "FinePix S5Pro");
  t.shorts(i0, kOrientation, {1});
  t.pointer(i0, kExifIfd, e0);
  t.ascii(e0, kDateTimeOriginal, "2007:05:22 13:58:30");
  t.rationals(e0, kFocalLength, {{70, 1}});
  Bytes jpeg = jpeg_with_exif(t.build());
  Bytes dir = raf_directory(entries);
  Bytes dir2 = raf_directory({{0x111, Bytes().u16(1).u16(2)}, {0x2ff0, Bytes().u16(1).u16(2).u16(3).u16(4)}});
  const uint32_t header = 0x94;
  const uint32_t dir_at = header, dir2_at = dir_at + static_cast<uint32_t>(dir.size());
  const uint32_t jpeg_at = dir2_at + static_cast<uint32_t>(dir2.size());
  Bytes f = Bytes().chars("FUJIFILMCCD-RAW 0201FF383501");
  f.vec().resize(0x3c, 0);
  f.chars("0106");
  f.vec().resize(0x54, 0);
  f.u32(jpeg_at).u32(jpeg.size());  // 0x54
  f.u32(dir_at).u32(dir.size());    // 0x5c: RAF directory
  f.u32(0).u32(0);                  // 0x64: FujiIFD (none)
  f.vec().resize(0x78, 0);
  f.u32(second_directory ? dir2_at : 0).u32(dir2.size());  // 0x78: second RAF directory
  f.vec().resize(header, 0);
  f.bytes(dir).bytes(dir2).bytes(jpeg);
  return f.vec();
}

const std::vector<RafEntry> kS5ProEntries = {
    {0x100, Bytes().u16(1444).u16(4352)},  // RawImageFullSize, height first
    {0x110, Bytes().u16(10).u16(48)},      // RawImageCropTopLeft
    {0x111, Bytes().u16(1424).u16(4256)},  // RawImageCroppedSize
    {0x121, Bytes().u16(1440).u16(4288)},  // RawImageSize
    {0x130, Bytes().u8(1).u8(2).u8(1).u8(0)},
    {0x2000, Bytes().u16(384).u16(601).u16(384).u16(515)},
    {0x2ff0, Bytes().u16(384).u16(601).u16(384).u16(515)},
    {0x9650, Bytes().u32(0).u32(1)},
    {0x1234, Bytes().u32(7)},  // unknown: skipped
};

TEST(Raf, HeaderJpegExifAndDirectory) {
  // Values as ExifTool 12.57 shows ../shared/raw/corpus/exiftool_FujiFilm.raf.
  auto md = extract_bytes(raf(kS5ProEntries));
  EXPECT_EQ(text(md, "FileType"), "RAF");
  EXPECT_EQ(text(md, "FileTypeExtension"), "RAF");
  EXPECT_EQ(text(md, "MIMEType"), "image/x-fujifilm-raf");
  EXPECT_EQ(text(md, "RAFVersion"), "0106");
  EXPECT_EQ(text(md, "Make"), "FUJIFILM");
  EXPECT_EQ(text(md, "Model"), "FinePix S5Pro");
  EXPECT_EQ(text(md, "DateTimeOriginal"), "2007:05:22 13:58:30");
  EXPECT_EQ(number(md, "ImageWidth"), 8);  // the embedded JPEG's, as ExifTool reports it
  EXPECT_EQ(text(md, "RawImageFullSize"), "4352 1444");
  EXPECT_EQ(text(md, "RawImageCropTopLeft"), "10 48");
  EXPECT_EQ(text(md, "RawImageCroppedSize"), "4256 1424");
  EXPECT_EQ(text(md, "RawImageSize"), "4288 1440");
  EXPECT_EQ(text(md, "FujiLayout"), "1 2 1 0");
  EXPECT_EQ(text(md, "WB_GRGBLevels"), "384 601 384 515");
  EXPECT_EQ(number(md, "RawExposureBias"), 0);
  EXPECT_EQ(text(md, "ImageSize"), "4256 1424");
  EXPECT_DOUBLE_EQ(number(md, "Megapixels"), 6.060544);
  EXPECT_NEAR(number(md, "RedBalance"), 1.56510416666667, 1e-12);
  EXPECT_NEAR(number(md, "BlueBalance"), 1.34114583333333, 1e-12);
  EXPECT_TRUE(md.has("PreviewImage"_f));
}

TEST(Raf, FirstDirectoryWins) {
  auto md = extract_bytes(raf(kS5ProEntries, true));
  EXPECT_EQ(text(md, "RawImageCroppedSize"), "4256 1424");
  EXPECT_EQ(text(md, "WB_GRGBLevels"), "384 601 384 515");
}

TEST(Raf, FujiLayoutHalvesTheRawWidth) {
  auto md = extract_bytes(raf({{0x130, Bytes().u8(0x80)}, {0x121, Bytes().u16(1440).u16(4288)}}));
  EXPECT_EQ(text(md, "RawImageSize"), "2144 2880");
}

TEST(Raf, EntryPastTheFileEndWarns) {
  auto file = raf({{0x100, Bytes().u16(1).u16(2)}});
  file[0x94 + 4 + 2] = 0xFF;  // the entry's length
  file[0x94 + 4 + 3] = 0xFF;
  auto md = extract_bytes(file);
  EXPECT_TRUE(warned(md, "RAF"));
}

TEST(Raf, HugeEntryCountWarns) {
  auto file = raf({});
  file[0x94] = 0x10;  // count 0x10000000
  auto md = extract_bytes(file);
  EXPECT_TRUE(warned(md, "RAF"));
  EXPECT_EQ(text(md, "Make"), "FUJIFILM");
}

TEST(Raf, JpegOutsideTheFileIsAnError) {
  auto file = raf({});
  file[0x54] = 0x7F;  // JPEG offset far past the end
  extract_bytes(file, false);
  auto shortened = raf({});
  shortened.resize(0x60);
  extract_bytes(shortened, false);
}

}  // namespace
}  // namespace imgmeta::meta
