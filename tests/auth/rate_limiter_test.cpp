#include "auth/rate_limiter.hpp"

#include <gtest/gtest.h>

namespace imgmeta::auth {
namespace {

TEST(SlidingWindowLimiter, AllowsMaxEventsThenSaysHowLongToWait) {
  SlidingWindowLimiter l(3, 1000);
  for (int64_t t : {0, 100, 200}) {
    EXPECT_EQ(l.retry_after_ms("k", t), 0);
    l.record("k", t);
  }
  EXPECT_EQ(l.retry_after_ms("k", 300), 700);  // the event at 0 leaves the window at 1000
}

TEST(SlidingWindowLimiter, WindowSlides) {
  SlidingWindowLimiter l(2, 1000);
  l.record("k", 0);
  l.record("k", 500);
  EXPECT_GT(l.retry_after_ms("k", 999), 0);
  EXPECT_EQ(l.retry_after_ms("k", 1000), 0);
}

TEST(SlidingWindowLimiter, KeysAreIndependent) {
  SlidingWindowLimiter l(1, 1000);
  l.record("a", 0);
  EXPECT_GT(l.retry_after_ms("a", 1), 0);
  EXPECT_EQ(l.retry_after_ms("b", 1), 0);
}

TEST(SlidingWindowLimiter, ClearForgetsAKey) {
  SlidingWindowLimiter l(1, 1000);
  l.record("a", 0);
  l.clear("a");
  EXPECT_EQ(l.retry_after_ms("a", 1), 0);
}

TEST(SlidingWindowLimiter, ZeroMeansNoLimit) {
  SlidingWindowLimiter l(0, 1000);
  for (int i = 0; i < 100; ++i) l.record("a", i);
  EXPECT_EQ(l.retry_after_ms("a", 100), 0);
}

TEST(SlidingWindowLimiter, ManyKeysStayBounded) {
  SlidingWindowLimiter l(1, 1000000, 100);
  for (int i = 0; i < 1000; ++i) l.record("k" + std::to_string(i), i);
  // The newest key is still limited; memory did not grow with the 1000 names.
  EXPECT_GT(l.retry_after_ms("k999", 1000), 0);
}

}  // namespace
}  // namespace imgmeta::auth
