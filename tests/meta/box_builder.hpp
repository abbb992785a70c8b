// Builds ISOBMFF boxes (ISO/IEC 14496-12 4.2) byte by byte for the HEIF, AVIF and JPEG XL
// tests: each test writes out the boxes it is about.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "meta/extract.hpp"

namespace imgmeta::meta::test {

class Bytes {
 public:
  Bytes() = default;
  Bytes(std::initializer_list<uint8_t> bytes) : v_(bytes) {}

  Bytes& u8(uint64_t x) { return put(x, 1); }
  Bytes& u16(uint64_t x) { return put(x, 2); }
  Bytes& u24(uint64_t x) { return put(x, 3); }
  Bytes& u32(uint64_t x) { return put(x, 4); }
  Bytes& u64(uint64_t x) { return put(x, 8); }
  Bytes& uint(uint64_t x, size_t n) { return put(x, n); }
  // Characters as they are (a four-character code, or text without its NUL).
  Bytes& chars(std::string_view s) {
    v_.insert(v_.end(), s.begin(), s.end());
    return *this;
  }
  Bytes& cstring(std::string_view s) { return chars(s).u8(0); }
  Bytes& bytes(const Bytes& b) {
    v_.insert(v_.end(), b.v_.begin(), b.v_.end());
    return *this;
  }
  Bytes& bytes(std::initializer_list<uint8_t> b) {
    v_.insert(v_.end(), b.begin(), b.end());
    return *this;
  }
  Bytes& fill(size_t n, uint8_t value) {
    v_.insert(v_.end(), n, value);
    return *this;
  }
  size_t size() const { return v_.size(); }
  const std::vector<uint8_t>& vec() const { return v_; }
  std::vector<uint8_t>& vec() { return v_; }
  uint8_t& operator[](size_t i) { return v_[i]; }

 private:
  Bytes& put(uint64_t x, size_t n) {
    for (size_t i = n; i-- > 0;) v_.push_back(static_cast<uint8_t>(x >> (8 * i)));
    return *this;
  }
  std::vector<uint8_t> v_;
};

// A box: 32-bit size, type, payload.
inline Bytes box(std::string_view type, const Bytes& payload = {}) {
  return Bytes().u32(8 + payload.size()).chars(type).bytes(payload);
}

// A full box: version and flags lead the payload.
inline Bytes full_box(std::string_view type, uint8_t version, uint32_t flags, const Bytes& payload = {}) {
  return box(type, Bytes().u8(version).u24(flags).bytes(payload));
}

// Boxes one after another.
inline Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.bytes(p);
  return out;
}

inline Result<Metadata> extract_bytes(const Bytes& file, const Options& options = {}) {
  MemorySource source(file.vec());
  return extract(source, options);
}

}  // namespace imgmeta::meta::test
