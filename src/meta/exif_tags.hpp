// What TIFF/EXIF tags mean: the tag tables (ExifTool's names for EXIF 2.32 and TIFF 6.0
// tags) and the decoder that turns a walked TIFF structure into Metadata fields. Shared by
// parse_exif (EXIF blocks) and parse_tiff (TIFF files and TIFF-based raw).
#pragma once

#include <cstdint>
#include <string_view>

#include "meta/formats.hpp"
#include "meta/metadata.hpp"
#include "meta/tiff_ifd.hpp"

namespace imgmeta::meta {

// How a tag's value becomes a field value (ExifTool's -n conventions).
enum class TagConv : uint8_t {
  Plain,         // numbers as numbers; several as "1 2 3"; ASCII cut at its first NUL
  TrimmedText,   // text without trailing white space (Make, Model, Software, Artist)
  TrimBlanks,    // text without trailing spaces (SubSecTime*)
  Version,       // undefined bytes as text without trailing NULs ("0231")
  ByteList,      // undefined bytes as a list of numbers ("1 2 3 0")
  ExifText,      // EXIF 2.32 4.6.5 table 9: 8-byte character code, then the text
  Copyright,     // EXIF 2.32 4.6.4 A: photographer NUL editor NUL
  ApexAperture,  // EXIF 2.32 annex C: 2^(value/2)
  ApexShutter,   // EXIF 2.32 annex C: 2^-value
  Ucs2,          // Windows XP* tags: UCS-2 little endian
  FileOffset,    // offsets, reported from the start of the file (StripOffsets)
  ByteCounts,    // StripByteCounts: shown only when short, like ExifTool
  Degrees,       // GPS degrees, minutes, seconds as decimal degrees (unsigned)
  GpsLatitude,   // decimal degrees, signed with GPSLatitudeRef at the end of the GPS IFD
  GpsLongitude,
  GpsAltitude,   // signed with GPSAltitudeRef
  GpsTimeStamp,  // "hh:mm:ss"
  GpsDateStamp,  // "yyyy:mm:dd"
};

struct TagInfo {
  constexpr TagInfo(uint16_t id, FieldId f, TagConv c, bool p0)
      : tag(id), field(f), name(field_name(f)), conv(c), priority0(p0) {}

  uint16_t tag;
  FieldId field;
  std::string_view name;  // field_name(field), for messages
  TagConv conv;
  bool priority0;  // ExifTool "Priority => 0": the first value wins, except from the priority IFD
};

// ExifTool's Exif::Main table, used for IFD0, IFD1, SubIFDs, the Exif IFD and the Interop IFD.
const TagInfo* find_exif_tag(uint16_t tag);
// EXIF 2.32 4.6.6 GPS attribute information.
const TagInfo* find_gps_tag(uint16_t tag);
// Panasonic RW2 IFD0 tags below 0x100 (ExifTool's PanasonicRaw::Main).
const TagInfo* find_panasonic_raw_tag(uint16_t tag);

// Where the TIFF structure comes from; ExifTool's priority rules differ between the two.
enum class TiffContainer {
  ExifBlock,  // EXIF in JPEG APP1, PNG eXIf, WebP, HEIF...: IFD1 describes the thumbnail
  TiffFile,   // a TIFF or TIFF-based raw file: the IFD chain lists the file's images
};

struct TiffDecodeOptions {
  TiffContainer container = TiffContainer::ExifBlock;
  ExifRoot root = ExifRoot::Ifd0;  // what the header's first IFD is
  uint64_t file_offset = 0;    // where the TIFF header sits in the file
  bool panasonic_raw = false;  // IFD0 holds Panasonic RW2 tags
  bool canon_cr2 = false;      // IFD0 strips are CR2's preview image
  bool jpeg_strips_are_previews = false;  // TIFF/DNG: JPEG strips not of the main image are a preview
};

// What the TIFF parser needs to know beyond the fields.
struct TiffFacts {
  uint32_t chain_ifds = 0;       // IFDs read in the IFD0 chain
  uint32_t page_count = 0;       // ExifTool's PageCount: IFDs whose SubfileType is a page or full image
  bool multi_page = false;       // ...and whether ExifTool reports it
  bool dng = false;              // DNGVersion present
  uint16_t raw_compression = 0;  // first Compression value naming a raw format (NEF 34713...)
  uint16_t ifd0_compression = 0;
  bool ifd0_thumbnail = false;   // IFD0 has JPEGInterchangeFormat
  bool cfa = false;              // some IFD holds colour filter array data
};

// Decodes the IFD0 chain and every IFD it points to into ctx.md, following sub-IFDs in file
// order (as ExifTool does, which decides which duplicate wins). Problems become warnings.
TiffFacts decode_tiff(IfdWalker& walker, const TiffDecodeOptions& options, Context& ctx);

// EXIF 2.32 4.6.5 table 9 character codes, decoded to UTF-8. `charset` receives "ASCII",
// "UNICODE", "JIS" or "Undefined"; false when the code is none of these (text = all bytes).
bool decode_exif_text(ByteView raw, Endian block_order, std::string& text, std::string& charset);

}  // namespace imgmeta::meta
