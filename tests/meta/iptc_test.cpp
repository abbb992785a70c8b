// parse_iptc: IPTC IIM datasets of the envelope (1) and application (2) records.
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
  Metadata& parse(const std::vector<uint8_t>& iim) {
    parse_iptc(ByteView(iim), ctx);
    return md;
  }
};

// IIM 1.5: 0x1C, record, dataset, two-byte length, data.
void dataset(std::vector<uint8_t>& out, uint8_t record, uint8_t number, std::string_view data) {
  out.insert(out.end(), {0x1C, record, number, static_cast<uint8_t>(data.size() >> 8),
                         static_cast<uint8_t>(data.size() & 0xFF)});
  out.insert(out.end(), data.begin(), data.end());
}

std::string text(const Metadata& md, std::string_view name) {
  const std::string* s = md.get_string(name);
  return s ? *s : "<absent or not a string>";
}

int64_t integer(const Metadata& md, std::string_view name) {
  const Value* v = md.get(name);
  return v && std::holds_alternative<int64_t>(*v) ? std::get<int64_t>(*v) : -999;
}

TEST(Iptc, ApplicationRecordFields) {
  std::vector<uint8_t> iim;
  dataset(iim, 2, 0, std::string("\x00\x04", 2));
  dataset(iim, 2, 5, "Test IPTC picture");
  dataset(iim, 2, 80, "Phil Harvey");
  dataset(iim, 2, 90, "Kingston");
  dataset(iim, 2, 101, "Canada");
  dataset(iim, 2, 116, "Copyright 2004 Phil Harvey");
  dataset(iim, 2, 120, "A witty caption");
  Harness h;
  auto& md = h.parse(iim);
  EXPECT_EQ(integer(md, "ApplicationRecordVersion"), 4);
  EXPECT_EQ(text(md, "ObjectName"), "Test IPTC picture");
  EXPECT_EQ(text(md, "By-line"), "Phil Harvey");
  EXPECT_EQ(text(md, "City"), "Kingston");
  EXPECT_EQ(text(md, "Country-PrimaryLocationName"), "Canada");
  EXPECT_EQ(text(md, "CopyrightNotice"), "Copyright 2004 Phil Harvey");
  EXPECT_EQ(text(md, "Caption-Abstract"), "A witty caption");
  EXPECT_TRUE(md.warnings.empty());
}

TEST(Iptc, NumericTextIsANumber) {
  std::vector<uint8_t> iim;
  dataset(iim, 2, 10, "8");
  dataset(iim, 2, 15, "1");
  Harness h;
  auto& md = h.parse(iim);
  EXPECT_EQ(integer(md, "Urgency"), 8);
  EXPECT_EQ(integer(md, "Category"), 1);
}

TEST(Iptc, RepeatedKeywordsAreAList) {
  std::vector<uint8_t> iim;
  dataset(iim, 2, 25, "ExifTool");
  dataset(iim, 2, 25, "Test");
  dataset(iim, 2, 25, "IPTC");
  Harness h;
  auto& md = h.parse(iim);
  const Value* v = md.get("Keywords"_f);
  ASSERT_TRUE(v && std::holds_alternative<std::vector<std::string>>(*v));
  EXPECT_EQ(std::get<std::vector<std::string>>(*v), (std::vector<std::string>{"ExifTool", "Test", "IPTC"}));
}

TEST(Iptc, OneKeywordIsAString) {
  std::vector<uint8_t> iim;
  dataset(iim, 2, 25, "tag");
  Harness h;
  EXPECT_EQ(text(h.parse(iim), "Keywords"), "tag");
}

TEST(Iptc, DatesAndTimesTakeExifToolsForm) {
  std::vector<uint8_t> iim;
  dataset(iim, 2, 55, "20020620");
  dataset(iim, 2, 60, "062751-0500");
  dataset(iim, 2, 62, "19991231");
  dataset(iim, 2, 63, "235959");
  Harness h;
  auto& md = h.parse(iim);
  EXPECT_EQ(text(md, "DateCreated"), "2002:06:20");
  EXPECT_EQ(text(md, "TimeCreated"), "06:27:51-05:00");
  EXPECT_EQ(text(md, "DigitalCreationDate"), "1999:12:31");
  EXPECT_EQ(text(md, "DigitalCreationTime"), "23:59:59");
  EXPECT_EQ(text(md, "DateTimeCreated"), "2002:06:20 06:27:51-05:00");
}

TEST(Iptc, ExtendedLengthDatasetIsRead) {
  // IIM 1.5.2: length 0x8004 means "the length is in the next 4 octets".
  std::string caption(70000, 'c');
  std::vector<uint8_t> iim = {0x1C, 2, 120, 0x80, 0x04, 0x00, 0x01, 0x11, 0x70};
  iim.insert(iim.end(), caption.begin(), caption.end());
  dataset(iim, 2, 5, "after");
  Harness h;
  auto& md = h.parse(iim);
  EXPECT_EQ(text(md, "Caption-Abstract").size(), 65536u);  // Metadata cuts long strings
  EXPECT_EQ(text(md, "ObjectName"), "after");
  EXPECT_TRUE(md.warnings.empty());
}

TEST(Iptc, ExtendedLengthOfZeroOrTooManyOctetsStops) {
  for (uint8_t octets : {0, 5, 0x7F}) {
    std::vector<uint8_t> iim;
    dataset(iim, 2, 5, "first");
    iim.insert(iim.end(), {0x1C, 2, 120, 0x80, octets, 0, 0, 0, 0, 0, 1, 'x'});
    Harness h;
    auto& md = h.parse(iim);
    EXPECT_EQ(text(md, "ObjectName"), "first");
    EXPECT_FALSE(md.has("Caption-Abstract"_f));
    ASSERT_EQ(md.warnings.size(), 1u) << int(octets);
    EXPECT_NE(md.warnings[0].find("extended length"), std::string::npos) << md.warnings[0];
  }
}

TEST(Iptc, ExtendedLengthPastTheEndStops) {
  std::vector<uint8_t> iim = {0x1C, 2, 120, 0x80, 0x04, 0xFF, 0xFF, 0xFF, 0xFF, 'a', 'b'};
  Harness h;
  auto& md = h.parse(iim);
  EXPECT_FALSE(md.has("Caption-Abstract"_f));
  ASSERT_EQ(md.warnings.size(), 1u);
  EXPECT_NE(md.warnings[0].find("exceeds"), std::string::npos) << md.warnings[0];
}

TEST(Iptc, LengthPastTheEndKeepsEarlierDatasets) {
  std::vector<uint8_t> iim;
  dataset(iim, 2, 5, "kept");
  iim.insert(iim.end(), {0x1C, 2, 120, 0x00, 0x40, 'a'});
  Harness h;
  auto& md = h.parse(iim);
  EXPECT_EQ(text(md, "ObjectName"), "kept");
  EXPECT_EQ(md.warnings.size(), 1u);
}

TEST(Iptc, TruncatedHeaderWarns) {
  std::vector<uint8_t> iim = {0x1C, 2, 5};
  Harness h;
  auto& md = h.parse(iim);
  EXPECT_EQ(md.warnings.size(), 1u);
}

TEST(Iptc, ZeroPaddingAfterTheLastDatasetIsQuiet) {
  std::vector<uint8_t> iim;
  dataset(iim, 2, 5, "name");
  iim.resize(iim.size() + 3, 0);
  Harness h;
  auto& md = h.parse(iim);
  EXPECT_EQ(text(md, "ObjectName"), "name");
  EXPECT_TRUE(md.warnings.empty());
}

TEST(Iptc, JunkAfterTheLastDatasetWarns) {
  std::vector<uint8_t> iim;
  dataset(iim, 2, 5, "name");
  iim.insert(iim.end(), {'j', 'u', 'n', 'k'});
  Harness h;
  auto& md = h.parse(iim);
  EXPECT_EQ(text(md, "ObjectName"), "name");
  ASSERT_EQ(md.warnings.size(), 1u);
  EXPECT_NE(md.warnings[0].find("tag marker"), std::string::npos);
}

TEST(Iptc, Latin1TextWithoutCharacterSetBecomesUtf8) {
  std::vector<uint8_t> iim;
  dataset(iim, 2, 90, "Z\xFCrich");
  Harness h;
  EXPECT_EQ(text(h.parse(iim), "City"), "Z\xC3\xBCrich");
}

TEST(Iptc, Utf8TextWithoutCharacterSetStaysUtf8) {
  std::vector<uint8_t> iim;
  dataset(iim, 2, 90, "Z\xC3\xBCrich");
  Harness h;
  EXPECT_EQ(text(h.parse(iim), "City"), "Z\xC3\xBCrich");
}

TEST(Iptc, DeclaredUtf8WithInvalidBytesComesOutValid) {
  std::vector<uint8_t> iim;
  dataset(iim, 1, 90, "\x1b%G");
  dataset(iim, 2, 90, "Z\xFCrich");
  Harness h;
  auto& md = h.parse(iim);
  EXPECT_EQ(text(md, "CodedCharacterSet"), "\x1b%G");
  EXPECT_EQ(text(md, "City"), "Z\xEF\xBF\xBDrich");  // U+FFFD
}

TEST(Iptc, BinaryDatasetsAreNotReported) {
  std::vector<uint8_t> iim;
  dataset(iim, 2, 202, std::string("\xFF\xD8\xFF\xE0", 4));
  Harness h;
  EXPECT_FALSE(h.parse(iim).has("ObjectPreviewData"_f));
}

TEST(Iptc, CurrentDigestIsTheMd5OfTheBlock) {
  Harness h;
  EXPECT_EQ(text(h.parse({}), "CurrentIPTCDigest"), "d41d8cd98f00b204e9800998ecf8427e");  // RFC 1321 A.5
  Harness h2;
  std::vector<uint8_t> abc = {'a', 'b', 'c'};
  EXPECT_EQ(text(h2.parse(abc), "CurrentIPTCDigest"), "900150983cd24fb0d6963f7d28e17f72");
  Harness h3;
  std::string alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  EXPECT_EQ(text(h3.parse(std::vector<uint8_t>(alnum.begin(), alnum.end())), "CurrentIPTCDigest"),
            "d174ab98d277d9f5a5611c2c9f419d9f");
}

}  // namespace
}  // namespace imgmeta::meta
