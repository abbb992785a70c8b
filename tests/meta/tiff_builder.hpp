// TiffBuilder: writes TIFF structures (classic or BigTIFF, either byte order) for tests, so a
// test states its input as "IFD0 has Make = Canon" rather than as a hex dump.
//
// Layout: header, then each IFD in the order added, each followed by its out-of-line values.
// Entries are written in the order given (tests may want them out of order).
#pragma once

#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "meta/reader.hpp"

namespace imgmeta::meta::testing {

class TiffBuilder {
 public:
  explicit TiffBuilder(Endian endian, bool big = false) : endian_(endian), big_(big) {}

  // Adds an IFD and returns its index. The first one added is IFD0 (the header points to it).
  size_t add_ifd() {
    ifds_.emplace_back();
    return ifds_.size() - 1;
  }

  // An entry with raw value bytes (already in the builder's byte order).
  void raw(size_t ifd, uint16_t tag, uint16_t type, uint64_t count, std::vector<uint8_t> value) {
    ifds_[ifd].entries.push_back(Entry{tag, type, count, std::move(value), std::nullopt, std::nullopt});
  }
  // An entry whose value/offset field holds `field` as given (for bad offsets).
  void raw_field(size_t ifd, uint16_t tag, uint16_t type, uint64_t count, uint64_t field) {
    ifds_[ifd].entries.push_back(Entry{tag, type, count, {}, field, std::nullopt});
  }

  void ascii(size_t ifd, uint16_t tag, const std::string& text, bool nul = true) {
    std::vector<uint8_t> v(text.begin(), text.end());
    if (nul) v.push_back(0);
    raw(ifd, tag, 2, v.size(), v);
  }
  void bytes(size_t ifd, uint16_t tag, uint16_t type, std::vector<uint8_t> v) {
    uint64_t n = v.size();
    raw(ifd, tag, type, n, std::move(v));
  }
  void undefined(size_t ifd, uint16_t tag, const std::string& v) {
    bytes(ifd, tag, 7, std::vector<uint8_t>(v.begin(), v.end()));
  }
  void shorts(size_t ifd, uint16_t tag, std::initializer_list<uint16_t> values, uint16_t type = 3) {
    std::vector<uint8_t> v;
    for (uint16_t x : values) put(v, x, 2);
    raw(ifd, tag, type, values.size(), v);
  }
  void longs(size_t ifd, uint16_t tag, std::initializer_list<uint32_t> values, uint16_t type = 4) {
    std::vector<uint8_t> v;
    for (uint32_t x : values) put(v, x, 4);
    raw(ifd, tag, type, values.size(), v);
  }
  void long8s(size_t ifd, uint16_t tag, std::initializer_list<uint64_t> values) {
    std::vector<uint8_t> v;
    for (uint64_t x : values) put(v, x, 8);
    raw(ifd, tag, 16, values.size(), v);
  }
  void rationals(size_t ifd, uint16_t tag, std::initializer_list<std::pair<uint32_t, uint32_t>> values) {
    std::vector<uint8_t> v;
    for (auto [n, d] : values) {
      put(v, n, 4);
      put(v, d, 4);
    }
    raw(ifd, tag, 5, values.size(), v);
  }
  void srationals(size_t ifd, uint16_t tag, std::initializer_list<std::pair<int32_t, int32_t>> values) {
    std::vector<uint8_t> v;
    for (auto [n, d] : values) {
      put(v, static_cast<uint32_t>(n), 4);
      put(v, static_cast<uint32_t>(d), 4);
    }
    raw(ifd, tag, 10, values.size(), v);
  }
  // An entry pointing to another IFD of this builder (Exif IFD, GPS IFD, SubIFDs...).
  void pointer(size_t ifd, uint16_t tag, size_t target) {
    ifds_[ifd].entries.push_back(Entry{tag, static_cast<uint16_t>(big_ ? 16 : 4), 1, {}, std::nullopt, target});
  }
  // The "next IFD" link of `ifd`: another IFD of this builder, or a raw offset.
  void next(size_t ifd, size_t target) { ifds_[ifd].next_ifd = target; }
  void next_offset(size_t ifd, uint64_t offset) { ifds_[ifd].next_raw = offset; }
  // Replaces the header's IFD0 offset.
  void first_offset(uint64_t offset) { first_raw_ = offset; }
  // Bytes written between the header and IFD0 (CR2's signature, RW2's magic).
  void after_header(std::vector<uint8_t> v) { after_header_ = std::move(v); }
  // Replaces the magic number (42 / 43).
  void magic(uint16_t m) { magic_ = m; }

  std::vector<uint8_t> build() {
    const uint64_t count_size = big_ ? 8 : 2, entry_size = big_ ? 20 : 12, inline_size = big_ ? 8 : 4;
    // Pass 1: positions.
    uint64_t pos = (big_ ? 16 : 8) + after_header_.size();
    offsets_.assign(ifds_.size(), 0);
    for (size_t i = 0; i < ifds_.size(); ++i) {
      offsets_[i] = pos;
      pos += count_size + ifds_[i].entries.size() * entry_size + inline_size;
      for (const auto& e : ifds_[i].entries)
        if (!e.field && !e.target && e.value.size() > inline_size) pos += (e.value.size() + 1) & ~uint64_t{1};
    }
    // Pass 2: bytes.
    std::vector<uint8_t> out;
    out.push_back(endian_ == Endian::Little ? 'I' : 'M');
    out.push_back(out[0]);
    put(out, magic_ ? magic_ : (big_ ? 43 : 42), 2);
    if (big_) {
      put(out, 8, 2);
      put(out, 0, 2);
    }
    put(out, first_raw_ ? *first_raw_ : (ifds_.empty() ? 0 : offsets_[0]), big_ ? 8 : 4);
    out.insert(out.end(), after_header_.begin(), after_header_.end());
    for (size_t i = 0; i < ifds_.size(); ++i) {
      const Ifd& ifd = ifds_[i];
      put(out, ifd.entries.size(), count_size);
      uint64_t values_at = offsets_[i] + count_size + ifd.entries.size() * entry_size + inline_size;
      std::vector<uint8_t> values;
      for (const auto& e : ifd.entries) {
        put(out, e.tag, 2);
        put(out, e.type, 2);
        put(out, e.count, big_ ? 8 : 4);
        std::vector<uint8_t> field;
        if (e.field) {
          put(field, *e.field, inline_size);
        } else if (e.target) {
          put(field, offsets_[*e.target], inline_size);
        } else if (e.value.size() <= inline_size) {
          field = e.value;
          field.resize(inline_size, 0);
        } else {
          put(field, values_at + values.size(), inline_size);
          values.insert(values.end(), e.value.begin(), e.value.end());
          if (values.size() % 2) values.push_back(0);
        }
        out.insert(out.end(), field.begin(), field.end());
      }
      uint64_t next = ifd.next_raw ? *ifd.next_raw : (ifd.next_ifd ? offsets_[*ifd.next_ifd] : 0);
      put(out, next, inline_size);
      out.insert(out.end(), values.begin(), values.end());
    }
    return out;
  }

  // Where IFD `i` was placed by the last build().
  uint64_t offset_of(size_t i) const { return offsets_.at(i); }

  // Encodes `v` in `n` bytes of the builder's byte order.
  void put(std::vector<uint8_t>& out, uint64_t v, uint64_t n) const {
    for (uint64_t k = 0; k < n; ++k) {
      uint64_t shift = endian_ == Endian::Big ? 8 * (n - 1 - k) : 8 * k;
      out.push_back(static_cast<uint8_t>(v >> shift));
    }
  }

 private:
  struct Entry {
    uint16_t tag;
    uint16_t type;
    uint64_t count;
    std::vector<uint8_t> value;
    std::optional<uint64_t> field;   // raw value/offset field
    std::optional<size_t> target;    // pointer to another IFD
  };
  struct Ifd {
    std::vector<Entry> entries;
    std::optional<size_t> next_ifd;
    std::optional<uint64_t> next_raw;
  };
  Endian endian_;
  bool big_;
  uint16_t magic_ = 0;
  std::optional<uint64_t> first_raw_;
  std::vector<uint8_t> after_header_;
  std::vector<Ifd> ifds_;
  std::vector<uint64_t> offsets_;
};

}  // namespace imgmeta::meta::testing
