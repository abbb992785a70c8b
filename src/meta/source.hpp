// Random-access byte sources the extractor reads from: a file (pread), memory, and the
// interface a remote object (S3 ranged GETs) implements.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "meta/result.hpp"

namespace imgmeta::meta {

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
  virtual size_t preferred_block_size() const { return 16 * 1024; }
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
  static Result<FileSource> open(const std::string& path);
  FileSource(FileSource&& other) noexcept;
  FileSource& operator=(FileSource&&) = delete;
  FileSource(const FileSource&) = delete;
  ~FileSource() override;
  uint64_t size() const override { return size_; }
  Result<size_t> read_at(uint64_t offset, std::span<uint8_t> out) override;
  int fd() const { return fd_; }  // for calls on the open file itself; valid while this lives

 private:
  FileSource(int fd, uint64_t size, std::string path) : fd_(fd), size_(size), path_(std::move(path)) {}
  int fd_;
  uint64_t size_;
  std::string path_;
};

}  // namespace imgmeta::meta
