#include "http/static_files.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace imgmeta::http {
namespace {

TEST(AcceptsEncoding, ByNameStarAndWeight) {
  EXPECT_TRUE(accepts_encoding("gzip, deflate, br", "br"));
  EXPECT_TRUE(accepts_encoding("gzip, deflate, br", "gzip"));
  EXPECT_TRUE(accepts_encoding("GZIP;q=0.5", "gzip"));
  EXPECT_FALSE(accepts_encoding("gzip;q=0", "gzip"));
  EXPECT_FALSE(accepts_encoding("gzip;q=0.000", "gzip"));
  EXPECT_TRUE(accepts_encoding("*", "br"));
  EXPECT_FALSE(accepts_encoding("*, br;q=0", "br"));
  EXPECT_FALSE(accepts_encoding("identity", "gzip"));
  EXPECT_FALSE(accepts_encoding("", "gzip"));
  EXPECT_FALSE(accepts_encoding("xgzip", "gzip"));
}

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("imgmeta-static-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_ / "assets");
    write("index.html", "<!doctype html>");
    write("index.html.gz", "gz-index");
    write("assets/app-1a2b.js", "console.log(1)");
    write("assets/app-1a2b.js.gz", "gz");
    write("assets/app-1a2b.js.br", "br!");
    write("assets/style-3c4d.css", "body{}");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void write(const std::string& name, const std::string& text) { std::ofstream(dir_ / name) << text; }
  std::filesystem::path dir_;
};

TEST_F(StaticFilesTest, ServesThePrecompressedSiblingTheClientAccepts) {
  auto web = StaticFiles::open(dir_.string()).value();
  auto br = web.resolve("/assets/app-1a2b.js", "gzip, deflate, br");
  ASSERT_TRUE(br);
  EXPECT_EQ(br->content_encoding, "br");
  EXPECT_EQ(br->path, (std::filesystem::canonical(dir_) / "assets/app-1a2b.js.br").string());
  EXPECT_EQ(br->size, 3u);
  EXPECT_EQ(br->content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(br->cache_control, "public, max-age=31536000, immutable");
  auto gz = web.resolve("/assets/app-1a2b.js", "gzip");
  ASSERT_TRUE(gz);
  EXPECT_EQ(gz->content_encoding, "gzip");
  EXPECT_NE(gz->etag, br->etag);
  auto plain = web.resolve("/assets/app-1a2b.js", "identity");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->content_encoding, "");
  EXPECT_EQ(plain->size, 14u);
  EXPECT_EQ(web.resolve("/assets/app-1a2b.js", "br;q=0, gzip;q=0")->content_encoding, "");
}

TEST_F(StaticFilesTest, WithoutASiblingTheFileItself) {
  auto web = StaticFiles::open(dir_.string()).value();
  auto css = web.resolve("/assets/style-3c4d.css", "gzip, br");
  ASSERT_TRUE(css);
  EXPECT_EQ(css->content_encoding, "");
  EXPECT_EQ(css->content_type, "text/css; charset=utf-8");
}

TEST_F(StaticFilesTest, TheAppPageIsRevalidatedEvenCompressed) {
  auto web = StaticFiles::open(dir_.string()).value();
  auto index = web.resolve("/", "gzip");
  ASSERT_TRUE(index);
  EXPECT_EQ(index->content_encoding, "gzip");
  EXPECT_EQ(index->content_type, "text/html; charset=utf-8");
  EXPECT_EQ(index->cache_control, "no-cache");
  // A client-side route is the app page too.
  EXPECT_EQ(web.resolve("/images/01J", "gzip")->content_encoding, "gzip");
  // The compressed file itself is not a path of its own worth guessing: it stays servable
  // only as what it is (served by name, no encoding header).
  EXPECT_EQ(web.resolve("/assets/app-1a2b.js.gz", "gzip")->content_encoding, "");
}

}  // namespace
}  // namespace imgmeta::http
