// parse_photoshop_irb: Photoshop image resource blocks ("8BIM").
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "meta/formats.hpp"

namespace imgmeta::meta {
namespace {

struct Harness {
  MemorySource source{std::span<const uint8_t>()};
  Reader reader{source, 1 << 20};
  Metadata md;
  Options options;
  Context ctx{reader, md, options};
  Metadata& parse(const std::vector<uint8_t>& irb) {
    parse_photoshop_irb(ByteView(irb), ctx);
    return md;
  }
};

// "8BIM", ID, Pascal name padded to even, 4-byte size, data padded to even.
void resource(std::vector<uint8_t>& out, uint16_t id, std::string_view data, std::string_view name = "") {
  out.insert(out.end(), {'8', 'B', 'I', 'M', static_cast<uint8_t>(id >> 8), static_cast<uint8_t>(id & 0xFF)});
  out.push_back(static_cast<uint8_t>(name.size()));
  out.insert(out.end(), name.begin(), name.end());
  if ((1 + name.size()) % 2) out.push_back(0);
  uint32_t n = static_cast<uint32_t>(data.size());
  out.insert(out.end(), {static_cast<uint8_t>(n >> 24), static_cast<uint8_t>(n >> 16), static_cast<uint8_t>(n >> 8),
                         static_cast<uint8_t>(n)});
  out.insert(out.end(), data.begin(), data.end());
  if (data.size() % 2) out.push_back(0);
}

std::string text(const Metadata& md, std::string_view name) {
  const std::string* s = md.get_string(name);
  return s ? *s : "<absent or not a string>";
}

int64_t integer(const Metadata& md, std::string_view name) {
  const Value* v = md.get(name);
  return v && std::holds_alternative<int64_t>(*v) ? std::get<int64_t>(*v) : -999;
}

const std::string kObjectNameIptc("\x1C\x02\x05\x00\x05Title", 10);

TEST(Photoshop, IptcResourceIsParsed) {
  std::vector<uint8_t> irb;
  resource(irb, 0x0404, kObjectNameIptc);
  Harness h;
  auto& md = h.parse(irb);
  EXPECT_EQ(text(md, "ObjectName"), "Title");
  EXPECT_EQ(text(md, "CurrentIPTCDigest").size(), 32u);
  EXPECT_TRUE(md.warnings.empty());
}

TEST(Photoshop, IptcDigestIsHex) {
  std::vector<uint8_t> irb;
  resource(irb, 0x0425, std::string("\x05\xad\x17\x70\xb1\xa9\x5f\x1f\x97\x88\xac\x99\x5f\xa6\x47\xda", 16));
  Harness h;
  EXPECT_EQ(text(h.parse(irb), "IPTCDigest"), "05ad1770b1a95f1f9788ac995fa647da");
}

TEST(Photoshop, ResolutionInfoFillsInResolution) {
  std::vector<uint8_t> irb;
  resource(irb, 0x03ED, std::string("\x01\x2C\x00\x00\x00\x01\x00\x01\x01\x2C\x80\x00\x00\x02\x00\x01", 16));
  Harness h;
  auto& md = h.parse(irb);
  double x = 0, y = 0;
  EXPECT_TRUE(md.get_number("XResolution"_f, x));
  EXPECT_TRUE(md.get_number("YResolution"_f, y));
  EXPECT_DOUBLE_EQ(x, 300);
  EXPECT_DOUBLE_EQ(y, 300.5);
  EXPECT_EQ(integer(md, "DisplayedUnitsX"), 1);
  EXPECT_EQ(integer(md, "DisplayedUnitsY"), 2);
}

TEST(Photoshop, ExifResolutionWinsOverPhotoshops) {
  std::vector<uint8_t> irb;
  resource(irb, 0x03ED, std::string("\x01\x2C\x00\x00\x00\x01\x00\x01\x01\x2C\x00\x00\x00\x01\x00\x01", 16));
  Harness h;
  h.md.set("XResolution"_f, int64_t{72});
  EXPECT_EQ(integer(h.parse(irb), "XResolution"), 72);
}

TEST(Photoshop, NamesAndOddSizesArePadded) {
  std::vector<uint8_t> irb;
  resource(irb, 0x040B, "abc", "ab");  // name of 2 (3 bytes with its length, padded to 4), data of 3
  resource(irb, 0x040A, std::string("\x01", 1), "odd");
  resource(irb, 0x0404, kObjectNameIptc);
  Harness h;
  auto& md = h.parse(irb);
  EXPECT_EQ(text(md, "URL"), "abc");
  EXPECT_EQ(integer(md, "CopyrightFlag"), 1);
  EXPECT_EQ(text(md, "ObjectName"), "Title");
  EXPECT_TRUE(md.warnings.empty());
}

TEST(Photoshop, VersionInfoNamesAreUtf16) {
  std::string d("\x00\x00\x00\x01\x01", 5);
  d += std::string("\x00\x00\x00\x03\x00P\x00S\x00\xE9", 10);  // "PSé"
  d += std::string("\x00\x00\x00\x01\x00R", 6);
  d += std::string("\x00\x00\x00\x01", 4);
  std::vector<uint8_t> irb;
  resource(irb, 0x0421, d);
  Harness h;
  auto& md = h.parse(irb);
  EXPECT_EQ(integer(md, "HasRealMergedData"), 1);
  EXPECT_EQ(text(md, "WriterName"), "PS\xC3\xA9");
  EXPECT_EQ(text(md, "ReaderName"), "R");
}

TEST(Photoshop, UnicodeCountPastTheEndIsIgnored) {
  std::string d("\x00\x00\x00\x01\x01\x7F\xFF\xFF\xFF\x00P", 11);
  std::vector<uint8_t> irb;
  resource(irb, 0x0421, d);
  Harness h;
  auto& md = h.parse(irb);
  EXPECT_EQ(integer(md, "HasRealMergedData"), 1);
  EXPECT_FALSE(md.has("WriterName"_f));
}

TEST(Photoshop, BadSignatureWarnsAndStops) {
  std::vector<uint8_t> irb;
  resource(irb, 0x040A, std::string("\x01", 1));
  irb.insert(irb.end(), {'X', 'Y', 'Z', 'W', 0x04, 0x04, 0, 0, 0, 0, 0, 0});
  Harness h;
  auto& md = h.parse(irb);
  EXPECT_EQ(integer(md, "CopyrightFlag"), 1);
  ASSERT_EQ(md.warnings.size(), 1u);
  EXPECT_NE(md.warnings[0].find("signature"), std::string::npos);
}

TEST(Photoshop, SizePastTheEndWarns) {
  std::vector<uint8_t> irb = {'8', 'B', 'I', 'M', 0x04, 0x04, 0, 0, 0x7F, 0xFF, 0xFF, 0xFF, 0x1C};
  Harness h;
  auto& md = h.parse(irb);
  EXPECT_FALSE(md.has("CurrentIPTCDigest"_f));
  ASSERT_EQ(md.warnings.size(), 1u);
  EXPECT_NE(md.warnings[0].find("runs past the end"), std::string::npos);
}

TEST(Photoshop, NamePastTheEndWarns) {
  std::vector<uint8_t> irb = {'8', 'B', 'I', 'M', 0x04, 0x04, 0xFF, 'a', 'b', 'c', 'd', 'e'};
  Harness h;
  auto& md = h.parse(irb);
  ASSERT_EQ(md.warnings.size(), 1u);
}

TEST(Photoshop, ZeroPaddingAtTheEndIsQuiet) {
  std::vector<uint8_t> irb;
  resource(irb, 0x040A, std::string("\x00", 1));
  irb.resize(irb.size() + 5, 0);
  Harness h;
  auto& md = h.parse(irb);
  EXPECT_EQ(integer(md, "CopyrightFlag"), 0);
  EXPECT_TRUE(md.warnings.empty());
}

TEST(Photoshop, PrintScaleAndQuality) {
  std::vector<uint8_t> irb;
  resource(irb, 0x0426, std::string("\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x3F\x80\x00\x00", 14));
  resource(irb, 0x0406, std::string("\x00\x0C\x00\x00\x00\x01", 6));
  Harness h;
  auto& md = h.parse(irb);
  EXPECT_EQ(integer(md, "PrintStyle"), 0);
  EXPECT_EQ(text(md, "PrintPosition"), "0 0");
  double scale = 0;
  EXPECT_TRUE(md.get_number("PrintScale"_f, scale));
  EXPECT_DOUBLE_EQ(scale, 1.0);
  EXPECT_EQ(integer(md, "PhotoshopQuality"), 12);
  EXPECT_EQ(integer(md, "PhotoshopFormat"), 0);
}

}  // namespace
}  // namespace imgmeta::meta
