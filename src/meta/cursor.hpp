// Cursor: sequential reads through a ByteView, each one checked, for parsers that walk a
// structure field by field. Errors name what is being read and where the cursor stood.
#pragma once

#include <string>
#include <string_view>

#include "meta/reader.hpp"
#include "meta/result.hpp"

namespace imgmeta::meta {

class Cursor {
 public:
  Cursor(ByteView bytes, std::string what, Endian endian = Endian::Big, size_t pos = 0)
      : b_(bytes), what_(std::move(what)), endian_(endian), pos_(pos) {}

  size_t pos() const { return pos_; }
  size_t size() const { return b_.size(); }
  size_t left() const { return pos_ <= b_.size() ? b_.size() - pos_ : 0; }
  ByteView view() const { return b_; }

  Result<uint8_t> u8() { return take(b_.u8(pos_), 1); }
  Result<uint16_t> u16() { return take(b_.u16(pos_, endian_), 2); }
  Result<uint32_t> u24() { return take(b_.u24(pos_, endian_), 3); }
  Result<uint32_t> u32() { return take(b_.u32(pos_, endian_), 4); }
  Result<int32_t> i32() { return take(b_.i32(pos_, endian_), 4); }
  Result<uint64_t> u64() { return take(b_.u64(pos_, endian_), 8); }
  // An unsigned integer of 0, 4 or 8 bytes (ISOBMFF iloc's variable field sizes); 0 bytes
  // reads 0.
  Result<uint64_t> uint(unsigned bytes) {
    if (bytes == 0) return uint64_t{0};
    if (bytes == 4) return uint64_t{TRY(u32())};
    if (bytes == 8) return u64();
    return error("field size " + std::to_string(bytes) + " is not 0, 4 or 8");
  }
  // A NUL-terminated string; an unterminated one runs to the end of the bytes.
  std::string cstring() {
    std::string_view rest = b_.chars(pos_, left());
    size_t n = rest.find('\0');
    if (n == std::string_view::npos) {
      pos_ = b_.size();
      return std::string(rest);
    }
    pos_ += n + 1;
    return std::string(rest.substr(0, n));
  }
  // The next n bytes as a view of the same memory.
  Result<ByteView> bytes(uint64_t n) {
    if (n > left()) return error("truncated " + std::to_string(n) + "-byte field");
    ByteView v = TRY(b_.sub(pos_, n));
    pos_ += static_cast<size_t>(n);
    return v;
  }
  Status skip(uint64_t n) {
    if (n > left()) return error("skip of " + std::to_string(n) + " bytes");
    pos_ += static_cast<size_t>(n);
    return ok_status();
  }
  Status seek(uint64_t pos) {
    if (pos > b_.size()) return error("seek to byte " + std::to_string(pos));
    pos_ = static_cast<size_t>(pos);
    return ok_status();
  }
  Error error(const std::string& why) const {
    return make_error(what_ + ": " + why + " at byte " + std::to_string(pos_) + " of " + std::to_string(b_.size()));
  }

 private:
  // Advances past a field the view decoded; a failed read leaves the cursor where it was.
  template <class T>
  Result<T> take(Result<T> r, size_t n) {
    if (!r) return error("truncated " + std::to_string(n * 8) + "-bit field");
    pos_ += n;
    return r;
  }

  ByteView b_;
  std::string what_;
  Endian endian_;
  size_t pos_;
};

}  // namespace imgmeta::meta
