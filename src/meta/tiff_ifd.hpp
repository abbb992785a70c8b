// The bounds-checked TIFF IFD walker shared by the EXIF parser (EXIF blocks held in memory)
// and the TIFF parser (TIFF files read through the file's Reader). It knows the TIFF
// structure only: headers, IFDs, entries, value locations. What the tags mean lives in
// exif_tags.hpp.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "meta/extract.hpp"
#include "meta/metadata.hpp"
#include "meta/reader.hpp"

namespace imgmeta::meta {

// TIFF 6.0 section 2 "Types" (1-12), TIFF Technical Note 1 (13: IFD), BigTIFF (16-18).
enum TiffType : uint16_t {
  kTiffByte = 1,
  kTiffAscii = 2,
  kTiffShort = 3,
  kTiffLong = 4,
  kTiffRational = 5,
  kTiffSByte = 6,
  kTiffUndefined = 7,
  kTiffSShort = 8,
  kTiffSLong = 9,
  kTiffSRational = 10,
  kTiffFloat = 11,
  kTiffDouble = 12,
  kTiffIfd = 13,
  kTiffLong8 = 16,
  kTiffSLong8 = 17,
  kTiffIfd8 = 18,
};

// Bytes per value of a field type; 0 for a type this reader does not know.
uint32_t tiff_type_size(uint16_t type);
bool tiff_type_is_integer(uint16_t type);
bool tiff_type_is_signed(uint16_t type);

// TIFF 6.0 section 2 "Image File Header", and the BigTIFF header (version 43, 8-byte offsets).
// Also accepts the magic numbers of TIFF-based raw formats: Olympus ORF ("IIRO", "IIRS",
// "MMOR") and Panasonic RW2 ("IIU\0").
struct TiffHeader {
  Endian endian = Endian::Little;
  bool big = false;       // BigTIFF: 8-byte counts and offsets, 20-byte entries
  uint16_t magic = 0;     // 42 TIFF, 43 BigTIFF, 0x4f52/0x5352 ORF, 0x55 RW2
  uint64_t first_ifd = 0; // offset of IFD0, relative to the header
};

// Parses the header at the start of `head` (8 bytes, 16 for BigTIFF).
Result<TiffHeader> parse_tiff_header(ByteView head);

// One IFD entry. TIFF 6.0 section 2 "IFD Entry": tag, type, count, value or offset.
struct TiffEntry {
  uint16_t tag = 0;
  uint16_t type = 0;
  uint64_t count = 0;
  uint64_t size = 0;       // count * type size
  uint64_t value_pos = 0;  // absolute position of the value bytes in the Reader
  bool usable = false;     // false: unknown type, size overflow or value outside the data
};

struct Ifd {
  std::vector<TiffEntry> entries;  // in file order; unusable entries are kept (usable=false)
  uint64_t next = 0;               // offset of the next IFD in the chain, 0 for none
};

// Walks IFDs of one TIFF structure. Offsets in the structure are relative to `base`, the
// header's position in the Reader. Every problem becomes a warning on `md`; the walker never
// reads outside the Reader and keeps a visited set so that no IFD is read twice.
class IfdWalker {
 public:
  IfdWalker(Reader& reader, uint64_t base, const TiffHeader& header, const Limits& limits, Metadata& md);

  Endian endian() const { return header_.endian; }
  bool big() const { return header_.big; }
  const TiffHeader& header() const { return header_; }
  uint32_t ifds_read() const { return ifds_read_; }
  Metadata& md() { return md_; }

  // Reads the IFD at `offset` into `out`. Returns false, with a warning naming `name`, when
  // the offset was seen before, the IFD cap is reached or the entry count is unreadable.
  // An IFD cut short by the end of the data yields the entries that fit.
  bool read_ifd(uint64_t offset, std::string_view name, Ifd& out);

  // The value bytes of a usable entry. Fails when the value exceeds max_value_bytes.
  // The view is valid until the next read on the walker's Reader.
  Result<ByteView> value(const TiffEntry& e);

  // True when [offset, offset + size) (relative to the header) lies inside the Reader.
  bool in_data(uint64_t offset, uint64_t size) const;

  // Position of a structure offset in the Reader (base + offset); false on overflow.
  bool absolute(uint64_t offset, uint64_t& out) const;

 private:
  Reader& reader_;
  uint64_t base_;
  TiffHeader header_;
  const Limits& limits_;
  Metadata& md_;
  std::vector<uint64_t> visited_;
  uint32_t ifds_read_ = 0;
};

// Decoding of one element of a value, with the walker's byte order.
uint64_t tiff_unsigned_at(ByteView v, uint16_t type, uint64_t index, Endian e);
int64_t tiff_signed_at(ByteView v, uint16_t type, uint64_t index, Endian e);
// Rationals give numerator/denominator; other numeric types give value/1.
void tiff_fraction_at(ByteView v, uint16_t type, uint64_t index, Endian e, double& num, double& den);
// Floats and doubles as double; integers converted.
double tiff_real_at(ByteView v, uint16_t type, uint64_t index, Endian e);

}  // namespace imgmeta::meta
