// JPEG XL: codestream headers (ISO/IEC 18181-1) and the container (ISO/IEC 18181-2), built
// bit by bit and box by box in each test.
#include <gtest/gtest.h>

#include <string>

#include "box_builder.hpp"

namespace imgmeta::meta::test {
namespace {

int64_t integer(const Metadata& md, std::string_view name) {
  const Value* v = md.get(name);
  if (!v || !std::holds_alternative<int64_t>(*v)) return -1;
  return std::get<int64_t>(*v);
}

std::string text(const Metadata& md, std::string_view name) {
  const std::string* s = md.get_string(name);
  return s ? *s : "<absent>";
}

bool warned(const Metadata& md, std::string_view part) {
  for (const auto& w : md.warnings)
    if (w.find(part) != std::string::npos) return true;
  return false;
}

// 18181-1 9.2.1: bits fill each byte from its least significant end; an n-bit value is
// written least significant bit first.
class BitWriter {
 public:
  BitWriter& bits(uint64_t value, unsigned n) {
    for (unsigned i = 0; i < n; ++i) {
      if (used_ % 8 == 0) bytes_.push_back(0);
      bytes_.back() = static_cast<uint8_t>(bytes_.back() | (((value >> i) & 1u) << (used_ % 8)));
      ++used_;
    }
    return *this;
  }
  BitWriter& flag(bool b) { return bits(b ? 1 : 0, 1); }
  // U32: the selector, then the selected distribution's raw bits (value - offset).
  BitWriter& u32(unsigned selector, uint64_t raw, unsigned n) { return bits(selector, 2).bits(raw, n); }
  // A bare codestream: the FF 0A signature, then these bits.
  Bytes codestream() const { return Bytes().u8(0xFF).u8(0x0A).bytes(as_bytes()); }
  Bytes as_bytes() const {
    Bytes b;
    for (auto x : bytes_) b.u8(x);
    return b;
  }

 private:
  std::vector<uint8_t> bytes_;
  uint64_t used_ = 0;
};

// SizeHeader for a size that is a multiple of 8 (the small encoding, ratio 0).
BitWriter small_size(uint32_t width, uint32_t height) {
  BitWriter w;
  w.flag(true).bits(height / 8 - 1, 5).bits(0, 3).bits(width / 8 - 1, 5);
  return w;
}

Bytes container(std::initializer_list<Bytes> boxes) {
  Bytes file = Bytes().u32(12).chars("JXL ").bytes({0x0D, 0x0A, 0x87, 0x0A});
  file.bytes(box("ftyp", Bytes().chars("jxl ").u32(0).chars("jxl ")));
  for (const auto& b : boxes) file.bytes(b);
  return file;
}

Bytes tiff_with_make() {
  return Bytes().chars("MM").u16(42).u32(8).u16(1).u16(0x010F).u16(2).u32(4).chars("Cam").u8(0).u32(0);
}

// ---- codestream headers --------------------------------------------------------------------

TEST(Jxl, SmallSizeHeader) {
  BitWriter w = small_size(64, 32);
  w.flag(true);  // ImageMetadata all_default
  auto md = extract_bytes(w.codestream());
  ASSERT_TRUE(md) << md.error().message;
  EXPECT_EQ(text(*md, "FileType"), "JXL Codestream");  // as ExifTool names a bare codestream
  EXPECT_EQ(text(*md, "FileTypeExtension"), "JXL");
  EXPECT_EQ(text(*md, "MIMEType"), "image/jxl");
  EXPECT_EQ(integer(*md, "ImageWidth"), 64);
  EXPECT_EQ(integer(*md, "ImageHeight"), 32);
  EXPECT_EQ(integer(*md, "BitDepth"), 8);
  EXPECT_EQ(std::get<bool>(*md->get("HasAlpha"_f)), false);
}

TEST(Jxl, LargeSizeHeaderWithThirtyBitHeight) {
  BitWriter w;
  w.flag(false).u32(3, 100000 - 1, 30);  // height: Bits(30) + 1
  w.bits(0, 3);                          // ratio 0: the width follows
  w.u32(1, 5000 - 1, 13);                // width: Bits(13) + 1
  w.flag(true);
  auto md = extract_bytes(w.codestream());
  ASSERT_TRUE(md);
  EXPECT_EQ(integer(*md, "ImageWidth"), 5000);
  EXPECT_EQ(integer(*md, "ImageHeight"), 100000);
}

TEST(Jxl, RatioPresetSixteenByNine) {
  BitWriter w;
  w.flag(false).u32(1, 1080 - 1, 13).bits(5, 3).flag(true);
  auto md = extract_bytes(w.codestream());
  ASSERT_TRUE(md);
  EXPECT_EQ(integer(*md, "ImageWidth"), 1920);
  EXPECT_EQ(integer(*md, "ImageHeight"), 1080);
}

TEST(Jxl, RatioPresetRoundsTheWidthDown) {
  BitWriter w;
  w.flag(false).u32(0, 77 - 1, 9).bits(2, 3).flag(true);  // 12:10
  auto md = extract_bytes(w.codestream());
  ASSERT_TRUE(md);
  EXPECT_EQ(integer(*md, "ImageWidth"), 92);
}

TEST(Jxl, TransposingOrientationSwapsTheDisplayedSize) {
  BitWriter w = small_size(64, 32);
  w.flag(false).flag(true);             // all_default, extra_fields
  w.bits(6 - 1, 3);                     // orientation 6
  w.flag(false).flag(false).flag(false);  // no intrinsic size, preview, animation
  w.flag(false).u32(3, 16 - 1, 6);      // integer samples of BitsOffset(6, 1) = 16 bits
  w.flag(true);                         // modular_16bit_buffers
  w.u32(1, 0, 0);                       // one extra channel
  w.flag(true);                         // d_alpha
  auto md = extract_bytes(w.codestream());
  ASSERT_TRUE(md);
  EXPECT_EQ(integer(*md, "ImageWidth"), 64);
  EXPECT_EQ(integer(*md, "DisplayWidth"), 32);
  EXPECT_EQ(integer(*md, "DisplayHeight"), 64);
  EXPECT_EQ(integer(*md, "BitDepth"), 16);
  EXPECT_EQ(std::get<bool>(*md->get("HasAlpha"_f)), true);
}

TEST(Jxl, NamedExtraChannelIsSteppedOver) {
  BitWriter w = small_size(8, 8);
  w.flag(false).flag(false);     // all_default, extra_fields
  w.flag(false).u32(0, 0, 0);    // 8-bit integer samples
  w.flag(true);                  // modular_16bit_buffers
  w.u32(2, 0, 4);                // BitsOffset(4, 2): two extra channels
  // A depth channel named "abc": not d_alpha, type Val(1), default bit depth, dim_shift 0.
  w.flag(false).u32(1, 0, 0).flag(false).u32(0, 0, 0).u32(0, 0, 0);
  w.u32(1, 3, 4).bits('a', 8).bits('b', 8).bits('c', 8);
  w.flag(true);                  // then a default alpha channel
  auto md = extract_bytes(w.codestream());
  ASSERT_TRUE(md);
  EXPECT_EQ(std::get<bool>(*md->get("HasAlpha"_f)), true);
  EXPECT_TRUE(md->warnings.empty());
}

TEST(Jxl, PreviewAndAnimationHeadersAreSteppedOver) {
  BitWriter w = small_size(16, 16);
  w.flag(false).flag(true).bits(0, 3);  // orientation 1
  w.flag(false);                        // no intrinsic size
  w.flag(true).flag(true).u32(0, 0, 0).bits(1, 3);  // preview: div8, ysize Val(16), ratio 1:1
  w.flag(true).u32(0, 0, 0).u32(0, 0, 0).u32(1, 5, 3).flag(false);  // animation
  w.flag(false).u32(1, 0, 0);           // 10-bit samples
  w.flag(true).u32(0, 0, 0);            // no extra channels
  auto md = extract_bytes(w.codestream());
  ASSERT_TRUE(md);
  EXPECT_EQ(integer(*md, "BitDepth"), 10);
  EXPECT_EQ(std::get<bool>(*md->get("HasAlpha"_f)), false);
}

TEST(Jxl, CutOffSizeHeaderIsAnError) {
  Bytes file = Bytes().u8(0xFF).u8(0x0A).u8(0x02);  // large encoding, Bits(9) height cut short
  auto md = extract_bytes(file);
  ASSERT_FALSE(md);
  EXPECT_NE(md.error().message.find("cut off"), std::string::npos);
}

TEST(Jxl, CutOffImageMetadataIsAWarning) {
  BitWriter w = small_size(8, 8);
  w.flag(false).flag(true).bits(0, 3).flag(true);  // an intrinsic size that never comes
  Bytes file = w.codestream();
  auto md = extract_bytes(file);
  ASSERT_TRUE(md);
  EXPECT_EQ(integer(*md, "ImageWidth"), 8);
  EXPECT_TRUE(warned(*md, "ImageMetadata"));
}

TEST(Jxl, CodestreamFromCjxl) {
  // cjxl 0.7 output for a 257x33 grey image (16-bit PPM input).
  const Bytes file{
      0xff, 0x0a, 0x00, 0x01, 0x00, 0xe2, 0x27, 0xa1, 0xb8, 0x10, 0x00, 0x12, 0x88, 0x02, 0x00, 0xd0,
      0x80, 0x05, 0x0c, 0x00, 0x00, 0x00, 0x00, 0x5d, 0xe5, 0x12, 0x00, 0x00, 0x15, 0x2a, 0xa3, 0x8c,
      0x1b, 0xbc, 0x9c, 0xeb, 0xf9, 0xf2, 0x43, 0x87, 0xc5, 0xb4, 0x8d, 0xeb, 0x0c, 0x6d, 0xb5, 0x6d,
      0x61, 0x49, 0xa2, 0xc8, 0x38, 0x36, 0x49, 0x27, 0x70, 0x08, 0x29, 0xb0, 0x61, 0xe2, 0xc4, 0x18,
      0x63, 0x9c, 0x38, 0x31, 0x38, 0x66, 0xe2, 0xc4, 0x18, 0xac, 0x07, 0xcc, 0x18, 0x31, 0x02, 0x00,
      0x73, 0x9f, 0x6e, 0x31, 0xb5, 0x2a, 0x05, 0x00, 0x8f, 0xf2, 0x58, 0xe8, 0x7e, 0x4c, 0x24, 0x28,
      0x38, 0x29, 0x49, 0x00,
  };
  auto md = extract_bytes(file);
  ASSERT_TRUE(md);
  EXPECT_EQ(integer(*md, "ImageWidth"), 257);
  EXPECT_EQ(integer(*md, "ImageHeight"), 33);
  EXPECT_EQ(integer(*md, "BitDepth"), 16);
  EXPECT_TRUE(md->warnings.empty());
}

// ---- container -----------------------------------------------------------------------------

TEST(Jxl, ContainerWithWholeCodestream) {
  BitWriter w = small_size(40, 24);
  w.flag(true);
  auto md = extract_bytes(container({box("jxlc", w.codestream())}));
  ASSERT_TRUE(md);
  EXPECT_EQ(text(*md, "FileType"), "JXL");
  EXPECT_EQ(text(*md, "MajorBrand"), "jxl ");
  EXPECT_EQ(text(*md, "MinorVersion"), "0.0.0");
  EXPECT_EQ(integer(*md, "ImageWidth"), 40);
  EXPECT_EQ(integer(*md, "ImageHeight"), 24);
}

TEST(Jxl, ContainerWithCodestreamSplitAcrossPartialBoxes) {
  BitWriter w;
  w.flag(false).u32(2, 3000 - 1, 18).bits(0, 3).u32(2, 4000 - 1, 18).flag(true);
  Bytes cs = w.codestream();
  // One byte per jxlp box; the last carries the top bit of its index.
  Bytes file = container({});
  for (size_t i = 0; i < cs.size(); ++i) {
    uint32_t index = static_cast<uint32_t>(i) | (i + 1 == cs.size() ? 0x80000000u : 0);
    file.bytes(box("jxlp", Bytes().u32(index).u8(cs[i])));
  }
  auto md = extract_bytes(file);
  ASSERT_TRUE(md);
  EXPECT_EQ(integer(*md, "ImageWidth"), 4000);
  EXPECT_EQ(integer(*md, "ImageHeight"), 3000);
}

TEST(Jxl, PartialBoxOutOfOrderIsAWarning) {
  BitWriter w = small_size(8, 8);
  w.flag(true);
  Bytes cs = w.codestream();
  auto md = extract_bytes(container({box("jxlp", Bytes().u32(1).bytes(cs))}));
  ASSERT_TRUE(md);
  EXPECT_TRUE(warned(*md, "part 1 where part 0 was expected"));
  EXPECT_FALSE(md->has("ImageWidth"_f));
}

TEST(Jxl, ContainerExifBoxGoesToTheExifParser) {
  BitWriter w = small_size(8, 8);
  w.flag(true);
  Bytes exif = box("Exif", Bytes().u32(0).bytes(tiff_with_make()));
  auto md = extract_bytes(container({exif, box("jxlc", w.codestream())}));
  ASSERT_TRUE(md);
  EXPECT_EQ(text(*md, "Make"), "Cam");
}

TEST(Jxl, ContainerExifOffsetPastTheBoxIsAWarning) {
  BitWriter w = small_size(8, 8);
  w.flag(true);
  Bytes exif = box("Exif", Bytes().u32(500).bytes(tiff_with_make()));
  auto md = extract_bytes(container({exif, box("jxlc", w.codestream())}));
  ASSERT_TRUE(md);
  EXPECT_TRUE(warned(*md, "TIFF header offset past the box"));
  EXPECT_EQ(integer(*md, "ImageWidth"), 8);
}

TEST(Jxl, ContainerXmlBoxGoesToTheXmpParser) {
  std::string xmp =
      "<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>"
      "<rdf:Description xmlns:xmp='http://ns.adobe.com/xap/1.0/' xmp:CreatorTool='Tester'/></rdf:RDF></x:xmpmeta>";
  BitWriter w = small_size(8, 8);
  w.flag(true);
  auto md = extract_bytes(container({box("jxlc", w.codestream()), box("xml ", Bytes().chars(xmp))}));
  ASSERT_TRUE(md);
  EXPECT_EQ(text(*md, "CreatorTool"), "Tester");
}

TEST(Jxl, BrotliCompressedExifIsAWarning) {
  BitWriter w = small_size(8, 8);
  w.flag(true);
  auto md = extract_bytes(container({box("brob", Bytes().chars("Exif").fill(10, 0)), box("jxlc", w.codestream())}));
  ASSERT_TRUE(md);
  EXPECT_TRUE(warned(*md, "Brotli-compressed 'Exif'"));
}

TEST(Jxl, ContainerWithoutCodestreamIsAWarning) {
  auto md = extract_bytes(container({box("jbrd", Bytes().fill(4, 0))}));
  ASSERT_TRUE(md);
  EXPECT_EQ(text(*md, "FileType"), "JXL");
  EXPECT_TRUE(warned(*md, "no codestream"));
}

TEST(Jxl, ContainerBoxPastTheEndIsAWarning) {
  BitWriter w = small_size(8, 8);
  w.flag(true);
  Bytes file = container({box("jxlc", w.codestream())});
  file.bytes(Bytes().u32(1000).chars("Exif").u32(0));
  auto md = extract_bytes(file);
  ASSERT_TRUE(md);
  EXPECT_EQ(integer(*md, "ImageWidth"), 8);
  EXPECT_TRUE(warned(*md, "size 1000 exceeds"));
}

}  // namespace
}  // namespace imgmeta::meta::test
