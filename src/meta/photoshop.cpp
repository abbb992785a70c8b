// Photoshop image resource blocks (Adobe Photoshop File Formats Specification, "Image
// Resource Blocks"), as found in JPEG APP13 and TIFF tag 34377. The resources that carry
// metadata are read: IPTC (0x0404), ICC (0x040F), XMP (0x0424) and a few small ones.
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include "meta/ascii.hpp"
#include "meta/formats.hpp"
#include "meta/text_value.hpp"

namespace imgmeta::meta {
namespace {


// A Photoshop "Unicode string": a 4-byte count of UTF-16BE code units, then the units.
// Returns the bytes consumed, or 0 when the string does not fit.
size_t unicode_string(ByteView v, size_t at, std::string& out) {
  auto count = v.u32(at, Endian::Big);
  if (!count || !v.has(at + 4, uint64_t{*count} * 2)) return 0;
  out.clear();
  for (size_t i = 0; i < *count; ++i) {
    uint32_t u = static_cast<uint32_t>(v[at + 4 + 2 * i] << 8 | v[at + 5 + 2 * i]);
    if (u >= 0xD800 && u <= 0xDBFF && i + 1 < *count) {
      uint32_t lo = static_cast<uint32_t>(v[at + 6 + 2 * i] << 8 | v[at + 7 + 2 * i]);
      if (lo >= 0xDC00 && lo <= 0xDFFF) {
        append_utf8(out, 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00));
        ++i;
        continue;
      }
    }
    if (u >= 0xD800 && u <= 0xDFFF) u = 0xFFFD;  // a lone surrogate
    if (u == 0) break;
    append_utf8(out, u);
  }
  return 4 + size_t{*count} * 2;
}

void resource(uint16_t id, ByteView d, Context& ctx) {
  Metadata& md = ctx.md;
  switch (id) {
    case 0x03ED:  // ResolutionInfo: hRes (16.16), hResUnit, widthUnit, vRes, vResUnit, heightUnit
      if (d.size() < 16) return;
      // EXIF's resolution is the file's own; Photoshop's fills in where there is none.
      md.set_default("XResolution"_f, round_sig15(d.u32(0, Endian::Big).value_or(0) / 65536.0));
      md.set("DisplayedUnitsX"_f, int64_t{d.u16(4, Endian::Big).value_or(0)});
      md.set_default("YResolution"_f, round_sig15(d.u32(8, Endian::Big).value_or(0) / 65536.0));
      md.set("DisplayedUnitsY"_f, int64_t{d.u16(12, Endian::Big).value_or(0)});
      return;
    case 0x0404:  // IPTC-NAA record
      parse_iptc(d, ctx);
      return;
    case 0x0406:  // JPEG quality: quality, format (ExifTool's raw -n values)
      if (d.size() < 4) return;
      md.set("PhotoshopQuality"_f, int64_t{static_cast<int16_t>(d.u16(0, Endian::Big).value_or(0))});
      md.set("PhotoshopFormat"_f, int64_t{d.u16(2, Endian::Big).value_or(0)});
      return;
    case 0x040A:  // CopyrightFlag: one byte
      if (d.size() >= 1) md.set("CopyrightFlag"_f, int64_t{d[0]});
      return;
    case 0x040B:  // URL
      md.set("URL"_f, std::string(d.chars(0, d.size())));
      return;
    case 0x040C:  // Thumbnail: a 28-byte header, then JFIF data (reported by size, as ExifTool does)
      if (d.size() > 28)
        md.set("PhotoshopThumbnail"_f, "(Binary data " + std::to_string(d.size() - 28) + " bytes, use -b option to extract)");
      return;
    case 0x040D:  // GlobalAngle
      if (d.size() >= 4) md.set("GlobalAngle"_f, int64_t{d.u32(0, Endian::Big).value_or(0)});
      return;
    case 0x040F:  // ICC profile
      parse_icc(d, ctx);
      return;
    case 0x0416:  // ICC_Untagged
      if (d.size() >= 1) md.set("ICC_Untagged"_f, int64_t{d[0]});
      return;
    case 0x0419:  // GlobalAltitude
      if (d.size() >= 4) md.set("GlobalAltitude"_f, int64_t{d.u32(0, Endian::Big).value_or(0)});
      return;
    case 0x041A: {  // Slices (version 6): bounds, group name, slice count
      if (d.u32(0, Endian::Big).value_or(0) != 6) return;
      std::string name;
      size_t n = unicode_string(d, 20, name);
      if (!n) return;
      md.set("SlicesGroupName"_f, json_typed(name));
      if (auto count = d.u32(20 + n, Endian::Big)) md.set("NumSlices"_f, int64_t{*count});
      return;
    }
    case 0x041E:  // URL_List: a count, then entries; ExifTool shows the empty list as []
      if (d.u32(0, Endian::Big).value_or(1) == 0) md.set("URL_List"_f, std::vector<std::string>{});
      return;
    case 0x0421: {  // VersionInfo: version, hasRealMergedData, writer name, reader name, file version
      if (d.size() < 5) return;
      md.set("HasRealMergedData"_f, int64_t{d[4]});
      std::string s;
      size_t n = unicode_string(d, 5, s);
      if (!n) return;
      md.set("WriterName"_f, json_typed(s));
      if (unicode_string(d, 5 + n, s)) md.set("ReaderName"_f, json_typed(s));
      return;
    }
    case 0x0426: {  // PrintScaleInfo: style, x and y position (floats), scale (float)
      if (d.size() < 14) return;
      auto real = [&](size_t at) {
        uint32_t bits = d.u32(at, Endian::Big).value_or(0);
        float f;
        std::memcpy(&f, &bits, sizeof f);
        return round_sig15(static_cast<double>(f));
      };
      auto text = [](double v) { return perl_number(v); };
      md.set("PrintStyle"_f, int64_t{d.u16(0, Endian::Big).value_or(0)});
      md.set("PrintPosition"_f, text(real(2)) + " " + text(real(6)));
      md.set("PrintScale"_f, real(10));
      return;
    }
    case 0x0424:  // XMP
      parse_xmp(d.chars(0, d.size()), ctx);
      return;
    case 0x0425:  // IPTCDigest: MD5 of the IPTC block when Photoshop last wrote it
      if (d.size() == 16) md.set("IPTCDigest"_f, hex_lower(d.span()));
      return;
    case 0x0428: {  // PixelAspectRatio: version, then an IEEE double
      auto bits = d.u64(4, Endian::Big);
      if (!bits) return;
      double ratio;
      uint64_t b = *bits;
      std::memcpy(&ratio, &b, sizeof ratio);
      md.set("PixelAspectRatio"_f, round_sig15(ratio));
      return;
    }
    default:
      // 0x0422 (EXIF) is skipped: it repeats the container's own EXIF, which wins, and
      // its thumbnail offsets would need the block's place in the file.
      return;
  }
}

}  // namespace

void parse_photoshop_irb(ByteView irb, Context& ctx) {
  size_t pos = 0;
  uint32_t blocks = 0;
  while (pos < irb.size()) {
    // Signature "8BIM" (older writers: "PHUT", "AgHg", "DCSR", "MeSa"), then the ID.
    if (!irb.has(pos, 12)) {
      bool padding = true;
      for (size_t i = pos; i < irb.size(); ++i) padding = padding && irb[i] == 0;
      if (!padding) ctx.md.warn("Photoshop: truncated resource block at offset " + std::to_string(pos));
      return;
    }
    std::string_view sig = irb.chars(pos, 4);
    if (sig != "8BIM" && sig != "PHUT" && sig != "AgHg" && sig != "DCSR" && sig != "MeSa") {
      bool padding = true;
      for (size_t i = pos; i < irb.size(); ++i) padding = padding && irb[i] == 0;
      if (!padding) ctx.md.warn("Photoshop: bad resource signature at offset " + std::to_string(pos));
      return;
    }
    if (++blocks > ctx.limits().max_segments) {
      ctx.md.warn("Photoshop: more than " + std::to_string(ctx.limits().max_segments) + " resource blocks");
      return;
    }
    uint16_t id = irb.u16(pos + 4, Endian::Big).value_or(0);
    auto id_text = [&] { return hex_lower(irb.span().subspan(pos + 4, 2)); };  // has(pos, 12) above
    // Name: a Pascal string, padded so that length byte and text are an even count.
    size_t name_len = irb[pos + 6];
    size_t at = pos + 6 + ((1 + name_len + 1) & ~size_t{1});
    auto size = irb.u32(at, Endian::Big);
    if (!size) {
      ctx.md.warn("Photoshop: resource 0x" + id_text() + " at offset " + std::to_string(pos) +
                  ": name runs past the end");
      return;
    }
    auto data = irb.sub(at + 4, *size);
    if (!data) {
      ctx.md.warn("Photoshop: resource 0x" + id_text() + " at offset " + std::to_string(pos) +
                  ": size " + std::to_string(*size) + " runs past the end");
      return;
    }
    resource(id, *data, ctx);
    // Data padded to an even size.
    uint64_t next = at + 4 + uint64_t{*size} + (*size & 1);
    if (next > irb.size()) return;
    pos = static_cast<size_t>(next);
  }
}

}  // namespace imgmeta::meta
