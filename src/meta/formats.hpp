// Internal interface between the extractor's container parsers and the shared parsers of
// embedded metadata blocks. Not part of the public API.
#pragma once

#include <charconv>
#include <string>
#include <string_view>

#include "meta/extract.hpp"
#include "meta/reader.hpp"

namespace imgmeta::meta {

// What ExifTool's Composite formulas need beyond the fields' values: a rational's own
// numerator and denominator (Canon keeps the sensor size in FocalPlaneX/YResolution's
// denominators; a maker note's LensType overrides the EXIF lens name).
struct CompositeFacts {
  double focal_plane_x_res[2] = {0, 0};  // numerator, denominator; 0/0 when absent
  double focal_plane_y_res[2] = {0, 0};
  bool maker_note = false;  // an EXIF MakerNote was present (its LensType decides LensID)
};

struct Context {
  Reader& reader;      // the whole file
  Metadata& md;
  const Options& options;
  CompositeFacts facts{};
  const Limits& limits() const { return options.limits; }
};

enum class Format { Unknown, Jpeg, Png, Gif, WebP, Tiff, Isobmff, Bmp, Ico, Jxl, Raf };

// Detects the container from its first bytes (at least 32 when the file has them).
Format detect_format(ByteView head);

// Container parsers. Each sets FileType, FileTypeExtension and MIMEType, then whatever the
// file holds. An error means the container header itself is unreadable; problems later in
// the file become warnings on the partial result.
Status parse_jpeg(Context& ctx);
Status parse_png(Context& ctx);
Status parse_gif(Context& ctx);
Status parse_webp(Context& ctx);
Status parse_tiff(Context& ctx);     // TIFF, BigTIFF and TIFF-based raw (DNG, CR2, NEF, ARW, ORF, RW2)
Status parse_isobmff(Context& ctx);  // HEIF, HEIC, AVIF
Status parse_bmp(Context& ctx);
Status parse_ico(Context& ctx);
Status parse_jxl(Context& ctx);
Status parse_raf(Context& ctx);     // FujiFilm RAF: its header, the embedded JPEG's EXIF, the RAF directories

// Embedded blocks, shared by the containers. Problems become warnings on ctx.md.
// tiff: a TIFF-structured EXIF block starting at its byte-order mark ("II*\0" / "MM\0*");
// file_offset: where that block starts in the file (thumbnail offsets are reported from it).
// root: what the first IFD is. Usually IFD0 and its chain; Canon's CR3 stores the Exif and
// GPS IFDs each as the only IFD of its own TIFF structure.
enum class ExifRoot { Ifd0, ExifIfd, GpsIfd };
void parse_exif(ByteView tiff, uint64_t file_offset, Context& ctx, ExifRoot root = ExifRoot::Ifd0);
void parse_xmp(std::string_view xml, Context& ctx);
void parse_iptc(ByteView iim, Context& ctx);            // IPTC IIM records (record 2)
void parse_photoshop_irb(ByteView irb, Context& ctx);    // Photoshop image resources (APP13, TIFF 34377)
void parse_icc(ByteView profile, Context& ctx);          // ICC profile header and 'desc' tag

// Small things several parsers need.
// JPEG's APP1 identifier, which writers also put before a TIFF block in other containers.
inline constexpr std::string_view kExifPrefix("Exif\0\0", 6);
// A TIFF byte-order mark and magic number ("II*\0" or "MM\0*") at `at`.
inline bool tiff_header_at(ByteView v, uint64_t at = 0) {
  return v.equals_at(at, std::string_view("II*\0", 4)) || v.equals_at(at, std::string_view("MM\0*", 4));
}
// A file offset as warnings show it: "0x1a2b".
inline std::string hex_offset(uint64_t v) {
  char buf[20] = "0x";
  return std::string(buf, std::to_chars(buf + 2, buf + sizeof buf, v, 16).ptr);
}

// Derived fields computed once every block is parsed: displayed size after orientation,
// UTC timestamps from offsets, XMP fallbacks.
void add_composite_fields(Context& ctx);
// ExifTool's own Composite tags (ShutterSpeed, Aperture, ScaleFactor35efl, DOF...), from
// the fields already set; part of add_composite_fields.
void add_exiftool_composites(Context& ctx);

}  // namespace imgmeta::meta
