#include "meta/cursor.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

namespace imgmeta::meta {
namespace {

// 0x01 0x02 ... 0x10: every byte differs, so a wrong offset or byte order shows in the value.
std::array<uint8_t, 16> counting_bytes() {
  std::array<uint8_t, 16> b{};
  std::iota(b.begin(), b.end(), uint8_t{1});
  return b;
}

// The value of `width` bytes of counting_bytes() from `at`, decoded by hand.
uint64_t expected(size_t at, size_t width, Endian e) {
  uint64_t v = 0;
  for (size_t i = 0; i < width; ++i) {
    const uint64_t b = at + i + 1;
    v = e == Endian::Big ? (v << 8) | b : v | (b << (8 * i));
  }
  return v;
}

// One fixed-width read, as the cursor and the view offer it.
struct Width {
  const char* name;
  size_t bytes;
  Result<uint64_t> (*cursor)(Cursor&);
  Result<uint64_t> (*view)(const ByteView&, uint64_t, Endian);
};

template <class T>
Result<uint64_t> widen(Result<T> r) {
  if (!r) return r.error();
  return static_cast<uint64_t>(*r);
}

const Width kWidths[] = {
    {"u8", 1, [](Cursor& c) { return widen(c.u8()); }, [](const ByteView& v, uint64_t at, Endian) { return widen(v.u8(at)); }},
    {"u16", 2, [](Cursor& c) { return widen(c.u16()); },
     [](const ByteView& v, uint64_t at, Endian e) { return widen(v.u16(at, e)); }},
    {"u24", 3, [](Cursor& c) { return widen(c.u24()); },
     [](const ByteView& v, uint64_t at, Endian e) { return widen(v.u24(at, e)); }},
    {"u32", 4, [](Cursor& c) { return widen(c.u32()); },
     [](const ByteView& v, uint64_t at, Endian e) { return widen(v.u32(at, e)); }},
    {"u64", 8, [](Cursor& c) { return widen(c.u64()); },
     [](const ByteView& v, uint64_t at, Endian e) { return widen(v.u64(at, e)); }},
};

constexpr Endian kEndians[] = {Endian::Big, Endian::Little};

TEST(Cursor, EveryWidthAndByteOrderReadsUpToTheEndAndNoFurther) {
  const auto bytes = counting_bytes();
  for (const Width& w : kWidths) {
    for (Endian e : kEndians) {
      // u8 has no byte order: the view ignores it, the cursor's is never used.
      SCOPED_TRACE(std::string(w.name) + (e == Endian::Big ? " big" : " little"));
      for (size_t size = w.bytes; size <= bytes.size(); ++size) {
        const ByteView v(std::span<const uint8_t>(bytes.data(), size));
        const size_t last = size - w.bytes;  // the read that ends exactly at the end
        Cursor c(v, "test", e, last);
        auto ok = w.cursor(c);
        ASSERT_TRUE(ok.ok()) << "size " << size;
        EXPECT_EQ(*ok, expected(last, w.bytes, w.name == std::string("u8") ? Endian::Big : e));
        EXPECT_EQ(c.pos(), size);
        EXPECT_EQ(c.left(), 0u);
        EXPECT_FALSE(w.cursor(c).ok()) << "a read at the end, size " << size;

        Cursor past(v, "test", e, last + 1);  // one byte further
        EXPECT_FALSE(w.cursor(past).ok()) << "size " << size;
        EXPECT_EQ(past.pos(), last + 1) << "a failed read moves the cursor";

        auto at_end = w.view(v, last, e);
        ASSERT_TRUE(at_end.ok());
        EXPECT_EQ(*at_end, *ok);
        EXPECT_FALSE(w.view(v, last + 1, e).ok());
      }
    }
  }
}

TEST(Cursor, SignedReadsAreTwosComplement) {
  const uint8_t bytes[] = {0xFF, 0xFF, 0xFF, 0xFE, 0x80, 0x00, 0x00, 0x00};
  const ByteView v(bytes);
  Cursor big(v, "test");
  EXPECT_EQ(*big.i32(), -2);
  EXPECT_EQ(*big.i32(), std::numeric_limits<int32_t>::min());
  EXPECT_FALSE(big.i32().ok());
  Cursor little(v, "test", Endian::Little);
  EXPECT_EQ(*little.i32(), -16777217);  // 0xFEFFFFFF
  EXPECT_EQ(*little.i32(), 128);
  EXPECT_EQ(*v.i32(4, Endian::Big), std::numeric_limits<int32_t>::min());
  EXPECT_FALSE(v.i32(5, Endian::Big).ok());
}

TEST(Cursor, ReadsFarPastTheEndFailWithoutOverflow) {
  const auto bytes = counting_bytes();
  const ByteView v(bytes);
  constexpr uint64_t kU64Max = std::numeric_limits<uint64_t>::max();
  constexpr size_t kSizeMax = std::numeric_limits<size_t>::max();
  for (const Width& w : kWidths) {
    SCOPED_TRACE(w.name);
    for (uint64_t at : {kU64Max, kU64Max - 1, kU64Max - w.bytes + 1, kU64Max - 16, uint64_t{kSizeMax},
                        uint64_t{kSizeMax} - 2}) {
      EXPECT_FALSE(w.view(v, at, Endian::Big).ok()) << at;
      Cursor c(v, "test", Endian::Big, static_cast<size_t>(at));
      EXPECT_FALSE(w.cursor(c).ok()) << at;
      EXPECT_EQ(c.left(), 0u);
    }
  }
  EXPECT_FALSE(v.sub(8, kU64Max).ok());
  EXPECT_FALSE(v.sub(kU64Max, 1).ok());
  EXPECT_FALSE(v.tail(kU64Max).ok());
  EXPECT_FALSE(v.equals_at(kU64Max, "ab"));
  EXPECT_FALSE(v.equals_at(kU64Max - 1, "ab"));

  Cursor c(v, "test", Endian::Big, 4);
  EXPECT_FALSE(c.skip(kU64Max).ok());
  EXPECT_FALSE(c.skip(kU64Max - 3).ok());  // 4 + n wraps to 0
  EXPECT_FALSE(c.bytes(kU64Max).ok());
  EXPECT_FALSE(c.bytes(kU64Max - 3).ok());
  EXPECT_FALSE(c.seek(kU64Max).ok());
  EXPECT_EQ(c.pos(), 4u) << "failed moves leave the cursor where it was";
}

TEST(Cursor, SkipSeekAndBytesStopAtTheEnd) {
  const auto bytes = counting_bytes();
  const ByteView v(bytes);
  Cursor c(v, "test");
  EXPECT_TRUE(c.skip(0).ok());
  EXPECT_TRUE(c.skip(15).ok());
  EXPECT_FALSE(c.skip(2).ok());
  EXPECT_EQ(c.pos(), 15u);
  EXPECT_TRUE(c.skip(1).ok());
  EXPECT_EQ(c.left(), 0u);
  EXPECT_FALSE(c.skip(1).ok());
  EXPECT_TRUE(c.skip(0).ok());

  EXPECT_TRUE(c.seek(16).ok());  // the end itself is a position
  EXPECT_FALSE(c.seek(17).ok());
  EXPECT_TRUE(c.seek(3).ok());
  EXPECT_EQ(c.pos(), 3u);

  auto part = c.bytes(13);
  ASSERT_TRUE(part.ok());
  EXPECT_EQ(part->size(), 13u);
  EXPECT_EQ((*part)[0], 4);
  EXPECT_EQ(part->data(), bytes.data() + 3) << "a view of the same bytes, not a copy";
  EXPECT_EQ(c.left(), 0u);
  EXPECT_TRUE(c.bytes(0).ok());
  ASSERT_TRUE(c.seek(10).ok());
  EXPECT_FALSE(c.bytes(7).ok());
  EXPECT_EQ(c.pos(), 10u);
}

TEST(Cursor, ReadsInSequence) {
  const uint8_t bytes[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B};
  Cursor c(ByteView(bytes), "test");
  EXPECT_EQ(*c.u8(), 0x01u);
  EXPECT_EQ(*c.u16(), 0x0203u);
  EXPECT_EQ(*c.u24(), 0x040506u);
  EXPECT_EQ(*c.u32(), 0x0708090Au);
  EXPECT_EQ(c.pos(), 10u);
  EXPECT_EQ(c.left(), 1u);
  Cursor le(ByteView(bytes), "test", Endian::Little);
  EXPECT_EQ(*le.u16(), 0x0201u);
  EXPECT_EQ(*le.u24(), 0x050403u);
}

TEST(Cursor, UintTakesZeroFourOrEightBytes) {
  const auto bytes = counting_bytes();
  Cursor c(ByteView(bytes), "test");
  EXPECT_EQ(*c.uint(0), 0u);
  EXPECT_EQ(c.pos(), 0u);
  EXPECT_EQ(*c.uint(4), 0x01020304u);
  EXPECT_EQ(*c.uint(8), 0x05060708090A0B0Cu);
  EXPECT_FALSE(c.uint(8).ok());  // 4 left
  EXPECT_EQ(c.pos(), 12u);
  auto odd = c.uint(2);
  ASSERT_FALSE(odd.ok());
  EXPECT_NE(odd.error().message.find("field size 2 is not 0, 4 or 8"), std::string::npos) << odd.error().message;
}

TEST(Cursor, CstringStopsAtNulOrTheEnd) {
  const uint8_t bytes[] = {'a', 'b', 0, 0, 'c', 'd'};
  Cursor c(ByteView(bytes), "test");
  EXPECT_EQ(c.cstring(), "ab");
  EXPECT_EQ(c.pos(), 3u);
  EXPECT_EQ(c.cstring(), "");
  EXPECT_EQ(c.cstring(), "cd");  // unterminated: runs to the end
  EXPECT_EQ(c.pos(), 6u);
  EXPECT_EQ(c.cstring(), "");
  Cursor past(ByteView(bytes), "test", Endian::Big, 100);
  EXPECT_EQ(past.cstring(), "");
}

TEST(Cursor, ErrorsNameWhatAndWhere) {
  const uint8_t bytes[] = {1, 2, 3, 4, 5, 6};
  Cursor c(ByteView(bytes), "PNG 'IHDR' chunk", Endian::Big, 4);
  auto r = c.u32();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "PNG 'IHDR' chunk: truncated 32-bit field at byte 4 of 6");
  auto s = c.skip(3);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, "PNG 'IHDR' chunk: skip of 3 bytes at byte 4 of 6");
  auto k = c.seek(7);
  ASSERT_FALSE(k.ok());
  EXPECT_EQ(k.error().message, "PNG 'IHDR' chunk: seek to byte 7 at byte 4 of 6");
  auto b = c.bytes(5);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().message, "PNG 'IHDR' chunk: truncated 5-byte field at byte 4 of 6");
  EXPECT_EQ(c.u24().error().message, "PNG 'IHDR' chunk: truncated 24-bit field at byte 4 of 6");
  EXPECT_EQ(c.error("bad version").message, "PNG 'IHDR' chunk: bad version at byte 4 of 6");
}

TEST(ByteView, EqualsAtComparesOnlyInsideTheView) {
  const uint8_t bytes[] = {'R', 'I', 'F', 'F', 0, 0, 0, 0, 'W', 'E', 'B', 'P'};
  const ByteView v(bytes);
  EXPECT_TRUE(v.starts_with("RIFF"));
  EXPECT_TRUE(v.equals_at(8, "WEBP"));
  EXPECT_TRUE(v.equals_at(4, std::string_view("\0\0\0\0", 4)));  // NULs compare too
  EXPECT_FALSE(v.equals_at(8, "WEBPX"));  // runs one past the end
  EXPECT_FALSE(v.equals_at(9, "WEBP"));
  EXPECT_FALSE(v.starts_with("RIFX"));
  EXPECT_TRUE(v.equals_at(12, ""));
  EXPECT_FALSE(v.equals_at(13, ""));
  EXPECT_FALSE(ByteView().starts_with("R"));
  EXPECT_TRUE(ByteView().starts_with(""));
}

}  // namespace
}  // namespace imgmeta::meta
