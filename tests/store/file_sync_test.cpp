// FileSyncer and fsync_directory (store/file_sync.hpp): what the durable writes of the
// embedded stores rely on.
#include "store/file_sync.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <thread>
#include <vector>

#include "temp_dir.hpp"

namespace imgmeta::store {
namespace {

using testing::TempDir;

TEST(FileSyncer, AnEmptyPathSyncsNothing) {
  FileSyncer none;
  EXPECT_TRUE(none.sync().ok());
}

TEST(FileSyncer, SyncsAFileWrittenElsewhereFromAnyThread) {
  TempDir dir;
  const std::string path = dir / "db-wal";
  std::ofstream(path) << "frames";
  FileSyncer syncer(path);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 5; ++i)
        if (!syncer.sync().ok()) ++failures;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  std::ofstream(path, std::ios::app) << "more frames";  // written through another descriptor
  EXPECT_TRUE(syncer.sync().ok());
}

TEST(FileSyncer, AMissingFileIsAnErrorNamingIt) {
  TempDir dir;
  FileSyncer syncer(dir / "nothing-here");
  auto s = syncer.sync();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("nothing-here"), std::string::npos) << s.error().message;
}

TEST(FsyncDirectory, SyncsADirectoryAndNamesAMissingOne) {
  TempDir dir;
  EXPECT_TRUE(fsync_directory(dir.path()).ok());
  auto s = fsync_directory(dir / "missing");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("missing"), std::string::npos) << s.error().message;
}

}  // namespace
}  // namespace imgmeta::store
