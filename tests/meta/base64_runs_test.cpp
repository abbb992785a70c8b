// Base64Runs: long base64 runs out of an XMP packet and back, exactly.
#include "meta/base64_runs.hpp"

#include <gtest/gtest.h>

#include <string>

namespace imgmeta::meta {
namespace {

std::string run(size_t n, char first = 'A') {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string s;
  for (size_t i = 0; i < n; ++i) s += kAlphabet[(static_cast<size_t>(first) + i * 7) % 64];
  return s;
}

// A packet and its elided form; Base64Runs keeps a view of the packet, so this stays put.
struct Elided {
  explicit Elided(std::string text) : xml(std::move(text)) { out = runs.elide(xml, storage); }
  Elided(const Elided&) = delete;
  Elided& operator=(const Elided&) = delete;
  std::string xml, storage;
  Base64Runs runs;
  std::string_view out;
};

TEST(Base64Runs, ShortRunsLeaveThePacketAlone) {
  Elided e("<a b='" + run(Base64Runs::kMinRun - 1) + "'>" + run(100) + "</a>");
  EXPECT_EQ(e.out.data(), e.xml.data());
  EXPECT_TRUE(e.runs.empty());
  EXPECT_EQ(e.runs.restored(e.out), e.xml);
}

TEST(Base64Runs, EveryLongRunIsReplacedAndRestored) {
  // Runs of exactly the minimum, across probe positions, at the very start and the end.
  for (size_t lead : {size_t{0}, size_t{1}, Base64Runs::kMinRun - 1, Base64Runs::kMinRun + 3}) {
    std::string a = run(Base64Runs::kMinRun), b = run(3 * Base64Runs::kMinRun + 17, 'q');
    Elided e(std::string(lead, ' ') + "<x v='" + a + "'>" + b + "==</x>" + run(Base64Runs::kMinRun + 1));
    ASSERT_FALSE(e.runs.empty()) << lead;
    EXPECT_LT(e.out.size(), lead + 200) << lead;
    EXPECT_NE(e.out.find("<x v='"), std::string_view::npos);
    EXPECT_NE(e.out.find("==</x>"), std::string_view::npos);
    EXPECT_EQ(e.runs.restored(e.out), e.xml) << lead;
    EXPECT_EQ(e.runs.restored_size(e.out), e.xml.size()) << lead;
  }
}

TEST(Base64Runs, CountsBase64AsTheWholeText) {
  std::string value = run(2 * Base64Runs::kMinRun + 5) + "==";
  Elided e("<x>" + value + "</x>");
  ASSERT_FALSE(e.runs.empty());
  uint64_t chars = 0, pad = 0;
  e.runs.count_base64(e.out.substr(3, e.out.size() - 7), chars, pad);
  EXPECT_EQ(chars, value.size());
  EXPECT_EQ(pad, 2u);
}

TEST(Base64Runs, AMarkerSplitOrSpelledWrongIsPlainText) {
  Elided e("<x>" + run(Base64Runs::kMinRun) + "</x>");
  const Base64Runs& runs = e.runs;
  ASSERT_FALSE(runs.empty());
  std::string marker(e.out.substr(3, e.out.size() - 7));
  // Cut short, with a run number past the end, with a non-hex digit: left as they are.
  for (std::string text : {marker.substr(0, marker.size() - 1), marker.substr(0, marker.size() - 1) + "9",
                           marker.substr(0, marker.size() - 1) + "g"}) {
    if (text == marker) continue;
    EXPECT_EQ(runs.restored(text), text);
  }
  EXPECT_EQ(runs.restored("x" + marker + "y"), "x" + run(Base64Runs::kMinRun) + "y");
}

TEST(Base64Runs, ThePrefixIsOneThePacketDoesNotHold) {
  Elided e("<x a='imgmetaRuna imgmetaRunb'>" + run(Base64Runs::kMinRun) + "</x>");
  ASSERT_FALSE(e.runs.empty());
  EXPECT_NE(e.out.find("imgmetaRunc"), std::string_view::npos);
  EXPECT_EQ(e.runs.restored(e.out), e.xml);
}

TEST(Base64Runs, APrefixInsideARunIsNoClash) {
  // The runs are gone from the packet the parser sees, so a prefix only they hold is free.
  std::string a = "imgmetaRuna" + run(Base64Runs::kMinRun), b = run(Base64Runs::kMinRun) + "imgmetaRunb";
  Elided e("<x v='" + a + "'>" + b + "</x><y>imgmetaRunc</y>");
  ASSERT_FALSE(e.runs.empty());
  EXPECT_NE(e.out.find("<x v='imgmetaRuna00000000'>imgmetaRuna00000001</x>"), std::string_view::npos) << e.out;
  EXPECT_EQ(e.runs.restored(e.out), e.xml);
}

TEST(Base64Runs, OtherEncodingsAreParsedUnchanged) {
  std::string body = "<x>" + run(Base64Runs::kMinRun) + "</x>";
  for (std::string xml : {"<?xml version='1.0' encoding='ISO-8859-1'?>" + body, std::string("\xFE\xFF", 2) + body,
                          std::string("\0<\0x", 4) + body}) {
    Elided e(xml);
    EXPECT_EQ(e.out.data(), e.xml.data());
    EXPECT_TRUE(e.runs.empty());
  }
  Elided declared("<?xml version='1.0' encoding=\"UTF-8\"?>" + body);
  EXPECT_FALSE(declared.runs.empty());
}

}  // namespace
}  // namespace imgmeta::meta
