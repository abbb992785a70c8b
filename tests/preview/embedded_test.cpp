// The embedded-preview locator on TIFF, RAF and CR3 containers built byte by byte.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "preview/embedded.hpp"
#include "preview/format.hpp"

namespace imgmeta::preview {
namespace {

// A JPEG that is only SOI + SOF0 (what the locator reads): width x height, 3 components.
std::vector<uint8_t> jpeg_header(int width, int height, uint8_t sof = 0xC0) {
  return {0xFF, 0xD8, 0xFF, sof, 0x00, 0x11, 0x08, uint8_t(height >> 8), uint8_t(height), uint8_t(width >> 8),
          uint8_t(width), 0x03, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1, 0xFF, 0xD9};
}

// Little-endian TIFF writer: one IFD at offset 8 with the given (tag, type, count, value)
// entries, values inline.
struct Tiff {
  std::vector<uint8_t> bytes{'I', 'I', 42, 0, 8, 0, 0, 0};
  void u16(size_t at, uint32_t v) { bytes[at] = uint8_t(v), bytes[at + 1] = uint8_t(v >> 8); }
  void u32(size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i) bytes[at + size_t(i)] = uint8_t(v >> (8 * i));
  }
  // Writes an IFD at `at` (the buffer grows as needed); returns the offset after it.
  size_t ifd(size_t at, const std::vector<std::array<uint32_t, 4>>& entries, uint32_t next = 0) {
    size_t end = at + 2 + entries.size() * 12 + 4;
    if (bytes.size() < end) bytes.resize(end);
    u16(at, uint32_t(entries.size()));
    for (size_t i = 0; i < entries.size(); ++i) {
      size_t e = at + 2 + i * 12;
      u16(e, entries[i][0]);
      u16(e + 2, entries[i][1]);
      u32(e + 4, entries[i][2]);
      if (entries[i][1] == 3 && entries[i][2] == 1) u16(e + 8, entries[i][3]); else u32(e + 8, entries[i][3]);
    }
    u32(end - 4, next);
    return end;
  }
  size_t append(const std::vector<uint8_t>& data) {
    size_t at = bytes.size();
    bytes.insert(bytes.end(), data.begin(), data.end());
    return at;
  }
};

RawPreviews find(const std::vector<uint8_t>& bytes) {
  SpanSource source(bytes);
  auto r = find_embedded_previews(source);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : RawPreviews{};
}

TEST(EmbeddedPreview, JpegInterchangeFormatInIfd0OfADng) {
  Tiff t;
  t.bytes.resize(200);
  auto jpeg = jpeg_header(1024, 683);
  size_t at = t.append(jpeg);
  t.ifd(8, {{0x0103, 3, 1, 6}, {0x0112, 3, 1, 6}, {0x0201, 4, 1, uint32_t(at)}, {0x0202, 4, 1, uint32_t(jpeg.size())},
            {0xC612, 1, 4, 0x00000401}});
  auto r = find(t.bytes);
  EXPECT_TRUE(r.is_raw);
  EXPECT_EQ(r.orientation, 6);
  ASSERT_EQ(r.jpegs.size(), 1u);
  EXPECT_EQ(r.jpegs[0].offset, at);
  EXPECT_EQ(r.jpegs[0].width, 1024);
  EXPECT_EQ(r.jpegs[0].height, 683);
}

TEST(EmbeddedPreview, SubIfdStripJpegAndTheSmallestLargeEnoughIsChosen) {
  Tiff t;
  t.bytes.resize(300);
  auto big = jpeg_header(6000, 4000), mid = jpeg_header(1620, 1080), small = jpeg_header(160, 120);
  uint32_t a = uint32_t(t.append(big)), b = uint32_t(t.append(mid)), c = uint32_t(t.append(small));
  // IFD0: the thumbnail as JPEGInterchangeFormat, two SubIFDs (offsets stored at 200).
  t.ifd(8, {{0x0201, 4, 1, c}, {0x0202, 4, 1, uint32_t(small.size())}, {0x014A, 4, 2, 200}});
  t.u32(200, 100);
  t.u32(204, 150);
  t.ifd(100, {{0x0103, 3, 1, 7}, {0x0106, 3, 1, 6}, {0x0111, 4, 1, a}, {0x0117, 4, 1, uint32_t(big.size())}});
  t.ifd(150, {{0x0103, 3, 1, 6}, {0x0111, 4, 1, b}, {0x0117, 4, 1, uint32_t(mid.size())}});
  auto r = find(t.bytes);
  ASSERT_EQ(r.jpegs.size(), 3u);
  EXPECT_EQ(choose_embedded(r, 1600)->width, 1620);
  EXPECT_EQ(choose_embedded(r, 400)->width, 1620);
  EXPECT_EQ(choose_embedded(r, 2000)->width, 6000);
  EXPECT_EQ(choose_embedded(r, 9000)->width, 6000);  // none reaches it: the largest
}

TEST(EmbeddedPreview, LosslessJpegRawDataIsNotAPreview) {
  Tiff t;
  t.bytes.resize(100);
  auto lossless = jpeg_header(3000, 2000, 0xC3);
  uint32_t a = uint32_t(t.append(lossless));
  t.ifd(8, {{0x0103, 3, 1, 7}, {0x0106, 3, 1, 32803}, {0x0111, 4, 1, a}, {0x0117, 4, 1, uint32_t(lossless.size())}});
  auto r = find(t.bytes);
  EXPECT_TRUE(r.is_raw);  // CFA photometric
  EXPECT_TRUE(r.jpegs.empty());
  EXPECT_EQ(choose_embedded(r, 400), nullptr);
}

TEST(EmbeddedPreview, RangesPastTheEndAreSkipped) {
  Tiff t;
  t.bytes.resize(100);
  t.ifd(8, {{0x0201, 4, 1, 90}, {0x0202, 4, 1, 0xFFFFFFF0u}, {0x0103, 3, 1, 6}, {0x0111, 4, 1, 0xFFFFFFF0u},
            {0x0117, 4, 1, 0x20}});
  EXPECT_TRUE(find(t.bytes).jpegs.empty());
}

TEST(EmbeddedPreview, AnIfdLoopEnds) {
  Tiff t;
  t.bytes.resize(64);
  t.ifd(8, {{0x0103, 3, 1, 1}}, 8);              // next IFD is itself
  t.ifd(30, {{0x014A, 4, 1, 30}}, 0);            // a SubIFD pointing at its parent
  t.u32(4, 30);
  auto r = find(t.bytes);
  EXPECT_TRUE(r.jpegs.empty());
  t.u32(4, 8);
  EXPECT_TRUE(find(t.bytes).jpegs.empty());
}

TEST(EmbeddedPreview, Rw2JpgFromRawIsTheTagsValue) {
  Tiff t;
  t.bytes[2] = 0x55;  // "IIU\0"
  t.bytes.resize(100);
  auto jpeg = jpeg_header(1920, 1080);
  uint32_t a = uint32_t(t.append(jpeg));
  t.ifd(8, {{0x002E, 7, uint32_t(jpeg.size()), a}});
  auto r = find(t.bytes);
  EXPECT_TRUE(r.is_raw);
  ASSERT_EQ(r.jpegs.size(), 1u);
  EXPECT_EQ(r.jpegs[0].where, "IFD0 JpgFromRaw");
}

TEST(EmbeddedPreview, RafHeaderPointsAtTheJpeg) {
  std::vector<uint8_t> raf(100, 0);
  std::memcpy(raf.data(), "FUJIFILMCCD-RAW ", 16);
  auto jpeg = jpeg_header(1600, 1200);
  raf[84 + 3] = 100;                      // offset 100, big-endian
  raf[88 + 3] = uint8_t(jpeg.size());     // length
  raf.insert(raf.end(), jpeg.begin(), jpeg.end());
  SpanSource source(raf);
  auto r = find_embedded_previews(source);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->jpegs.size(), 1u);
  EXPECT_EQ(r->jpegs[0].width, 1600);
  EXPECT_EQ(r->orientation, 0);  // the JPEG's own EXIF decides
}

TEST(EmbeddedPreview, NotAContainer) {
  std::vector<uint8_t> bytes(40, 'x');
  SpanSource source(bytes);
  EXPECT_FALSE(find_embedded_previews(source).ok());
}

TEST(DetectFormat, ByMagicNotByName) {
  auto detect = [](std::string head) {
    head.resize(32, '\0');
    return detect_format(std::span(reinterpret_cast<const uint8_t*>(head.data()), head.size()));
  };
  EXPECT_EQ(detect("\xFF\xD8\xFF\xE1"), Format::Jpeg);
  EXPECT_EQ(detect(std::string("\0\0\0\x1C" "ftypheic\0\0\0\0mif1heic", 24)), Format::Heif);
  EXPECT_EQ(detect(std::string("\0\0\0\x1C" "ftypmif1\0\0\0\0mif1avif", 24)), Format::Avif);
  EXPECT_EQ(detect(std::string("\0\0\0\x18" "ftypcrx \0\0\0\1crx ", 20)), Format::Cr3);
  EXPECT_EQ(detect("<?xml version=\"1.0\"?><svg"), Format::Unknown);
  EXPECT_EQ(detect("%PDF-1.7"), Format::Unknown);
}

}  // namespace
}  // namespace imgmeta::preview
