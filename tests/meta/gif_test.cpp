// GIF container parsing: every input is built here, block by block.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "meta/extract.hpp"

namespace imgmeta::meta {
namespace {

using Bytes = std::vector<uint8_t>;

// A GIF datastream (GIF89a sections 17-27).
struct Gif {
  Bytes b;

  explicit Gif(uint16_t w = 10, uint16_t h = 20, uint8_t packed = 0xF7, uint8_t background = 3, uint8_t aspect = 0,
               std::string_view version = "89a") {
    b = {'G', 'I', 'F'};
    b.insert(b.end(), version.begin(), version.end());
    b.insert(b.end(), {static_cast<uint8_t>(w), static_cast<uint8_t>(w >> 8), static_cast<uint8_t>(h),
                       static_cast<uint8_t>(h >> 8), packed, background, aspect});
    if (packed & 0x80) b.insert(b.end(), 3 * (size_t{2} << (packed & 7)), 0);  // global color table
  }
  // Data sub-blocks of at most 255 bytes, then the terminator.
  Gif& sub_blocks(std::string_view data) {
    for (size_t i = 0; i < data.size(); i += 255) {
      const size_t n = std::min<size_t>(255, data.size() - i);
      b.push_back(static_cast<uint8_t>(n));
      b.insert(b.end(), data.begin() + static_cast<std::ptrdiff_t>(i), data.begin() + static_cast<std::ptrdiff_t>(i + n));
    }
    b.push_back(0);
    return *this;
  }
  Gif& image(bool local_table = false) {
    b.insert(b.end(), {0x2C, 0, 0, 0, 0, 1, 0, 1, 0, static_cast<uint8_t>(local_table ? 0x81 : 0)});
    if (local_table) b.insert(b.end(), 12, 0);
    b.push_back(2);  // LZW minimum code size
    return sub_blocks(std::string(300, '\x44'));
  }
  Gif& control(uint16_t delay, bool transparent = false, uint8_t index = 0) {
    b.insert(b.end(), {0x21, 0xF9, 4, static_cast<uint8_t>(transparent ? 1 : 0), static_cast<uint8_t>(delay),
                       static_cast<uint8_t>(delay >> 8), index, 0});
    return *this;
  }
  Gif& comment(std::string_view text) {
    b.insert(b.end(), {0x21, 0xFE});
    return sub_blocks(text);
  }
  Gif& application(std::string_view id, std::string_view data) {
    b.insert(b.end(), {0x21, 0xFF, 11});
    b.insert(b.end(), id.begin(), id.end());
    return sub_blocks(data);
  }
  Gif& loops(uint16_t n, std::string_view id = "NETSCAPE2.0") {
    return application(id, std::string{1, static_cast<char>(n & 0xFF), static_cast<char>(n >> 8)});
  }
  Gif& trailer() {
    b.push_back(0x3B);
    return *this;
  }
};

Metadata extract_ok(const Bytes& b, const Options& options = {}) {
  MemorySource src(b);
  auto md = extract(src, options);
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

TEST(Gif, ScreenDescriptorFields) {
  Metadata md = extract_ok(Gif(320, 240, 0xE6, 7, 49).image().trailer().b);
  EXPECT_EQ(str(md, "FileType"), "GIF");
  EXPECT_EQ(str(md, "FileTypeExtension"), "GIF");
  EXPECT_EQ(str(md, "MIMEType"), "image/gif");
  EXPECT_EQ(str(md, "GIFVersion"), "89a");
  EXPECT_EQ(num(md, "ImageWidth"), 320);
  EXPECT_EQ(num(md, "ImageHeight"), 240);
  EXPECT_EQ(num(md, "HasColorMap"), 1);
  EXPECT_EQ(num(md, "ColorResolutionDepth"), 7);
  EXPECT_EQ(num(md, "BitsPerPixel"), 7);
  EXPECT_EQ(num(md, "BackgroundColor"), 7);
  double aspect = 0;
  ASSERT_TRUE(md.get_number("PixelAspectRatio"_f, aspect));
  EXPECT_DOUBLE_EQ(aspect, 1.0);
  EXPECT_TRUE(md.warnings.empty());
}

TEST(Gif, Version87aWithoutColorTable) {
  Metadata md = extract_ok(Gif(1, 1, 0x00, 0, 0, "87a").image().trailer().b);
  EXPECT_EQ(str(md, "GIFVersion"), "87a");
  EXPECT_EQ(num(md, "HasColorMap"), 0);
  EXPECT_FALSE(md.has("PixelAspectRatio"_f));
}

TEST(Gif, SingleFrameHasNoFrameCountOrDuration) {
  Metadata md = extract_ok(Gif().image().trailer().b);
  EXPECT_FALSE(md.has("FrameCount"_f));
  EXPECT_FALSE(md.has("Duration"_f));
}

TEST(Gif, AnimationFramesAndDelaysAreSummed) {
  Metadata md =
      extract_ok(Gif().loops(0).control(10).image().control(25, true, 255).image(true).control(65).image().trailer().b);
  EXPECT_EQ(num(md, "FrameCount"), 3);
  double duration = 0;
  ASSERT_TRUE(md.get_number("Duration"_f, duration));
  EXPECT_DOUBLE_EQ(duration, 1.0);
  EXPECT_EQ(num(md, "TransparentColor"), 255);
  EXPECT_EQ(num(md, "AnimationIterations"), 0);
  EXPECT_EQ(num(md, "LoopCount"), 0);
}

TEST(Gif, LoopCountFromEitherApplicationExtension) {
  EXPECT_EQ(num(extract_ok(Gif().loops(3).image().trailer().b), "AnimationIterations"), 3);
  EXPECT_EQ(num(extract_ok(Gif().loops(7, "ANIMEXTS1.0").image().trailer().b), "LoopCount"), 7);
}

TEST(Gif, FirstCommentIsKept) {
  Metadata md = extract_ok(Gif().comment("first").image().comment("second").trailer().b);
  EXPECT_EQ(str(md, "Comment"), "first");
}

TEST(Gif, LongCommentSpansSubBlocks) {
  const std::string text(600, 'c');
  EXPECT_EQ(str(extract_ok(Gif().comment(text).image().trailer().b), "Comment"), text);
}

TEST(Gif, CommentIsUtf8WhenValidElseLatin1) {
  EXPECT_EQ(str(extract_ok(Gif().comment("caf\xC3\xA9").trailer().b), "Comment"), "caf\xC3\xA9");
  EXPECT_EQ(str(extract_ok(Gif().comment("caf\xE9").trailer().b), "Comment"), "caf\xC3\xA9");
}

TEST(Gif, PlainTextExtensionGivesText) {
  Gif gif;
  gif.b.insert(gif.b.end(), {0x21, 0x01, 12, 0, 0, 0, 0, 10, 0, 10, 0, 8, 8, 1, 0});
  gif.sub_blocks("hello").image().trailer();
  EXPECT_EQ(str(extract_ok(gif.b), "Text"), "hello");
}

TEST(Gif, XmpApplicationExtensionWithMagicTrailer) {
  const std::string packet =
      "<?xpacket begin='' id='W5M0MpCehiHzreSzNTczkc9d'?><x:xmpmeta xmlns:x='adobe:ns:meta/'>"
      "<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'><rdf:Description "
      "xmlns:xmp='http://ns.adobe.com/xap/1.0/' xmp:CreatorTool='GifBuilder'/></rdf:RDF></x:xmpmeta>"
      "<?xpacket end='w'?>";
  // XMP part 3: the packet raw (its bytes read as sub-block sizes), then 1, 0xFF..0x00, 0.
  Gif gif;
  gif.b.insert(gif.b.end(), {0x21, 0xFF, 11});
  for (char c : std::string("XMP DataXMP")) gif.b.push_back(static_cast<uint8_t>(c));
  gif.b.insert(gif.b.end(), packet.begin(), packet.end());
  gif.b.push_back(1);
  for (int v = 0xFF; v >= 0; --v) gif.b.push_back(static_cast<uint8_t>(v));
  gif.b.push_back(0);
  gif.image().trailer();
  Metadata md = extract_ok(gif.b);
  EXPECT_EQ(num(md, "ImageWidth"), 10);
  EXPECT_FALSE(warned(md, "Truncated"));
  EXPECT_EQ(str(md, "CreatorTool"), "GifBuilder");
}

TEST(Gif, UnknownExtensionsAreSkipped) {
  Metadata md = extract_ok(Gif().application("OTHERAPP1.0", std::string(500, 'z')).image().image().trailer().b);
  EXPECT_EQ(num(md, "FrameCount"), 2);
  EXPECT_TRUE(md.warnings.empty());
}

TEST(Gif, MissingTrailerIsTruncationWithPartialResult) {
  Metadata md = extract_ok(Gif().control(50).image().control(50).image().b);
  EXPECT_EQ(num(md, "FrameCount"), 2);
  EXPECT_TRUE(warned(md, "Truncated GIF: no trailer"));
}

TEST(Gif, SubBlockPastTheEndIsTruncation) {
  Gif gif;
  gif.image();
  gif.b.insert(gif.b.end(), {0x21, 0xFE, 200, 'a', 'b'});
  Metadata md = extract_ok(gif.b);
  EXPECT_EQ(num(md, "ImageWidth"), 10);
  EXPECT_TRUE(warned(md, "Truncated GIF"));
}

TEST(Gif, UnknownBlockStopsTheWalk) {
  Gif gif;
  gif.image();
  gif.b.push_back(0x99);
  gif.image().image().trailer();
  Metadata md = extract_ok(gif.b);
  EXPECT_FALSE(md.has("FrameCount"_f));
  EXPECT_TRUE(warned(md, "unknown block introducer 153"));
}

TEST(Gif, FrameCountIsCapped) {
  Options options;
  options.limits.max_frames = 3;
  Gif gif;
  for (int i = 0; i < 10; ++i) gif.image();
  Metadata md = extract_ok(gif.trailer().b, options);
  EXPECT_EQ(num(md, "FrameCount"), 3);
  EXPECT_TRUE(warned(md, "stopped counting frames at 3"));
}

TEST(Gif, HeaderOnlyFile) {
  Metadata md = extract_ok(Gif(1, 1, 0x00).trailer().b);
  EXPECT_EQ(num(md, "ImageWidth"), 1);
  EXPECT_TRUE(md.warnings.empty());
}

TEST(Gif, ScreenDescriptorCutShortIsAnError) {
  const Bytes b = {'G', 'I', 'F', '8', '9', 'a', 1, 0, 1, 0};
  MemorySource src(b);
  auto md = extract(src);
  ASSERT_FALSE(md.ok());
  EXPECT_NE(md.error().message.find("GIF"), std::string::npos);
}

}  // namespace
}  // namespace imgmeta::meta
