// parse_icc: the ICC.1 profile header and descriptive tags.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "meta/formats.hpp"

namespace imgmeta::meta {
namespace {

using namespace std::string_view_literals;

struct Harness {
  MemorySource source{std::span<const uint8_t>()};
  Reader reader{source, 1 << 20};
  Metadata md;
  Options options;
  Context ctx{reader, md, options};
  Metadata& parse(const std::vector<uint8_t>& profile) {
    parse_icc(ByteView(profile), ctx);
    return md;
  }
};

void put32(std::vector<uint8_t>& v, size_t at, uint32_t x) {
  if (v.size() < at + 4) v.resize(at + 4);
  for (size_t i = 0; i < 4; ++i) v[at + i] = static_cast<uint8_t>(x >> (24 - 8 * i));
}

void put_text(std::vector<uint8_t>& v, size_t at, std::string_view s) {
  if (v.size() < at + s.size()) v.resize(at + s.size());
  std::copy(s.begin(), s.end(), v.begin() + static_cast<ptrdiff_t>(at));
}

// The header of sRGB IEC61966-2.1 as HP wrote it, without tags.
std::vector<uint8_t> header() {
  std::vector<uint8_t> p(132, 0);
  put_text(p, 4, "Lino");
  put32(p, 8, 0x02100000);
  put_text(p, 12, "mntrRGB XYZ ");
  const uint16_t date[6] = {1998, 2, 9, 6, 49, 0};
  for (size_t i = 0; i < 6; ++i) {
    p[24 + 2 * i] = static_cast<uint8_t>(date[i] >> 8);
    p[25 + 2 * i] = static_cast<uint8_t>(date[i] & 0xFF);
  }
  put_text(p, 36, "acspMSFT");
  put_text(p, 48, "IEC sRGB");
  put32(p, 68, 0x0000F6D6);  // D50: 0.9642, 1.0, 0.8249
  put32(p, 72, 0x00010000);
  put32(p, 76, 0x0000D32D);
  put_text(p, 80, "HP  ");
  return p;
}

// Appends tags (signature, bytes) with a tag table; fixes the profile size.
std::vector<uint8_t> with_tags(std::vector<uint8_t> p, const std::vector<std::pair<std::string, std::vector<uint8_t>>>& tags) {
  put32(p, 128, static_cast<uint32_t>(tags.size()));
  size_t data = 132 + 12 * tags.size();
  p.resize(data);
  for (size_t i = 0; i < tags.size(); ++i) {
    put_text(p, 132 + 12 * i, tags[i].first);
    put32(p, 136 + 12 * i, static_cast<uint32_t>(p.size()));
    put32(p, 140 + 12 * i, static_cast<uint32_t>(tags[i].second.size()));
    p.insert(p.end(), tags[i].second.begin(), tags[i].second.end());
    while (p.size() % 4) p.push_back(0);
  }
  put32(p, 0, static_cast<uint32_t>(p.size()));
  return p;
}

// ICC.1:2001 6.5.17 textDescriptionType (version 2): ASCII count including the NUL.
std::vector<uint8_t> desc_v2(std::string_view s) {
  std::vector<uint8_t> t;
  put_text(t, 0, "desc");
  put32(t, 8, static_cast<uint32_t>(s.size() + 1));
  put_text(t, 12, s);
  t.push_back(0);
  t.resize(t.size() + 12 + 67, 0);  // empty Unicode and ScriptCode parts
  return t;
}

// ICC.1:2010 10.15 multiLocalizedUnicodeType with one record of UTF-16BE code units.
std::vector<uint8_t> mluc(const std::vector<uint16_t>& units) {
  std::vector<uint8_t> t;
  put_text(t, 0, "mluc");
  put32(t, 8, 1);
  put32(t, 12, 12);
  put_text(t, 16, "enUS");
  put32(t, 20, static_cast<uint32_t>(units.size() * 2));
  put32(t, 24, 28);
  for (uint16_t u : units) {
    t.push_back(static_cast<uint8_t>(u >> 8));
    t.push_back(static_cast<uint8_t>(u & 0xFF));
  }
  return t;
}

std::string text(const Metadata& md, std::string_view name) {
  const std::string* s = md.get_string(name);
  return s ? *s : "<absent or not a string>";
}

int64_t integer(const Metadata& md, std::string_view name) {
  const Value* v = md.get(name);
  return v && std::holds_alternative<int64_t>(*v) ? std::get<int64_t>(*v) : -999;
}

TEST(Icc, HeaderFields) {
  Harness h;
  auto& md = h.parse(with_tags(header(), {}));
  EXPECT_EQ(text(md, "ProfileCMMType"), "Lino");
  EXPECT_EQ(integer(md, "ProfileVersion"), 528);
  EXPECT_EQ(text(md, "ProfileClass"), "mntr");
  EXPECT_EQ(text(md, "ColorSpaceData"), "RGB ");
  EXPECT_EQ(text(md, "ProfileConnectionSpace"), "XYZ ");
  EXPECT_EQ(text(md, "ProfileDateTime"), "1998:02:09 06:49:00");
  EXPECT_EQ(text(md, "ProfileFileSignature"), "acsp");
  EXPECT_EQ(text(md, "PrimaryPlatform"), "MSFT");
  EXPECT_EQ(text(md, "DeviceManufacturer"), "IEC ");
  EXPECT_EQ(text(md, "DeviceModel"), "sRGB");
  EXPECT_EQ(text(md, "DeviceAttributes"), "0 0");
  EXPECT_EQ(integer(md, "RenderingIntent"), 0);
  EXPECT_EQ(text(md, "ConnectionSpaceIlluminant"), "0.9642 1 0.82491");
  EXPECT_EQ(text(md, "ProfileCreator"), "HP  ");
  EXPECT_EQ(text(md, "ProfileID"), "0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0");
  EXPECT_TRUE(md.warnings.empty());
}

TEST(Icc, ZeroSignatureIsEmptyAndDigitsAreANumber) {
  auto p = header();
  put_text(p, 4, std::string(4, '\0'));
  put_text(p, 52, "1111");
  Harness h;
  auto& md = h.parse(with_tags(p, {}));
  EXPECT_EQ(text(md, "ProfileCMMType"), "");
  EXPECT_EQ(integer(md, "DeviceModel"), 1111);  // as exiftool -j prints it
}

TEST(Icc, Version2DescriptionAndCopyright) {
  std::vector<uint8_t> cprt;
  put_text(cprt, 0, "text");
  put_text(cprt, 8, std::string("Copyright (c) 1998 Hewlett-Packard Company\0", 43));
  Harness h;
  auto& md = h.parse(with_tags(header(), {{"desc", desc_v2("sRGB IEC61966-2.1")}, {"cprt", cprt}}));
  EXPECT_EQ(text(md, "ProfileDescription"), "sRGB IEC61966-2.1");
  EXPECT_EQ(text(md, "ProfileCopyright"), "Copyright (c) 1998 Hewlett-Packard Company");
}

TEST(Icc, Version4DescriptionIsUtf16) {
  // "Display P3 é 𝄞": a BMP letter and a surrogate pair.
  std::vector<uint16_t> units = {'D', 'i', 's', 'p', 'l', 'a', 'y', ' ', 'P', '3', ' ', 0x00E9, ' ', 0xD834, 0xDD1E};
  Harness h;
  auto& md = h.parse(with_tags(header(), {{"desc", mluc(units)}}));
  EXPECT_EQ(text(md, "ProfileDescription"), "Display P3 \xC3\xA9 \xF0\x9D\x84\x9E");
}

TEST(Icc, LoneSurrogateBecomesReplacementCharacter) {
  Harness h;
  auto& md = h.parse(with_tags(header(), {{"desc", mluc({'a', 0xDC00, 'b'})}}));
  EXPECT_EQ(text(md, "ProfileDescription"), "a\xEF\xBF\xBD" "b");
}

TEST(Icc, MlucRecordOutsideTheTagIsIgnored) {
  auto t = mluc({'a', 'b'});
  put32(t, 24, 0xFFFFFFF0);  // record offset
  Harness h;
  auto& md = h.parse(with_tags(header(), {{"desc", t}}));
  EXPECT_FALSE(md.has("ProfileDescription"_f));
  EXPECT_EQ(text(md, "ProfileCMMType"), "Lino");
}

// A multiLocalizedUnicodeType with several (language+country, ASCII text) records.
std::vector<uint8_t> mluc_records(const std::vector<std::pair<std::string, std::string>>& records) {
  std::vector<uint8_t> t;
  put_text(t, 0, "mluc");
  put32(t, 8, static_cast<uint32_t>(records.size()));
  put32(t, 12, 12);
  size_t text_at = 16 + 12 * records.size();
  for (size_t i = 0; i < records.size(); ++i) {
    put_text(t, 16 + 12 * i, records[i].first);
    put32(t, 20 + 12 * i, static_cast<uint32_t>(records[i].second.size() * 2));
    put32(t, 24 + 12 * i, static_cast<uint32_t>(text_at));
    for (size_t k = 0; k < records[i].second.size(); ++k) {
      if (t.size() < text_at + 2 * k + 2) t.resize(text_at + 2 * k + 2);
      t[text_at + 2 * k + 1] = static_cast<uint8_t>(records[i].second[k]);
    }
    text_at += 2 * records[i].second.size();
  }
  return t;
}

TEST(Icc, EveryLanguageOfAMultiLocalizedTagIsAField) {
  // As Apple's display profiles carry them (ExifTool: ProfileDescriptionML-de-DE...).
  Harness h;
  auto& md = h.parse(with_tags(header(), {{"desc", mluc_records({{"enUS", "Color LCD"}})},
                                          {"dscm", mluc_records({{"daDK", "LCD-farveskaerm"},
                                                                 {"enUS", "Color LCD"},
                                                                 {"frFU", "Ecran LCD"},
                                                                 {"1234", "no language"}})}}));
  EXPECT_EQ(text(md, "ProfileDescription"), "Color LCD");
  EXPECT_EQ(text(md, "ProfileDescriptionML-da-DK"), "LCD-farveskaerm");
  EXPECT_EQ(text(md, "ProfileDescriptionML-fr-FU"), "Ecran LCD");
  EXPECT_EQ(text(md, "ProfileDescriptionML"), "no language");  // no valid code: the plain name
  EXPECT_FALSE(md.has("ProfileDescription-en-US"sv));
}

TEST(Icc, MlucRecordsPastTheTagStopTheList) {
  auto t = mluc_records({{"enUS", "a"}, {"deDE", "b"}});
  put32(t, 8, 1000);  // more records than the tag holds
  Harness h;
  auto& md = h.parse(with_tags(header(), {{"dscm", t}}));
  EXPECT_EQ(text(md, "ProfileDescriptionML"), "a");
  EXPECT_EQ(text(md, "ProfileDescriptionML-de-DE"), "b");
}

TEST(Icc, AppleDisplayTagsAreReportedBySize) {
  Harness h;
  std::vector<uint8_t> vcgt(1554, 0), mmod(40, 0);
  put_text(vcgt, 0, "vcgt");
  put_text(mmod, 0, "mmod");
  auto& md = h.parse(with_tags(header(), {{"vcgt", vcgt}, {"mmod", mmod}}));
  EXPECT_EQ(text(md, "VideoCardGamma"), "(Binary data 1554 bytes, use -b option to extract)");
  EXPECT_EQ(text(md, "MakeAndModel"), "(Binary data 40 bytes, use -b option to extract)");
}

TEST(Icc, XyzMeasurementAndViewingTags) {
  std::vector<uint8_t> wtpt, meas, view;
  put_text(wtpt, 0, "XYZ ");
  put32(wtpt, 8, 0x0000F351);
  put32(wtpt, 12, 0x00010000);
  put32(wtpt, 16, 0x000116CC);
  put_text(meas, 0, "meas");
  put32(meas, 8, 1);
  put32(meas, 28, 655);
  put32(meas, 32, 2);
  put_text(view, 0, "view");
  put32(view, 8, 0x0013A4FE);
  put32(view, 32, 1);
  Harness h;
  auto& md = h.parse(with_tags(header(), {{"wtpt", wtpt}, {"meas", meas}, {"view", view}}));
  EXPECT_EQ(text(md, "MediaWhitePoint"), "0.95045 1 1.08905");
  EXPECT_EQ(integer(md, "MeasurementObserver"), 1);
  EXPECT_EQ(text(md, "MeasurementBacking"), "0 0 0");
  double flare = 0;
  EXPECT_TRUE(md.get_number("MeasurementFlare"_f, flare));
  EXPECT_DOUBLE_EQ(flare, 0.00999);
  EXPECT_EQ(integer(md, "MeasurementIlluminant"), 2);
  EXPECT_EQ(text(md, "ViewingCondIlluminant"), "19.6445 0 0");
  EXPECT_EQ(integer(md, "ViewingCondIlluminantType"), 1);
}

TEST(Icc, CurvesAreReportedBySize) {
  std::vector<uint8_t> curv(2060, 0);
  put_text(curv, 0, "curv");
  Harness h;
  auto& md = h.parse(with_tags(header(), {{"rTRC", curv}}));
  EXPECT_EQ(text(md, "RedTRC"), "(Binary data 2060 bytes, use -b option to extract)");
}

TEST(Icc, ShortProfileWarns) {
  Harness h;
  auto& md = h.parse(std::vector<uint8_t>(100, 0));
  EXPECT_TRUE(md.fields.empty());
  ASSERT_EQ(md.warnings.size(), 1u);
  EXPECT_NE(md.warnings[0].find("128-byte header"), std::string::npos);
}

TEST(Icc, TagOutsideTheProfileIsSkipped) {
  auto p = with_tags(header(), {{"desc", desc_v2("x")}});
  put32(p, 136, 0xFFFFFFF0);  // the desc tag's offset
  Harness h;
  auto& md = h.parse(p);
  EXPECT_FALSE(md.has("ProfileDescription"_f));
  EXPECT_TRUE(md.has("ProfileClass"_f));
}

TEST(Icc, DescriptionCountPastTheTagIsIgnored) {
  auto t = desc_v2("abc");
  put32(t, 8, 0x7FFFFFFF);
  Harness h;
  auto& md = h.parse(with_tags(header(), {{"desc", t}}));
  EXPECT_FALSE(md.has("ProfileDescription"_f));
}

TEST(Icc, HugeTagCountWarns) {
  auto p = header();
  put32(p, 128, 0xFFFFFFFF);
  Harness h;
  auto& md = h.parse(p);
  EXPECT_TRUE(md.has("ProfileClass"_f));
  ASSERT_EQ(md.warnings.size(), 1u);
  EXPECT_NE(md.warnings[0].find("tag table"), std::string::npos);
}

}  // namespace
}  // namespace imgmeta::meta
