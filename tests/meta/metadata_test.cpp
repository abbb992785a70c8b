#include "meta/metadata.hpp"

#include <gtest/gtest.h>

namespace imgmeta::meta {
namespace {

using namespace std::string_view_literals;

TEST(SanitizeText, KeepsValidUtf8) { EXPECT_EQ(sanitize_text("Zürich 東京"), "Zürich 東京"); }

TEST(SanitizeText, ReplacesInvalidBytes) {
  EXPECT_EQ(sanitize_text("a\xFF" "b"), "a\xEF\xBF\xBD" "b");
  EXPECT_EQ(sanitize_text("\xC3"), "\xEF\xBF\xBD");            // truncated sequence
  EXPECT_EQ(sanitize_text("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
}

// Set skips ASCII eight bytes at a time before it checks a sequence: an invalid byte is
// replaced wherever it sits in a long value.
TEST(SanitizeText, FindsAnInvalidByteAtAnyPosition) {
  for (size_t at = 0; at < 40; ++at) {
    Metadata md;
    md.set("Make"_f, std::string(at, 'a') + "\xFF" + std::string(40 - at, 'z'));
    ASSERT_EQ(*md.get_string("Make"_f), std::string(at, 'a') + "\xEF\xBF\xBD" + std::string(40 - at, 'z')) << at;
    md.set("Model"_f, std::string(at, 'a') + "\xC3\xA9" + std::string(40 - at, 'z'));
    ASSERT_EQ(*md.get_string("Model"_f), std::string(at, 'a') + "\xC3\xA9" + std::string(40 - at, 'z')) << at;
  }
}

TEST(SanitizeText, StripsTrailingNulPadding) { EXPECT_EQ(sanitize_text(std::string("Canon\0\0", 7)), "Canon"); }

TEST(Metadata, SetReplacesAndSetDefaultKeeps) {
  Metadata md;
  md.set("Make"_f, std::string("A"));
  md.set_default("Make"_f, std::string("B"));
  EXPECT_EQ(*md.get_string("Make"_f), "A");
  md.set("Make"_f, std::string("C"));
  EXPECT_EQ(*md.get_string("Make"_f), "C");
  EXPECT_EQ(md.fields.size(), 1u);
}


TEST(Metadata, NameIndexFollowsEverySetAndErase) {
  // Enough fields to grow the index several times; every name found at its own position.
  Metadata md;
  for (int i = 0; i < 1000; ++i) md.set("Field" + std::to_string(i), int64_t{i});
  ASSERT_EQ(md.fields.size(), 1000u);
  for (int i = 0; i < 1000; ++i) {
    const Value* v = md.get("Field" + std::to_string(i));
    ASSERT_NE(v, nullptr) << i;
    EXPECT_EQ(std::get<int64_t>(*v), i);
    EXPECT_EQ(md.fields[static_cast<size_t>(i)].name(), "Field" + std::to_string(i));  // insertion order
  }
  EXPECT_FALSE(md.has("Field1000"sv));
  EXPECT_FALSE(md.has("field1"sv));  // names are case-sensitive, as ExifTool's are
  EXPECT_FALSE(md.has(""sv));

  md.erase("Field10"sv);
  md.erase("NotThere"sv);
  EXPECT_FALSE(md.has("Field10"sv));
  EXPECT_EQ(md.fields.size(), 999u);
  EXPECT_EQ(std::get<int64_t>(*md.get("Field11"sv)), 11);  // positions after the erased one moved
  EXPECT_EQ(std::get<int64_t>(*md.get("Field999"sv)), 999);
  md.set("Field10"sv, std::string("back"));
  EXPECT_EQ(md.fields.back().name(), "Field10");
  EXPECT_EQ(*md.get_string("Field10"sv), "back");

  // A copy carries a working index of its own.
  Metadata copy = md;
  copy.set("Field5"sv, std::string("changed"));
  EXPECT_EQ(std::get<int64_t>(*md.get("Field5"sv)), 5);
  EXPECT_EQ(*copy.get_string("Field5"sv), "changed");
  EXPECT_EQ(copy.fields.size(), md.fields.size());
}

TEST(Metadata, EmptyMetadataFindsNothing) {
  Metadata md;
  EXPECT_EQ(md.get("Make"_f), nullptr);
  md.erase("Make"_f);
  EXPECT_TRUE(md.fields.empty());
}

}  // namespace
}  // namespace imgmeta::meta
