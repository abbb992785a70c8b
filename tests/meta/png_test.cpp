// PNG and APNG container parsing: every input is built here, chunk by chunk, with real CRCs.
#include <gtest/gtest.h>
#include <zlib.h>

#include <string>
#include <string_view>
#include <vector>

#include "meta/extract.hpp"

namespace imgmeta::meta {
namespace {

using namespace std::string_view_literals;

using Bytes = std::vector<uint8_t>;

void put32(Bytes& b, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<uint8_t>(v >> s));
}

Bytes bytes_of(std::string_view s) { return Bytes(s.begin(), s.end()); }

Bytes deflate(std::string_view s) {
  uLongf n = compressBound(static_cast<uLong>(s.size()));
  Bytes out(n);
  EXPECT_EQ(compress2(out.data(), &n, reinterpret_cast<const Bytef*>(s.data()), static_cast<uLong>(s.size()), 9), Z_OK);
  out.resize(n);
  return out;
}

// A PNG datastream, chunk by chunk (PNG 5.3: length, type, data, CRC over type and data).
struct Png {
  static constexpr uint8_t kSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  Bytes b;

  Png() : b(std::begin(kSignature), std::end(kSignature)) {}

  Png& chunk(std::string_view type, const Bytes& data) {
    put32(b, static_cast<uint32_t>(data.size()));
    Bytes typed = bytes_of(type);
    typed.insert(typed.end(), data.begin(), data.end());
    b.insert(b.end(), typed.begin(), typed.end());
    put32(b, static_cast<uint32_t>(crc32(0, typed.data(), static_cast<uInt>(typed.size()))));
    return *this;
  }
  Png& ihdr(uint32_t w, uint32_t h, uint8_t depth = 8, uint8_t color = 2, uint8_t interlace = 0) {
    Bytes d;
    put32(d, w);
    put32(d, h);
    d.insert(d.end(), {depth, color, 0, 0, interlace});
    return chunk("IHDR", d);
  }
  Png& text(std::string_view keyword, std::string_view value) {
    Bytes d = bytes_of(keyword);
    d.push_back(0);
    d.insert(d.end(), value.begin(), value.end());
    return chunk("tEXt", d);
  }
  Png& ztext(std::string_view keyword, std::string_view value) {
    Bytes d = bytes_of(keyword);
    d.insert(d.end(), {0, 0});
    Bytes z = deflate(value);
    d.insert(d.end(), z.begin(), z.end());
    return chunk("zTXt", d);
  }
  Png& itext(std::string_view keyword, std::string_view lang, std::string_view value, bool compressed = false) {
    Bytes d = bytes_of(keyword);
    d.insert(d.end(), {0, static_cast<uint8_t>(compressed ? 1 : 0), 0});
    d.insert(d.end(), lang.begin(), lang.end());
    d.insert(d.end(), {0, 0});  // language terminator, empty translated keyword
    Bytes v = compressed ? deflate(value) : bytes_of(value);
    d.insert(d.end(), v.begin(), v.end());
    return chunk("iTXt", d);
  }
  Png& idat(size_t n = 16) { return chunk("IDAT", Bytes(n, 0x55)); }
  Png& iend() { return chunk("IEND", {}); }
};

// Serves bytes without exposing them as contiguous memory, so the Reader fetches (and counts)
// the way it does for a file or a remote object.
class FetchingSource final : public Source {
 public:
  explicit FetchingSource(Bytes b) : b_(std::move(b)) {}
  uint64_t size() const override { return b_.size(); }
  Result<size_t> read_at(uint64_t offset, std::span<uint8_t> out) override {
    size_t n = 0;
    for (; n < out.size() && offset + n < b_.size(); ++n) out[n] = b_[offset + n];
    return n;
  }

 private:
  Bytes b_;
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

double real(const Metadata& md, std::string_view name) {
  double d = -1;
  EXPECT_TRUE(md.get_number(name, d)) << name << " missing";
  return d;
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

// A big-endian TIFF block with one IFD0 entry: Orientation (0x0112, SHORT) = 6.
Bytes tiff_orientation_6() {
  return {'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0};
}

TEST(Png, ImageHeaderGivesTypeAndGeometry) {
  Metadata md = extract_ok(Png().ihdr(640, 480, 16, 2, 1).idat().iend().b);
  EXPECT_EQ(str(md, "FileType"), "PNG");
  EXPECT_EQ(str(md, "FileTypeExtension"), "PNG");
  EXPECT_EQ(str(md, "MIMEType"), "image/png");
  EXPECT_EQ(num(md, "ImageWidth"), 640);
  EXPECT_EQ(num(md, "ImageHeight"), 480);
  EXPECT_EQ(num(md, "BitDepth"), 16);
  EXPECT_EQ(num(md, "ColorType"), 2);
  EXPECT_EQ(num(md, "Compression"), 0);
  EXPECT_EQ(num(md, "Filter"), 0);
  EXPECT_EQ(num(md, "Interlace"), 1);
  EXPECT_TRUE(md.warnings.empty());
}

TEST(Png, HugeClaimedDimensionsAreReportedAsStored) {
  Metadata md = extract_ok(Png().ihdr(0xFFFFFFFF, 0x80000000).idat().iend().b);
  EXPECT_EQ(num(md, "ImageWidth"), 0xFFFFFFFFLL);
  EXPECT_EQ(num(md, "ImageHeight"), 0x80000000LL);
}

TEST(Png, HasAlphaForAlphaColorTypes) {
  EXPECT_EQ(std::get<bool>(*extract_ok(Png().ihdr(1, 1, 8, 6).idat().iend().b).get("HasAlpha"_f)), true);
  EXPECT_EQ(std::get<bool>(*extract_ok(Png().ihdr(1, 1, 8, 4).idat().iend().b).get("HasAlpha"_f)), true);
  EXPECT_EQ(std::get<bool>(*extract_ok(Png().ihdr(1, 1, 8, 2).idat().iend().b).get("HasAlpha"_f)), false);
}

TEST(Png, TransparencyChunkGivesAlphaAndItsValue) {
  Metadata rgb = extract_ok(Png().ihdr(1, 1, 8, 2).chunk("tRNS", {0, 0, 0, 255, 0, 52}).idat().iend().b);
  EXPECT_EQ(std::get<bool>(*rgb.get("HasAlpha"_f)), true);
  EXPECT_EQ(str(rgb, "Transparency"), "0 255 52");
  Metadata palette = extract_ok(Png().ihdr(1, 1, 8, 3).chunk("PLTE", {1, 2, 3, 4, 5, 6}).chunk("tRNS", {0}).idat().iend().b);
  EXPECT_EQ(num(palette, "Transparency"), 0);
  EXPECT_EQ(str(palette, "Palette"), "(Binary data 6 bytes, use -b option to extract)");
}

TEST(Png, AncillaryChunksAsExifToolShowsThem) {
  Bytes chrm;
  for (uint32_t v : {31270u, 32900u, 64000u, 33000u, 30000u, 60000u, 15000u, 6000u}) put32(chrm, v);
  Bytes phys;
  put32(phys, 2835);
  put32(phys, 2834);
  phys.push_back(1);
  Metadata md = extract_ok(Png()
                               .ihdr(1, 1)
                               .chunk("gAMA", {0, 0, 0xB1, 0x8F})  // 45455
                               .chunk("cHRM", chrm)
                               .chunk("sRGB", {1})
                               .chunk("bKGD", {0, 255, 0, 255, 0, 255})
                               .chunk("pHYs", phys)
                               .chunk("tIME", {0x07, 0xE3, 1, 7, 10, 13, 34})
                               .chunk("sBIT", {5, 6, 5})
                               .idat()
                               .iend()
                               .b);
  EXPECT_DOUBLE_EQ(real(md, "Gamma"), 2.2);
  EXPECT_DOUBLE_EQ(real(md, "WhitePointX"), 0.3127);
  EXPECT_DOUBLE_EQ(real(md, "BlueY"), 0.06);
  EXPECT_EQ(num(md, "SRGBRendering"), 1);
  EXPECT_EQ(str(md, "BackgroundColor"), "255 255 255");
  EXPECT_EQ(num(md, "PixelsPerUnitX"), 2835);
  EXPECT_EQ(num(md, "PixelsPerUnitY"), 2834);
  EXPECT_EQ(num(md, "PixelUnits"), 1);
  EXPECT_EQ(str(md, "ModifyDate"), "2019:01:07 10:13:34");
  EXPECT_EQ(str(md, "SignificantBits"), "5 6 5");
}

TEST(Png, ShortAncillaryChunkIsSkippedWithWarning) {
  Metadata md = extract_ok(Png().ihdr(1, 1).chunk("pHYs", {1, 2, 3}).idat().iend().b);
  EXPECT_FALSE(md.has("PixelsPerUnitX"_f));
  EXPECT_TRUE(warned(md, "pHYs chunk at 0x21: 3 bytes, expected 9"));
}

TEST(Png, AnimationControlMakesItAnApng) {
  Bytes actl;
  put32(actl, 41);
  put32(actl, 0);
  Metadata md = extract_ok(Png().ihdr(2, 2, 8, 6).chunk("acTL", actl).idat().iend().b);
  EXPECT_EQ(str(md, "FileType"), "APNG");
  EXPECT_EQ(str(md, "FileTypeExtension"), "PNG");
  EXPECT_EQ(str(md, "MIMEType"), "image/apng");
  EXPECT_EQ(num(md, "AnimationFrames"), 41);
  EXPECT_EQ(num(md, "AnimationPlays"), 0);
}

TEST(Png, TextKeywordsNamedAsExifToolNamesThem) {
  Metadata md = extract_ok(Png()
                               .ihdr(1, 1)
                               .text("Title", "A title")
                               .text("comment", "lower-case keyword")
                               .text("Warning", "a PNG warning")
                               .text("date:create", "2020-03-13T10:43:59+00:00")
                               .text("my own key", "spaces")
                               .text("1st", "digit first")
                               .idat()
                               .iend()
                               .b);
  EXPECT_EQ(str(md, "Title"), "A title");
  EXPECT_EQ(str(md, "Comment"), "lower-case keyword");
  EXPECT_EQ(str(md, "PNGWarning"), "a PNG warning");
  EXPECT_EQ(str(md, "Datecreate"), "2020-03-13T10:43:59+00:00");
  EXPECT_EQ(str(md, "MyOwnKey"), "spaces");
  EXPECT_EQ(str(md, "Tag1st"), "digit first");
}

TEST(Png, TextIsLatin1) {
  Metadata md = extract_ok(Png().ihdr(1, 1).text("Author", "Jos\xE9").idat().iend().b);
  EXPECT_EQ(str(md, "Author"), "Jos\xC3\xA9");
}

TEST(Png, TextChunkCannotReplaceHeaderField) {
  Metadata md = extract_ok(Png().ihdr(16, 16).text("ImageWidth", "99999").idat().iend().b);
  EXPECT_EQ(num(md, "ImageWidth"), 16);
}

TEST(Png, CreationTimeInRfc1123IsConverted) {
  Metadata md = extract_ok(Png().ihdr(1, 1).text("Creation Time", "Mon, 07 Jan 2019 10:13:34 GMT").iend().b);
  EXPECT_EQ(str(md, "CreationTime"), "2019:01:07 10:13:34+00:00");
  Metadata other = extract_ok(Png().ihdr(1, 1).text("Creation Time", "yesterday").iend().b);
  EXPECT_EQ(str(other, "CreationTime"), "yesterday");
}

TEST(Png, CompressedTextIsInflated) {
  Metadata md = extract_ok(Png().ihdr(1, 1).ztext("Description", "squeezed text").idat().iend().b);
  EXPECT_EQ(str(md, "Description"), "squeezed text");
}

TEST(Png, InternationalTextCarriesItsLanguage) {
  Metadata md = extract_ok(Png()
                               .ihdr(1, 1)
                               .itext("Title", "en-us", "Caf\xC3\xA9")
                               .itext("Comment", "", "plain", /*compressed=*/true)
                               .idat()
                               .iend()
                               .b);
  EXPECT_EQ(str(md, "Title-en-US"), "Caf\xC3\xA9");
  EXPECT_EQ(str(md, "Comment"), "plain");
}

TEST(Png, TextWithoutKeywordTerminatorIsSkipped) {
  Metadata md = extract_ok(Png().ihdr(1, 1).chunk("tEXt", bytes_of("NoTerminator")).idat().iend().b);
  EXPECT_TRUE(warned(md, "keyword missing or longer than 79 bytes"));
}

TEST(Png, CompressedTextBombIsCutAtTheStringLimit) {
  const std::string big(16 * 1024 * 1024, 'A');  // 16 MiB, deflates to about 16 KiB
  Metadata md = extract_ok(Png().ihdr(1, 1).ztext("Big", big).idat().iend().b);
  EXPECT_EQ(str(md, "Big").size(), 64u * 1024);
  EXPECT_TRUE(warned(md, "'Big' inflates to more than 65536 bytes; cut there"));
}

TEST(Png, InflatedBytesPerFileAreBudgeted) {
  Options options;
  options.limits.max_inflate = 100 * 1024;  // per chunk; the file may inflate four times that
  const std::string big(300 * 1024, 'x');
  Png png;
  png.ihdr(1, 1);
  for (int i = 0; i < 6; ++i) png.itext("XML:com.adobe.xmp", "", big, /*compressed=*/true);
  Metadata md = extract_ok(png.idat().iend().b, options);
  EXPECT_TRUE(warned(md, "inflate budget is spent"));
}

TEST(Png, BadCompressedStreamIsAWarning) {
  Bytes iccp = bytes_of("My Profile");
  iccp.insert(iccp.end(), {0, 0, 0x78, 0x9C, 0xFF, 0xFF, 0xFF});
  Metadata md = extract_ok(Png().ihdr(1, 1).chunk("iCCP", iccp).idat().iend().b);
  EXPECT_EQ(str(md, "ProfileName"), "My Profile");
  EXPECT_TRUE(warned(md, "Error inflating iCCP"));
}

TEST(Png, RawProfileOfWrongSizeIsReported) {
  // ImageMagick's hex-encoded profile: "\n<type>\n<length>\n<hex>"; 10 bytes claimed, 4 given.
  Metadata md = extract_ok(Png().ihdr(1, 1).text("Raw profile type exif", "\nexif\n      10\n45786966\n").idat().iend().b);
  EXPECT_TRUE(warned(md, "EXIF_Profile is wrong size (should be 10 bytes but is 4)"));
  EXPECT_FALSE(md.has("RawProfileTypeExif"sv));
}

TEST(Png, RawExifProfileGoesToTheExifParser) {
  std::string hex = "\nexif\n      32\n457869660000";
  for (uint8_t c : tiff_orientation_6()) {
    char buf[3];
    std::snprintf(buf, sizeof buf, "%02x", c);
    hex += buf;
  }
  hex += "\n";
  Metadata md = extract_ok(Png().ihdr(1, 1).text("Raw profile type exif", hex).idat().iend().b);
  EXPECT_EQ(num(md, "Orientation"), 6);
}

TEST(Png, ExifChunkAfterImageDataIsReadWithMinorWarning) {
  Metadata md = extract_ok(Png().ihdr(1, 1).idat().chunk("eXIf", tiff_orientation_6()).iend().b);
  EXPECT_TRUE(warned(md, "[minor] Text/EXIF chunk(s) found after PNG IDAT"));
  EXPECT_EQ(num(md, "Orientation"), 6);
}

TEST(Png, ExifChunkWithoutTiffHeaderIsSkipped) {
  Metadata md = extract_ok(Png().ihdr(1, 1).chunk("eXIf", bytes_of("garbage")).idat().iend().b);
  EXPECT_TRUE(warned(md, "Invalid eXIf chunk"));
}

TEST(Png, XmpTextChunkGoesToTheXmpParser) {
  const std::string xmp =
      "<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>"
      "<rdf:Description xmlns:xmp='http://ns.adobe.com/xap/1.0/' xmp:CreatorTool='Builder'/></rdf:RDF></x:xmpmeta>";
  Metadata md = extract_ok(Png().ihdr(1, 1).itext("XML:com.adobe.xmp", "", xmp).idat().iend().b);
  EXPECT_EQ(str(md, "CreatorTool"), "Builder");
}

TEST(Png, ChunkLengthPastTheEndStopsWithWarning) {
  Png png;
  png.ihdr(3, 4);
  put32(png.b, 1000);
  for (char c : std::string("tEXtshort")) png.b.push_back(static_cast<uint8_t>(c));
  Metadata md = extract_ok(png.b);
  EXPECT_EQ(num(md, "ImageWidth"), 3);
  EXPECT_TRUE(warned(md, "Corrupted PNG image: tEXt chunk at 0x21 claims 1000 bytes"));
}

TEST(Png, ChunkLengthAboveTwoGigabytesIsInvalid) {
  Png png;
  png.ihdr(3, 4);
  put32(png.b, 0x80000000);
  for (char c : std::string("IDAT")) png.b.push_back(static_cast<uint8_t>(c));
  Metadata md = extract_ok(png.b);
  EXPECT_TRUE(warned(md, "Invalid PNG chunk size"));
}

TEST(Png, MissingImageEndIsTruncation) {
  Metadata md = extract_ok(Png().ihdr(1, 1).idat().b);
  EXPECT_EQ(num(md, "ImageWidth"), 1);
  EXPECT_TRUE(warned(md, "Truncated PNG image"));
}

TEST(Png, SignatureAloneIsATruncatedPng) {
  Metadata md = extract_ok(Png().b);
  EXPECT_EQ(str(md, "FileType"), "PNG");
  EXPECT_TRUE(warned(md, "Truncated PNG image"));
}

TEST(Png, FirstChunkOtherThanHeaderIsNoted) {
  Metadata md = extract_ok(Png().text("Title", "early").ihdr(1, 1).idat().iend().b);
  EXPECT_TRUE(warned(md, "PNG image did not start with IHDR"));
  EXPECT_EQ(str(md, "Title"), "early");
}

TEST(Png, ChunkCountIsCapped) {
  Options options;
  options.limits.max_segments = 10;
  Png png;
  png.ihdr(1, 1);
  for (int i = 0; i < 100; ++i) png.chunk("prVt", {1});
  Metadata md = extract_ok(png.iend().b, options);
  EXPECT_TRUE(warned(md, "PNG: stopped after 10 chunks"));
}

TEST(Png, TrailerAfterImageEndIsNoted) {
  Png png;
  png.ihdr(1, 1).idat().iend();
  png.b.insert(png.b.end(), {1, 2, 3});
  EXPECT_TRUE(warned(extract_ok(png.b), "[minor] Trailer data after PNG IEND chunk"));
}

// A large image split into many IDAT chunks, with a text chunk after the image data.
Png many_idat_chunks_then_text(bool with_end, bool good_text_crc = true) {
  Png png;
  png.ihdr(100, 100);
  for (int i = 0; i < 400; ++i) png.idat(1024);
  png.text("Title", "after the image");
  if (!good_text_crc) png.b[png.b.size() - 1] ^= 0xFF;
  if (with_end) png.iend();
  return png;
}

TEST(Png, ChunksAfterManyImageDataChunksAreFoundFromTheTail) {
  Png png = many_idat_chunks_then_text(/*with_end=*/true);
  const size_t file_size = png.b.size();
  FetchingSource src(png.b);
  auto md = extract(src);
  ASSERT_TRUE(md.ok());
  EXPECT_EQ(str(*md, "Title"), "after the image");
  EXPECT_LT(md->bytes_read, file_size / 4);  // the header block and the tail window
  EXPECT_FALSE(warned(*md, "Truncated"));
}

TEST(Png, WithoutImageEndTheWalkHopsToTheText) {
  Png png = many_idat_chunks_then_text(/*with_end=*/false);
  FetchingSource src(png.b);
  auto md = extract(src);
  ASSERT_TRUE(md.ok());
  EXPECT_EQ(str(*md, "Title"), "after the image");
  EXPECT_TRUE(warned(*md, "Truncated PNG image"));
}

TEST(Png, ChunkLookalikeInsideImageDataIsNotTakenForAChunk) {
  // The last IDAT chunk ends with bytes that parse as a tEXt chunk (with a wrong CRC) leading
  // straight to the real chunks; the tail window starts inside that IDAT chunk.
  Png png;
  png.ihdr(100, 100);
  for (int i = 0; i < 300; ++i) png.idat(1024);
  Bytes data(100 * 1024, 0x55);
  const std::string fake = std::string("\0\0\0\x0AtEXtTitle\0fake", 18) + "\x01\x02\x03\x04";
  std::copy(fake.begin(), fake.end(), data.end() - static_cast<std::ptrdiff_t>(fake.size()));
  png.chunk("IDAT", data).text("Title", "real").iend();
  FetchingSource src(png.b);
  auto md = extract(src);
  ASSERT_TRUE(md.ok());
  EXPECT_EQ(str(*md, "Title"), "real");
}

TEST(Png, TailChunkWithBadCrcIsStillReadByTheWalk) {
  Png png = many_idat_chunks_then_text(/*with_end=*/true, /*good_text_crc=*/false);
  FetchingSource src(png.b);
  auto md = extract(src);
  ASSERT_TRUE(md.ok());
  EXPECT_EQ(str(*md, "Title"), "after the image");
}

}  // namespace
}  // namespace imgmeta::meta
