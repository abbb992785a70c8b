#include "store/file_sync.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace imgmeta::store {
meta::Status fsync_directory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return meta::make_error("open directory " + dir + ": " + std::strerror(errno));
  int rc = ::fsync(fd);
  int e = errno;
  ::close(fd);
  if (rc != 0) return meta::make_error("fsync directory " + dir + ": " + std::strerror(e));
  return meta::ok_status();
}

FileSyncer::FileSyncer(std::string path) : path_(std::move(path)) {}

FileSyncer::~FileSyncer() {
  if (fd_ >= 0) ::close(fd_);
}

meta::Status FileSyncer::sync() {
  if (path_.empty()) return meta::ok_status();
  int fd;
  {
    std::lock_guard lock(open_mu_);
    if (fd_ < 0) {
      int opened = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
      if (opened < 0) return meta::make_error("open " + path_ + " to sync it: " + std::strerror(errno));
      size_t slash = path_.rfind('/');
      auto dir = fsync_directory(slash == std::string::npos ? "." : slash == 0 ? "/" : path_.substr(0, slash));
      if (!dir) {
        ::close(opened);
        return dir.error();
      }
      fd_ = opened;
    }
    fd = fd_;
  }
  if (::fdatasync(fd) != 0) return meta::make_error("fdatasync " + path_ + ": " + std::strerror(errno));
  return meta::ok_status();
}

}  // namespace imgmeta::store
