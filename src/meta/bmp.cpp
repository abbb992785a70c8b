// BMP (Windows and OS/2 bitmaps). Structure names are those of the Windows SDK (wingdi.h:
// BITMAPFILEHEADER, BITMAPCOREHEADER, BITMAPINFOHEADER, BITMAPV4HEADER, BITMAPV5HEADER) and
// OS/2 (BITMAPINFOHEADER2). Field names follow ExifTool's BMP tables; ExifTool calls the DIB
// header size BMPVersion.
//
// Reads the 14-byte file header and the DIB header (at most 124 bytes), and the embedded or
// linked colour profile of a V5 header; never the pixels.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "meta/formats.hpp"
#include "meta/text_value.hpp"

namespace imgmeta::meta {
namespace {

constexpr uint64_t kFileHeaderSize = 14;  // BITMAPFILEHEADER
// DIB header sizes (the header's first field).
constexpr uint32_t kCoreHeader = 12;        // BITMAPCOREHEADER (OS/2 1.x, Windows 2.x)
constexpr uint32_t kOs2ShortHeader = 16;    // BITMAPINFOHEADER2 cut after the bit count
constexpr uint32_t kInfoHeader = 40;        // BITMAPINFOHEADER (Windows 3.x)
constexpr uint32_t kV2Header = 52;          // + RGB masks
constexpr uint32_t kV3Header = 56;          // + alpha mask
constexpr uint32_t kOs2Header = 64;         // BITMAPINFOHEADER2 (OS/2 2.x)
constexpr uint32_t kV4Header = 108;         // BITMAPV4HEADER
constexpr uint32_t kV5Header = 124;         // BITMAPV5HEADER
constexpr uint32_t kMaxHeader = 1000000;    // ExifTool's bound on header sizes it accepts

// bV4CSType values, stored as little-endian FourCCs ("sRGB" is the bytes "BGRs").
constexpr uint32_t kLcsCalibratedRgb = 0;
constexpr uint32_t kProfileLinked = 0x4C494E4B;    // 'LINK'
constexpr uint32_t kProfileEmbedded = 0x4D424544;  // 'MBED'

constexpr Endian kLE = Endian::Little;

// The FourCC of a little-endian 32-bit code, most significant byte first: 'sRGB', 'Win '.
std::string fourcc_of(uint32_t v) {
  std::string s(4, ' ');
  for (size_t i = 0; i < 4; ++i) s[i] = static_cast<char>((v >> (24 - 8 * i)) & 0xFF);
  return s;
}

// Fields shared by BITMAPINFOHEADER and everything after it (offsets from the DIB header).
Status info_fields(ByteView h, uint32_t header_size, Metadata& md) {
  md.set("ImageWidth"_f, int64_t{TRY(h.u32(4, kLE))});
  // biHeight: negative for top-down bitmaps; ExifTool shows its absolute value.
  md.set("ImageHeight"_f, std::abs(int64_t{TRY(h.i32(8, kLE))}));
  md.set("Planes"_f, int64_t{TRY(h.u16(12, kLE))});
  md.set("BitDepth"_f, int64_t{TRY(h.u16(14, kLE))});
  if (header_size < 24) return ok_status();
  const uint32_t compression = TRY(h.u32(16, kLE));
  // BI_RGB (0) .. BI_PNG (5) and the CMYK codes are small numbers; anything above 256 is a
  // FourCC, which ExifTool shows as text.
  if (compression > 256) {
    std::string code;
    for (size_t i = 0; i < 4; ++i) code += static_cast<char>(h[16 + i]);
    while (!code.empty() && (code.back() == ' ' || code.back() == '\0')) code.pop_back();
    md.set("Compression"_f, code);
  } else {
    md.set("Compression"_f, int64_t{compression});
  }
  if (header_size < kInfoHeader) return ok_status();
  md.set("ImageLength"_f, int64_t{TRY(h.u32(20, kLE))});
  md.set("PixelsPerMeterX"_f, int64_t{TRY(h.u32(24, kLE))});
  md.set("PixelsPerMeterY"_f, int64_t{TRY(h.u32(28, kLE))});
  md.set("NumColors"_f, int64_t{TRY(h.u32(32, kLE))});
  md.set("NumImportantColors"_f, int64_t{TRY(h.u32(36, kLE))});
  return ok_status();
}

class BmpParser {
 public:
  BmpParser(Context& ctx, uint32_t header_size) : ctx_(ctx), md_(ctx.md), header_size_(header_size) {}
  Status parse();

 private:
  Status windows_fields(ByteView h);
  void profile(uint32_t cs_type, uint32_t offset, uint32_t size);

  Context& ctx_;
  Metadata& md_;
  uint32_t header_size_;
};

Status BmpParser::parse() {
  // Only the parts of the header this parser knows, and no more than the file holds.
  const size_t want = std::min<uint32_t>(header_size_, kV5Header);
  const size_t avail = static_cast<size_t>(std::min<uint64_t>(want, ctx_.reader.size() - kFileHeaderSize));
  const ByteView h = TRY(ctx_.reader.view(kFileHeaderSize, avail));
  const bool short_file = h.size() < want;
  if (short_file) md_.warn("BMP: the " + std::to_string(header_size_) + "-byte DIB header is cut short by the end of the file");
  md_.set("BMPVersion"_f, int64_t{header_size_});
  if (header_size_ == kCoreHeader) {
    // BITMAPCOREHEADER: 16-bit width, height, planes, bit count.
    if (h.size() < kCoreHeader) return ok_status();
    md_.set("ImageWidth"_f, int64_t{TRY(h.u16(4, kLE))});
    md_.set("ImageHeight"_f, int64_t{TRY(h.u16(6, kLE))});
    md_.set("Planes"_f, int64_t{TRY(h.u16(8, kLE))});
    md_.set("BitDepth"_f, int64_t{TRY(h.u16(10, kLE))});
    return ok_status();
  }
  if (h.size() < kOs2ShortHeader) return ok_status();
  // BITMAPINFOHEADER2 (OS/2 2.x) shares the first 40 bytes of BITMAPINFOHEADER, 32-bit
  // width and height included. (ExifTool 12.57 reads them as 16-bit fields.)
  TRY(info_fields(h, static_cast<uint32_t>(h.size()), md_));
  if (header_size_ == kOs2ShortHeader || header_size_ == kOs2Header) return ok_status();
  return windows_fields(h);
}

// BITMAPV2/V3INFOHEADER masks, BITMAPV4HEADER colour space, BITMAPV5HEADER intent and profile.
Status BmpParser::windows_fields(ByteView h) {
  const size_t n = h.size();
  if (n >= 44) md_.set("RedMask"_f, int64_t{TRY(h.u32(40, kLE))});
  if (n >= 48) md_.set("GreenMask"_f, int64_t{TRY(h.u32(44, kLE))});
  if (n >= kV2Header) md_.set("BlueMask"_f, int64_t{TRY(h.u32(48, kLE))});
  if (n >= kV3Header) md_.set("AlphaMask"_f, int64_t{TRY(h.u32(52, kLE))});
  if (n < 60) return ok_status();
  // bV4CSType: LCS_CALIBRATED_RGB (0), or a FourCC: 'sRGB', 'Win ', 'LINK', 'MBED'. ExifTool
  // shows a code with a zero byte as a number and the others as text.
  const uint32_t cs_type = TRY(h.u32(56, kLE));
  const bool has_zero_byte = h[56] == 0 || h[57] == 0 || h[58] == 0 || h[59] == 0;
  if (has_zero_byte)
    md_.set("ColorSpace"_f, int64_t{cs_type});
  else
    md_.set("ColorSpace"_f, fourcc_of(cs_type));
  if (cs_type == kLcsCalibratedRgb) {
    // bV4Endpoints: three CIEXYZ triples of FXPT2DOT30 (2.30 fixed point) values.
    static constexpr FieldId kEndpoints[] = {"RedEndpoint"_f, "GreenEndpoint"_f, "BlueEndpoint"_f};
    for (size_t i = 0; i < 3; ++i) {
      const size_t at = 60 + 12 * i;
      if (n < at + 12) break;
      std::string xyz;
      for (size_t k = 0; k < 3; ++k) {
        if (k) xyz += ' ';
        xyz += perl_number(TRY(h.u32(at + 4 * k, kLE)) / 1073741824.0);
      }
      md_.set(kEndpoints[i], xyz);
    }
    // bV4GammaRed/Green/Blue: 16.16 fixed point, shown to five decimals as ExifTool does.
    static constexpr FieldId kGammas[] = {"GammaRed"_f, "GammaGreen"_f, "GammaBlue"_f};
    for (size_t i = 0; i < 3; ++i) {
      const size_t at = 96 + 4 * i;
      if (n < at + 4) break;
      const double g = TRY(h.u32(at, kLE)) / 65536.0;
      md_.set(kGammas[i], static_cast<double>(static_cast<int64_t>(g * 1e5 + 0.5)) / 1e5);
    }
  }
  if (n < kV4Header + 4) return ok_status();
  md_.set("RenderingIntent"_f, int64_t{TRY(h.u32(kV4Header, kLE))});  // bV5Intent, the first V5 field
  if (n < kV5Header || (cs_type != kProfileLinked && cs_type != kProfileEmbedded)) return ok_status();
  const uint32_t offset = TRY(h.u32(112, kLE));  // bV5ProfileData, from the DIB header's start
  const uint32_t size = TRY(h.u32(116, kLE));    // bV5ProfileSize
  md_.set("ProfileDataOffset"_f, int64_t{offset});
  md_.set("ProfileSize"_f, int64_t{size});
  profile(cs_type, offset, size);
  return ok_status();
}

// BITMAPV5HEADER: an embedded ICC profile, or the file name of a linked one (Latin-1, NUL
// terminated), at bV5ProfileData bytes after the start of the DIB header.
void BmpParser::profile(uint32_t cs_type, uint32_t offset, uint32_t size) {
  if (offset == 0 || size == 0) return;
  if (size > ctx_.limits().max_value_bytes) {
    md_.warn("BMP: profile of " + std::to_string(size) + " bytes exceeds the " +
             std::to_string(ctx_.limits().max_value_bytes) + "-byte limit; skipped");
    return;
  }
  const uint64_t at = kFileHeaderSize + uint64_t{offset};
  auto bytes = ctx_.reader.view(at, size);
  if (!bytes) {
    md_.warn("Error loading profile data: " + bytes.error().message);
    return;
  }
  if (cs_type == kProfileEmbedded) {
    parse_icc(*bytes, ctx_);
    return;
  }
  std::string name;
  for (uint8_t c : bytes->span()) {
    if (c == 0) break;
    if (c < 0x80) {
      name += static_cast<char>(c);
    } else {
      name += static_cast<char>(0xC0 | (c >> 6));
      name += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  md_.set("LinkedProfileName"_f, name);
}

}  // namespace

// BITMAPFILEHEADER: "BM", file size, two reserved words, pixel data offset; the DIB header
// follows, its size first.
Status parse_bmp(Context& ctx) {
  ByteView h = TRY(ctx.reader.view_upto(0, kFileHeaderSize + 4));
  if (h.size() < kFileHeaderSize + 4 || h[0] != 'B' || h[1] != 'M')
    return make_error("BMP: file header and DIB header size need 18 bytes, starting \"BM\"");
  const uint32_t header_size = TRY(h.u32(kFileHeaderSize, kLE));
  if (header_size != kCoreHeader && header_size != kOs2ShortHeader &&
      (header_size < kInfoHeader || header_size >= kMaxHeader))
    return make_error("BMP: DIB header size " + std::to_string(header_size) + " at offset 14 is no known header version");
  ctx.md.set("FileType"_f, std::string("BMP"));
  ctx.md.set("FileTypeExtension"_f, std::string("BMP"));
  ctx.md.set("MIMEType"_f, std::string("image/bmp"));
  return BmpParser(ctx, header_size).parse();
}

}  // namespace imgmeta::meta
