// Reader: the only way parsers touch bytes. Every read is checked against the source size
// and a byte budget; small reads are served from cached blocks so a parser's many small reads
// become a few large ones at the source. Every block fetched stays until the Reader goes (one
// extraction), so a view stays valid that long: parsers keep views, they need not copy.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <new>
#include <span>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "meta/result.hpp"
#include "meta/source.hpp"

namespace imgmeta::meta {

enum class Endian { Big, Little };

// The unsigned integer the bytes spell (at most sizeof(T) of them) in the given byte order.
template <class T>
constexpr T decode_bytes(std::span<const uint8_t> bytes, Endian e) {
  T v = 0;
  if (e == Endian::Big) {
    for (uint8_t b : bytes) v = static_cast<T>((v << 8) | b);
  } else {
    for (size_t i = bytes.size(); i-- > 0;) v = static_cast<T>((v << 8) | bytes[i]);
  }
  return v;
}

// Bounds-checked decoding of integers from bytes already in memory.
class ByteView {
 public:
  ByteView() = default;
  explicit ByteView(std::span<const uint8_t> bytes) : b_(bytes) {}
  size_t size() const { return b_.size(); }
  bool empty() const { return b_.empty(); }
  const uint8_t* data() const { return b_.data(); }
  std::span<const uint8_t> span() const { return b_; }
  uint8_t operator[](size_t i) const { return b_[i]; }
  // True when [offset, offset+len) lies inside the view (no overflow).
  bool has(uint64_t offset, uint64_t len) const { return offset <= b_.size() && len <= b_.size() - offset; }
  Result<ByteView> sub(uint64_t offset, uint64_t len) const;
  Result<ByteView> tail(uint64_t offset) const;
  // Inline: the TIFF and EXIF decoders make a dozen of these reads per tag.
  Result<uint8_t> u8(uint64_t offset) const { return integer<uint8_t>(offset, 1, Endian::Big); }
  Result<uint16_t> u16(uint64_t offset, Endian e) const { return integer<uint16_t>(offset, 2, e); }
  // WebP's VP8X and ANMF sizes
  Result<uint32_t> u24(uint64_t offset, Endian e) const { return integer<uint32_t>(offset, 3, e); }
  Result<uint32_t> u32(uint64_t offset, Endian e) const { return integer<uint32_t>(offset, 4, e); }
  Result<int32_t> i32(uint64_t offset, Endian e) const;   // two's complement (BMP's height)
  Result<uint64_t> u64(uint64_t offset, Endian e) const { return integer<uint64_t>(offset, 8, e); }
  std::string_view chars(size_t offset, size_t len) const;  // clamped, never fails
  // True when the bytes at offset are `bytes`; false when they differ or lie outside the view
  // (magic numbers and signatures, which a short input simply does not have).
  bool equals_at(uint64_t offset, std::string_view bytes) const;
  bool starts_with(std::string_view bytes) const { return equals_at(0, bytes); }

 private:
  template <class T>
  Result<T> integer(uint64_t offset, size_t n, Endian e) const {
    if (!has(offset, n)) [[unlikely]] return out_of_range(offset, n);
    return decode_bytes<T>(b_.subspan(static_cast<size_t>(offset), n), e);
  }
  [[gnu::cold]] Error out_of_range(uint64_t offset, uint64_t len) const;

  std::span<const uint8_t> b_;
};

struct ReadStats {
  uint64_t bytes_read = 0;   // bytes fetched from the source
  uint64_t source_reads = 0; // read_at calls on the source
};

class Reader {
 public:
  // byte_budget caps the total bytes fetched from the source for one extraction.
  Reader(Source& source, uint64_t byte_budget);
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  uint64_t size() const { return size_; }
  bool has(uint64_t offset, uint64_t len) const { return offset <= size_ && len <= size_ - offset; }
  // A view of exactly [offset, offset+len), valid as long as this Reader. Fails when the range
  // is outside the source or the byte budget is spent.
  Result<ByteView> view(uint64_t offset, size_t len);
  // Like view() but clamps the length to what the source holds.
  Result<ByteView> view_upto(uint64_t offset, size_t len);
  // For scanning a file piece by piece: a view of up to `max` bytes at `offset`, cut short
  // where a block ends so that no bytes are copied together. Empty only at the end.
  Result<ByteView> view_piece(uint64_t offset, size_t max);
  Result<std::vector<uint8_t>> bytes(uint64_t offset, size_t len);
  Result<uint8_t> u8(uint64_t offset);
  Result<uint16_t> u16(uint64_t offset, Endian e);
  Result<uint32_t> u32(uint64_t offset, Endian e);
  Result<uint64_t> u64(uint64_t offset, Endian e);
  const ReadStats& stats() const { return stats_; }

 private:
  // Bytes about to be overwritten by a read: allocated without being zeroed first.
  template <class T>
  struct UninitAllocator : std::allocator<T> {
    template <class U>
    struct rebind {
      using other = UninitAllocator<U>;
    };
    // Default-initialises; constructions with arguments go through std::construct_at.
    template <class U>
    void construct(U* p) noexcept {
      ::new (static_cast<void*>(p)) U;
    }
  };
  using Bytes = std::vector<uint8_t, UninitAllocator<uint8_t>>;

  Result<std::span<const uint8_t>> block(uint64_t index);
  Status fetch(uint64_t offset, std::span<uint8_t> out);
  Status charge(uint64_t offset, size_t n);  // counts a read of n bytes; fails past the budget
  // Copies [offset, offset+out.size()) out of the blocks (integer reads: no view to keep).
  Status copy_out(uint64_t offset, std::span<uint8_t> out);
  template <class T>
  Result<T> integer(uint64_t offset, Endian e);

  Source& source_;
  uint64_t size_;
  uint64_t budget_;
  size_t block_size_;
  std::optional<std::span<const uint8_t>> memory_;
  // Block index -> its bytes: the source's first_bytes() or a buffer in owned_.
  std::unordered_map<uint64_t, std::span<const uint8_t>> blocks_;
  // The blocks read here, and the views that span blocks (assembled once and kept; their
  // bytes count against the budget too). A vector's buffer does not move with the deque.
  std::deque<Bytes> owned_;
  uint64_t assembled_bytes_ = 0;
  ReadStats stats_;
};

}  // namespace imgmeta::meta
