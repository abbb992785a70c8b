// Windows icons (ICO) and cursors (CUR): an ICONDIR and its ICONDIRENTRY records, as the
// Windows SDK documents them ("Icons", "ICONDIR"/"GRPICONDIR" structures). Field names follow
// ExifTool's ICO table, which reports the first image's entry.
//
// Reads the 6-byte directory header and the first 16-byte entry; the images themselves (BMP
// DIBs or PNG streams) are not read.
#include <string>

#include "meta/formats.hpp"

namespace imgmeta::meta {
namespace {

constexpr uint64_t kDirHeaderSize = 6;  // idReserved, idType, idCount
constexpr uint64_t kEntrySize = 16;
constexpr uint16_t kIcon = 1;
constexpr uint16_t kCursor = 2;

constexpr Endian kLE = Endian::Little;

}  // namespace

Status parse_ico(Context& ctx) {
  ByteView h = TRY(ctx.reader.view_upto(0, kDirHeaderSize));
  if (h.size() < kDirHeaderSize) return make_error("ICO: the 6-byte ICONDIR header is cut short");
  // ICONDIR: idReserved (0), idType (1 icon, 2 cursor), idCount.
  const uint16_t reserved = TRY(h.u16(0, kLE));
  const uint16_t type = TRY(h.u16(2, kLE));
  const uint16_t count = TRY(h.u16(4, kLE));
  if (reserved != 0 || (type != kIcon && type != kCursor))
    return make_error("ICO: ICONDIR reserved word " + std::to_string(reserved) + " and type " + std::to_string(type) +
                      " are not an icon or cursor directory");
  Metadata& md = ctx.md;
  const bool icon = type == kIcon;
  md.set("FileType"_f, std::string(icon ? "ICO" : "CUR"));
  md.set("FileTypeExtension"_f, std::string(icon ? "ICO" : "CUR"));
  md.set("MIMEType"_f, std::string(icon ? "image/x-icon" : "image/x-cursor"));
  md.set("ImageCount"_f, int64_t{count});
  if (count == 0) {
    md.warn("ICO: the directory lists no images");
    return ok_status();
  }
  const uint64_t size = ctx.reader.size();
  if (kEntrySize * count > size - kDirHeaderSize) md.warn("Truncated file: the directory lists more entries than fit");
  auto entry = ctx.reader.view(kDirHeaderSize, kEntrySize);
  if (!entry) {
    md.warn("ICO: first ICONDIRENTRY: " + entry.error().message);
    return ok_status();
  }
  const ByteView e = *entry;
  // ICONDIRENTRY: bWidth, bHeight (0 means 256), bColorCount, bReserved, then wPlanes and
  // wBitCount for icons, or the hotspot's X and Y for cursors, dwBytesInRes, dwImageOffset.
  md.set("ImageWidth"_f, int64_t{e[0] == 0 ? 256 : e[0]});
  md.set("ImageHeight"_f, int64_t{e[1] == 0 ? 256 : e[1]});
  md.set("NumColors"_f, int64_t{e[2]});
  md.set(icon ? "ColorPlanes"_f : "HotspotX"_f, int64_t{TRY(e.u16(4, kLE))});
  md.set(icon ? "BitsPerPixel"_f : "HotspotY"_f, int64_t{TRY(e.u16(6, kLE))});
  md.set("ImageLength"_f, int64_t{TRY(e.u32(8, kLE))});
  return ok_status();
}

}  // namespace imgmeta::meta
