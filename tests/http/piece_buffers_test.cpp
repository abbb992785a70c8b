#include "http/piece_buffers.hpp"

#include <gtest/gtest.h>

#include <utility>

namespace imgmeta::http {
namespace {

TEST(PieceBuffers, AReturnedBufferIsTheNextOneTaken) {
  PieceBuffers pool(1024, 4);
  uint8_t* first = nullptr;
  {
    auto lease = pool.take();
    ASSERT_TRUE(lease);
    first = lease.data();
    lease.data()[1023] = 7;  // the whole size is usable
    EXPECT_EQ(pool.idle(), 0u);
  }
  EXPECT_EQ(pool.idle(), 1u);
  auto again = pool.take();
  EXPECT_EQ(again.data(), first);
  EXPECT_EQ(pool.idle(), 0u);
}

TEST(PieceBuffers, KeepsAtMostItsLimitIdle) {
  PieceBuffers pool(64, 2);
  {
    auto a = pool.take(), b = pool.take(), c = pool.take();
    EXPECT_NE(a.data(), b.data());
    EXPECT_NE(b.data(), c.data());
  }
  EXPECT_EQ(pool.idle(), 2u);
}

TEST(PieceBuffers, AMovedLeaseReturnsItsBufferOnce) {
  PieceBuffers pool(64, 4);
  {
    auto a = pool.take();
    auto b = std::move(a);
    EXPECT_FALSE(a);  // NOLINT(bugprone-use-after-move): moved-from is empty by contract
    EXPECT_TRUE(b);
    PieceBuffers::Lease c;
    c = std::move(b);
    EXPECT_EQ(pool.idle(), 0u);
    c = pool.take();  // the buffer c held goes back before c takes the new one
    EXPECT_EQ(pool.idle(), 1u);
  }
  EXPECT_EQ(pool.idle(), 2u);
}

}  // namespace
}  // namespace imgmeta::http
