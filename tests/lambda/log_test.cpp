// The Lambda's log lines and the JSON text writer under them (meta/json_text.hpp).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <sstream>

#include "lambda/log.hpp"
#include "meta/json_text.hpp"

namespace imgmeta::lambda {
namespace {

nlohmann::json sample() {
  nlohmann::json j;
  j["text"] = "quote \" backslash \\ newline \n tab \t bell \x07 del \x7f caf\xC3\xA9 \xE2\x80\xA8 \xF0\x9F\x93\xB7";
  j["numbers"] = {0, -1, std::numeric_limits<int64_t>::min(), std::numeric_limits<uint64_t>::max(), 1.0, 0.1, 1e-05, 2.5e+20, -0.0};
  j["flags"] = {true, false, nullptr};
  j["nested"] = {{"empty object", nlohmann::json::object()}, {"empty array", nlohmann::json::array()}, {"", ""}};
  return j;
}

TEST(JsonText, WritesWhatTheLibraryDumps) {
  nlohmann::json j = sample();
  EXPECT_EQ(meta::json_text(j), j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  Json ordered = {{"z", 1}, {"a", {{"y", "x"}, {"b", 2.75}}}};
  EXPECT_EQ(meta::json_text(ordered), R"({"z":1,"a":{"y":"x","b":2.75}})");
}

TEST(JsonText, InvalidUtf8AndNonFiniteNumbersStillMakeJson) {
  nlohmann::json j = {{"bad \xFF key", "lone \x80 continuation, cut \xE2\x80"},
                      {"nan", std::nan("")},
                      {"inf", std::numeric_limits<double>::infinity()}};
  std::string text = meta::json_text(j);
  auto back = nlohmann::json::parse(text, nullptr, false);
  ASSERT_FALSE(back.is_discarded()) << text;
  EXPECT_TRUE(back["nan"].is_null());
  EXPECT_TRUE(back["inf"].is_null());
  EXPECT_EQ(back["bad \xEF\xBF\xBD key"].get<std::string>().find("lone \xEF\xBF\xBD continuation"), 0u) << text;
  // (The library replaces a cut sequence with one U+FFFD, this writer with one per byte: both
  // are valid UTF-8, which parse() above checks.)
}

TEST(LogLine, EmfBlockComesFirstAndNamesTheMetrics) {
  Json line;
  line["Function"] = "fetcher";
  line["Events"] = 1;
  line["key"] = "uploads/\xFF\"x\"";
  std::ostringstream out;
  write_log_line(out, line, emf_block("imgmeta", {{"Function"}, {"Function", "Outcome"}}, {{"Events", "Count"}, {"TotalMs", "Milliseconds"}}, 1700000000123));
  std::string text = out.str();
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  EXPECT_EQ(text.rfind("{\"_aws\":{\"Timestamp\":1700000000123,", 0), 0u) << text;
  auto doc = Json::parse(text, nullptr, false);
  ASSERT_FALSE(doc.is_discarded()) << text;
  EXPECT_EQ(doc.begin().key(), "_aws");
  const auto& metrics = doc["_aws"]["CloudWatchMetrics"];
  ASSERT_EQ(metrics.size(), 1u);
  EXPECT_EQ(metrics[0]["Namespace"], "imgmeta");
  EXPECT_EQ(metrics[0]["Dimensions"], Json::parse(R"([["Function"],["Function","Outcome"]])"));
  EXPECT_EQ(metrics[0]["Metrics"], Json::parse(R"([{"Name":"Events","Unit":"Count"},{"Name":"TotalMs","Unit":"Milliseconds"}])"));
  EXPECT_EQ(doc["Function"], "fetcher");
  EXPECT_EQ(doc["Events"], 1);
  EXPECT_EQ(doc["key"], "uploads/\xEF\xBF\xBD\"x\"");
  std::vector<std::string> keys;
  for (auto it = doc.begin(); it != doc.end(); ++it) keys.push_back(it.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"_aws", "Function", "Events", "key"}));
}

TEST(LogLine, WithoutEmfTheLineIsItsMembers) {
  std::ostringstream out;
  write_log_line(out, Json{{"level", "error"}, {"phase", "init"}});
  EXPECT_EQ(out.str(), "{\"level\":\"error\",\"phase\":\"init\"}\n");
}

}  // namespace
}  // namespace imgmeta::lambda
