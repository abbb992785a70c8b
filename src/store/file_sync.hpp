// Making writes durable on the local disk: the embedded stores' one copy of each fsync step.
#pragma once

#include <mutex>
#include <string>

#include "meta/result.hpp"

namespace imgmeta::store {

// fsync of a directory, so that the entries created or renamed in it survive a power cut.
meta::Status fsync_directory(const std::string& dir);

// fdatasync of a file someone else writes (SQLite's WAL): an fd of our own, opened on first
// use and kept, so that the sync can run on any thread without touching the writer's state.
// Thread-safe. With an empty path every sync is a no-op.
class FileSyncer {
 public:
  explicit FileSyncer(std::string path = {});
  ~FileSyncer();
  FileSyncer(const FileSyncer&) = delete;
  FileSyncer& operator=(const FileSyncer&) = delete;
  // The file's bytes and size on disk; the first call also syncs its directory (the file's
  // own entry may be as new as its first write).
  meta::Status sync();

 private:
  std::string path_;
  std::mutex open_mu_;  // the lazy open; syncs themselves need no lock
  int fd_ = -1;
};

}  // namespace imgmeta::store
