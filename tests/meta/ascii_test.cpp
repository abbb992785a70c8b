#include "meta/ascii.hpp"

#include <gtest/gtest.h>

#include <array>

namespace imgmeta::meta {
namespace {

TEST(Ascii, LowerFoldsOnlyAsciiLetters) {
  EXPECT_EQ(ascii_lower("Content-Type: IMAGE/JPEG @[`{"), "content-type: image/jpeg @[`{");
  // Bytes of UTF-8 text are left alone: "ÄÖ" stays as it was.
  EXPECT_EQ(ascii_lower("\xC3\x84\xC3\x96Z"), "\xC3\x84\xC3\x96z");
  EXPECT_EQ(ascii_lower(""), "");
}

TEST(Ascii, EqualsAndContainsIgnoreCase) {
  EXPECT_TRUE(iequals("Set-Cookie", "set-cookie"));
  EXPECT_FALSE(iequals("Set-Cookie", "set-cookies"));
  EXPECT_FALSE(iequals("a", "b"));
  EXPECT_TRUE(iequals("", ""));
  EXPECT_TRUE(icontains("Iptc:City-GPS", "gps"));
  EXPECT_TRUE(icontains("anything", ""));
  EXPECT_FALSE(icontains("gp", "gps"));
}

TEST(Ascii, HexIsTwoLowerCaseDigitsPerByte) {
  const std::array<uint8_t, 4> b{0x00, 0x0F, 0xA0, 0xFF};
  EXPECT_EQ(hex_lower(b), "000fa0ff");
  EXPECT_EQ(hex_lower(std::string_view("\x01\xfe", 2)), "01fe");
  EXPECT_EQ(hex_lower(std::string_view()), "");
}

TEST(Ascii, PercentEncodingKeepsWhatItIsTold) {
  EXPECT_EQ(percent_encode("a b/c~é", is_unreserved), "a%20b%2Fc~%C3%A9");
  EXPECT_EQ(percent_encode("a/b", [](char c) { return is_unreserved(c) || c == '/'; }), "a/b");
  EXPECT_EQ(percent_encode(std::string_view("\0\xff", 2), is_unreserved), "%00%FF");
  for (int c = 0; c < 256; ++c) {
    const char ch = static_cast<char>(c);
    const bool expected = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                          c == '.' || c == '_' || c == '~';
    EXPECT_EQ(is_unreserved(ch), expected) << c;
  }
}

}  // namespace
}  // namespace imgmeta::meta
