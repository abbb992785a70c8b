#include "meta/source.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace imgmeta::meta {

Result<size_t> MemorySource::read_at(uint64_t offset, std::span<uint8_t> out) {
  if (offset >= bytes_.size()) return size_t{0};
  size_t n = static_cast<size_t>(std::min<uint64_t>(out.size(), bytes_.size() - offset));
  std::memcpy(out.data(), bytes_.data() + offset, n);
  return n;
}

Result<FileSource> FileSource::open(const std::string& path, size_t head) {
  return open_at(AT_FDCWD, path.c_str(), path, head);
}

Result<FileSource> FileSource::open_at(int dir_fd, const char* name, const std::string& path, size_t head) {
  // O_NONBLOCK: opening a FIFO would otherwise wait for a writer before fstat could refuse it;
  // reads of a regular file ignore the flag.
  int fd = ::openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return make_error("open " + path + ": " + std::strerror(errno));
  FileSource file(fd, path);  // closes the descriptor on every early return
  if (head == 0) {
    TRY(file.stat_size());
    return file;
  }
  file.head_ = std::make_unique_for_overwrite<uint8_t[]>(head);
  ssize_t n;
  do n = ::pread(fd, file.head_.get(), head, 0);
  while (n < 0 && errno == EINTR);
  // Linux ends a read of a regular file short only at the file's end: no stat needed.
  if (n > 0 && static_cast<size_t>(n) < head) {
    file.size_ = file.head_size_ = static_cast<size_t>(n);
    return file;
  }
  // A full head, an empty file or a failed read (a directory, a FIFO): the stat decides.
  const int read_errno = errno;
  TRY(file.stat_size());
  if (n < 0) return make_error("read " + path + " at 0: " + std::strerror(read_errno));
  file.head_size_ = static_cast<size_t>(std::min<uint64_t>(static_cast<uint64_t>(n), file.size_));
  return file;
}

Status FileSource::stat_size() {
  struct stat st {};
  if (::fstat(fd_, &st) != 0) return make_error("stat " + path_ + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return make_error(path_ + ": not a regular file");
  size_ = static_cast<uint64_t>(st.st_size);
  return ok_status();
}

FileSource::FileSource(FileSource&& other) noexcept
    : fd_(other.fd_),
      size_(other.size_),
      path_(std::move(other.path_)),
      head_(std::move(other.head_)),
      head_size_(other.head_size_) {
  other.fd_ = -1;
  other.head_size_ = 0;
}

FileSource::~FileSource() {
  if (fd_ >= 0) ::close(fd_);
}

Result<size_t> FileSource::read_at(uint64_t offset, std::span<uint8_t> out) {
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n = ::pread(fd_, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return make_error("read " + path_ + " at " + std::to_string(offset + done) + ": " + std::strerror(errno));
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  return done;
}

}  // namespace imgmeta::meta
