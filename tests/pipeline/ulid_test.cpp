#include "pipeline/ulid.hpp"

#include <gtest/gtest.h>

#include <set>
#include <thread>

namespace imgmeta::pipeline {
namespace {

TEST(Ulid, EncodesTheTimeAsTheSpecExampleDoes) {
  // ULID spec README: ulid(1469918176385) starts "01ARYZ6S41".
  UlidGenerator g;
  std::string id = g.next(1469918176385);
  EXPECT_EQ(id.size(), 26u);
  EXPECT_EQ(id.substr(0, 10), "01ARYZ6S41");
  EXPECT_EQ(ulid_time_ms(id), std::optional<int64_t>(1469918176385));
}

TEST(Ulid, IdsOfOneMillisecondIncrease) {
  UlidGenerator g;
  std::string a = g.next(1000), b = g.next(1000), c = g.next(1000);
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
  EXPECT_EQ(a.substr(0, 10), b.substr(0, 10));
}

TEST(Ulid, ClockSteppingBackStillIncreases) {
  UlidGenerator g;
  std::string a = g.next(5000);
  std::string b = g.next(4000);
  EXPECT_LT(a, b);
}

TEST(Ulid, ConcurrentIdsAreUnique) {
  std::vector<std::string> ids[4];
  std::vector<std::thread> threads;
  for (auto& out : ids)
    threads.emplace_back([&out] {
      for (int i = 0; i < 2000; ++i) out.push_back(new_ulid());
    });
  for (auto& t : threads) t.join();
  std::set<std::string> all;
  for (auto& v : ids) all.insert(v.begin(), v.end());
  EXPECT_EQ(all.size(), 8000u);
}

TEST(Ulid, Validation) {
  EXPECT_TRUE(is_ulid("01ARYZ6S41TSV4RRFFQ69G5FAV"));
  EXPECT_TRUE(is_ulid("01aryz6s41tsv4rrffq69g5fav"));
  EXPECT_TRUE(is_ulid("7ZZZZZZZZZZZZZZZZZZZZZZZZZ"));
  EXPECT_FALSE(is_ulid("8ZZZZZZZZZZZZZZZZZZZZZZZZZ"));  // over 48 bits of time
  EXPECT_FALSE(is_ulid("01ARYZ6S41TSV4RRFFQ69G5FAU"));  // U is not Crockford base32
  EXPECT_FALSE(is_ulid("01ARYZ6S41TSV4RRFFQ69G5FA"));
  EXPECT_FALSE(is_ulid(""));
  EXPECT_EQ(ulid_time_ms("nope"), std::nullopt);
}

}  // namespace
}  // namespace imgmeta::pipeline
