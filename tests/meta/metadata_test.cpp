#include "meta/metadata.hpp"

#include <gtest/gtest.h>

namespace imgmeta::meta {
namespace {

TEST(SanitizeText, KeepsValidUtf8) { EXPECT_EQ(sanitize_text("Zürich 東京"), "Zürich 東京"); }

TEST(SanitizeText, ReplacesInvalidBytes) {
  EXPECT_EQ(sanitize_text("a\xFF" "b"), "a\xEF\xBF\xBD" "b");
  EXPECT_EQ(sanitize_text("\xC3"), "\xEF\xBF\xBD");            // truncated sequence
  EXPECT_EQ(sanitize_text("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
}

TEST(SanitizeText, StripsTrailingNulPadding) { EXPECT_EQ(sanitize_text(std::string("Canon\0\0", 7)), "Canon"); }

TEST(Metadata, SetReplacesAndSetDefaultKeeps) {
  Metadata md;
  md.set("Make", std::string("A"));
  md.set_default("Make", std::string("B"));
  EXPECT_EQ(*md.get_string("Make"), "A");
  md.set("Make", std::string("C"));
  EXPECT_EQ(*md.get_string("Make"), "C");
  EXPECT_EQ(md.fields.size(), 1u);
}

}  // namespace
}  // namespace imgmeta::meta
