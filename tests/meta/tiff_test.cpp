// parse_tiff through extract(): TIFF files, BigTIFF and the TIFF-based raw formats, built
// here with TiffBuilder.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "meta/extract.hpp"
#include "tiff_builder.hpp"

namespace imgmeta::meta {
namespace {

using testing::TiffBuilder;

constexpr uint16_t kSubfileType = 0x00fe, kImageWidth = 0x0100, kImageHeight = 0x0101, kBitsPerSample = 0x0102,
                   kCompression = 0x0103, kPhotometric = 0x0106, kMake = 0x010f, kStripOffsets = 0x0111,
                   kSamplesPerPixel = 0x0115, kStripByteCounts = 0x0117, kPlanarConfiguration = 0x011c,
                   kSoftware = 0x0131, kSubIfds = 0x014a, kExifIfd = 0x8769, kDateTimeOriginal = 0x9003,
                   kDngVersion = 0xc612;

Metadata extract_ok(const std::vector<uint8_t>& file) {
  MemorySource source(file);
  auto md = extract(source);
  EXPECT_TRUE(md.ok()) << (md.ok() ? "" : md.error().message);
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

// An RGB image IFD: size, 8-bit samples, uncompressed, one strip.
void rgb_image(TiffBuilder& b, size_t ifd, uint32_t width, uint32_t height) {
  b.longs(ifd, kImageWidth, {width});
  b.longs(ifd, kImageHeight, {height});
  b.shorts(ifd, kBitsPerSample, {8, 8, 8});
  b.shorts(ifd, kCompression, {1});
  b.shorts(ifd, kPhotometric, {2});
  b.shorts(ifd, kSamplesPerPixel, {3});
  b.shorts(ifd, kPlanarConfiguration, {1});
}

TEST(Tiff, LittleEndianTiffReportsTypeAndImageStructure) {
  TiffBuilder b(Endian::Little);
  auto ifd0 = b.add_ifd();
  rgb_image(b, ifd0, 160, 120);
  Metadata md = extract_ok(b.build());
  EXPECT_EQ(text(md, "FileType"), "TIFF");
  EXPECT_EQ(text(md, "FileTypeExtension"), "TIF");
  EXPECT_EQ(text(md, "MIMEType"), "image/tiff");
  EXPECT_EQ(text(md, "ExifByteOrder"), "II");
  EXPECT_EQ(number(md, "ImageWidth"), 160);
  EXPECT_EQ(number(md, "ImageHeight"), 120);
  EXPECT_EQ(text(md, "BitsPerSample"), "8 8 8");
  EXPECT_EQ(number(md, "Compression"), 1);
  EXPECT_EQ(number(md, "PhotometricInterpretation"), 2);
  EXPECT_EQ(number(md, "SamplesPerPixel"), 3);
  EXPECT_EQ(number(md, "PlanarConfiguration"), 1);
  EXPECT_EQ(number(md, "FrameCount"), 1);
  EXPECT_FALSE(md.has("PageCount"_f));
}

TEST(Tiff, BigEndianTiffIsRead) {
  TiffBuilder b(Endian::Big);
  auto ifd0 = b.add_ifd();
  rgb_image(b, ifd0, 25, 24);
  b.ascii(ifd0, kMake, "Canon");
  Metadata md = extract_ok(b.build());
  EXPECT_EQ(text(md, "ExifByteOrder"), "MM");
  EXPECT_EQ(number(md, "ImageWidth"), 25);
  EXPECT_EQ(text(md, "Make"), "Canon");
}

TEST(Tiff, BigTiffWithEightByteValues) {
  TiffBuilder b(Endian::Little, /*big=*/true);
  auto ifd0 = b.add_ifd();
  b.long8s(ifd0, kImageWidth, {128});
  b.long8s(ifd0, kImageHeight, {96});
  b.shorts(ifd0, kBitsPerSample, {8, 8, 8});
  b.long8s(ifd0, kStripOffsets, {16});
  Metadata md = extract_ok(b.build());
  EXPECT_EQ(text(md, "FileType"), "BTF");
  EXPECT_EQ(text(md, "MIMEType"), "image/x-tiff-big");
  EXPECT_EQ(number(md, "ImageWidth"), 128);
  EXPECT_EQ(number(md, "ImageHeight"), 96);
  EXPECT_EQ(text(md, "BitsPerSample"), "8 8 8");
  EXPECT_FALSE(md.has("ExifByteOrder"_f));  // ExifTool reports no byte order for BigTIFF
}

TEST(Tiff, BadBigTiffHeaderIsReadAsClassicTiff) {
  const std::vector<uint8_t> file = {'I', 'I', 43, 0, 0, 0xff, 0xff, 0, 0, 0x14, 0, 1, 1, 0x13, 1, 0};
  Metadata md = extract_ok(file);
  EXPECT_EQ(text(md, "FileType"), "TIFF");
  EXPECT_TRUE(warned(md, "IFD0"));
}

TEST(Tiff, PagesOfADocumentGivePageCount) {
  TiffBuilder b(Endian::Little);
  std::vector<size_t> pages = {b.add_ifd(), b.add_ifd(), b.add_ifd()};
  for (size_t i = 0; i < pages.size(); ++i) {
    b.longs(pages[i], kSubfileType, {2});  // a page of a multi-page document
    rgb_image(b, pages[i], 100 * static_cast<uint32_t>(i + 1), 50);
    b.ascii(pages[i], kSoftware, "page " + std::to_string(i));
    if (i + 1 < pages.size()) b.next(pages[i], pages[i + 1]);
  }
  Metadata md = extract_ok(b.build());
  EXPECT_EQ(number(md, "PageCount"), 3);
  EXPECT_EQ(number(md, "FrameCount"), 3);
  EXPECT_EQ(number(md, "ImageWidth"), 100);    // image structure: the first IFD's
  EXPECT_EQ(text(md, "Software"), "page 2");    // other tags: the last IFD's (as ExifTool)
}

TEST(Tiff, ChainWithoutSubfileTypeHasFramesButNoPageCount) {
  TiffBuilder b(Endian::Little);
  auto ifd0 = b.add_ifd();
  auto ifd1 = b.add_ifd();
  b.next(ifd0, ifd1);
  rgb_image(b, ifd0, 10, 10);
  rgb_image(b, ifd1, 20, 20);
  Metadata md = extract_ok(b.build());
  EXPECT_EQ(number(md, "FrameCount"), 2);
  EXPECT_FALSE(md.has("PageCount"_f));
  EXPECT_EQ(number(md, "ImageWidth"), 10);
}

TEST(Tiff, FullResolutionSubIfdGivesTheImageSize) {
  // DNG layout: IFD0 is a reduced preview, the SubIFD the full-resolution raw image.
  TiffBuilder b(Endian::Little);
  auto ifd0 = b.add_ifd();
  auto raw = b.add_ifd();
  b.longs(ifd0, kSubfileType, {1});
  b.longs(ifd0, kImageWidth, {256});
  b.longs(ifd0, kImageHeight, {171});
  b.pointer(ifd0, kSubIfds, raw);
  b.bytes(ifd0, kDngVersion, 1, {1, 4, 0, 0});
  b.longs(raw, kSubfileType, {0});
  b.longs(raw, kImageWidth, {6016});
  b.longs(raw, kImageHeight, {4016});
  b.shorts(raw, kPhotometric, {32803});
  Metadata md = extract_ok(b.build());
  EXPECT_EQ(number(md, "ImageWidth"), 6016);
  EXPECT_EQ(number(md, "ImageHeight"), 4016);
  EXPECT_EQ(text(md, "FileType"), "DNG");
  EXPECT_EQ(text(md, "MIMEType"), "image/x-adobe-dng");
  EXPECT_EQ(text(md, "DNGVersion"), "1 4 0 0");
  EXPECT_EQ(number(md, "FrameCount"), 1);  // SubIFDs are not frames of the chain
}

TEST(Tiff, ExifIfdOfATiffIsRead) {
  TiffBuilder b(Endian::Big);
  auto ifd0 = b.add_ifd();
  auto exif = b.add_ifd();
  rgb_image(b, ifd0, 10, 10);
  b.pointer(ifd0, kExifIfd, exif);
  b.ascii(exif, kDateTimeOriginal, "2019:10:02 15:12:43");
  Metadata md = extract_ok(b.build());
  EXPECT_EQ(text(md, "DateTimeOriginal"), "2019:10:02 15:12:43");
}

TEST(Tiff, CanonCr2IsRecognisedByItsSignature) {
  TiffBuilder b(Endian::Little);
  b.after_header({'C', 'R', 2, 0, 0, 0, 0, 0});
  auto ifd0 = b.add_ifd();
  b.ascii(ifd0, kMake, "Canon");
  b.longs(ifd0, kStripOffsets, {30000});
  b.longs(ifd0, kStripByteCounts, {5000});
  Metadata md = extract_ok(b.build());
  EXPECT_EQ(text(md, "FileType"), "CR2");
  EXPECT_EQ(text(md, "MIMEType"), "image/x-canon-cr2");
  EXPECT_EQ(number(md, "PreviewImageStart"), 30000);  // CR2's IFD0 strips are a JPEG preview
  EXPECT_EQ(number(md, "PreviewImageLength"), 5000);
  EXPECT_FALSE(md.has("StripOffsets"_f));
}

TEST(Tiff, OlympusOrfIsRecognisedByItsMagic) {
  TiffBuilder b(Endian::Little);
  b.magic(0x4f52);  // "IIRO"
  auto ifd0 = b.add_ifd();
  b.ascii(ifd0, kMake, "OLYMPUS IMAGING CORP.");
  Metadata md = extract_ok(b.build());
  EXPECT_EQ(text(md, "FileType"), "ORF");
  EXPECT_EQ(text(md, "MIMEType"), "image/x-olympus-orf");
  EXPECT_EQ(text(md, "Make"), "OLYMPUS IMAGING CORP.");
}

TEST(Tiff, PanasonicRw2SizeComesFromTheSensorBorders) {
  TiffBuilder b(Endian::Little);
  b.magic(0x55);  // "IIU\0"
  b.after_header({0x88, 0xe7, 0x74, 0xd8, 0xf8, 0x25, 0x1d, 0x4d, 0x94, 0x7a, 0x6e, 0x77, 0x82, 0x2b, 0x5d, 0x6a});
  auto ifd0 = b.add_ifd();
  b.shorts(ifd0, 0x0004, {8});     // SensorTopBorder
  b.shorts(ifd0, 0x0005, {10});    // SensorLeftBorder
  b.shorts(ifd0, 0x0006, {3016});  // SensorBottomBorder
  b.shorts(ifd0, 0x0007, {4026});  // SensorRightBorder
  b.ascii(ifd0, kMake, "Panasonic");
  Metadata md = extract_ok(b.build());
  EXPECT_EQ(text(md, "FileType"), "RW2");
  EXPECT_EQ(text(md, "MIMEType"), "image/x-panasonic-rw2");
  EXPECT_EQ(number(md, "ImageWidth"), 4016);
  EXPECT_EQ(number(md, "ImageHeight"), 3008);
  EXPECT_FALSE(md.has("InteropVersion"_f));  // tag 2 is Panasonic's SensorWidth here, not Interop
}

TEST(Tiff, RawCompressionNamesTheFormat) {
  struct Case {
    uint16_t compression;
    const char* type;
    const char* mime;
  };
  for (const Case& c : {Case{34713, "NEF", "image/x-nikon-nef"}, Case{32767, "ARW", "image/x-sony-arw"},
                        Case{65535, "PEF", "image/x-pentax-pef"}}) {
    TiffBuilder b(Endian::Little);
    auto ifd0 = b.add_ifd();
    auto raw = b.add_ifd();
    b.pointer(ifd0, kSubIfds, raw);
    b.shorts(raw, kCompression, {c.compression});
    Metadata md = extract_ok(b.build());
    EXPECT_EQ(text(md, "FileType"), c.type);
    EXPECT_EQ(text(md, "MIMEType"), c.mime);
  }
}

TEST(Tiff, NikonColourFilterArrayIsNef) {
  TiffBuilder b(Endian::Big);
  auto ifd0 = b.add_ifd();
  auto raw = b.add_ifd();
  b.ascii(ifd0, kMake, "NIKON CORPORATION");
  b.pointer(ifd0, kSubIfds, raw);
  b.shorts(raw, kCompression, {1});
  b.shorts(raw, kPhotometric, {32803});
  Metadata md = extract_ok(b.build());
  EXPECT_EQ(text(md, "FileType"), "NEF");
}

TEST(Tiff, IfdLoopInTheChainCountsEachFrameOnce) {
  TiffBuilder b(Endian::Little);
  auto ifd0 = b.add_ifd();
  auto ifd1 = b.add_ifd();
  rgb_image(b, ifd0, 10, 10);
  rgb_image(b, ifd1, 10, 10);
  b.next(ifd0, ifd1);
  b.next(ifd1, ifd0);
  Metadata md = extract_ok(b.build());
  EXPECT_EQ(number(md, "FrameCount"), 2);
  EXPECT_TRUE(warned(md, "IFD loop"));
}

TEST(Tiff, HeaderPointingIntoItselfIsAnError) {
  const std::vector<uint8_t> file = {'I', 'I', 42, 0, 4, 0, 0, 0, 0x0b, 0, 0xff, 0xff};
  MemorySource source(file);
  auto md = extract(source);
  ASSERT_FALSE(md.ok());
  EXPECT_NE(md.error().message.find("TIFF"), std::string::npos);
}

// A file source that is not in memory and counts what is read from it: 4 MiB of strip data
// between the header and the IFD at the end.
class StripHeavySource : public Source {
 public:
  StripHeavySource() {
    TiffBuilder b(Endian::Little);
    b.after_header(std::vector<uint8_t>(kIfdAt - 8, 0xAB));  // the strip, then IFD0
    auto ifd0 = b.add_ifd();
    rgb_image(b, ifd0, 1024, 1365);
    b.longs(ifd0, kStripOffsets, {8});
    b.longs(ifd0, kStripByteCounts, {kIfdAt - 8});
    bytes_ = b.build();
  }
  uint64_t size() const override { return bytes_.size(); }
  Result<size_t> read_at(uint64_t offset, std::span<uint8_t> out) override {
    size_t n = 0;
    for (; n < out.size() && offset + n < bytes_.size(); ++n) out[n] = bytes_[offset + n];
    return n;
  }
  static constexpr uint32_t kIfdAt = 4 * 1024 * 1024;

 private:
  std::vector<uint8_t> bytes_;
};

TEST(Tiff, TheWalkNeverReadsStripData) {
  StripHeavySource source;
  auto md = extract(source);
  ASSERT_TRUE(md.ok());
  EXPECT_EQ(number(*md, "ImageWidth"), 1024);
  EXPECT_EQ(number(*md, "StripOffsets"), 8);
  EXPECT_LT(md->bytes_read, 64u * 1024);  // header block + IFD block, not 4 MiB
}

// Found by fuzz_tiff: an ASCII field with count 0 has no bytes at all (UBSan flagged the
// memchr on its empty value). It reads as an empty string.
TEST(Tiff, AsciiFieldWithCountZeroIsAnEmptyString) {
  TiffBuilder b(Endian::Little);
  auto ifd0 = b.add_ifd();
  rgb_image(b, ifd0, 10, 10);
  b.raw(ifd0, kSoftware, 2, 0, {});
  b.ascii(ifd0, kMake, "Acme");
  const std::vector<uint8_t> file = b.build();
  Metadata md = extract_ok(file);
  EXPECT_EQ(text(md, "Make"), "Acme");
  EXPECT_EQ(number(md, "ImageWidth"), 10);
  // The same through a file, whose reads go through the block cache (where the value's
  // span was null).
  std::string path = ::testing::TempDir() + "/count0.tif";
  std::FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  std::fwrite(file.data(), 1, file.size(), f);
  std::fclose(f);
  auto source = FileSource::open(path);
  ASSERT_TRUE(source.ok());
  auto from_file = extract(*source);
  ASSERT_TRUE(from_file.ok());
  EXPECT_EQ(text(*from_file, "Make"), "Acme");
  std::remove(path.c_str());
}

}  // namespace
}  // namespace imgmeta::meta
