// ICO and CUR parsing: directories built here entry by entry.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "meta/extract.hpp"

namespace imgmeta::meta {
namespace {

using Bytes = std::vector<uint8_t>;

void put_le(Bytes& b, uint32_t v, int n) {
  for (int i = 0; i < n; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

// ICONDIR with `type` (1 icon, 2 cursor) and a declared count; entries appended one by one.
struct Ico {
  Bytes b;
  Ico(uint16_t type, uint16_t count) {
    put_le(b, 0, 2);
    put_le(b, type, 2);
    put_le(b, count, 2);
  }
  Ico& entry(uint8_t w, uint8_t h, uint8_t colors, uint16_t planes_or_x, uint16_t bits_or_y, uint32_t length,
             uint32_t offset) {
    b.insert(b.end(), {w, h, colors, 0});
    put_le(b, planes_or_x, 2);
    put_le(b, bits_or_y, 2);
    put_le(b, length, 4);
    put_le(b, offset, 4);
    return *this;
  }
};

Metadata extract_ok(const Bytes& b) {
  MemorySource src(b);
  auto md = extract(src);
  EXPECT_TRUE(md.ok()) << (md.ok() ? "" : md.error().message);
  return md.ok() ? *md : Metadata{};
}

int64_t num(const Metadata& md, std::string_view name) {
  const Value* v = md.get(name);
  if (!v || !std::holds_alternative<int64_t>(*v)) {
    ADD_FAILURE() << name << " missing or not an integer";
    return -1;
  }
  return std::get<int64_t>(*v);
}

std::string str(const Metadata& md, std::string_view name) {
  const std::string* s = md.get_string(name);
  if (!s) ADD_FAILURE() << name << " missing or not a string";
  return s ? *s : std::string();
}

bool warned(const Metadata& md, std::string_view part) {
  for (const auto& w : md.warnings)
    if (w.find(part) != std::string::npos) return true;
  return false;
}

TEST(Ico, IconReportsItsFirstImage) {
  Metadata md = extract_ok(Ico(1, 2).entry(16, 16, 0, 1, 32, 1128, 38).entry(32, 32, 0, 1, 32, 4264, 1166).b);
  EXPECT_EQ(str(md, "FileType"), "ICO");
  EXPECT_EQ(str(md, "FileTypeExtension"), "ICO");
  EXPECT_EQ(str(md, "MIMEType"), "image/x-icon");
  EXPECT_EQ(num(md, "ImageCount"), 2);
  EXPECT_EQ(num(md, "ImageWidth"), 16);
  EXPECT_EQ(num(md, "ImageHeight"), 16);
  EXPECT_EQ(num(md, "NumColors"), 0);
  EXPECT_EQ(num(md, "ColorPlanes"), 1);
  EXPECT_EQ(num(md, "BitsPerPixel"), 32);
  EXPECT_EQ(num(md, "ImageLength"), 1128);
  EXPECT_TRUE(md.warnings.empty());
}

TEST(Ico, ZeroSizeMeans256) {
  Metadata md = extract_ok(Ico(1, 1).entry(0, 0, 0, 1, 32, 103, 22).b);
  EXPECT_EQ(num(md, "ImageWidth"), 256);
  EXPECT_EQ(num(md, "ImageHeight"), 256);
}

TEST(Ico, CursorHasHotspotInsteadOfPlanesAndBits) {
  Metadata md = extract_ok(Ico(2, 1).entry(32, 32, 2, 5, 7, 300, 22).b);
  EXPECT_EQ(str(md, "FileType"), "CUR");
  EXPECT_EQ(str(md, "FileTypeExtension"), "CUR");
  EXPECT_EQ(str(md, "MIMEType"), "image/x-cursor");
  EXPECT_EQ(num(md, "HotspotX"), 5);
  EXPECT_EQ(num(md, "HotspotY"), 7);
  EXPECT_EQ(num(md, "NumColors"), 2);
  EXPECT_FALSE(md.has("ColorPlanes"_f));
}

TEST(Ico, EmptyDirectoryIsAWarning) {
  Metadata md = extract_ok(Ico(1, 0).b);
  EXPECT_EQ(num(md, "ImageCount"), 0);
  EXPECT_FALSE(md.has("ImageWidth"_f));
  EXPECT_TRUE(warned(md, "lists no images"));
}

TEST(Ico, CountBeyondTheFileIsTruncation) {
  Metadata md = extract_ok(Ico(1, 65535).entry(48, 48, 0, 1, 8, 100, 22).b);
  EXPECT_EQ(num(md, "ImageCount"), 65535);
  EXPECT_EQ(num(md, "ImageWidth"), 48);
  EXPECT_TRUE(warned(md, "Truncated file"));
}

TEST(Ico, MissingFirstEntryKeepsTheCount) {
  Bytes b = Ico(1, 1).b;
  b.insert(b.end(), {16, 16, 0});
  Metadata md = extract_ok(b);
  EXPECT_EQ(num(md, "ImageCount"), 1);
  EXPECT_FALSE(md.has("ImageWidth"_f));
  EXPECT_TRUE(warned(md, "first ICONDIRENTRY"));
}

}  // namespace
}  // namespace imgmeta::meta
