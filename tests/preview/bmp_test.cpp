// The BMP and ICO decoders on bitmaps built in the tests.
#include <gtest/gtest.h>

#include <vector>

#include "preview/bmp.hpp"

namespace imgmeta::preview {
namespace {

void put32(std::vector<uint8_t>& b, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + size_t(i)] = uint8_t(v >> (8 * i));
}

// BITMAPFILEHEADER + BITMAPINFOHEADER for a width x height, 24-bit, uncompressed bitmap.
std::vector<uint8_t> bmp24(int32_t width, int32_t height, const std::vector<uint8_t>& bits) {
  std::vector<uint8_t> b(54, 0);
  b[0] = 'B', b[1] = 'M';
  put32(b, 2, uint32_t(54 + bits.size()));
  put32(b, 10, 54);
  put32(b, 14, 40);
  put32(b, 18, uint32_t(width));
  put32(b, 22, uint32_t(height));
  b[26] = 1, b[28] = 24;
  b.insert(b.end(), bits.begin(), bits.end());
  return b;
}

TEST(Bmp, BottomUpRowsAreFlippedAndBgrBecomesRgb) {
  // 2x2: bottom row blue, red; top row green, white (rows padded to 8 bytes).
  std::vector<uint8_t> bits = {255, 0, 0, 0, 0, 255, 0, 0, 0, 255, 0, 255, 255, 255, 0, 0};
  auto r = decode_bmp(bmp24(2, 2, bits), 1000);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->width, 2);
  EXPECT_EQ(r->bands, 3);
  std::vector<uint8_t> want = {0, 255, 0, 255, 255, 255, 0, 0, 255, 255, 0, 0};
  EXPECT_EQ(r->data, want);
}

TEST(Bmp, AHugeHeaderOverAFewBytesIsTooLargeBeforeAnyAllocation) {
  auto r = decode_bmp(bmp24(60000, 60000, {1, 2, 3, 4}), 200'000'000);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, meta::Errc::TooLarge);
}

TEST(Bmp, TruncatedPixelDataLeavesBlackRowsInsteadOfReadingPastTheEnd) {
  // 4x4 at 24 bits: 12 bytes a row; three rows of four present.
  auto r = decode_bmp(bmp24(4, 4, std::vector<uint8_t>(36, 255)), 1000);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->data.size(), 4u * 4u * 3u);
  EXPECT_EQ(r->data[0], 0);    // the top row is the missing fourth one
  EXPECT_EQ(r->data.back(), 255);
}

TEST(Bmp, ManyPixelsClaimedOverAFewBytesAreRefusedUnderThePixelLimit) {
  auto r = decode_bmp(bmp24(14000, 14000, {1, 2, 3, 4}), 200'000'000);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, meta::Errc::Failed);
  EXPECT_NE(r.error().message.find("14000x14000"), std::string::npos) << r.error().message;
}

TEST(Bmp, BadOffsetsFail) {
  auto b = bmp24(2, 2, {});
  put32(b, 10, 100000);
  EXPECT_FALSE(decode_bmp(b, 1000).ok());
  put32(b, 10, 54);
  put32(b, 14, 9999);
  EXPECT_FALSE(decode_bmp(b, 1000).ok());
}

TEST(Ico, LargestEntryAndItsAndMask) {
  // One 2x2 24-bit DIB entry; the AND mask makes the top-left pixel transparent.
  std::vector<uint8_t> dib(40, 0);
  put32(dib, 0, 40);
  put32(dib, 4, 2);
  put32(dib, 8, 4);  // doubled height
  dib[12] = 1, dib[14] = 24;
  std::vector<uint8_t> colour(16, 200);
  std::vector<uint8_t> mask = {0, 0, 0, 0, 0x80, 0, 0, 0};  // bottom row opaque, top row: first pixel masked
  dib.insert(dib.end(), colour.begin(), colour.end());
  dib.insert(dib.end(), mask.begin(), mask.end());
  std::vector<uint8_t> ico = {0, 0, 1, 0, 1, 0, 2, 2, 0, 0, 1, 0, 24, 0, 0, 0, 0, 0, 22, 0, 0, 0};
  put32(ico, 14, uint32_t(dib.size()));
  ico.insert(ico.end(), dib.begin(), dib.end());
  auto r = decode_ico(ico, 1000);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_FALSE(r->png.has_value());
  EXPECT_EQ(r->pixels.bands, 4);
  EXPECT_EQ(r->pixels.data[3], 0);    // top-left
  EXPECT_EQ(r->pixels.data[7], 255);  // top-right
}

}  // namespace
}  // namespace imgmeta::preview
