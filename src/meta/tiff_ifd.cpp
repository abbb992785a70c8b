#include "meta/tiff_ifd.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <string>

namespace imgmeta::meta {
namespace {

// ExifTool gives up on an IFD after this many bad entries; so do we (a zero-filled or random
// block would otherwise cost a warning per entry).
constexpr uint32_t kMaxBadEntries = 10;

std::string hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

// The T at `at`, through the view's checked reads.
template <class T>
Result<T> load(ByteView v, uint64_t at, Endian e) {
  if constexpr (sizeof(T) == 1) return v.u8(at);
  else if constexpr (sizeof(T) == 2) return v.u16(at, e);
  else if constexpr (sizeof(T) == 4) return v.u32(at, e);
  else return v.u64(at, e);
}

// Element `index` of `size` bytes; zero when outside the view (callers size their views from
// the entry, so this is a second guard, never the first).
template <class T>
T element(ByteView v, uint64_t index, uint64_t stride, uint64_t within, Endian e) {
  if (stride == 0 || index > (v.size() / stride)) return 0;
  uint64_t at = index * stride + within;
  return load<T>(v, at, e).value_or(0);
}

}  // namespace

uint32_t tiff_type_size(uint16_t type) {
  switch (type) {
    case kTiffByte: case kTiffAscii: case kTiffSByte: case kTiffUndefined: return 1;
    case kTiffShort: case kTiffSShort: return 2;
    case kTiffLong: case kTiffSLong: case kTiffFloat: case kTiffIfd: return 4;
    case kTiffRational: case kTiffSRational: case kTiffDouble:
    case kTiffLong8: case kTiffSLong8: case kTiffIfd8: return 8;
    default: return 0;
  }
}

bool tiff_type_is_integer(uint16_t type) {
  switch (type) {
    case kTiffByte: case kTiffShort: case kTiffLong: case kTiffSByte: case kTiffSShort:
    case kTiffSLong: case kTiffIfd: case kTiffLong8: case kTiffSLong8: case kTiffIfd8: return true;
    default: return false;
  }
}

bool tiff_type_is_signed(uint16_t type) {
  return type == kTiffSByte || type == kTiffSShort || type == kTiffSLong || type == kTiffSRational ||
         type == kTiffSLong8 || type == kTiffFloat || type == kTiffDouble;
}

Result<TiffHeader> parse_tiff_header(ByteView head) {
  // TIFF 6.0 section 2 "Image File Header": byte order "II" or "MM", 42, offset of IFD0.
  if (head.size() < 8) return make_error("TIFF header: " + std::to_string(head.size()) + " bytes, need 8");
  TiffHeader h;
  if (head[0] == 'I' && head[1] == 'I') h.endian = Endian::Little;
  else if (head[0] == 'M' && head[1] == 'M') h.endian = Endian::Big;
  else return make_error("TIFF header: byte order mark is not II or MM");
  h.magic = TRY(head.u16(2, h.endian));
  // BigTIFF: 43, offset size 8, reserved 0, then an 8-byte offset of IFD0. A header that says
  // 43 but not the rest is read as classic TIFF, as ExifTool does (its IFD0 then fails).
  if (h.magic == 43 && head.size() >= 16 && *head.u16(4, h.endian) == 8 && *head.u16(6, h.endian) == 0) {
    h.big = true;
    h.first_ifd = TRY(head.u64(8, h.endian));
  } else if (h.magic == 42 || h.magic == 43 || h.magic == 0x4f52 || h.magic == 0x5352 || h.magic == 0x55) {
    h.first_ifd = TRY(head.u32(4, h.endian));
  } else {
    return make_error("TIFF header: magic number " + std::to_string(h.magic) + " is not 42 or 43");
  }
  // IFD0 cannot overlap the header (ExifTool rejects these too).
  if (h.first_ifd < (h.big ? 16u : 8u))
    return make_error("TIFF header: IFD0 offset " + std::to_string(h.first_ifd) + " points into the header");
  return h;
}

IfdWalker::IfdWalker(Reader& reader, uint64_t base, const TiffHeader& header, const Limits& limits, Metadata& md)
    : reader_(reader), base_(base), header_(header), limits_(limits), md_(md) {
  visited_.reserve(std::min<uint32_t>(limits.max_ifds, 64));
}

bool IfdWalker::absolute(uint64_t offset, uint64_t& out) const {
  if (offset > UINT64_MAX - base_) return false;
  out = base_ + offset;
  return true;
}

bool IfdWalker::in_data(uint64_t offset, uint64_t size) const {
  uint64_t at = 0;
  return absolute(offset, at) && reader_.has(at, size);
}

bool IfdWalker::read_ifd(uint64_t offset, std::string_view name, Ifd& out) {
  out.entries.clear();
  out.next = 0;
  // Built only when there is something to say (most IFDs never need it).
  auto where = [&] { return "TIFF " + std::string(name) + " at " + hex(offset); };
  if (std::find(visited_.begin(), visited_.end(), offset) != visited_.end()) {
    md_.warn(where() + ": already read (IFD loop), not followed");
    return false;
  }
  if (ifds_read_ >= limits_.max_ifds) {
    md_.warn(where() + ": IFD limit of " + std::to_string(limits_.max_ifds) + " reached, not read");
    return false;
  }
  visited_.push_back(offset);
  ++ifds_read_;

  // TIFF 6.0 section 2 "Image File Directory": a 2-byte entry count, 12-byte entries, and
  // the 4-byte offset of the next IFD. BigTIFF: 8-byte count, 20-byte entries, 8-byte offset.
  const uint64_t count_size = header_.big ? 8 : 2;
  const uint64_t entry_size = header_.big ? 20 : 12;
  const uint64_t inline_size = header_.big ? 8 : 4;
  uint64_t pos = 0;
  if (!absolute(offset, pos) || !reader_.has(pos, count_size)) {
    md_.warn(where() + ": offset is past the end of the data (" + std::to_string(reader_.size()) + " bytes)");
    return false;
  }
  uint64_t count = 0;
  if (header_.big) {
    auto c = reader_.u64(pos, header_.endian);
    if (!c) { md_.warn(where() + ": " + c.error().message); return false; }
    count = *c;
  } else {
    auto c = reader_.u16(pos, header_.endian);
    if (!c) { md_.warn(where() + ": " + c.error().message); return false; }
    count = *c;
  }
  const uint64_t first_entry = pos + count_size;
  const uint64_t fit = (reader_.size() - first_entry) / entry_size;
  bool truncated = false;  // the next-IFD offset is not where the count says
  if (count > fit) {
    truncated = true;
    md_.warn(where() + ": entry count " + std::to_string(count) + " exceeds remaining bytes (" +
             std::to_string(fit) + " entries fit)");
    count = fit;
  }
  if (count > limits_.max_ifd_entries) {
    md_.warn(where() + ": entry count " + std::to_string(count) + " exceeds the limit of " +
             std::to_string(limits_.max_ifd_entries) + "; the rest is ignored");
    count = limits_.max_ifd_entries;
    truncated = true;
  }
  auto table = reader_.view(first_entry, static_cast<size_t>(count * entry_size));
  if (!table) {
    md_.warn(where() + ": " + table.error().message);
    return false;
  }
  // The table holds count * entry_size bytes, so these reads succeed.
  const ByteView t = *table;
  const Endian en = header_.endian;
  out.entries.reserve(static_cast<size_t>(count));
  uint32_t bad = 0;
  for (uint64_t i = 0, p = 0; i < count; ++i, p += entry_size) {
    TiffEntry e;
    e.tag = load<uint16_t>(t, p, en).value_or(0);
    e.type = load<uint16_t>(t, p + 2, en).value_or(0);
    e.count = header_.big ? load<uint64_t>(t, p + 4, en).value_or(0) : load<uint32_t>(t, p + 4, en).value_or(0);
    const uint64_t value_field = first_entry + i * entry_size + (header_.big ? 12 : 8);
    const uint32_t type_size = tiff_type_size(e.type);
    auto problem = [&](const std::string& why) {
      if (++bad <= kMaxBadEntries) md_.warn(where() + " tag " + hex(e.tag) + ": " + why);
    };
    if (type_size == 0) {
      // A zero-filled entry is padding, not worth a warning.
      if (e.tag != 0 || e.type != 0 || e.count != 0) problem("unknown type " + std::to_string(e.type) + ", skipped");
    } else if (e.count > UINT64_MAX / type_size) {
      problem("count " + std::to_string(e.count) + " overflows the value size, skipped");
    } else {
      e.size = e.count * type_size;
      if (e.size <= inline_size) {
        // TIFF 6.0 section 2: values that fit in 4 bytes are stored in the entry itself.
        e.value_pos = value_field;
        e.usable = true;
      } else {
        uint64_t value_offset = header_.big ? load<uint64_t>(t, p + 12, en).value_or(0)
                                            : load<uint32_t>(t, p + 8, en).value_or(0);
        uint64_t at = 0;
        if (!absolute(value_offset, at) || !reader_.has(at, e.size)) {
          problem("value of " + std::to_string(e.size) + " bytes at offset " + hex(value_offset) +
                  " is outside the data");
        } else {
          e.value_pos = at;
          e.usable = true;
        }
      }
    }
    out.entries.push_back(e);
    if (bad > kMaxBadEntries) {
      md_.warn(where() + ": too many bad entries, the rest of the IFD is ignored");
      break;
    }
  }
  const uint64_t next_pos = first_entry + count * entry_size;
  if (truncated || bad > kMaxBadEntries) return true;  // no trustworthy next-IFD offset
  if (header_.big) {
    if (auto n = reader_.u64(next_pos, header_.endian)) out.next = *n;
  } else {
    if (auto n = reader_.u32(next_pos, header_.endian)) out.next = *n;
  }
  return true;
}

Result<ByteView> IfdWalker::value(const TiffEntry& e) {
  if (!e.usable) return make_error("tag " + hex(e.tag) + ": value unusable");
  if (e.size > limits_.max_value_bytes)
    return make_error("tag " + hex(e.tag) + ": value of " + std::to_string(e.size) + " bytes exceeds the limit of " +
                      std::to_string(limits_.max_value_bytes));
  return reader_.view(e.value_pos, static_cast<size_t>(e.size));
}

uint64_t tiff_unsigned_at(ByteView v, uint16_t type, uint64_t index, Endian e) {
  switch (type) {
    case kTiffByte: case kTiffAscii: case kTiffUndefined: case kTiffSByte:
      return element<uint8_t>(v, index, 1, 0, e);
    case kTiffShort: case kTiffSShort: return element<uint16_t>(v, index, 2, 0, e);
    case kTiffLong: case kTiffSLong: case kTiffIfd: return element<uint32_t>(v, index, 4, 0, e);
    case kTiffLong8: case kTiffSLong8: case kTiffIfd8: return element<uint64_t>(v, index, 8, 0, e);
    default: return 0;
  }
}

int64_t tiff_signed_at(ByteView v, uint16_t type, uint64_t index, Endian e) {
  switch (type) {
    case kTiffSByte: return static_cast<int8_t>(element<uint8_t>(v, index, 1, 0, e));
    case kTiffSShort: return static_cast<int16_t>(element<uint16_t>(v, index, 2, 0, e));
    case kTiffSLong: return static_cast<int32_t>(element<uint32_t>(v, index, 4, 0, e));
    case kTiffSLong8: return static_cast<int64_t>(element<uint64_t>(v, index, 8, 0, e));
    default: {
      uint64_t u = tiff_unsigned_at(v, type, index, e);
      return u > static_cast<uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(u);
    }
  }
}

void tiff_fraction_at(ByteView v, uint16_t type, uint64_t index, Endian e, double& num, double& den) {
  if (type == kTiffRational) {
    num = static_cast<double>(element<uint32_t>(v, index, 8, 0, e));
    den = static_cast<double>(element<uint32_t>(v, index, 8, 4, e));
  } else if (type == kTiffSRational) {
    num = static_cast<double>(static_cast<int32_t>(element<uint32_t>(v, index, 8, 0, e)));
    den = static_cast<double>(static_cast<int32_t>(element<uint32_t>(v, index, 8, 4, e)));
  } else {
    num = tiff_real_at(v, type, index, e);
    den = 1;
  }
}

double tiff_real_at(ByteView v, uint16_t type, uint64_t index, Endian e) {
  switch (type) {
    case kTiffFloat: return static_cast<double>(std::bit_cast<float>(element<uint32_t>(v, index, 4, 0, e)));
    case kTiffDouble: return std::bit_cast<double>(element<uint64_t>(v, index, 8, 0, e));
    case kTiffRational: case kTiffSRational: {
      double n = 0, d = 0;
      tiff_fraction_at(v, type, index, e, n, d);
      return n / d;
    }
    default:
      return tiff_type_is_signed(type) ? static_cast<double>(tiff_signed_at(v, type, index, e))
                                       : static_cast<double>(tiff_unsigned_at(v, type, index, e));
  }
}

}  // namespace imgmeta::meta
