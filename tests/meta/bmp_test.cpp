// BMP parsing: file header and every DIB header version, built here field by field.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "meta/extract.hpp"

namespace imgmeta::meta {
namespace {

using Bytes = std::vector<uint8_t>;

void put_le(Bytes& b, uint32_t v, int n) {
  for (int i = 0; i < n; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

// BITMAPFILEHEADER then a DIB header of `header_size` bytes whose fields are set by offset.
struct Bmp {
  Bytes b;
  explicit Bmp(uint32_t header_size) {
    b = {'B', 'M'};
    put_le(b, 0, 4);     // file size (unused by readers)
    put_le(b, 0, 4);     // reserved
    put_le(b, 14 + header_size, 4);  // pixel data offset
    put_le(b, header_size, 4);
    b.resize(14 + header_size, 0);
  }
  // Sets a little-endian field at an offset from the start of the DIB header.
  Bmp& set(size_t offset, uint32_t v, int n = 4) {
    for (int i = 0; i < n; ++i) b[14 + offset + static_cast<size_t>(i)] = static_cast<uint8_t>(v >> (8 * i));
    return *this;
  }
  // BITMAPINFOHEADER fields from biWidth on.
  Bmp& info(int32_t w, int32_t h, uint16_t bits, uint32_t compression = 0) {
    set(4, static_cast<uint32_t>(w));
    set(8, static_cast<uint32_t>(h));
    set(12, 1, 2);
    set(14, bits, 2);
    set(16, compression);
    set(20, 1024);
    set(24, 2835);
    set(28, 2834);
    set(32, 2);
    set(36, 1);
    return *this;
  }
  Bmp& append(const Bytes& more) {
    b.insert(b.end(), more.begin(), more.end());
    return *this;
  }
};

Metadata extract_ok(const Bytes& b) {
  MemorySource src(b);
  auto md = extract(src);
  EXPECT_TRUE(md.ok()) << (md.ok() ? "" : md.error().message);
  return md.ok() ? *md : Metadata{};
}

int64_t num(const Metadata& md, std::string_view name) {
  const Value* v = md.get(name);
  if (!v || !std::holds_alternative<int64_t>(*v)) {
    ADD_FAILURE() << name << " missing or not an integer";
    return -1;
  }
  return std::get<int64_t>(*v);
}

std::string str(const Metadata& md, std::string_view name) {
  const std::string* s = md.get_string(name);
  if (!s) ADD_FAILURE() << name << " missing or not a string";
  return s ? *s : std::string();
}

bool warned(const Metadata& md, std::string_view part) {
  for (const auto& w : md.warnings)
    if (w.find(part) != std::string::npos) return true;
  return false;
}

TEST(Bmp, InfoHeaderFields) {
  Metadata md = extract_ok(Bmp(40).info(127, 64, 8, 1).b);
  EXPECT_EQ(str(md, "FileType"), "BMP");
  EXPECT_EQ(str(md, "FileTypeExtension"), "BMP");
  EXPECT_EQ(str(md, "MIMEType"), "image/bmp");
  EXPECT_EQ(num(md, "BMPVersion"), 40);
  EXPECT_EQ(num(md, "ImageWidth"), 127);
  EXPECT_EQ(num(md, "ImageHeight"), 64);
  EXPECT_EQ(num(md, "Planes"), 1);
  EXPECT_EQ(num(md, "BitDepth"), 8);
  EXPECT_EQ(num(md, "Compression"), 1);
  EXPECT_EQ(num(md, "ImageLength"), 1024);
  EXPECT_EQ(num(md, "PixelsPerMeterX"), 2835);
  EXPECT_EQ(num(md, "PixelsPerMeterY"), 2834);
  EXPECT_EQ(num(md, "NumColors"), 2);
  EXPECT_EQ(num(md, "NumImportantColors"), 1);
  EXPECT_FALSE(md.has("RedMask"_f));
  EXPECT_TRUE(md.warnings.empty());
}

TEST(Bmp, TopDownHeightIsShownPositive) {
  EXPECT_EQ(num(extract_ok(Bmp(40).info(127, -64, 24).b), "ImageHeight"), 64);
}

TEST(Bmp, HugeClaimedDimensionsAreReportedAsStored) {
  Metadata md = extract_ok(Bmp(40).info(3000000, -2147483647 - 1, 24).b);
  EXPECT_EQ(num(md, "ImageWidth"), 3000000);
  EXPECT_EQ(num(md, "ImageHeight"), 2147483648LL);
}

TEST(Bmp, FourccCompressionIsText) {
  Bmp bmp(40);
  bmp.info(4, 4, 32).set(16, 'D' | 'X' << 8 | 'T' << 16 | '1' << 24);
  EXPECT_EQ(str(extract_ok(bmp.b), "Compression"), "DXT1");
}

TEST(Bmp, CoreHeaderHasSixteenBitFields) {
  Bmp bmp(12);
  bmp.set(4, 300, 2).set(6, 200, 2).set(8, 1, 2).set(10, 24, 2);
  Metadata md = extract_ok(bmp.b);
  EXPECT_EQ(num(md, "BMPVersion"), 12);
  EXPECT_EQ(num(md, "ImageWidth"), 300);
  EXPECT_EQ(num(md, "ImageHeight"), 200);
  EXPECT_EQ(num(md, "Planes"), 1);
  EXPECT_EQ(num(md, "BitDepth"), 24);
  EXPECT_FALSE(md.has("Compression"_f));
}

TEST(Bmp, Os2InfoHeaderHasThirtyTwoBitSizes) {
  Metadata md = extract_ok(Bmp(64).info(70000, 3, 4).b);
  EXPECT_EQ(num(md, "BMPVersion"), 64);
  EXPECT_EQ(num(md, "ImageWidth"), 70000);
  EXPECT_EQ(num(md, "NumColors"), 2);
  EXPECT_FALSE(md.has("RedMask"_f));
}

TEST(Bmp, Os2ShortHeaderStopsAfterTheBitCount) {
  Bmp bmp(16);
  bmp.set(4, 640).set(8, 480).set(12, 1, 2).set(14, 8, 2);
  Metadata md = extract_ok(bmp.b);
  EXPECT_EQ(num(md, "ImageWidth"), 640);
  EXPECT_EQ(num(md, "BitDepth"), 8);
  EXPECT_FALSE(md.has("Compression"_f));
}

TEST(Bmp, V3HeaderHasChannelMasks) {
  Bmp bmp(56);
  bmp.info(2, 2, 32, 3).set(40, 0xFF000000).set(44, 0xFF00).set(48, 0xFF).set(52, 0xFF0000);
  Metadata md = extract_ok(bmp.b);
  EXPECT_EQ(num(md, "RedMask"), 0xFF000000LL);
  EXPECT_EQ(num(md, "GreenMask"), 0xFF00);
  EXPECT_EQ(num(md, "BlueMask"), 0xFF);
  EXPECT_EQ(num(md, "AlphaMask"), 0xFF0000);
  EXPECT_FALSE(md.has("ColorSpace"_f));
}

TEST(Bmp, V4CalibratedColorSpaceHasEndpointsAndGamma) {
  Bmp bmp(108);
  bmp.info(2, 2, 24).set(56, 0);
  bmp.set(60, 0x28F5C28F).set(64, 0x151EB852).set(68, 0x01EB851F);  // 0.64 0.33 0.03 in 2.30
  bmp.set(96, 29789).set(100, 29789).set(104, 65536);                // 16.16 gammas
  Metadata md = extract_ok(bmp.b);
  EXPECT_EQ(num(md, "BMPVersion"), 108);
  EXPECT_EQ(num(md, "ColorSpace"), 0);
  EXPECT_EQ(str(md, "RedEndpoint"), "0.639999999664724 0.330000000074506 0.0300000002607703");
  EXPECT_TRUE(md.has("BlueEndpoint"_f));
  double gamma = 0;
  ASSERT_TRUE(md.get_number("GammaRed"_f, gamma));
  EXPECT_DOUBLE_EQ(gamma, 0.45454);
  ASSERT_TRUE(md.get_number("GammaBlue"_f, gamma));
  EXPECT_DOUBLE_EQ(gamma, 1.0);
  EXPECT_FALSE(md.has("RenderingIntent"_f));
}

TEST(Bmp, V5SrgbColorSpaceIsText) {
  Bmp bmp(124);
  bmp.info(2, 2, 32).set(56, 0x73524742).set(108, 4);  // 'sRGB' stored little-endian
  Metadata md = extract_ok(bmp.b);
  EXPECT_EQ(str(md, "ColorSpace"), "sRGB");
  EXPECT_EQ(num(md, "RenderingIntent"), 4);
  EXPECT_FALSE(md.has("RedEndpoint"_f));
  EXPECT_FALSE(md.has("ProfileDataOffset"_f));
}

TEST(Bmp, V5LinkedProfileNameIsReadFromTheHeaderRelativeOffset) {
  Bmp bmp(124);
  const std::string name = "C:\\profiles\\Caf\xE9.icc";
  bmp.info(2, 2, 24).set(56, 0x4C494E4B).set(108, 4).set(112, 124 + 16).set(116, static_cast<uint32_t>(name.size() + 1));
  bmp.append(Bytes(16, 0xAA));  // pixels
  bmp.append(Bytes(name.begin(), name.end())).append({0});
  Metadata md = extract_ok(bmp.b);
  EXPECT_EQ(str(md, "ColorSpace"), "LINK");
  EXPECT_EQ(num(md, "ProfileDataOffset"), 140);
  EXPECT_EQ(num(md, "ProfileSize"), static_cast<int64_t>(name.size() + 1));
  EXPECT_EQ(str(md, "LinkedProfileName"), "C:\\profiles\\Caf\xC3\xA9.icc");
}

TEST(Bmp, V5EmbeddedProfileOutsideTheFileIsAWarning) {
  Bmp bmp(124);
  bmp.info(2, 2, 24).set(56, 0x4D424544).set(112, 4000).set(116, 3000);
  Metadata md = extract_ok(bmp.b);
  EXPECT_EQ(str(md, "ColorSpace"), "MBED");
  EXPECT_TRUE(warned(md, "Error loading profile data"));
}

TEST(Bmp, V5EmbeddedProfileOverTheSizeLimitIsSkipped) {
  Bmp bmp(124);
  bmp.info(2, 2, 24).set(56, 0x4D424544).set(112, 124).set(116, 0x7FFFFFFF);
  EXPECT_TRUE(warned(extract_ok(bmp.b), "BMP: profile of 2147483647 bytes exceeds"));
}

TEST(Bmp, HeaderSizeZeroIsAnError) {
  const Bytes b = Bmp(40).info(1, 1, 1).set(0, 0).b;
  MemorySource src(b);
  auto md = extract(src);
  ASSERT_FALSE(md.ok());
  EXPECT_NE(md.error().message.find("DIB header size 0"), std::string::npos);
}

TEST(Bmp, HugeHeaderSizeIsAnError) {
  const Bytes b = Bmp(40).info(1, 1, 1).set(0, 0xFFFFFFFF).b;
  MemorySource src(b);
  EXPECT_FALSE(extract(src).ok());
}

TEST(Bmp, UnknownLargerHeaderIsReadAsFarAsKnown) {
  Metadata md = extract_ok(Bmp(66).info(127, 64, 1).b);  // bmpsuite's badheadersize
  EXPECT_EQ(num(md, "BMPVersion"), 66);
  EXPECT_EQ(num(md, "ImageWidth"), 127);
  EXPECT_EQ(num(md, "ColorSpace"), 0);
}

TEST(Bmp, HeaderCutShortKeepsWhatIsThere) {
  Bytes b = Bmp(124).info(9, 8, 24).b;
  b.resize(14 + 30);
  Metadata md = extract_ok(b);
  EXPECT_EQ(num(md, "ImageWidth"), 9);
  EXPECT_EQ(num(md, "Compression"), 0);
  EXPECT_FALSE(md.has("PixelsPerMeterY"_f));
  EXPECT_TRUE(warned(md, "cut short"));
}

}  // namespace
}  // namespace imgmeta::meta
