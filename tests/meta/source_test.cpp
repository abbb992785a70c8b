#include "meta/source.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <string>

#include "../store/temp_dir.hpp"
#include "meta/reader.hpp"

namespace imgmeta::meta {
namespace {

class FileSourceTest : public ::testing::Test {
 protected:
  // A file of `size` bytes, byte i holding i % 251.
  std::string file(const std::string& name, size_t size) {
    std::string bytes(size, '\0');
    for (size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>(i % 251);
    testing::write_file(dir_ / name, bytes);
    return dir_ / name;
  }
  testing::TempDir dir_;
};

TEST_F(FileSourceTest, AShortFileEndsAtItsHead) {
  const std::string path = file("small.bin", 100);
  auto src = FileSource::open(path, kLocalBlockSize);
  ASSERT_TRUE(src.ok()) << src.error().message;
  EXPECT_EQ(src->size(), 100u);
  ASSERT_EQ(src->first_bytes().size(), 100u);
  EXPECT_EQ(src->first_bytes()[99], 99);
}

TEST_F(FileSourceTest, ALongFileKeepsAFullHeadAndItsStatSize) {
  const std::string path = file("large.bin", 40000);
  auto src = FileSource::open(path, kLocalBlockSize);
  ASSERT_TRUE(src.ok()) << src.error().message;
  EXPECT_EQ(src->size(), 40000u);
  EXPECT_EQ(src->first_bytes().size(), kLocalBlockSize);
  uint8_t b[4];
  ASSERT_EQ(*src->read_at(39996, b), 4u);
  EXPECT_EQ(b[3], 39999 % 251);
}

TEST_F(FileSourceTest, AFileOfExactlyTheHeadIsNotCutShort) {
  const std::string path = file("exact.bin", kLocalBlockSize);
  auto src = FileSource::open(path, kLocalBlockSize);
  ASSERT_TRUE(src.ok());
  EXPECT_EQ(src->size(), kLocalBlockSize);
  EXPECT_EQ(src->first_bytes().size(), kLocalBlockSize);
}

TEST_F(FileSourceTest, WithoutAHeadNothingIsRead) {
  auto src = FileSource::open(file("plain.bin", 100));
  ASSERT_TRUE(src.ok());
  EXPECT_EQ(src->size(), 100u);
  EXPECT_TRUE(src->first_bytes().empty());
}

TEST_F(FileSourceTest, AnEmptyFileHasSizeZero) {
  auto src = FileSource::open(file("empty.bin", 0), kLocalBlockSize);
  ASSERT_TRUE(src.ok());
  EXPECT_EQ(src->size(), 0u);
  EXPECT_TRUE(src->first_bytes().empty());
}

TEST_F(FileSourceTest, DirectoriesFifosAndDevicesAreRefused) {
  const std::string fifo = dir_ / "fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  for (const std::string& path : {dir_.path(), fifo, std::string("/dev/null"), std::string("/dev/zero")}) {
    for (size_t head : {size_t{0}, kLocalBlockSize}) {
      auto src = FileSource::open(path, head);
      ASSERT_FALSE(src.ok()) << path;
      EXPECT_EQ(src.error().message, path + ": not a regular file");
    }
  }
}

TEST_F(FileSourceTest, AMissingFileNamesItsPath) {
  auto src = FileSource::open(dir_ / "missing.jpg", kLocalBlockSize);
  ASSERT_FALSE(src.ok());
  EXPECT_NE(src.error().message.find("open " + dir_ / "missing.jpg" + ": "), std::string::npos);
}

TEST_F(FileSourceTest, OpenAtReadsTheNameWithinTheDirectory) {
  const std::string path = file("inside.bin", 300);
  const int dir_fd = ::open(dir_.path().c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(dir_fd, 0);
  auto src = FileSource::open_at(dir_fd, "inside.bin", path, kLocalBlockSize);
  auto missing = FileSource::open_at(dir_fd, "nope.bin", "shown/nope.bin", kLocalBlockSize);
  ::close(dir_fd);
  ASSERT_TRUE(src.ok());
  EXPECT_EQ(src->size(), 300u);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message.rfind("open shown/nope.bin: ", 0), 0u);
}

// The reader takes its first block from the head: a small file costs one read, counted once.
TEST_F(FileSourceTest, TheReaderCountsTheHeadAsItsFirstRead) {
  auto small = FileSource::open(file("small.bin", 5000), kLocalBlockSize);
  ASSERT_TRUE(small.ok());
  Reader r(*small, 1 << 20);
  auto v = r.view(4000, 1000);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ((*v)[0], 4000 % 251);
  EXPECT_EQ(r.stats().source_reads, 1u);
  EXPECT_EQ(r.stats().bytes_read, 5000u);

  auto large = FileSource::open(file("large.bin", 40000), kLocalBlockSize);
  ASSERT_TRUE(large.ok());
  Reader big(*large, 1 << 20);
  ASSERT_TRUE(big.view(0, 10).ok());
  auto tail = big.view(39990, 10);
  ASSERT_TRUE(tail.ok());
  EXPECT_EQ((*tail)[9], 39999 % 251);
  EXPECT_EQ(big.stats().source_reads, 2u);  // the head, then the block holding the tail
}

TEST_F(FileSourceTest, TheHeadCountsAgainstTheBudget) {
  auto src = FileSource::open(file("small.bin", 5000), kLocalBlockSize);
  ASSERT_TRUE(src.ok());
  Reader r(*src, 1000);
  EXPECT_FALSE(r.view(0, 10).ok());
}

}  // namespace
}  // namespace imgmeta::meta
