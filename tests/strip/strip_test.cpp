// strip_metadata() on files built here: what each mode removes, what stays byte-identical,
// and hostile structures (bad lengths, truncation, IFD loops, offsets past the end) answering
// Malformed.
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "strip/strip.hpp"

namespace imgmeta::strip {
namespace {

using namespace std::string_literals;

void le16(std::string& s, uint16_t v) {
  s.push_back(char(v & 0xFF));
  s.push_back(char(v >> 8));
}
void le32(std::string& s, uint32_t v) {
  for (int i = 0; i < 4; ++i) s.push_back(char(uint8_t(v >> (8 * i))));
}
void be16(std::string& s, uint16_t v) {
  s.push_back(char(v >> 8));
  s.push_back(char(v & 0xFF));
}
void be32(std::string& s, uint32_t v) {
  for (int i = 3; i >= 0; --i) s.push_back(char(uint8_t(v >> (8 * i))));
}
uint32_t get_le32(const std::string& s, size_t at) {
  return uint32_t(uint8_t(s[at])) | uint32_t(uint8_t(s[at + 1])) << 8 | uint32_t(uint8_t(s[at + 2])) << 16 |
         uint32_t(uint8_t(s[at + 3])) << 24;
}
uint16_t get_le16(const std::string& s, size_t at) { return uint16_t(uint8_t(s[at]) | uint8_t(s[at + 1]) << 8); }

// One IFD entry; `value` holds the value's bytes (little-endian), inline when 4 bytes or less.
struct E {
  uint16_t tag, type;
  uint32_t count;
  std::string value;
};
E ascii(uint16_t tag, std::string text) { return {tag, 2, uint32_t(text.size() + 1), text + '\0'}; }
E short1(uint16_t tag, uint16_t v) {
  std::string s;
  le16(s, v);
  s += "\0\0"s;
  return {tag, 3, 1, s};
}
E long1(uint16_t tag, uint32_t v) {
  std::string s;
  le32(s, v);
  return {tag, 4, 1, s};
}
E rationals(uint16_t tag, std::vector<uint32_t> parts) {
  std::string s;
  for (auto p : parts) le32(s, p);
  return {tag, 5, uint32_t(parts.size() / 2), s};
}

// A little-endian TIFF: header, IFD0, the GPS IFD (IFD0 then points to it), the out-of-line
// values, then `pixels` (IFD0's StripOffsets/StripByteCounts are added for it when non-empty).
std::string make_tiff(std::vector<E> ifd0, const std::vector<E>& gps, const std::string& pixels = "") {
  if (!gps.empty()) ifd0.push_back(long1(0x8825, 0));
  if (!pixels.empty()) {
    ifd0.push_back(long1(273, 0));
    ifd0.push_back(long1(279, uint32_t(pixels.size())));
  }
  std::sort(ifd0.begin(), ifd0.end(), [](const E& a, const E& b) { return a.tag < b.tag; });
  uint32_t ifd0_at = 8;
  uint32_t gps_at = ifd0_at + 2 + 12 * uint32_t(ifd0.size()) + 4;
  uint32_t values_at = gps_at + (gps.empty() ? 0 : 2 + 12 * uint32_t(gps.size()) + 4);
  std::string values;
  auto table = [&](const std::vector<E>& es, std::string& out) {
    le16(out, uint16_t(es.size()));
    for (const E& e : es) {
      le16(out, e.tag);
      le16(out, e.type);
      le32(out, e.count);
      if (e.value.size() <= 4) {
        out += e.value + std::string(4 - e.value.size(), '\0');
      } else {
        le32(out, values_at + uint32_t(values.size()));
        values += e.value;
        if (values.size() % 2) values.push_back('\0');
      }
    }
    le32(out, 0);
  };
  std::string gps_table;
  table(gps, gps_table);
  uint32_t pixels_at = 0;
  std::string ifd0_table;
  for (E& e : ifd0) {
    if (e.tag == 0x8825) e = long1(0x8825, gps_at);
  }
  // Values of IFD0 come after the GPS values, so lay out GPS first.
  std::string gps_values = values;
  values.clear();
  values_at += uint32_t(gps_values.size());
  // StripOffsets: after every value; patched below once the values' size is known.
  table(ifd0, ifd0_table);
  pixels_at = values_at + uint32_t(values.size());
  std::string out = "II*\0"s;
  le32(out, ifd0_at);
  for (size_t i = 0; i < ifd0.size(); ++i) {
    size_t at = 2 + 12 * i;
    if (get_le16(ifd0_table, at) == 273) {
      std::string v;
      le32(v, pixels_at);
      ifd0_table.replace(at + 8, 4, v);
    }
  }
  out += ifd0_table + gps_table + gps_values + values + pixels;
  return out;
}

const std::string kLatitude = "\x2A\x2A\x2A\x2A";  // a byte pattern to find in the GPS values

std::vector<E> gps_entries() {
  return {{1, 2, 2, "N\0"s}, rationals(2, {0x2A2A2A2A, 1, 0x2A2A2A2A, 1, 0x2A2A2A2A, 1}), {3, 2, 2, "E\0"s}};
}

std::string jpeg_segment(uint8_t marker, const std::string& payload) {
  std::string s = "\xFF"s + char(marker);
  be16(s, uint16_t(payload.size() + 2));
  return s + payload;
}
// SOI, the given segments, a minimal "scan" and EOI (the scan bytes are only copied).
std::string make_jpeg(const std::vector<std::string>& segments) {
  std::string s = "\xFF\xD8"s;
  for (const auto& seg : segments) s += seg;
  s += jpeg_segment(0xDB, std::string(65, '\x01'));  // DQT
  s += jpeg_segment(0xDA, "\x01\x01\x00\x00\x3F\x00"s) + "\x12\x34\x56\xFF\x00\x78"s + "\xFF\xD9"s;
  return s;
}
std::string exif_app1(const std::string& tiff) { return jpeg_segment(0xE1, "Exif\0\0"s + tiff); }

const std::string kXmpWithGps =
    "<?xpacket begin='' id='W5M0MpCehiHzreSzNTczkc9d'?>"
    "<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>"
    "<rdf:Description rdf:about='' xmlns:exif='http://ns.adobe.com/exif/1.0/' xmlns:tiff='http://ns.adobe.com/tiff/1.0/'"
    " exif:GPSLatitude='54,59.38N' tiff:Make='Canon'>"
    "<exif:GPSLongitude>1,54.85W</exif:GPSLongitude>"
    "<exif:GPSAltitude><rdf:Seq><rdf:li>12/1</rdf:li></rdf:Seq></exif:GPSAltitude>"
    "<exif:GPSVersionID/>"
    "<tiff:Model>EOS</tiff:Model>"
    "</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end='w'?>";

meta::Result<std::string> strip(const std::string& s, Keep k) { return strip_metadata(s, k); }

void expect_malformed(const std::string& bytes) {
  for (Keep k : {Keep::AllButLocation, Keep::Nothing}) {
    auto r = strip(bytes, k);
    ASSERT_FALSE(r.ok()) << "mode " << int(k);
    EXPECT_EQ(r.error().code, meta::Errc::Malformed) << r.error().message;
  }
}

// --- JPEG ---------------------------------------------------------------------------------

TEST(StripJpeg, AllButLocationRemovesTheGpsIfdAndXmpGpsAndKeepsEverythingElse) {
  std::string tiff = make_tiff({ascii(271, "Canon"), short1(274, 6)}, gps_entries());
  std::string xmp = "http://ns.adobe.com/xap/1.0/\0"s + kXmpWithGps;
  std::string com = jpeg_segment(0xFE, "a comment");
  std::string in = make_jpeg({jpeg_segment(0xE0, "JFIF\0\x01\x02\0\0\x01\0\x01\0\0"s), exif_app1(tiff),
                              jpeg_segment(0xE1, xmp), com});
  auto r = strip(in, Keep::AllButLocation);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), in.size());  // edited in place
  EXPECT_EQ(r->find("\x2A\x2A\x2A\x2A"), std::string::npos) << "orphan GPS coordinates";
  EXPECT_EQ(r->find("GPS"), std::string::npos);
  EXPECT_EQ(r->find("54,59"), std::string::npos);
  EXPECT_NE(r->find("Canon"), std::string::npos);
  EXPECT_NE(r->find("<tiff:Model>EOS</tiff:Model>"), std::string::npos);
  EXPECT_NE(r->find("tiff:Make='Canon'"), std::string::npos);
  EXPECT_NE(r->find(com), std::string::npos);
  // IFD0 (after the 2+2+2+6 bytes of SOI, APP1 marker, length, "Exif\0\0") lost one entry.
  size_t tiff_at = in.find("Exif\0\0"s) + 6;
  EXPECT_EQ(get_le16(*r, tiff_at + 8), 2);
  EXPECT_EQ(get_le16(*r, tiff_at + 8 + 2), 271);
  EXPECT_EQ(get_le16(*r, tiff_at + 8 + 2 + 12), 274);
  EXPECT_EQ(get_le32(*r, tiff_at + 8 + 2 + 24), 0u);  // next-IFD offset moved up
  // The scan is untouched.
  EXPECT_EQ(r->substr(r->find("\xFF\xDA"s)), in.substr(in.find("\xFF\xDA"s)));
  // Idempotent.
  auto again = strip(*r, Keep::AllButLocation);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *r);
}

TEST(StripJpeg, NothingDropsExifXmpIptcCommentsButKeepsColourAndWritesOrientation) {
  std::string tiff = make_tiff({ascii(271, "Canon"), short1(274, 6)}, gps_entries());
  std::string jfif = jpeg_segment(0xE0, "JFIF\0\x01\x02\0\0\x01\0\x01\0\0"s);
  std::string icc = jpeg_segment(0xE2, "ICC_PROFILE\0\x01\x01profile"s);
  std::string adobe = jpeg_segment(0xEE, "Adobe\0\x64\0\0\0\0\x01"s);
  std::string in = make_jpeg({jfif, exif_app1(tiff), jpeg_segment(0xE1, "http://ns.adobe.com/xap/1.0/\0"s + kXmpWithGps),
                              jpeg_segment(0xED, "Photoshop 3.0\0008BIM\x04\x04\0\0\0\0\0\0"s), icc, adobe,
                              jpeg_segment(0xFE, "comment"), jpeg_segment(0xEC, "Ducky\0\x01"s)});
  auto r = strip(in, Keep::Nothing);
  ASSERT_TRUE(r.ok()) << r.error().message;
  // SOI, JFIF, then the new EXIF with Orientation 6 alone, ICC, Adobe.
  std::string want_exif = "Exif\0\0MM\0\x2A\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01\0\x06\0\0\0\0\0\0"s;
  std::string want = "\xFF\xD8"s + jfif + jpeg_segment(0xE1, want_exif) + icc + adobe;
  EXPECT_EQ(r->substr(0, want.size()), want);
  EXPECT_EQ(r->substr(want.size()), in.substr(in.find("\xFF\xDB"s)));
  auto again = strip(*r, Keep::Nothing);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *r);
}

TEST(StripJpeg, NothingWritesNoExifWhenTheOrientationIsNormal) {
  std::string in = make_jpeg({exif_app1(make_tiff({ascii(271, "Canon"), short1(274, 1)}, {}))});
  auto r = strip(in, Keep::Nothing);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, "\xFF\xD8"s + in.substr(in.find("\xFF\xDB"s)));
}

TEST(StripJpeg, NothingMovesMpfOffsetsWhenSegmentsBeforeTheLaterImagesGo) {
  // MPF (big-endian): IFD0 with MP Entry (0xB002), two 16-byte entries; the second image's
  // offset counts from the MPF TIFF header.
  auto mpf = [](uint32_t second_offset) {
    std::string t = "MPF\0MM\0\x2A\0\0\0\x08"s;
    be16(t, 1);
    be16(t, 0xB002);
    be16(t, 7);
    be32(t, 32);
    be32(t, 8 + 2 + 12 + 4);
    be32(t, 0);
    std::string entries(16, '\0');
    entries += std::string(8, '\0');
    be32(entries, second_offset);
    entries += std::string(4, '\0');
    return jpeg_segment(0xE2, t + entries);
  };
  std::string com = jpeg_segment(0xFE, "a comment that goes");
  std::string second = "\xFF\xD8second image\xFF\xD9"s;
  std::string probe = make_jpeg({mpf(0), com});
  uint32_t header_at = uint32_t(probe.find("MM\0\x2A"s));
  uint32_t offset = uint32_t(probe.size()) - header_at;
  std::string in = make_jpeg({mpf(offset), com}) + second;
  auto r = strip(in, Keep::Nothing);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->find("a comment"), std::string::npos);
  EXPECT_EQ(r->substr(r->size() - second.size()), second);  // MPF keeps what follows EOI
  std::string want = make_jpeg({mpf(offset - uint32_t(com.size()))});
  EXPECT_EQ(r->substr(0, want.size()), want);
  auto again = strip(*r, Keep::Nothing);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *r);
}

TEST(StripJpeg, NothingDropsTrailersAfterEoiWithoutMpf) {
  std::string in = make_jpeg({}) + "PhotoMechanic trailer"s;
  auto r = strip(in, Keep::Nothing);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, make_jpeg({}));
  auto kept = strip(in, Keep::AllButLocation);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(*kept, in);
}

TEST(StripJpeg, ExtendedXmpLosesItsGpsPropertiesAcrossChunks) {
  std::string ext = kXmpWithGps;
  std::string guid(32, 'A');
  std::vector<std::string> segs;
  size_t half = ext.find("GPSLongitude") + 4;  // a chunk boundary inside the GPS element
  for (size_t off : {size_t(0), half}) {
    std::string chunk = ext.substr(off, off == 0 ? half : std::string::npos);
    std::string p = "http://ns.adobe.com/xmp/extension/\0"s + guid;
    be32(p, uint32_t(ext.size()));
    be32(p, uint32_t(off));
    segs.push_back(jpeg_segment(0xE1, p + chunk));
  }
  std::string in = make_jpeg(segs);
  auto r = strip(in, Keep::AllButLocation);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->size(), in.size());
  EXPECT_EQ(r->find("GPS"), std::string::npos);
  EXPECT_EQ(r->find("1,54"), std::string::npos);
  EXPECT_NE(r->find("<tiff:Model>EOS</tiff:Model>"), std::string::npos);
}

TEST(StripJpeg, XmpThatCannotBeEditedSafelyIsDroppedWhole) {
  std::string xmp = "http://ns.adobe.com/xap/1.0/\0<!DOCTYPE x [<!ENTITY a 'b'>]>"s + kXmpWithGps;
  std::string in = make_jpeg({jpeg_segment(0xE1, xmp)});
  auto r = strip(in, Keep::AllButLocation);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->find("xap"), std::string::npos);
  EXPECT_EQ(r->find("GPS"), std::string::npos);
}

TEST(StripJpeg, FlirSegmentsGoBecauseTheyCarryAGpsRecord) {
  std::string in = make_jpeg({jpeg_segment(0xE1, "FLIR\0\x01\0\0FFF\0 gps inside"s)});
  auto r = strip(in, Keep::AllButLocation);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->find("FLIR"), std::string::npos);
}

TEST(StripJpeg, MalformedSegmentsAnswerMalformed) {
  std::string good = make_jpeg({});
  // A segment length running past the end.
  expect_malformed("\xFF\xD8\xFF\xE1\x40\x00Exif\0\0"s);
  // A length below 2.
  expect_malformed("\xFF\xD8\xFF\xE1\x00\x01"s + good.substr(2));
  // Truncated before any scan, and truncated inside a length.
  expect_malformed(good.substr(0, good.find("\xFF\xDA"s)));
  expect_malformed("\xFF\xD8\xFF\xE1\x00"s);
  expect_malformed("\xFF\xD8\xFF"s);
  // Garbage where a marker belongs.
  expect_malformed("\xFF\xD8\xFF\xE0\x00\x02\x12\x34"s);
}

TEST(StripJpeg, HostileExifAnswersMalformed) {
  // IFD0's next pointer loops back to IFD0.
  std::string loop = make_tiff({ascii(271, "Canon")}, gps_entries());
  size_t next_at = 8 + 2 + 12 * 2;
  loop.replace(next_at, 4, "\x08\0\0\0"s);
  EXPECT_EQ(strip(make_jpeg({exif_app1(loop)}), Keep::AllButLocation).error().code, meta::Errc::Malformed);
  // The GPS pointer past the end.
  std::string past = make_tiff({ascii(271, "Canon")}, gps_entries());
  size_t gps_entry = 8 + 2 + 12;  // Make (271) sorts first, GPSInfo second
  ASSERT_EQ(get_le16(past, gps_entry), 0x8825);
  past.replace(gps_entry + 8, 4, "\xF0\xFF\0\0"s);
  EXPECT_EQ(strip(make_jpeg({exif_app1(past)}), Keep::AllButLocation).error().code, meta::Errc::Malformed);
  // An entry count larger than the block.
  std::string many = make_tiff({ascii(271, "Canon")}, {});
  many.replace(8, 2, "\xFF\x7F"s);
  EXPECT_EQ(strip(make_jpeg({exif_app1(many)}), Keep::AllButLocation).error().code, meta::Errc::Malformed);
  // A GPS IFD that points to itself as its own GPS IFD.
  std::string self = make_tiff({ascii(271, "Canon")}, {long1(0x8825, 0)});
  uint32_t gps_at = get_le32(self, gps_entry + 8);
  self.replace(gps_at + 2 + 8, 4, std::string(reinterpret_cast<char*>(&gps_at), 4));
  EXPECT_EQ(strip(make_jpeg({exif_app1(self)}), Keep::AllButLocation).error().code, meta::Errc::Malformed);
  // A truncated header.
  EXPECT_EQ(strip(make_jpeg({exif_app1("II*"s)}), Keep::AllButLocation).error().code, meta::Errc::Malformed);
  // Photoshop resources with a size past the end.
  std::string irb = "Photoshop 3.0\0008BIM\x04\x22\0\0\x7F\0\0\0"s;
  EXPECT_EQ(strip(make_jpeg({jpeg_segment(0xED, irb)}), Keep::AllButLocation).error().code, meta::Errc::Malformed);
}

// --- PNG ----------------------------------------------------------------------------------

std::string png_chunk(const std::string& type, const std::string& data) {
  std::string s;
  be32(s, uint32_t(data.size()));
  s += type + data;
  uLong crc = crc32(0, reinterpret_cast<const Bytef*>(s.data() + 4), uInt(4 + data.size()));
  be32(s, uint32_t(crc));
  return s;
}
const std::string kPngSig = "\x89PNG\r\n\x1A\n"s;
const std::string kIhdr = png_chunk("IHDR", "\0\0\0\x01\0\0\0\x01\x08\0\0\0\0"s);
const std::string kIdat = png_chunk("IDAT", "\x78\x9C\x63\x60\x00\x00\x00\x02\x00\x01"s);
const std::string kIend = png_chunk("IEND", "");

TEST(StripPng, AllButLocationRewritesExifAndXmpWithFreshCrcsAndDropsRawProfiles) {
  std::string exif = make_tiff({ascii(271, "Canon")}, gps_entries());
  std::string itxt = "XML:com.adobe.xmp\0\0\0\0\0"s + kXmpWithGps;
  std::string text = png_chunk("tEXt", "Title\0hello"s);
  std::string in = kPngSig + kIhdr + png_chunk("eXIf", exif) + png_chunk("iTXt", itxt) +
                   png_chunk("zTXt", "Raw profile type exif\0\0\x78\x9C\x03\0\0\0\0\x01"s) + text + kIdat + kIend;
  auto r = strip(in, Keep::AllButLocation);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->find("GPS"), std::string::npos);
  EXPECT_EQ(r->find(kLatitude), std::string::npos);
  EXPECT_EQ(r->find("Raw profile"), std::string::npos);
  EXPECT_NE(r->find(text), std::string::npos);
  EXPECT_NE(r->find(kIdat), std::string::npos);
  // Every chunk's CRC is right.
  for (size_t at = 8; at < r->size();) {
    uint32_t len = uint32_t(uint8_t((*r)[at])) << 24 | uint32_t(uint8_t((*r)[at + 1])) << 16 |
                   uint32_t(uint8_t((*r)[at + 2])) << 8 | uint8_t((*r)[at + 3]);
    uLong crc = crc32(0, reinterpret_cast<const Bytef*>(r->data() + at + 4), uInt(4 + len));
    std::string want;
    be32(want, uint32_t(crc));
    EXPECT_EQ(r->substr(at + 8 + len, 4), want) << r->substr(at + 4, 4);
    at += 12 + len;
  }
}

TEST(StripPng, CompressedXmpIsInflatedEditedAndCompressedAgain) {
  std::string z(compressBound(uLong(kXmpWithGps.size())), '\0');
  uLongf zlen = uLongf(z.size());
  ASSERT_EQ(compress(reinterpret_cast<Bytef*>(z.data()), &zlen, reinterpret_cast<const Bytef*>(kXmpWithGps.data()),
                     uLong(kXmpWithGps.size())),
            Z_OK);
  z.resize(zlen);
  std::string in = kPngSig + kIhdr + png_chunk("iTXt", "XML:com.adobe.xmp\0\x01\0\0\0"s + z) + kIdat + kIend;
  auto r = strip(in, Keep::AllButLocation);
  ASSERT_TRUE(r.ok()) << r.error().message;
  std::string head = "iTXtXML:com.adobe.xmp\0\x01\0\0\0"s;
  size_t at = r->find(head);
  ASSERT_NE(at, std::string::npos);
  uint32_t len = uint32_t(uint8_t((*r)[at - 4])) << 24 | uint32_t(uint8_t((*r)[at - 3])) << 16 |
                 uint32_t(uint8_t((*r)[at - 2])) << 8 | uint8_t((*r)[at - 1]);
  std::string xmp(kXmpWithGps.size() * 2, '\0');
  uLongf xlen = uLongf(xmp.size());
  ASSERT_EQ(uncompress(reinterpret_cast<Bytef*>(xmp.data()), &xlen,
                       reinterpret_cast<const Bytef*>(r->data() + at + head.size()), uLong(len - (head.size() - 4))),
            Z_OK);
  xmp.resize(xlen);
  EXPECT_EQ(xmp.size(), kXmpWithGps.size());
  EXPECT_NE(xmp.find("<tiff:Model>EOS</tiff:Model>"), std::string::npos);
  EXPECT_EQ(xmp.find("GPS"), std::string::npos);
}

TEST(StripXmp, Utf16PacketsLoseTheirGpsPropertiesToo) {
  std::string utf16;
  for (char c : kXmpWithGps) {
    utf16.push_back('\0');
    utf16.push_back(c);
  }
  std::string in = make_jpeg({jpeg_segment(0xE1, "http://ns.adobe.com/xap/1.0/\0"s + utf16)});
  auto r = strip(in, Keep::AllButLocation);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), in.size());
  std::string narrow;
  for (size_t i = in.find("xap/1.0/"s) + 9; i + 1 < r->size() && narrow.size() < kXmpWithGps.size(); i += 2)
    narrow.push_back((*r)[i + 1]);
  EXPECT_EQ(narrow.find("GPS"), std::string::npos);
  EXPECT_NE(narrow.find("<tiff:Model>EOS</tiff:Model>"), std::string::npos);
}

TEST(StripPng, RawProfilesAreRewrittenInPlaceForAllButLocationAndGiveTheirOrientationToNothing) {
  std::string exif = "Exif\0\0"s + make_tiff({ascii(271, "Canon"), short1(274, 3)}, gps_entries());
  static const char* kHex = "0123456789abcdef";
  std::string text = "\nexif\n" + std::to_string(exif.size()) + "\n";
  for (size_t i = 0; i < exif.size(); ++i) {
    if (i % 36 == 0) text += "\n";
    text += kHex[uint8_t(exif[i]) >> 4];
    text += kHex[uint8_t(exif[i]) & 15];
  }
  std::string in = kPngSig + kIhdr + png_chunk("tEXt", "Raw profile type exif\0"s + text) + kIdat + kIend;
  auto r = strip(in, Keep::AllButLocation);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), in.size());
  EXPECT_EQ(r->find("2a2a2a2a"), std::string::npos);
  EXPECT_NE(r->find("43616e6f6e"), std::string::npos);  // "Canon"
  auto n = strip(in, Keep::Nothing);
  ASSERT_TRUE(n.ok()) << n.error().message;
  EXPECT_EQ(*n, kPngSig + kIhdr + png_chunk("eXIf", "MM\0\x2A\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01\0\x03\0\0\0\0\0\0"s) +
                    kIdat + kIend);
}

TEST(StripPng, NothingDropsEveryTextAndExifChunk) {
  std::string in = kPngSig + kIhdr + png_chunk("eXIf", make_tiff({ascii(271, "Canon")}, {})) +
                   png_chunk("tEXt", "Title\0hello"s) + png_chunk("iTXt", "XML:com.adobe.xmp\0\0\0\0\0<x/>"s) +
                   kIdat + kIend;
  auto r = strip(in, Keep::Nothing);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, kPngSig + kIhdr + kIdat + kIend);
}

TEST(StripPng, MalformedChunksAnswerMalformed) {
  expect_malformed(kPngSig + kIhdr + kIdat);  // no IEND
  std::string huge = kPngSig + kIhdr;
  be32(huge, 0x7FFFFFF0);
  expect_malformed(huge + "IDAT" + "xxxx");
  expect_malformed(kPngSig + "\0\0"s);
  std::string bad_exif = make_tiff({}, gps_entries());
  bad_exif.replace(4, 4, "\xFF\xFF\0\0"s);  // IFD0 past the end
  auto r = strip(kPngSig + kIhdr + png_chunk("eXIf", bad_exif) + kIdat + kIend, Keep::AllButLocation);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, meta::Errc::Malformed);
}

// --- WebP ---------------------------------------------------------------------------------

std::string riff_chunk(const std::string& type, const std::string& data) {
  std::string s = type;
  le32(s, uint32_t(data.size()));
  s += data;
  if (data.size() % 2) s.push_back('\0');
  return s;
}
std::string make_webp(const std::string& chunks) {
  std::string s = "RIFF"s;
  le32(s, uint32_t(chunks.size() + 4));
  return s + "WEBP" + chunks;
}

TEST(StripWebp, NothingDropsExifAndXmpClearsTheirFlagsAndFixesTheRiffSize) {
  std::string vp8x = riff_chunk("VP8X", "\x2C\0\0\0\0\0\0\0\0\0"s);  // ICC|EXIF|XMP
  std::string iccp = riff_chunk("ICCP", "profile");
  std::string vp8l = riff_chunk("VP8L", "\x2F\0\0\0\0pixels"s);
  std::string in = make_webp(vp8x + iccp + vp8l + riff_chunk("EXIF", make_tiff({ascii(271, "Canon")}, gps_entries())) +
                             riff_chunk("XMP ", kXmpWithGps));
  auto r = strip(in, Keep::Nothing);
  ASSERT_TRUE(r.ok()) << r.error().message;
  std::string want_vp8x = riff_chunk("VP8X", "\x20\0\0\0\0\0\0\0\0\0"s);
  EXPECT_EQ(*r, make_webp(want_vp8x + iccp + vp8l));
}

TEST(StripWebp, AllButLocationEditsExifAndXmpInPlace) {
  std::string vp8x = riff_chunk("VP8X", "\x0C\0\0\0\0\0\0\0\0\0"s);
  std::string in = make_webp(vp8x + riff_chunk("VP8L", "\x2F\0\0\0\0pixels"s) +
                             riff_chunk("EXIF", "Exif\0\0"s + make_tiff({ascii(271, "Canon")}, gps_entries())) +
                             riff_chunk("XMP ", kXmpWithGps));
  auto r = strip(in, Keep::AllButLocation);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->size(), in.size());
  EXPECT_EQ(r->find("GPS"), std::string::npos);
  EXPECT_EQ(r->find(kLatitude), std::string::npos);
  EXPECT_EQ(r->substr(0, 30), in.substr(0, 30));  // flags unchanged: both chunks stay
  EXPECT_NE(r->find("Canon"), std::string::npos);
}

TEST(StripWebp, MalformedChunksAnswerMalformed) {
  std::string vp8l = riff_chunk("VP8L", "\x2F\0\0\0\0pixels"s);
  std::string in = make_webp(vp8l);
  std::string big = in;
  big.replace(4, 4, "\xFF\xFF\0\0"s);  // RIFF size past the end
  expect_malformed(big);
  std::string chunk = in;
  chunk.replace(16, 4, "\xFF\0\0\0"s);  // chunk size past the RIFF end
  expect_malformed(chunk);
  expect_malformed(make_webp(riff_chunk("EXIF", "x")));  // no image chunk first
  expect_malformed("RIFF\x04\0\0\0WEBP"s);
}

// --- TIFF ---------------------------------------------------------------------------------

TEST(StripTiff, AllButLocationZeroesTheGpsIfdAndKeepsThePixels) {
  std::string pixels(64, '\x7E');
  std::string in = make_tiff({short1(256, 8), short1(257, 8), ascii(271, "Canon")}, gps_entries(), pixels);
  auto r = strip(in, Keep::AllButLocation);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), in.size());
  EXPECT_EQ(r->find(kLatitude), std::string::npos);
  EXPECT_EQ(r->substr(r->size() - pixels.size()), pixels);
  EXPECT_EQ(get_le16(*r, 8), get_le16(in, 8) - 1);
  EXPECT_NE(r->find("Canon"), std::string::npos);
}

TEST(StripTiff, NothingKeepsDecodingTagsAndOrientationAndZeroesTheRest) {
  std::string pixels(64, '\x7E');
  std::string in = make_tiff({short1(256, 8), short1(257, 8), ascii(271, "CanonCanon"), short1(274, 8),
                              ascii(305, "SomeSoftware"), {700, 1, uint32_t(kXmpWithGps.size()), kXmpWithGps}},
                             gps_entries(), pixels);
  auto r = strip(in, Keep::Nothing);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), in.size());
  EXPECT_EQ(r->find("Canon"), std::string::npos);
  EXPECT_EQ(r->find("SomeSoftware"), std::string::npos);
  EXPECT_EQ(r->find("xmpmeta"), std::string::npos);
  EXPECT_EQ(r->find(kLatitude), std::string::npos);
  EXPECT_EQ(r->substr(r->size() - pixels.size()), pixels);
  std::vector<uint16_t> tags;
  for (size_t i = 0; i < get_le16(*r, 8); ++i) tags.push_back(get_le16(*r, 10 + 12 * i));
  EXPECT_EQ(tags, (std::vector<uint16_t>{256, 257, 273, 274, 279}));
  auto again = strip(*r, Keep::Nothing);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *r);
}

TEST(StripTiff, GpsValuesInsideThePixelsAreLeftAloneButNoLongerPointedTo) {
  std::string pixels(64, '\x7E');
  std::string in = make_tiff({short1(256, 8)}, gps_entries(), pixels);
  // Point the GPS latitude value (the only out-of-line GPS value) into the strip.
  uint32_t gps_at = 0;
  for (size_t i = 0; i < get_le16(in, 8); ++i)
    if (get_le16(in, 10 + 12 * i) == 0x8825) gps_at = get_le32(in, 10 + 12 * i + 8);
  ASSERT_NE(gps_at, 0u);
  std::string strip_at;
  le32(strip_at, uint32_t(in.size() - pixels.size()));
  in.replace(gps_at + 2 + 12 + 8, 4, strip_at);
  auto r = strip(in, Keep::AllButLocation);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->substr(r->size() - pixels.size()), pixels);
  EXPECT_EQ(get_le16(*r, 8), 3);  // ImageWidth, StripOffsets, StripByteCounts: GPSInfo is gone
}

TEST(StripTiff, HostileStructuresAnswerMalformed) {
  std::string loop = make_tiff({short1(256, 8)}, {});
  loop.replace(8 + 2 + 12, 4, "\x08\0\0\0"s);  // IFD0 -> IFD0
  expect_malformed(loop);
  std::string past = make_tiff({short1(256, 8)}, {});
  past.replace(4, 4, "\0\0\x01\0"s);  // IFD0 past the end
  expect_malformed(past);
  expect_malformed("II*\0\x08\0\0\0\x05\0"s);  // five entries announced, none there
  expect_malformed("II*\0"s);
  expect_malformed("MM\0*\0\0\0\x08\x12"s);
}

// --- formats ------------------------------------------------------------------------------

TEST(Strip, OtherFormatsAndBigTiffAreUnsupported) {
  for (const std::string& in : {"GIF89a\x01\0\x01\0"s, ""s, "BM"s, "II+\0\x08\0\0\0\0\0\0\0\x10\0\0\0"s, "\xFF\xD8"s}) {
    auto r = strip(in, Keep::Nothing);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, meta::Errc::Unsupported) << in;
  }
}

}  // namespace
}  // namespace imgmeta::strip
