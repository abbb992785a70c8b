// Box headers of the ISO base media file format (ISO/IEC 14496-12 section 4.2), shared by the
// HEIF/AVIF parser and the JPEG XL container (ISO/IEC 18181-2 uses the same box syntax).
// Private to the extractor.
#pragma once

#include <cstdint>
#include <string>

#include "meta/reader.hpp"
#include "meta/result.hpp"

namespace imgmeta::meta::bmff {

constexpr uint32_t fourcc(const char (&s)[5]) {
  return (uint32_t{static_cast<uint8_t>(s[0])} << 24) | (uint32_t{static_cast<uint8_t>(s[1])} << 16) |
         (uint32_t{static_cast<uint8_t>(s[2])} << 8) | uint32_t{static_cast<uint8_t>(s[3])};
}

// The four characters of a box type for messages and fields: printable ASCII kept, other bytes
// as \xNN.
inline std::string fourcc_text(uint32_t type) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int shift = 24; shift >= 0; shift -= 8) {
    auto c = static_cast<uint8_t>(type >> shift);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// The raw four bytes of a type (brands are reported as ExifTool does: the bytes themselves).
inline std::string fourcc_raw(uint32_t type) {
  std::string out(4, '\0');
  for (size_t i = 0; i < 4; ++i) out[i] = static_cast<char>(static_cast<uint8_t>(type >> (24 - 8 * i)));
  return out;
}

struct BoxHeader {
  uint32_t type = 0;
  uint64_t offset = 0;       // first byte of the box (same origin as the caller's offsets)
  uint64_t header_size = 0;  // 8, or 16 with a largesize; 16 more for 'uuid'
  uint64_t size = 0;         // the whole box, header included; never past the parent's end
  uint64_t payload_offset() const { return offset + header_size; }
  uint64_t payload_size() const { return size - header_size; }
  uint64_t end() const { return offset + size; }
};

inline std::string box_name(const BoxHeader& box) {
  return "box '" + fourcc_text(box.type) + "' at " + std::to_string(box.offset);
}

// ISO/IEC 14496-12 4.2 (Object structure): size, type, largesize when size == 1, the rest of
// the parent when size == 0, a 16-byte extended type for 'uuid'. head holds the bytes at
// offset (fewer than 32 only at the end of the data); end is where the parent ends. Every
// size is checked against the parent, so a caller can step to end() without overflow.
inline Result<BoxHeader> decode_box_header(ByteView head, uint64_t offset, uint64_t end) {
  auto where = [&] { return "box at " + std::to_string(offset); };
  if (offset > end || end - offset < 8)
    return make_error(where() + ": " + std::to_string(offset > end ? 0 : end - offset) +
                      " bytes left in the parent, fewer than a box header");
  BoxHeader box;
  box.offset = offset;
  uint64_t size = TRY(head.u32(0, Endian::Big));
  box.type = TRY(head.u32(4, Endian::Big));
  box.header_size = 8;
  const uint64_t left = end - offset;
  if (size == 1) {
    // 4.2: largesize, a 64-bit size after the type.
    if (left < 16) return make_error(box_name(box) + ": largesize cut off by the end of its parent");
    size = TRY(head.u64(8, Endian::Big));
    box.header_size = 16;
  } else if (size == 0) {
    // 4.2: "box extends to the end of the file" (for us: of its parent).
    size = left;
  }
  if (box.type == fourcc("uuid")) box.header_size += 16;
  if (size < box.header_size)
    return make_error(box_name(box) + ": size " + std::to_string(size) + " smaller than its " +
                      std::to_string(box.header_size) + "-byte header");
  if (size > left)
    return make_error(box_name(box) + ": size " + std::to_string(size) + " exceeds the " +
                      std::to_string(left) + " bytes left in its parent");
  box.size = size;
  return box;
}

// A header read from the file through the bounded reader.
inline Result<BoxHeader> read_box_header(Reader& reader, uint64_t offset, uint64_t end) {
  if (offset > end || end - offset < 8) return decode_box_header(ByteView(), offset, end);
  ByteView head = TRY(reader.view_upto(offset, 32));
  return decode_box_header(head, offset, end);
}

// A header read from a parent already in memory; offsets are relative to bytes.
inline Result<BoxHeader> read_box_header(ByteView bytes, uint64_t offset, uint64_t end) {
  if (end > bytes.size()) end = bytes.size();
  if (offset > end || end - offset < 8) return decode_box_header(ByteView(), offset, end);
  ByteView head = TRY(bytes.sub(offset, end - offset < 32 ? end - offset : 32));
  return decode_box_header(head, offset, end);
}

// ISO/IEC 14496-12 4.2: FullBox adds version (8 bits) and flags (24 bits) to the header.
struct FullBox {
  uint8_t version = 0;
  uint32_t flags = 0;
};

inline Result<FullBox> read_full_box(ByteView payload) {
  uint32_t word = TRY(payload.u32(0, Endian::Big));
  return FullBox{static_cast<uint8_t>(word >> 24), word & 0xFFFFFF};
}

}  // namespace imgmeta::meta::bmff
