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
