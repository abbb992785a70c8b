// Shared by the container fuzzers: runs extract() on the input twice, once from memory and
// once through a source that is not contiguous, so the Reader's small-block cache (the path a
// file or a remote object takes) is exercised too: a parser holding a view across reads shows
// up there as a use after free.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <span>
#include <string_view>
#include <vector>

#include "meta/extract.hpp"

namespace imgmeta::fuzz {

class BlockSource final : public meta::Source {
 public:
  explicit BlockSource(std::span<const uint8_t> b) : b_(b) {}
  uint64_t size() const override { return b_.size(); }
  meta::Result<size_t> read_at(uint64_t offset, std::span<uint8_t> out) override {
    if (offset >= b_.size()) return size_t{0};
    const size_t n = std::min<size_t>(out.size(), b_.size() - static_cast<size_t>(offset));
    std::memcpy(out.data(), b_.data() + offset, n);
    return n;
  }
  size_t preferred_block_size() const override { return 512; }

 private:
  std::span<const uint8_t> b_;
};

// Puts `magic` in front of inputs that do not already start with one of `accepted`, so the
// fuzzer spends its time inside the container parser rather than in format detection.
inline void run_container(const uint8_t* data, size_t size, std::string_view magic,
                          std::initializer_list<std::string_view> accepted) {
  std::vector<uint8_t> bytes;
  bool has_magic = false;
  for (std::string_view m : accepted)
    has_magic = has_magic || (size >= m.size() && std::memcmp(data, m.data(), m.size()) == 0);
  if (!has_magic) bytes.assign(magic.begin(), magic.end());
  bytes.insert(bytes.end(), data, data + size);

  meta::Options options;
  // Smaller caps keep each run fast; the code paths that enforce them are the same.
  options.limits.max_bytes_read = 4u << 20;
  options.limits.max_inflate = 256u << 10;
  meta::MemorySource memory(bytes);
  (void)meta::extract(memory, options);
  BlockSource blocks(bytes);
  (void)meta::extract(blocks, options);
}

}  // namespace imgmeta::fuzz
