#include "meta/reader.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <string>

namespace imgmeta::meta {
namespace {

std::string range_text(uint64_t offset, uint64_t len, uint64_t size) {
  return "read of " + std::to_string(len) + " bytes at offset " + std::to_string(offset) +
         " exceeds size " + std::to_string(size);
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

Error ByteView::out_of_range(uint64_t offset, uint64_t len) const {
  return make_error(range_text(offset, len, b_.size()));
}

Result<int32_t> ByteView::i32(uint64_t offset, Endian e) const {
  return static_cast<int32_t>(TRY(u32(offset, e)));
}

std::string_view ByteView::chars(size_t offset, size_t len) const {
  if (offset >= b_.size()) return {};
  len = std::min(len, b_.size() - offset);
  return {reinterpret_cast<const char*>(b_.data() + offset), len};
}

bool ByteView::equals_at(uint64_t offset, std::string_view bytes) const {
  if (!has(offset, bytes.size())) return false;
  return bytes.empty() || std::memcmp(b_.data() + offset, bytes.data(), bytes.size()) == 0;
}

Reader::Reader(Source& source, uint64_t byte_budget)
    : source_(source),
      size_(source.size()),
      budget_(byte_budget),
      block_size_(std::max<size_t>(source.preferred_block_size(), 512)),
      memory_(source.contiguous()) {}

Status Reader::charge(uint64_t offset, size_t n) {
  if (n > budget_ - std::min(budget_, stats_.bytes_read))
    return make_error("read budget of " + std::to_string(budget_) + " bytes exhausted at offset " +
                      std::to_string(offset));
  stats_.bytes_read += n;
  stats_.source_reads += 1;
  return ok_status();
}

Status Reader::fetch(uint64_t offset, std::span<uint8_t> out) {
  TRY(charge(offset, out.size()));
  auto n = TRY(source_.read_at(offset, out));
  if (n != out.size())
    return make_error("short read at offset " + std::to_string(offset) + ": source changed size?");
  return ok_status();
}

Result<std::span<const uint8_t>> Reader::block(uint64_t index) {
  if (auto it = blocks_.find(index); it != blocks_.end()) return it->second;
  const uint64_t start = index * block_size_;
  const size_t len = static_cast<size_t>(std::min<uint64_t>(block_size_, size_ - start));
  std::span<const uint8_t> bytes;
  if (const auto head = source_.first_bytes(); index == 0 && head.size() >= len) {
    TRY(charge(start, len));  // read when the source was opened: counted as that read
    bytes = head.first(len);
  } else {
    Bytes data(len);
    TRY(fetch(start, data));
    bytes = owned_.emplace_back(std::move(data));
  }
  return blocks_.emplace(index, bytes).first->second;
}

Status Reader::copy_out(uint64_t offset, std::span<uint8_t> out) {
  size_t done = 0;
  while (done < out.size()) {
    const uint64_t at = offset + done;
    const std::span<const uint8_t> b = TRY(block(at / block_size_));
    const size_t from = static_cast<size_t>(at % block_size_);
    const size_t n = std::min(out.size() - done, b.size() - from);
    std::memcpy(out.data() + done, b.data() + from, n);
    done += n;
  }
  return ok_status();
}

Result<ByteView> Reader::view(uint64_t offset, size_t len) {
  if (!has(offset, len)) return make_error(range_text(offset, len, size_));
  if (memory_) return ByteView(memory_->subspan(static_cast<size_t>(offset), len));
  if (len == 0) return ByteView();
  uint64_t first = offset / block_size_;
  uint64_t last = (offset + len - 1) / block_size_;
  if (first == last) {
    const std::span<const uint8_t> b = TRY(block(first));
    return ByteView(b.subspan(static_cast<size_t>(offset - first * block_size_), len));
  }
  // Spans blocks: assembled into a buffer of its own, kept as long as the blocks are. Large
  // reads go straight to the source; both count against the budget, so however a file makes
  // a parser ask, memory stays within twice the budget.
  if (len > budget_ - std::min(budget_, assembled_bytes_))
    return make_error("read budget of " + std::to_string(budget_) + " bytes exhausted at offset " +
                      std::to_string(offset));
  Bytes bytes(len);
  if (len > 2 * block_size_) TRY(fetch(offset, bytes));
  else TRY(copy_out(offset, bytes));
  assembled_bytes_ += len;
  return ByteView(owned_.emplace_back(std::move(bytes)));
}

Result<ByteView> Reader::view_upto(uint64_t offset, size_t len) {
  if (offset > size_) return make_error(range_text(offset, 0, size_));
  return view(offset, static_cast<size_t>(std::min<uint64_t>(len, size_ - offset)));
}

Result<ByteView> Reader::view_piece(uint64_t offset, size_t max) {
  if (offset > size_) return make_error(range_text(offset, 0, size_));
  size_t len = static_cast<size_t>(std::min<uint64_t>(max, size_ - offset));
  if (!memory_) len = std::min(len, block_size_ - static_cast<size_t>(offset % block_size_));
  return view(offset, len);
}

Result<std::vector<uint8_t>> Reader::bytes(uint64_t offset, size_t len) {
  ByteView v = TRY(view(offset, len));
  return std::vector<uint8_t>(v.data(), v.data() + v.size());
}

template <class T>
Result<T> Reader::integer(uint64_t offset, Endian e) {
  if (!has(offset, sizeof(T))) return make_error(range_text(offset, sizeof(T), size_));
  std::array<uint8_t, sizeof(T)> raw;
  if (memory_) std::memcpy(raw.data(), memory_->data() + offset, sizeof(T));
  else TRY(copy_out(offset, raw));
  return decode_bytes<T>(raw, e);
}

Result<uint8_t> Reader::u8(uint64_t offset) { return integer<uint8_t>(offset, Endian::Big); }
Result<uint16_t> Reader::u16(uint64_t offset, Endian e) { return integer<uint16_t>(offset, e); }
Result<uint32_t> Reader::u32(uint64_t offset, Endian e) { return integer<uint32_t>(offset, e); }
Result<uint64_t> Reader::u64(uint64_t offset, Endian e) { return integer<uint64_t>(offset, e); }

}  // namespace imgmeta::meta
