// Random-access byte sources the extractor reads from: a file (pread), memory, and the
// interface a remote object (S3 ranged GETs) implements.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "meta/result.hpp"

namespace imgmeta::meta {

// The block a reader fetches from a local file: most image files' metadata fits in one.
inline constexpr size_t kLocalBlockSize = 16 * 1024;

class Source {
 public:
  virtual ~Source() = default;
  virtual uint64_t size() const = 0;
  // Reads up to out.size() bytes at offset. Returns the count read, short only at the end
  // of the source; an error only when the underlying I/O fails.
  virtual Result<size_t> read_at(uint64_t offset, std::span<uint8_t> out) = 0;
  // Sources already in memory expose their bytes so readers can skip copying.
  virtual std::optional<std::span<const uint8_t>> contiguous() const { return std::nullopt; }
  // The block size that suits this source: small for local files, large for remote ones.
  virtual size_t preferred_block_size() const { return kLocalBlockSize; }
  // Bytes from offset 0 that the source read when it was opened (possibly none), valid as
  // long as the source: a reader takes its first block from them instead of reading again.
  virtual std::span<const uint8_t> first_bytes() const { return {}; }
};

class MemorySource final : public Source {
 public:
  explicit MemorySource(std::span<const uint8_t> bytes) : bytes_(bytes) {}
  uint64_t size() const override { return bytes_.size(); }
  Result<size_t> read_at(uint64_t offset, std::span<uint8_t> out) override;
  std::optional<std::span<const uint8_t>> contiguous() const override { return bytes_; }

 private:
  std::span<const uint8_t> bytes_;
};

class FileSource final : public Source {
 public:
  // Opens a regular file. With head > 0 its first `head` bytes are read at once (see first_bytes()),
  // and a file shorter than that is known to end there without a stat: for a batch of small
  // files that is one system call in four saved.
  static Result<FileSource> open(const std::string& path, size_t head = 0);
  // The same for `name` within the directory dir_fd refers to (openat); `path` names the file
  // in messages.
  static Result<FileSource> open_at(int dir_fd, const char* name, const std::string& path, size_t head = 0);
  FileSource(FileSource&& other) noexcept;
  FileSource& operator=(FileSource&&) = delete;
  FileSource(const FileSource&) = delete;
  ~FileSource() override;
  uint64_t size() const override { return size_; }
  Result<size_t> read_at(uint64_t offset, std::span<uint8_t> out) override;
  std::span<const uint8_t> first_bytes() const override { return {head_.get(), head_size_}; }
  int fd() const { return fd_; }  // for calls on the open file itself; valid while this lives

 private:
  FileSource(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  Status stat_size();
  int fd_;
  uint64_t size_ = 0;
  std::string path_;
  std::unique_ptr<uint8_t[]> head_;  // not zeroed first: the read overwrites it
  size_t head_size_ = 0;
};

}  // namespace imgmeta::meta
