#include "meta/reader.hpp"

#include <gtest/gtest.h>

#include <numeric>

namespace imgmeta::meta {
namespace {

// A source that counts calls and serves a pattern of `size` bytes, without being contiguous.
class CountingSource : public Source {
 public:
  explicit CountingSource(uint64_t size) : size_(size) {}
  uint64_t size() const override { return size_; }
  Result<size_t> read_at(uint64_t offset, std::span<uint8_t> out) override {
    ++calls;
    size_t n = 0;
    for (; n < out.size() && offset + n < size_; ++n) out[n] = static_cast<uint8_t>((offset + n) & 0xFF);
    return n;
  }
  size_t preferred_block_size() const override { return 1024; }
  int calls = 0;

 private:
  uint64_t size_;
};

TEST(Reader, DecodesBothByteOrders) {
  const uint8_t bytes[] = {0x12, 0x34, 0x56, 0x78};
  MemorySource src(bytes);
  Reader r(src, 1 << 20);
  EXPECT_EQ(*r.u16(0, Endian::Big), 0x1234);
  EXPECT_EQ(*r.u16(0, Endian::Little), 0x3412);
  EXPECT_EQ(*r.u32(0, Endian::Big), 0x12345678u);
  EXPECT_EQ(*r.u32(0, Endian::Little), 0x78563412u);
}

TEST(Reader, RejectsReadsPastTheEnd) {
  const uint8_t bytes[] = {1, 2, 3};
  MemorySource src(bytes);
  Reader r(src, 1 << 20);
  EXPECT_FALSE(r.u32(0, Endian::Big).ok());
  EXPECT_FALSE(r.view(2, 2).ok());
  EXPECT_FALSE(r.view(UINT64_MAX, 2).ok());  // offset + len would overflow
  EXPECT_TRUE(r.view(3, 0).ok());
}

TEST(Reader, SmallReadsShareOneBlockFetch) {
  CountingSource src(10000);
  Reader r(src, 1 << 20);
  for (uint64_t off = 0; off < 1000; off += 10) ASSERT_TRUE(r.u16(off, Endian::Big).ok());
  EXPECT_EQ(src.calls, 1);
  EXPECT_EQ(r.stats().bytes_read, 1024u);
}

TEST(Reader, ViewAcrossBlocksIsAssembled) {
  CountingSource src(10000);
  Reader r(src, 1 << 20);
  auto v = r.view(1000, 100);
  ASSERT_TRUE(v.ok());
  for (size_t i = 0; i < 100; ++i) EXPECT_EQ((*v)[i], static_cast<uint8_t>((1000 + i) & 0xFF));
}

TEST(Reader, ViewsStayValidWhileTheReaderLives) {
  // Views of one block, of several blocks and straight from the source, then reads all over
  // the file: every earlier view still holds its bytes (AddressSanitizer would catch a view
  // into freed memory), and no block is fetched twice.
  CountingSource src(64 * 1024);
  Reader r(src, 1 << 20);
  std::vector<std::pair<uint64_t, ByteView>> kept;
  for (uint64_t off : {0ull, 1000ull, 5000ull, 20000ull}) kept.emplace_back(off, *r.view(off, off == 20000 ? 9000 : 100));
  for (uint64_t off = 0; off + 8 <= 64 * 1024; off += 97) ASSERT_TRUE(r.u64(off, Endian::Little).ok());
  for (uint64_t off = 1020; off < 60000; off += 1024) ASSERT_TRUE(r.view(off, 8).ok());  // straddling
  for (const auto& [off, v] : kept)
    for (size_t i = 0; i < v.size(); ++i) ASSERT_EQ(v[i], static_cast<uint8_t>((off + i) & 0xFF)) << off << "+" << i;
  EXPECT_LE(r.stats().bytes_read, 64u * 1024 + 9000);  // each block once, plus the direct read
}

TEST(Reader, IntegerReadsAcrossBlocksAssembleNothing) {
  CountingSource src(4096);
  Reader r(src, 8192);  // enough for the file once, not for a copy per straddling read
  for (int i = 0; i < 100000; ++i) ASSERT_EQ(*r.u32(1022, Endian::Big), 0xFEFF0001u);
  EXPECT_EQ(src.calls, 2);
}

TEST(Reader, PiecesEndWithTheirBlockAndCopyNothing) {
  // Pieces of up to 300 bytes over a whole file: each ends where it was asked to or where its
  // block ends, holds the right bytes, and the whole walk costs one fetch per block and no
  // assembled copy (a budget of the file's size once leaves no room for copies).
  CountingSource src(5000);
  Reader r(src, 5000);
  uint64_t pos = 0;
  for (;;) {
    auto piece = r.view_piece(pos, 300);
    ASSERT_TRUE(piece.ok()) << pos << ": " << piece.error().message;
    if (piece->empty()) break;
    const uint64_t block_end = (pos / 1024 + 1) * 1024;
    EXPECT_EQ(piece->size(), std::min<uint64_t>({300, block_end - pos, 5000 - pos})) << pos;
    for (size_t i = 0; i < piece->size(); ++i) ASSERT_EQ((*piece)[i], static_cast<uint8_t>((pos + i) & 0xFF));
    pos += piece->size();
  }
  EXPECT_EQ(pos, 5000u);
  EXPECT_EQ(src.calls, 5);
  EXPECT_FALSE(r.view_piece(5001, 10).ok());
  // In memory there are no blocks: a piece is what was asked for.
  std::vector<uint8_t> bytes(5000);
  MemorySource mem(bytes);
  Reader m(mem, 1 << 20);
  EXPECT_EQ(m.view_piece(1000, 300)->size(), 300u);
  EXPECT_EQ(m.view_piece(4900, 300)->size(), 100u);
}

TEST(Reader, AssembledViewsCountAgainstTheBudget) {
  // A file that makes a parser ask for the same straddling range again and again cannot make
  // the Reader hold more than its budget in copies.
  CountingSource src(4096);
  Reader r(src, 4096);
  int ok = 0;
  for (int i = 0; i < 1000; ++i) {
    if (!r.view(1000, 100).ok()) break;
    ++ok;
  }
  EXPECT_EQ(ok, 40);  // 40 x 100 bytes fit in 4096; the 41st fails
  EXPECT_TRUE(r.view(0, 10).ok());  // reads inside a fetched block still work
}

TEST(Reader, BudgetStopsReading) {
  CountingSource src(100000);
  Reader r(src, 2048);
  EXPECT_TRUE(r.u8(0).ok());
  EXPECT_TRUE(r.u8(1024).ok());
  auto third = r.u8(4096);
  ASSERT_FALSE(third.ok());
  EXPECT_NE(third.error().message.find("budget"), std::string::npos);
}

TEST(ByteView, SubChecksBounds) {
  const uint8_t bytes[] = {1, 2, 3, 4};
  ByteView v(bytes);
  EXPECT_TRUE(v.sub(1, 3).ok());
  EXPECT_FALSE(v.sub(1, 4).ok());
  EXPECT_FALSE(v.sub(5, 0).ok());
}

}  // namespace
}  // namespace imgmeta::meta
