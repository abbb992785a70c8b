// The JSON writer (meta/json.hpp): escaping, invalid UTF-8, numbers as the JSON library we
// used before printed them, and the object's shape.
#include "meta/json.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <vector>

namespace imgmeta::meta {
namespace {

using namespace std::string_view_literals;

std::string json_string(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

std::string number(double v) {
  std::string out;
  append_json_number(out, v);
  return out;
}

TEST(JsonWriter, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(json_string("plain"), "\"plain\"");
  EXPECT_EQ(json_string("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(json_string("\b\f\n\r\t"), "\"\\b\\f\\n\\r\\t\"");
  EXPECT_EQ(json_string(std::string_view("\x00\x01\x1f", 3)), "\"\\u0000\\u0001\\u001f\"");
  EXPECT_EQ(json_string("\x7f"), "\"\x7f\"");  // DEL is valid in a JSON string
  EXPECT_EQ(json_string("</script><b>"), "\"</script><b>\"");  // text, not markup: the reader escapes for HTML
}

TEST(JsonWriter, KeepsValidUtf8AndReplacesInvalidBytes) {
  EXPECT_EQ(json_string("caf\xC3\xA9 \xE6\x97\xA5 \xF0\x9F\x93\xB7"), "\"caf\xC3\xA9 \xE6\x97\xA5 \xF0\x9F\x93\xB7\"");
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(json_string("a\xFF" "b"), "\"a" + fffd + "b\"");
  EXPECT_EQ(json_string("\xC3"), "\"" + fffd + "\"");                        // truncated sequence
  EXPECT_EQ(json_string("\xC0\xAF"), "\"" + fffd + fffd + "\"");             // overlong
  EXPECT_EQ(json_string("\xED\xA0\x80"), "\"" + fffd + fffd + fffd + "\"");  // surrogate
  EXPECT_EQ(json_string("\xF4\x90\x80\x80"), "\"" + fffd + fffd + fffd + fffd + "\"");  // above U+10FFFF
  // Whatever the bytes, the result parses as JSON and is valid UTF-8.
  std::mt19937 rng(7);
  for (int round = 0; round < 2000; ++round) {
    std::string s(rng() % 24, '\0');
    for (auto& c : s) c = static_cast<char>(rng());
    std::string out = json_string(s);
    auto parsed = nlohmann::json::parse(out, nullptr, false);  // strict: throws no, discards on error
    ASSERT_FALSE(parsed.is_discarded()) << out;
    ASSERT_TRUE(parsed.is_string());
  }
}

// The writer skips plain ASCII eight bytes at a time: a byte that needs escaping or checking
// is found at every position of a long string, whatever its alignment.
TEST(JsonWriter, FindsEveryByteToEscapeAtAnyPosition) {
  const std::string fffd = "\xEF\xBF\xBD";
  const std::vector<std::pair<std::string, std::string>> specials = {
      {"\"", "\\\""}, {"\\", "\\\\"}, {"\n", "\\n"}, {"\x1f", "\\u001f"}, {std::string(1, '\0'), "\\u0000"},
      {"\x7f", "\x7f"}, {" ", " "}, {"\xC3\xA9", "\xC3\xA9"}, {"\xFF", fffd}, {"\xC3", fffd}};
  for (const auto& [raw, escaped] : specials) {
    for (size_t at = 0; at < 40; ++at) {
      std::string s = std::string(at, 'a') + raw + std::string(40 - at, 'z');
      std::string expected = "\"" + std::string(at, 'a') + escaped + std::string(40 - at, 'z') + "\"";
      ASSERT_EQ(json_string(s), expected) << "byte " << static_cast<int>(static_cast<unsigned char>(raw[0])) << " at " << at;
    }
  }
}

TEST(JsonWriter, NonFiniteNumbersAreNull) {
  EXPECT_EQ(number(std::numeric_limits<double>::quiet_NaN()), "null");
  EXPECT_EQ(number(std::numeric_limits<double>::infinity()), "null");
  EXPECT_EQ(number(-std::numeric_limits<double>::infinity()), "null");
  Metadata md;
  md.set("List"sv, std::vector<double>{1.5, std::nan(""), 2});
  EXPECT_EQ(to_json(md, {.warnings = false}), "{\"FileSize\":0,\"List\":[1.5,null,2.0]}");
}

TEST(JsonWriter, NumbersPrintAsNlohmannPrintedThem) {
  for (double v : {0.0, -0.0, 1.0, 100.0, 1e15, 1e16, 123456789012345.0, 1234567890123456.0, 0.5, 0.05, 0.001,
                   0.0001, 0.00001, 6.4e-05, 1e-300, 1.7976931348623157e308, 5e-324, -2.5, 3.99, 72.36649215,
                   1.79999993941969, 0.1 + 0.2, 1.0 / 3, 27.99999999999999, -1.45667777777778, 4294967295.0})
    EXPECT_EQ(number(v), nlohmann::json(v).dump()) << v;
  // Random bit patterns: every finite double prints its shortest round-trip digits in
  // nlohmann's layout (Grisu2 there, std::to_chars here: identical digits but in the rare
  // cases where Grisu2 is not shortest or not closest; both read back as the same double).
  std::mt19937_64 rng(42);
  int differing = 0;
  for (int i = 0; i < 200000; ++i) {
    uint64_t bits = rng();
    double v;
    std::memcpy(&v, &bits, sizeof v);
    if (!std::isfinite(v)) continue;
    std::string ours = number(v);
    ASSERT_EQ(std::strtod(ours.c_str(), nullptr), v) << ours;
    std::string theirs = nlohmann::json(v).dump();
    if (ours != theirs) {
      ++differing;
      // Only where Grisu2 gave more digits than needed, or a last digit not the closest.
      ASSERT_LE(ours.size(), theirs.size()) << ours << " vs " << theirs;
      ASSERT_EQ(std::strtod(theirs.c_str(), nullptr), v) << theirs;
    }
  }
  EXPECT_LT(differing, 600) << "digits differ from nlohmann's in more than 0.3% of doubles";
}

TEST(JsonWriter, ShortDecimalsPrintAsNlohmannPrintedThem) {
  // Decimals of up to 17 digits at every scale, where the writer takes its digits from the
  // decimal's integer rather than from a float conversion (up to 15 digits).
  std::mt19937_64 rng(7);
  int differing = 0, total = 0;
  for (int digits = 1; digits <= 17; ++digits)
    for (int scale = -3; scale <= 20; ++scale)
      for (int i = 0; i < 50; ++i) {
        const auto m = static_cast<double>(rng() % static_cast<uint64_t>(std::pow(10.0, digits)));
        for (double v : {m / std::pow(10.0, scale), -m / std::pow(10.0, scale)}) {
          std::string ours = number(v);
          ASSERT_EQ(std::strtod(ours.c_str(), nullptr), v) << ours;
          std::string theirs = nlohmann::json(v).dump();
          ++total;
          if (ours != theirs) {
            ++differing;
            ASSERT_LE(ours.size(), theirs.size()) << ours << " vs " << theirs;
          }
        }
      }
  EXPECT_LT(differing, total / 300) << "digits differ from nlohmann's in more than 0.3% of decimals";
}

TEST(JsonWriter, WritesTheObjectInOrderWithWarningsAndStats) {
  Metadata md;
  md.file_size = 2355;
  md.bytes_read = 2048;
  md.source_reads = 1;
  md.set("FileType"_f, std::string("JPEG"));
  md.set("Orientation"_f, int64_t{1});
  md.set("Flag"sv, true);
  md.set("Keywords"_f, std::vector<std::string>{"a", "b\"c"});
  md.warn("first");
  md.warn("second");
  std::string out = "[";  // appends, never clears
  append_json(md, out, {.warnings = true, .stats = true, .source_file = "dir/ph\"oto.jpg"});
  EXPECT_EQ(out,
            "[{\"SourceFile\":\"dir/ph\\\"oto.jpg\",\"FileSize\":2355,\"FileType\":\"JPEG\",\"Orientation\":1,"
            "\"Flag\":true,\"Keywords\":[\"a\",\"b\\\"c\"],\"Warning\":\"first\",\"Warnings\":[\"first\",\"second\"],"
            "\"BytesRead\":2048,\"SourceReads\":1}");
  EXPECT_EQ(to_json(md, {.warnings = false}),
            "{\"FileSize\":2355,\"FileType\":\"JPEG\",\"Orientation\":1,\"Flag\":true,\"Keywords\":[\"a\",\"b\\\"c\"]}");
}

}  // namespace
}  // namespace imgmeta::meta
