// WebP container parsing: every input is built here, RIFF chunk by RIFF chunk.
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

// A RIFF/WEBP file; the RIFF size is filled in by bytes() unless a lie is wanted.
struct Webp {
  static constexpr uint8_t kHeader[12] = {'R', 'I', 'F', 'F', 0, 0, 0, 0, 'W', 'E', 'B', 'P'};
  Bytes b;

  Webp() : b(std::begin(kHeader), std::end(kHeader)) {}

  Webp& chunk(std::string_view fourcc, const Bytes& data) {
    b.insert(b.end(), fourcc.begin(), fourcc.end());
    put_le(b, static_cast<uint32_t>(data.size()), 4);
    b.insert(b.end(), data.begin(), data.end());
    if (data.size() & 1) b.push_back(0);  // RIFF pads chunks to an even size
    return *this;
  }
  // RFC 6386 9.1: key frame tag (version in bits 1-3), start code, 14-bit sizes with 2-bit scales.
  Webp& vp8(uint16_t w, uint16_t h, uint8_t version = 0, uint8_t hscale = 0, uint8_t vscale = 0) {
    Bytes d = {static_cast<uint8_t>(version << 1 | 0x10), 0, 0, 0x9D, 0x01, 0x2A};
    put_le(d, static_cast<uint32_t>(w | hscale << 14), 2);
    put_le(d, static_cast<uint32_t>(h | vscale << 14), 2);
    d.insert(d.end(), 20, 0);
    return chunk("VP8 ", d);
  }
  Webp& vp8l(uint32_t w, uint32_t h, bool alpha) {
    Bytes d = {0x2F};
    put_le(d, (w - 1) | (h - 1) << 14 | (alpha ? 1u : 0u) << 28, 4);
    d.insert(d.end(), 10, 0);
    return chunk("VP8L", d);
  }
  Webp& vp8x(uint8_t flags, uint32_t w, uint32_t h) {
    Bytes d = {flags, 0, 0, 0};
    put_le(d, w - 1, 3);
    put_le(d, h - 1, 3);
    return chunk("VP8X", d);
  }
  Webp& anmf(uint32_t duration_ms) {
    Bytes d;
    put_le(d, 0, 3);
    put_le(d, 0, 3);
    put_le(d, 9, 3);
    put_le(d, 9, 3);
    put_le(d, duration_ms, 3);
    d.push_back(0);
    Webp inner;
    inner.b.clear();
    inner.vp8(10, 10);
    d.insert(d.end(), inner.b.begin(), inner.b.end());
    return chunk("ANMF", d);
  }
  Bytes bytes() const {
    Bytes out = b;
    const auto riff = static_cast<uint32_t>(out.size() - 8);
    for (int i = 0; i < 4; ++i) out[4 + static_cast<size_t>(i)] = static_cast<uint8_t>(riff >> (8 * i));
    return out;
  }
};

Metadata extract_ok(const Bytes& b, const Options& options = {}) {
  MemorySource src(b);
  auto md = extract(src, options);
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

bool flag(const Metadata& md, std::string_view name) {
  const Value* v = md.get(name);
  if (!v || !std::holds_alternative<bool>(*v)) {
    ADD_FAILURE() << name << " missing or not a bool";
    return false;
  }
  return std::get<bool>(*v);
}

bool warned(const Metadata& md, std::string_view part) {
  for (const auto& w : md.warnings)
    if (w.find(part) != std::string::npos) return true;
  return false;
}

TEST(WebP, LossyFrameHeader) {
  Metadata md = extract_ok(Webp().vp8(176, 144, 1, 2, 3).bytes());
  EXPECT_EQ(str(md, "FileType"), "WEBP");
  EXPECT_EQ(str(md, "FileTypeExtension"), "WEBP");
  EXPECT_EQ(str(md, "MIMEType"), "image/webp");
  EXPECT_EQ(num(md, "VP8Version"), 1);
  EXPECT_EQ(num(md, "ImageWidth"), 176);
  EXPECT_EQ(num(md, "HorizontalScale"), 2);
  EXPECT_EQ(num(md, "ImageHeight"), 144);
  EXPECT_EQ(num(md, "VerticalScale"), 3);
  EXPECT_FALSE(flag(md, "HasAlpha"));
  EXPECT_TRUE(md.warnings.empty());
}

TEST(WebP, LossyChunkWithoutStartCodeIsSkipped) {
  Metadata md = extract_ok(Webp().chunk("VP8 ", Bytes(10, 0)).bytes());
  EXPECT_FALSE(md.has("ImageWidth"_f));
  EXPECT_TRUE(warned(md, "no key frame start code"));
}

TEST(WebP, LosslessHeader) {
  Metadata md = extract_ok(Webp().vp8l(1000, 307, true).bytes());
  EXPECT_EQ(num(md, "ImageWidth"), 1000);
  EXPECT_EQ(num(md, "ImageHeight"), 307);
  EXPECT_TRUE(flag(md, "HasAlpha"));
  EXPECT_FALSE(md.has("VP8Version"_f));
}

TEST(WebP, ExtendedCanvasSizeWins) {
  Metadata md = extract_ok(Webp().vp8x(0x10, 16384, 70000).vp8(100, 100).bytes());
  EXPECT_EQ(str(md, "FileType"), "Extended WEBP");
  EXPECT_EQ(num(md, "WebP_Flags"), 16);
  EXPECT_EQ(num(md, "ImageWidth"), 16384);
  EXPECT_EQ(num(md, "ImageHeight"), 70000);
  EXPECT_TRUE(flag(md, "HasAlpha"));
}

TEST(WebP, AlphaHeaderFieldsFollowTheSpecification) {
  // ALPH header byte 0b00_01_11_01: preprocessing 1, filtering 3, compression 1.
  Metadata md = extract_ok(Webp().vp8x(0x10, 4, 4).chunk("ALPH", {0x1D, 0, 0}).vp8(4, 4).bytes());
  EXPECT_EQ(num(md, "AlphaPreprocessing"), 1);
  EXPECT_EQ(num(md, "AlphaFiltering"), 3);
  EXPECT_EQ(num(md, "AlphaCompression"), 1);
}

TEST(WebP, AnimationLoopsFramesAndDuration) {
  Bytes anim = {0, 0, 0, 255};
  put_le(anim, 3, 2);
  Metadata md = extract_ok(Webp().vp8x(0x02, 10, 10).chunk("ANIM", anim).anmf(100).anmf(5000).anmf(30).bytes());
  EXPECT_EQ(str(md, "BackgroundColor"), "0 0 0 255");
  EXPECT_EQ(num(md, "AnimationLoopCount"), 3);
  EXPECT_EQ(num(md, "FrameCount"), 3);
  double duration = 0;
  ASSERT_TRUE(md.get_number("Duration"_f, duration));
  EXPECT_DOUBLE_EQ(duration, 5.13);  // 24-bit durations: 5000 ms is not cut to 12 bits
  EXPECT_EQ(num(md, "ImageWidth"), 10);
}

TEST(WebP, FrameCountIsCapped) {
  Options options;
  options.limits.max_frames = 2;
  Webp webp;
  webp.vp8x(0x02, 10, 10);
  for (int i = 0; i < 5; ++i) webp.anmf(10);
  Metadata md = extract_ok(webp.bytes(), options);
  EXPECT_EQ(num(md, "FrameCount"), 2);
  EXPECT_TRUE(warned(md, "stopped counting frames at 2"));
}

TEST(WebP, OddChunkSizesArePadded) {
  Metadata md = extract_ok(Webp().vp8x(0, 8, 8).chunk("ODD!", {1, 2, 3}).vp8(8, 8, 2).bytes());
  EXPECT_EQ(num(md, "VP8Version"), 2);
  EXPECT_TRUE(md.warnings.empty());
}

TEST(WebP, RiffSizeIsNotTrusted) {
  Bytes small = Webp().vp8x(0, 8, 8).chunk("ODD!", {1}).vp8(8, 8, 3).bytes();
  small[4] = 4;  // claims the RIFF ends right after "WEBP"
  small[5] = small[6] = small[7] = 0;
  EXPECT_EQ(num(extract_ok(small), "VP8Version"), 3);
  Bytes big = Webp().vp8(8, 8).bytes();
  big[7] = 0x7F;  // claims about 2 GiB
  Metadata md = extract_ok(big);
  EXPECT_EQ(num(md, "ImageWidth"), 8);
  EXPECT_TRUE(md.warnings.empty());
}

TEST(WebP, ChunkPastTheEndKeepsItsHeaderFields) {
  Bytes b = Webp().vp8(63, 66).bytes();
  b.resize(b.size() - 10);  // the frame data is cut short, its header is not
  Metadata md = extract_ok(b);
  EXPECT_EQ(num(md, "ImageWidth"), 63);
  EXPECT_TRUE(warned(md, "Error reading RIFF file (corrupted?): VP8  chunk at 0xc claims 30 bytes"));
}

TEST(WebP, HugeChunkLengthStopsWithWarning) {
  Webp webp;
  for (char c : std::string("EXIF")) webp.b.push_back(static_cast<uint8_t>(c));
  put_le(webp.b, 0xFFFFFFFF, 4);
  webp.b.insert(webp.b.end(), {'M', 'M', 0, 42});
  Metadata md = extract_ok(webp.bytes());
  EXPECT_TRUE(warned(md, "EXIF chunk at 0xc claims 4294967295 bytes, 4 remain"));
}

TEST(WebP, StrayBytesAfterTheLastChunk) {
  Bytes b = Webp().vp8(8, 8).bytes();
  b.insert(b.end(), {1, 2, 3});
  EXPECT_TRUE(warned(extract_ok(b), "3 stray bytes"));
}

TEST(WebP, ChunkCountIsCapped) {
  Options options;
  options.limits.max_segments = 5;
  Webp webp;
  for (int i = 0; i < 20; ++i) webp.chunk("JUNK", {0, 0});
  Metadata md = extract_ok(webp.vp8(8, 8).bytes(), options);
  EXPECT_TRUE(warned(md, "WebP: stopped after 5 chunks"));
}

TEST(WebP, ExifWithJpegPrefixIsAcceptedWithMinorWarning) {
  Bytes exif = {'E', 'x', 'i', 'f', 0, 0, 'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0};
  Metadata md = extract_ok(Webp().vp8x(0x08, 8, 8).vp8(8, 8).chunk("EXIF", exif).bytes());
  EXPECT_TRUE(warned(md, "[minor] Improper EXIF header"));
  EXPECT_EQ(num(md, "Orientation"), 6);
}

TEST(WebP, ExifWithoutTiffHeaderIsSkipped) {
  Metadata md = extract_ok(Webp().vp8(8, 8).chunk("EXIF", {'n', 'o', 'p', 'e'}).bytes());
  EXPECT_TRUE(warned(md, "no TIFF byte-order mark"));
}

TEST(WebP, XmpChunkGoesToTheXmpParser) {
  const std::string xmp =
      "<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>"
      "<rdf:Description xmlns:xmp='http://ns.adobe.com/xap/1.0/' xmp:CreatorTool='WebpBuilder'/></rdf:RDF></x:xmpmeta>";
  Metadata md = extract_ok(Webp().vp8x(0x04, 8, 8).vp8(8, 8).chunk("XMP ", Bytes(xmp.begin(), xmp.end())).bytes());
  EXPECT_EQ(str(md, "CreatorTool"), "WebpBuilder");
}

TEST(WebP, RiffHeaderWithoutChunksGivesTheTypeOnly) {
  const Bytes b = {'R', 'I', 'F', 'F', 4, 0, 0, 0, 'W', 'E', 'B', 'P'};
  MemorySource src(b);
  auto md = extract(src);
  ASSERT_TRUE(md.ok());
  EXPECT_EQ(str(*md, "FileType"), "WEBP");
  EXPECT_FALSE(md->has("ImageWidth"_f));
}

}  // namespace
}  // namespace imgmeta::meta
