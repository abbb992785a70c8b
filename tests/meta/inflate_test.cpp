// Bounded zlib inflate: caps, truncation and corrupt streams.
#include "meta/inflate.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <string>
#include <vector>

namespace imgmeta::meta {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes zlib_compress(const std::string& s) {
  uLongf n = compressBound(static_cast<uLong>(s.size()));
  Bytes out(n);
  EXPECT_EQ(compress2(out.data(), &n, reinterpret_cast<const Bytef*>(s.data()), static_cast<uLong>(s.size()), 9), Z_OK);
  out.resize(n);
  return out;
}

std::string text(const Inflated& in) { return std::string(in.bytes.begin(), in.bytes.end()); }

TEST(Inflate, RoundTrip) {
  const Bytes z = zlib_compress("hello, hello, hello");
  auto out = inflate_zlib(ByteView(z), 1000);
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(text(*out), "hello, hello, hello");
  EXPECT_FALSE(out->truncated);
}

TEST(Inflate, EmptyStream) {
  const Bytes z = zlib_compress("");
  auto out = inflate_zlib(ByteView(z), 10);
  ASSERT_TRUE(out.ok());
  EXPECT_TRUE(out->bytes.empty());
  EXPECT_FALSE(out->truncated);
}

TEST(Inflate, OutputStopsAtTheCap) {
  const Bytes z = zlib_compress(std::string(1 << 20, 'a'));
  auto out = inflate_zlib(ByteView(z), 1000);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->bytes.size(), 1000u);
  EXPECT_TRUE(out->truncated);
}

TEST(Inflate, OutputOfExactlyTheCapIsNotTruncated) {
  const Bytes z = zlib_compress(std::string(1000, 'b'));
  auto out = inflate_zlib(ByteView(z), 1000);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->bytes.size(), 1000u);
  EXPECT_FALSE(out->truncated);
}

TEST(Inflate, ZeroCapGivesNothing) {
  const Bytes z = zlib_compress("x");
  auto out = inflate_zlib(ByteView(z), 0);
  ASSERT_TRUE(out.ok());
  EXPECT_TRUE(out->bytes.empty());
  EXPECT_TRUE(out->truncated);
}

// `mib` MiB of zeros as one zlib stream, fed to deflate a block at a time.
Bytes zeros_stream(int mib) {
  z_stream zs{};
  EXPECT_EQ(deflateInit(&zs, 1), Z_OK);
  Bytes block(1 << 20, 0), out, buf(1 << 16);
  for (int i = 0; i < mib; ++i) {
    zs.next_in = block.data();
    zs.avail_in = static_cast<uInt>(block.size());
    const int flush = i + 1 == mib ? Z_FINISH : Z_NO_FLUSH;
    int rc;
    do {
      zs.next_out = buf.data();
      zs.avail_out = static_cast<uInt>(buf.size());
      rc = deflate(&zs, flush);
      out.insert(out.end(), buf.begin(), buf.end() - zs.avail_out);
    } while (zs.avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
  }
  deflateEnd(&zs);
  return out;
}

TEST(Inflate, BombCostsNoMoreThanTheCap) {
  // 64 MiB of zeros deflate to a few hundred KiB; the cap holds memory to 1 MiB.
  const Bytes z = zeros_stream(64);
  ASSERT_LT(z.size(), 1u << 20);
  auto out = inflate_zlib(ByteView(z), 1u << 20);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->bytes.size(), 1u << 20);
  EXPECT_LE(out->bytes.capacity(), 1u << 20);
  EXPECT_TRUE(out->truncated);
}

TEST(Inflate, OutputLargerThanOneBlockIsComplete) {
  std::string s;
  for (int i = 0; i < 100000; ++i) s += std::to_string(i);
  const Bytes z = zlib_compress(s);
  auto out = inflate_zlib(ByteView(z), 8u << 20);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(text(*out), s);
}

TEST(Inflate, StreamCutShortIsAnError) {
  Bytes z = zlib_compress(std::string(5000, 'c') + "tail");
  z.resize(z.size() / 2);
  auto out = inflate_zlib(ByteView(z), 1 << 20);
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.error().message.find("ends early"), std::string::npos);
}

TEST(Inflate, MissingChecksumIsAnError) {
  Bytes z = zlib_compress("checksum follows");
  z.resize(z.size() - 4);  // drop the Adler-32 trailer
  EXPECT_FALSE(inflate_zlib(ByteView(z), 1000).ok());
}

TEST(Inflate, CorruptChecksumIsAnError) {
  Bytes z = zlib_compress("checksum follows");
  z.back() ^= 0xFF;
  auto out = inflate_zlib(ByteView(z), 1000);
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.error().message.find("incorrect data check"), std::string::npos);
}

TEST(Inflate, RawDeflateWithoutZlibHeaderIsAnError) {
  const Bytes junk = {0xFF, 0xFF, 0xFF, 0xFF};
  auto out = inflate_zlib(ByteView(junk), 1000);
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.error().message.find("corrupt stream"), std::string::npos);
}

TEST(Inflate, EmptyInputIsAnError) {
  EXPECT_FALSE(inflate_zlib(ByteView(), 1000).ok());
}

TEST(Inflate, PresetDictionaryIsAnError) {
  const std::string dict = "dictionary";
  z_stream zs{};
  ASSERT_EQ(deflateInit(&zs, 9), Z_OK);
  ASSERT_EQ(deflateSetDictionary(&zs, reinterpret_cast<const Bytef*>(dict.data()), static_cast<uInt>(dict.size())), Z_OK);
  std::string in = "dictionary words";
  Bytes out(256);
  zs.next_in = reinterpret_cast<Bytef*>(in.data());
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(out.size());
  ASSERT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  auto r = inflate_zlib(ByteView(out), 1000);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("preset dictionary"), std::string::npos);
}

TEST(Inflate, BytesAfterTheStreamAreIgnored) {
  Bytes z = zlib_compress("done");
  z.insert(z.end(), {1, 2, 3, 4});
  auto out = inflate_zlib(ByteView(z), 100);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(text(*out), "done");
}

}  // namespace
}  // namespace imgmeta::meta
