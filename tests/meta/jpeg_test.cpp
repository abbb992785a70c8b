// parse_jpeg through extract(): the marker segment walk of ITU-T T.81 annex B and the
// application segments that carry metadata.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "meta/extract.hpp"

namespace imgmeta::meta {
namespace {

using Bytes = std::vector<uint8_t>;

// FF, marker, two-byte length (counting itself), payload.
Bytes segment(uint8_t marker, std::string_view payload) {
  size_t n = payload.size() + 2;
  Bytes s = {0xFF, marker, static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n & 0xFF)};
  s.insert(s.end(), payload.begin(), payload.end());
  return s;
}

// SOFn: precision 8, height, width, components with the given sampling factors (H<<4|V).
Bytes sof(uint8_t marker, uint16_t width, uint16_t height, std::vector<uint8_t> sampling = {0x22, 0x11, 0x11}) {
  std::string p;
  p += '\x08';
  p += static_cast<char>(height >> 8);
  p += static_cast<char>(height & 0xFF);
  p += static_cast<char>(width >> 8);
  p += static_cast<char>(width & 0xFF);
  p += static_cast<char>(sampling.size());
  for (size_t i = 0; i < sampling.size(); ++i) {
    p += static_cast<char>(i + 1);
    p += static_cast<char>(sampling[i]);
    p += '\0';
  }
  return segment(marker, p);
}

Bytes sos_and_scan(size_t scan_bytes = 16) {
  Bytes s = segment(0xDA, std::string("\x03\x01\x00\x02\x11\x03\x11\x00\x3F\x00", 10));
  s.resize(s.size() + scan_bytes, 0x55);
  s.insert(s.end(), {0xFF, 0xD9});
  return s;
}

Bytes jpeg(std::initializer_list<Bytes> parts) {
  Bytes out = {0xFF, 0xD8};
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

Metadata run(const Bytes& file, const Options& options = {}) {
  MemorySource src(file);
  auto md = extract(src, options);
  EXPECT_TRUE(md.ok()) << (md.ok() ? "" : md.error().message);
  return md.ok() ? *md : Metadata{};
}

std::string text(const Metadata& md, std::string_view name) {
  const std::string* s = md.get_string(name);
  return s ? *s : "<absent or not a string>";
}

int64_t integer(const Metadata& md, std::string_view name) {
  const Value* v = md.get(name);
  return v && std::holds_alternative<int64_t>(*v) ? std::get<int64_t>(*v) : -999;
}

bool warned(const Metadata& md, std::string_view words) {
  for (const auto& w : md.warnings)
    if (w.find(words) != std::string::npos) return true;
  return false;
}

std::string all_warnings(const Metadata& md) {
  std::string s;
  for (const auto& w : md.warnings) s += w + "\n";
  return s;
}

const std::string kJfif("JFIF\0\x01\x02\x01\x01\x2C\x01\x2C\0\0", 14);

TEST(Jpeg, FrameHeaderGivesSizeAndCoding) {
  auto md = run(jpeg({sof(0xC0, 640, 480), sos_and_scan()}));
  EXPECT_EQ(text(md, "FileType"), "JPEG");
  EXPECT_EQ(text(md, "FileTypeExtension"), "JPG");
  EXPECT_EQ(text(md, "MIMEType"), "image/jpeg");
  EXPECT_EQ(integer(md, "ImageWidth"), 640);
  EXPECT_EQ(integer(md, "ImageHeight"), 480);
  EXPECT_EQ(integer(md, "EncodingProcess"), 0);
  EXPECT_EQ(integer(md, "BitsPerSample"), 8);
  EXPECT_EQ(integer(md, "ColorComponents"), 3);
  EXPECT_EQ(text(md, "YCbCrSubSampling"), "2 2");
  EXPECT_TRUE(md.warnings.empty()) << all_warnings(md);
}

TEST(Jpeg, ProgressiveFrameNamesItsProcess) {
  auto md = run(jpeg({sof(0xC2, 10, 20, {0x21, 0x11, 0x11}), sos_and_scan()}));
  EXPECT_EQ(integer(md, "EncodingProcess"), 2);
  EXPECT_EQ(text(md, "YCbCrSubSampling"), "2 1");
}

TEST(Jpeg, GreyscaleFrameHasNoSubsampling) {
  auto md = run(jpeg({sof(0xC0, 10, 20, {0x11}), sos_and_scan()}));
  EXPECT_EQ(integer(md, "ColorComponents"), 1);
  EXPECT_FALSE(md.has("YCbCrSubSampling"_f));
}

// A file source that is not in memory, with small blocks, that records how far it was read.
class FarthestReadSource : public Source {
 public:
  explicit FarthestReadSource(const Bytes& bytes) : bytes_(bytes) {}
  uint64_t size() const override { return bytes_.size(); }
  Result<size_t> read_at(uint64_t offset, std::span<uint8_t> out) override {
    size_t n = std::min<size_t>(out.size(), bytes_.size() - offset);
    std::copy_n(bytes_.begin() + static_cast<ptrdiff_t>(offset), n, out.begin());
    farthest = std::max<uint64_t>(farthest, offset + n);
    return n;
  }
  size_t preferred_block_size() const override { return 512; }
  uint64_t farthest = 0;

 private:
  const Bytes& bytes_;
};

TEST(Jpeg, ScanDataIsNeverRead) {
  Bytes file = jpeg({segment(0xE0, kJfif), sof(0xC0, 4000, 3000), sos_and_scan(20 << 20)});
  FarthestReadSource src(file);
  auto md = extract(src);
  ASSERT_TRUE(md.ok());
  EXPECT_EQ(integer(*md, "ImageWidth"), 4000);
  EXPECT_LE(src.farthest, 1024u);  // the header and one block of rounding, of 20 MB
  EXPECT_LE(md->bytes_read, 1024u);
}

TEST(Jpeg, FillBytesBeforeAMarkerAreSkipped) {
  Bytes fill = {0xFF, 0xFF, 0xFF};
  Bytes s = sof(0xC0, 8, 8);
  fill.insert(fill.end(), s.begin(), s.end());
  auto md = run(jpeg({fill, sos_and_scan()}));
  EXPECT_EQ(integer(md, "ImageWidth"), 8);
  EXPECT_TRUE(md.warnings.empty()) << all_warnings(md);
}

TEST(Jpeg, StandaloneMarkersHaveNoLength) {
  auto md = run(jpeg({Bytes{0xFF, 0x01}, Bytes{0xFF, 0xD0}, sof(0xC0, 8, 9), sos_and_scan()}));
  EXPECT_EQ(integer(md, "ImageHeight"), 9);
  EXPECT_TRUE(md.warnings.empty()) << all_warnings(md);
}

TEST(Jpeg, JunkBetweenSegmentsIsSkippedWithAWarning) {
  auto md = run(jpeg({segment(0xFE, "note"), Bytes{0x00, 0x12, 0x34}, sof(0xC0, 8, 9), sos_and_scan()}));
  EXPECT_EQ(integer(md, "ImageHeight"), 9);
  EXPECT_TRUE(warned(md, "junk")) << all_warnings(md);
}

TEST(Jpeg, LengthBelowTwoStopsTheWalkAndKeepsEarlierFields) {
  auto md = run(jpeg({segment(0xE0, kJfif), Bytes{0xFF, 0xE1, 0x00, 0x01}, sof(0xC0, 8, 8), sos_and_scan()}));
  EXPECT_EQ(text(md, "JFIFVersion"), "1 2");
  EXPECT_FALSE(md.has("ImageWidth"_f));
  EXPECT_TRUE(warned(md, "less than 2")) << all_warnings(md);
}

TEST(Jpeg, LengthPastTheEndStopsTheWalk) {
  Bytes file = jpeg({segment(0xFE, "kept"), Bytes{0xFF, 0xE1, 0x7F, 0xFF, 'E', 'x', 'i', 'f'}});
  auto md = run(file);
  EXPECT_EQ(text(md, "Comment"), "kept");
  EXPECT_TRUE(warned(md, "runs past the end")) << all_warnings(md);
}

TEST(Jpeg, TruncatedHeaderWarns) {
  auto md = run(jpeg({sof(0xC0, 8, 8)}));
  EXPECT_EQ(integer(md, "ImageWidth"), 8);
  EXPECT_TRUE(warned(md, "before SOS")) << all_warnings(md);
}

TEST(Jpeg, ScanWithoutFrameHeaderWarns) {
  auto md = run(jpeg({segment(0xE0, kJfif), sos_and_scan()}));
  EXPECT_FALSE(md.has("ImageWidth"_f));
  EXPECT_TRUE(warned(md, "no SOF")) << all_warnings(md);
}

TEST(Jpeg, NotAJpegIsAnError) {
  Bytes file = {0xFF, 0xD9, 0xFF, 0xD8};
  MemorySource src(file);
  EXPECT_FALSE(extract(src).ok());
}

TEST(Jpeg, SegmentCountIsCapped) {
  Options options;
  options.limits.max_segments = 3;
  Bytes many = jpeg({segment(0xFE, "1"), segment(0xFE, "2"), segment(0xFE, "3"), segment(0xFE, "4"),
                     sof(0xC0, 8, 8), sos_and_scan()});
  auto md = run(many, options);
  EXPECT_EQ(text(md, "Comment"), "3");
  EXPECT_FALSE(md.has("ImageWidth"_f));
  EXPECT_TRUE(warned(md, "more than 3 segments")) << all_warnings(md);
}

TEST(Jpeg, JfifGivesVersionAndDensity) {
  auto md = run(jpeg({segment(0xE0, kJfif), sof(0xC0, 8, 8), sos_and_scan()}));
  EXPECT_EQ(text(md, "JFIFVersion"), "1 2");
  EXPECT_EQ(integer(md, "ResolutionUnit"), 1);
  EXPECT_EQ(integer(md, "XResolution"), 300);
  EXPECT_EQ(integer(md, "YResolution"), 300);
}

// II TIFF header, IFD0 with Make = "Canon" (TIFF 6.0 section 2), as EXIF APP1 carries it.
const std::string kExifMakeCanon("Exif\0\0II*\0\x08\0\0\0\x01\0\x0F\x01\x02\0\x06\0\0\0\x1A\0\0\0\0\0\0\0Canon\0", 38);

TEST(Jpeg, ExifSegmentGoesToTheExifParser) {
  auto md = run(jpeg({segment(0xE1, kExifMakeCanon), sof(0xC0, 8, 8), sos_and_scan()}));
  EXPECT_EQ(text(md, "Make"), "Canon");
}

TEST(Jpeg, PhotoshopResolutionWinsOverJfifInEitherOrder) {
  std::string irb("Photoshop 3.0\0" "8BIM\x03\xED\0\0\0\0\0\x10\0\x48\0\0\0\x01\0\x01\0\x48\0\0\0\x01\0\x01", 14 + 28);
  auto after = run(jpeg({segment(0xE0, kJfif), segment(0xED, irb), sof(0xC0, 8, 8), sos_and_scan()}));
  auto before = run(jpeg({segment(0xED, irb), segment(0xE0, kJfif), sof(0xC0, 8, 8), sos_and_scan()}));
  double x = 0;
  EXPECT_TRUE(after.get_number("XResolution"_f, x));
  EXPECT_DOUBLE_EQ(x, 72);
  EXPECT_TRUE(before.get_number("XResolution"_f, x));
  EXPECT_DOUBLE_EQ(x, 72);
}

TEST(Jpeg, PhotoshopResourcesSplitOverTwoSegmentsAreJoined) {
  std::string block("8BIM\x04\x04\0\0\0\0\0\x0A\x1C\x02\x05\0\x05Title", 22);
  std::string first = std::string("Photoshop 3.0\0", 14) + block.substr(0, 15);
  std::string second = std::string("Photoshop 3.0\0", 14) + block.substr(15);
  auto md = run(jpeg({segment(0xED, first), segment(0xED, second), sof(0xC0, 8, 8), sos_and_scan()}));
  EXPECT_EQ(text(md, "ObjectName"), "Title");
  EXPECT_TRUE(md.warnings.empty()) << all_warnings(md);
}

std::string xmp_segment(std::string_view body) {
  return std::string("http://ns.adobe.com/xap/1.0/\0", 29) +
         "<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>"
         "<rdf:Description xmlns:xmp='http://ns.adobe.com/xap/1.0/' xmlns:xmpNote='http://ns.adobe.com/xmp/note/'"
         " xmlns:dc='http://purl.org/dc/elements/1.1/'>" +
         std::string(body) + "</rdf:Description></rdf:RDF></x:xmpmeta>";
}

TEST(Jpeg, XmpSegmentIsParsed) {
  auto md = run(jpeg({segment(0xE1, xmp_segment("<xmp:Label>Red</xmp:Label>")), sof(0xC0, 8, 8), sos_and_scan()}));
  EXPECT_EQ(text(md, "Label"), "Red");
}

const std::string kGuid = "04B9E48040A30A6308713BD1E4223B41";

// XMP part 3 1.1.3.1: signature, GUID, full length, offset, data.
std::string extension(const std::string& whole, uint32_t offset, uint32_t length, uint32_t full = 0) {
  if (full == 0) full = static_cast<uint32_t>(whole.size());
  std::string s("http://ns.adobe.com/xmp/extension/\0", 35);
  s += kGuid;
  for (uint32_t v : {full, offset})
    for (int i = 3; i >= 0; --i) s += static_cast<char>((v >> (8 * i)) & 0xFF);
  s += whole.substr(offset, length);
  return s;
}

const std::string kExtendedPacket =
    "<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>"
    "<rdf:Description xmlns:pdf='http://ns.adobe.com/pdf/1.3/'><pdf:Author>PhilToo</pdf:Author>"
    "</rdf:Description></rdf:RDF></x:xmpmeta>";

TEST(Jpeg, ExtendedXmpIsReassembledInAnyOrder) {
  uint32_t half = static_cast<uint32_t>(kExtendedPacket.size() / 2);
  auto md = run(jpeg({segment(0xE1, extension(kExtendedPacket, half, 1000)),
                      segment(0xE1, xmp_segment("<xmpNote:HasExtendedXMP>" + kGuid + "</xmpNote:HasExtendedXMP>")),
                      segment(0xE1, extension(kExtendedPacket, 0, half)), sof(0xC0, 8, 8), sos_and_scan()}));
  EXPECT_EQ(text(md, "HasExtendedXMP"), kGuid);
  EXPECT_EQ(text(md, "Author"), "PhilToo");
  EXPECT_TRUE(md.warnings.empty()) << all_warnings(md);
}

TEST(Jpeg, ExtendedXmpWithAMissingChunkIsNotParsed) {
  uint32_t half = static_cast<uint32_t>(kExtendedPacket.size() / 2);
  auto md = run(jpeg({segment(0xE1, xmp_segment("<xmpNote:HasExtendedXMP>" + kGuid + "</xmpNote:HasExtendedXMP>")),
                      segment(0xE1, extension(kExtendedPacket, half, 1000)), sof(0xC0, 8, 8), sos_and_scan()}));
  EXPECT_FALSE(md.has("Author"_f));
  EXPECT_TRUE(warned(md, "incomplete")) << all_warnings(md);
}

TEST(Jpeg, ExtendedXmpChunkPastTheFullLengthIsRejected) {
  auto md = run(jpeg({segment(0xE1, xmp_segment("<xmpNote:HasExtendedXMP>" + kGuid + "</xmpNote:HasExtendedXMP>")),
                      segment(0xE1, extension(kExtendedPacket, 0, 1000, 10)), sof(0xC0, 8, 8), sos_and_scan()}));
  EXPECT_FALSE(md.has("Author"_f));
  EXPECT_TRUE(warned(md, "exceeds the full length")) << all_warnings(md);
}

TEST(Jpeg, ExtendedXmpLargerThanTheValueLimitIsIgnored) {
  Options options;
  options.limits.max_value_bytes = 64;
  auto md = run(jpeg({segment(0xE1, extension(kExtendedPacket, 0, 1000)), sof(0xC0, 8, 8), sos_and_scan()}), options);
  EXPECT_TRUE(warned(md, "exceeds the limits")) << all_warnings(md);
}

TEST(Jpeg, ExtendedXmpNotNamedByTheMainPacketIsIgnored) {
  auto md = run(jpeg({segment(0xE1, extension(kExtendedPacket, 0, 1000)), sof(0xC0, 8, 8), sos_and_scan()}));
  EXPECT_FALSE(md.has("Author"_f));
}

// An ICC profile: 128-byte header ('Lino' CMM, 'mntr' class) and a v2 'desc' tag.
std::string icc_profile() {
  std::string p(128, '\0');
  p.replace(4, 4, "Lino");
  p[8] = 2;
  p[9] = 0x10;
  p.replace(12, 12, "mntrRGB XYZ ");
  p.replace(36, 4, "acsp");
  p += std::string("\0\0\0\x01" "desc\0\0\0\x90\0\0\0\x14", 16);
  p += std::string("desc\0\0\0\0\0\0\0\x05sRGB\0", 17);
  p.resize(p.size() + 3, '\0');
  p[3] = static_cast<char>(p.size());
  return p;
}

std::string icc_chunk(uint8_t seq, uint8_t count, std::string_view data) {
  return std::string("ICC_PROFILE\0", 12) + static_cast<char>(seq) + static_cast<char>(count) + std::string(data);
}

TEST(Jpeg, SingleIccChunkIsParsed) {
  auto md = run(jpeg({segment(0xE2, icc_chunk(1, 1, icc_profile())), sof(0xC0, 8, 8), sos_and_scan()}));
  EXPECT_EQ(text(md, "ProfileCMMType"), "Lino");
  EXPECT_EQ(text(md, "ProfileDescription"), "sRGB");
}

TEST(Jpeg, IccChunksAreJoinedInSequenceOrder) {
  std::string p = icc_profile();
  auto md = run(jpeg({segment(0xE2, icc_chunk(3, 3, p.substr(100))), segment(0xE2, icc_chunk(1, 3, p.substr(0, 50))),
                      segment(0xE2, icc_chunk(2, 3, p.substr(50, 50))), sof(0xC0, 8, 8), sos_and_scan()}));
  EXPECT_EQ(text(md, "ProfileClass"), "mntr");
  EXPECT_EQ(text(md, "ProfileDescription"), "sRGB");
  EXPECT_TRUE(md.warnings.empty()) << all_warnings(md);
}

TEST(Jpeg, IccChunkCountOfZeroIsIgnored) {
  auto md = run(jpeg({segment(0xE2, icc_chunk(0, 0, icc_profile())), sof(0xC0, 8, 8), sos_and_scan()}));
  EXPECT_FALSE(md.has("ProfileCMMType"_f));
  EXPECT_TRUE(warned(md, "invalid")) << all_warnings(md);
}

TEST(Jpeg, DuplicateIccChunkKeepsTheFirst) {
  std::string p = icc_profile();
  auto md = run(jpeg({segment(0xE2, icc_chunk(1, 2, p.substr(0, 50))), segment(0xE2, icc_chunk(1, 2, "garbage")),
                      segment(0xE2, icc_chunk(2, 2, p.substr(50))), sof(0xC0, 8, 8), sos_and_scan()}));
  EXPECT_EQ(text(md, "ProfileDescription"), "sRGB");
  EXPECT_TRUE(warned(md, "duplicate")) << all_warnings(md);
}

TEST(Jpeg, IccProfileWithAMissingChunkIsNotParsed) {
  std::string p = icc_profile();
  auto md = run(jpeg({segment(0xE2, icc_chunk(1, 3, p.substr(0, 50))), segment(0xE2, icc_chunk(3, 3, p.substr(100))),
                      sof(0xC0, 8, 8), sos_and_scan()}));
  EXPECT_FALSE(md.has("ProfileCMMType"_f));
  EXPECT_TRUE(warned(md, "missing 1 of 3")) << all_warnings(md);
}

TEST(Jpeg, IccChunksDisagreeingOnTheCountAreIgnored) {
  std::string p = icc_profile();
  auto md = run(jpeg({segment(0xE2, icc_chunk(1, 2, p.substr(0, 50))), segment(0xE2, icc_chunk(2, 5, p.substr(50))),
                      sof(0xC0, 8, 8), sos_and_scan()}));
  EXPECT_FALSE(md.has("ProfileCMMType"_f));
  EXPECT_TRUE(warned(md, "disagrees")) << all_warnings(md);
}

TEST(Jpeg, AdobeSegment) {
  auto md = run(jpeg({segment(0xEE, std::string("Adobe\0\x64\0\0\0\0\x01", 12)), sof(0xC0, 8, 8), sos_and_scan()}));
  EXPECT_EQ(integer(md, "DCTEncodeVersion"), 100);
  EXPECT_EQ(integer(md, "APP14Flags0"), 0);
  EXPECT_EQ(integer(md, "APP14Flags1"), 0);
  EXPECT_EQ(integer(md, "ColorTransform"), 1);
}

TEST(Jpeg, CommentSegment) {
  auto md = run(jpeg({segment(0xFE, "comment in GIMP"), sof(0xC0, 8, 8), sos_and_scan()}));
  EXPECT_EQ(text(md, "Comment"), "comment in GIMP");
}

TEST(Jpeg, CommentWithInvalidUtf8ComesOutValid) {
  auto md = run(jpeg({segment(0xFE, "Photoshop\xA8 4.0"), sof(0xC0, 8, 8), sos_and_scan()}));
  EXPECT_EQ(text(md, "Comment"), "Photoshop\xEF\xBF\xBD 4.0");
}

// CIPA DC-007: "MPF\0", II TIFF header, MP Index IFD with MPFVersion, NumberOfImages and the
// MP Entry table (two 16-byte entries) at offset 50 from the TIFF header.
std::string mpf_segment() {
  std::string s("MPF\0II*\0\x08\0\0\0\x03\0", 14);
  s += std::string("\x00\xB0\x07\0\x04\0\0\0" "0100", 12);
  s += std::string("\x01\xB0\x04\0\x01\0\0\0\x02\0\0\0", 12);
  s += std::string("\x02\xB0\x07\0\x20\0\0\0\x32\0\0\0", 12);
  s += std::string("\0\0\0\0", 4);
  s += std::string("\0\0\x03\x20\x00\x10\0\0\0\0\0\0\x02\0\0\0", 16);
  s += std::string("\x02\0\x01\x08\x00\x02\0\0\x00\x01\0\0\0\0\0\0", 16);
  return s;
}

TEST(Jpeg, MpfIndexGivesImageCountAndTheLastEntry) {
  Bytes file = jpeg({segment(0xE2, mpf_segment()), sof(0xC0, 8, 8), sos_and_scan()});
  auto md = run(file);
  EXPECT_EQ(text(md, "MPFVersion"), "0100");
  EXPECT_EQ(integer(md, "NumberOfImages"), 2);
  EXPECT_EQ(integer(md, "MPImageFlags"), 1);
  EXPECT_EQ(integer(md, "MPImageFormat"), 0);
  EXPECT_EQ(integer(md, "MPImageType"), 0x010002);
  EXPECT_EQ(integer(md, "MPImageLength"), 0x200);
  EXPECT_EQ(integer(md, "MPImageStart"), 0x100 + 2 + 4 + 4);  // from the file start: SOI, marker, length, "MPF\0"
}

TEST(Jpeg, MpfEntryTableOutsideTheSegmentWarns) {
  std::string s = mpf_segment();
  s[4 + 8 + 2 + 24 + 8] = '\x7F';  // MPEntry offset
  auto md = run(jpeg({segment(0xE2, s), sof(0xC0, 8, 8), sos_and_scan()}));
  EXPECT_EQ(integer(md, "NumberOfImages"), 2);
  EXPECT_FALSE(md.has("MPImageLength"_f));
  EXPECT_TRUE(warned(md, "MPEntry")) << all_warnings(md);
}

}  // namespace
}  // namespace imgmeta::meta
