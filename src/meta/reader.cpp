#include "meta/reader.hpp"

#include <algorithm>
#include <cstring>
#include <string>

namespace imgmeta::meta {
namespace {

std::string range_text(uint64_t offset, uint64_t len, uint64_t size) {
  return "read of " + std::to_string(len) + " bytes at offset " + std::to_string(offset) +
         " exceeds size " + std::to_string(size);
}

template <class T>
T decode(const uint8_t* p, Endian e) {
  T v = 0;
  if (e == Endian::Big) {
    for (size_t i = 0; i < sizeof(T); ++i) v = static_cast<T>((v << 8) | p[i]);
  } else {
    for (size_t i = sizeof(T); i-- > 0;) v = static_cast<T>((v << 8) | p[i]);
  }
  return v;
}

}  // namespace

Result<ByteView> ByteView::sub(uint64_t offset, uint64_t len) const {
  if (!has(offset, len)) return make_error(range_text(offset, len, b_.size()));
  return ByteView(b_.subspan(static_cast<size_t>(offset), static_cast<size_t>(len)));
}

Result<ByteView> ByteView::tail(uint64_t offset) const {
  if (offset > b_.size()) return make_error(range_text(offset, 0, b_.size()));
  return ByteView(b_.subspan(static_cast<size_t>(offset)));
}

Result<uint8_t> ByteView::u8(uint64_t offset) const {
  if (!has(offset, 1)) return make_error(range_text(offset, 1, b_.size()));
  return b_[static_cast<size_t>(offset)];
}

Result<uint16_t> ByteView::u16(uint64_t offset, Endian e) const {
  if (!has(offset, 2)) return make_error(range_text(offset, 2, b_.size()));
  return decode<uint16_t>(b_.data() + offset, e);
}

Result<uint32_t> ByteView::u32(uint64_t offset, Endian e) const {
  if (!has(offset, 4)) return make_error(range_text(offset, 4, b_.size()));
  return decode<uint32_t>(b_.data() + offset, e);
}

Result<uint64_t> ByteView::u64(uint64_t offset, Endian e) const {
  if (!has(offset, 8)) return make_error(range_text(offset, 8, b_.size()));
  return decode<uint64_t>(b_.data() + offset, e);
}

std::string_view ByteView::chars(size_t offset, size_t len) const {
  if (offset >= b_.size()) return {};
  len = std::min(len, b_.size() - offset);
  return {reinterpret_cast<const char*>(b_.data() + offset), len};
}

Reader::Reader(Source& source, uint64_t byte_budget)
    : source_(source),
      size_(source.size()),
      budget_(byte_budget),
      block_size_(std::max<size_t>(source.preferred_block_size(), 512)),
      memory_(source.contiguous()) {}

Status Reader::fetch(uint64_t offset, std::span<uint8_t> out) {
  if (out.size() > budget_ - std::min(budget_, stats_.bytes_read))
    return make_error("read budget of " + std::to_string(budget_) + " bytes exhausted at offset " +
                      std::to_string(offset));
  auto n = TRY(source_.read_at(offset, out));
  stats_.bytes_read += n;
  stats_.source_reads += 1;
  if (n != out.size())
    return make_error("short read at offset " + std::to_string(offset) + ": source changed size?");
  return ok_status();
}

Result<const Reader::Block*> Reader::block(uint64_t index) {
  Block* victim = &blocks_[0];
  for (auto& b : blocks_) {
    if (b.index == index) {
      b.last_use = ++clock_;
      return &b;
    }
    if (b.last_use < victim->last_use) victim = &b;
  }
  uint64_t start = index * block_size_;
  size_t len = static_cast<size_t>(std::min<uint64_t>(block_size_, size_ - start));
  victim->data.resize(len);
  victim->index = UINT64_MAX;
  TRY(fetch(start, victim->data));
  victim->index = index;
  victim->last_use = ++clock_;
  return victim;
}

Result<ByteView> Reader::view(uint64_t offset, size_t len) {
  if (!has(offset, len)) return make_error(range_text(offset, len, size_));
  if (memory_) return ByteView(memory_->subspan(static_cast<size_t>(offset), len));
  if (len == 0) return ByteView();
  uint64_t first = offset / block_size_;
  uint64_t last = (offset + len - 1) / block_size_;
  if (first == last) {
    const Block* b = TRY(block(first));
    return ByteView(std::span<const uint8_t>(b->data).subspan(static_cast<size_t>(offset - first * block_size_), len));
  }
  // Spans blocks: assemble in scratch. Large reads bypass the cache entirely.
  scratch_.resize(len);
  if (len > 2 * block_size_) {
    TRY(fetch(offset, scratch_));
    return ByteView(scratch_);
  }
  size_t done = 0;
  for (uint64_t i = first; i <= last; ++i) {
    const Block* b = TRY(block(i));
    uint64_t bstart = i * block_size_;
    size_t from = static_cast<size_t>(offset + done - bstart);
    size_t n = std::min(len - done, b->data.size() - from);
    std::memcpy(scratch_.data() + done, b->data.data() + from, n);
    done += n;
  }
  return ByteView(scratch_);
}

Result<ByteView> Reader::view_upto(uint64_t offset, size_t len) {
  if (offset > size_) return make_error(range_text(offset, 0, size_));
  return view(offset, static_cast<size_t>(std::min<uint64_t>(len, size_ - offset)));
}

Result<std::vector<uint8_t>> Reader::bytes(uint64_t offset, size_t len) {
  ByteView v = TRY(view(offset, len));
  return std::vector<uint8_t>(v.data(), v.data() + v.size());
}

Result<uint8_t> Reader::u8(uint64_t offset) { return TRY(view(offset, 1)).u8(0); }
Result<uint16_t> Reader::u16(uint64_t offset, Endian e) { return TRY(view(offset, 2)).u16(0, e); }
Result<uint32_t> Reader::u32(uint64_t offset, Endian e) { return TRY(view(offset, 4)).u32(0, e); }
Result<uint64_t> Reader::u64(uint64_t offset, Endian e) { return TRY(view(offset, 8)).u64(0, e); }

}  // namespace imgmeta::meta
