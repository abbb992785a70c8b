// Microsoft's BITMAPINFOHEADER / BITMAPV4HEADER / BITMAPV5HEADER (Win32 "Bitmap Header Types"),
// OS/2 BITMAPCOREHEADER, the RLE8/RLE4 encodings ("Bitmap Compression") and the ICO directory
// (ICONDIR / ICONDIRENTRY).
#include "preview/bmp.hpp"

#include <algorithm>
#include <string>

namespace imgmeta::preview {

using meta::make_error;
using meta::Result;

namespace {

uint32_t le16(std::span<const uint8_t> b, size_t at) { return uint32_t(b[at] | b[at + 1] << 8); }
uint32_t le32(std::span<const uint8_t> b, size_t at) {
  return uint32_t(b[at]) | uint32_t(b[at + 1]) << 8 | uint32_t(b[at + 2]) << 16 | uint32_t(b[at + 3]) << 24;
}

meta::Error bad(const std::string& why) { return make_error(meta::Errc::Failed, "BMP: " + why); }

// Value of `v` under `mask`, scaled to 0..255.
uint8_t channel(uint32_t v, uint32_t mask) {
  if (mask == 0) return 0;
  int shift = __builtin_ctz(mask);
  uint32_t max = mask >> shift;
  uint32_t x = (v & mask) >> shift;
  return uint8_t(max == 0 ? 0 : (uint64_t(x) * 255 + max / 2) / max);
}

struct Dib {
  std::span<const uint8_t> info;  // the info header and what follows (palette, masks)
  std::span<const uint8_t> bits;  // pixel data
  bool icon = false;              // ICO DIB: height is doubled and an AND mask follows
};

Result<Pixels> decode_dib(const Dib& dib, uint64_t max_pixels) {
  auto info = dib.info;
  if (info.size() < 12) return bad("header too short");
  uint32_t header = le32(info, 0);
  if (header < 12 || header > info.size()) return bad("header size " + std::to_string(header));
  int64_t width, height;
  uint32_t planes, bpp, compression = 0, colours = 0;
  if (header == 12) {  // BITMAPCOREHEADER
    width = le16(info, 4);
    height = int16_t(le16(info, 6));
    planes = le16(info, 8);
    bpp = le16(info, 10);
  } else {
    if (header < 40) return bad("header size " + std::to_string(header));
    width = int32_t(le32(info, 4));
    height = int32_t(le32(info, 8));
    planes = le16(info, 12);
    bpp = le16(info, 14);
    compression = le32(info, 16);
    colours = le32(info, 32);
  }
  (void)planes;
  bool top_down = height < 0;
  if (top_down) height = -height;
  if (dib.icon) height /= 2;
  if (width <= 0 || height <= 0) return bad("no size in the header");
  uint64_t pixels = uint64_t(width) * uint64_t(height);
  if (pixels > max_pixels) {
    return make_error(meta::Errc::TooLarge, "BMP of " + std::to_string(width) + "x" + std::to_string(height) +
                                      " pixels is over the limit of " + std::to_string(max_pixels));
  }

  // Colour masks: BITFIELDS (3) / ALPHABITFIELDS (6) after a 40-byte header, or in V2+ headers.
  uint32_t rmask = 0, gmask = 0, bmask = 0, amask = 0;
  bool fields = compression == 3 || compression == 6;
  if (fields) {
    if (info.size() < 40 + 12) return bad("bit fields missing");
    rmask = le32(info, 40);
    gmask = le32(info, 44);
    bmask = le32(info, 48);
    if ((compression == 6 || header >= 56) && info.size() >= 56) amask = le32(info, 52);
  } else if (bpp == 16) {
    rmask = 0x7C00, gmask = 0x03E0, bmask = 0x001F;
  } else if (bpp == 32) {
    rmask = 0xFF0000, gmask = 0xFF00, bmask = 0xFF;
    if (header >= 56) amask = le32(info, 52);
  }
  if (dib.icon && bpp == 32) amask = 0xFF000000;  // icons use the fourth byte as alpha

  // The palette follows the header (and the masks of a 40-byte BITFIELDS header).
  std::vector<uint32_t> palette;
  if (bpp <= 8) {
    if (bpp != 1 && bpp != 2 && bpp != 4 && bpp != 8) return bad("bit depth " + std::to_string(bpp));
    size_t entry = header == 12 ? 3 : 4;
    size_t n = colours ? std::min<uint32_t>(colours, 1u << bpp) : (1u << bpp);
    size_t at = header + (fields && header == 40 ? 12 : 0);
    for (size_t i = 0; i < n && at + entry <= info.size(); ++i, at += entry)
      palette.push_back(uint32_t(info[at + 2]) << 16 | uint32_t(info[at + 1]) << 8 | info[at]);
    if (palette.empty()) return bad("no palette");
  } else if (bpp != 16 && bpp != 24 && bpp != 32) {
    return bad("bit depth " + std::to_string(bpp));
  }
  if (compression != 0 && compression != 1 && compression != 2 && !fields)
    return make_error(meta::Errc::Unsupported, "BMP: compression " + std::to_string(compression) + " (embedded JPEG/PNG)");
  if ((compression == 1 && bpp != 8) || (compression == 2 && bpp != 4)) return bad("RLE with the wrong bit depth");
  if (fields && bpp != 16 && bpp != 32) return bad("bit fields with " + std::to_string(bpp) + " bits");

  // A header over a few bytes must not cost a large allocation even under max_pixels:
  // uncompressed rows need their bytes (half of them, for truncated files), RLE at most
  // expands 2 bytes to 255 pixels (plus what delta escapes skip).
  const uint64_t have = dib.bits.size();
  const uint64_t row_bytes = ((uint64_t(width) * bpp + 31) / 32) * 4;
  bool rle = compression == 1 || compression == 2;
  if ((!rle && have < row_bytes * uint64_t(height) / 2) || (rle && pixels > have * 1024 + (1u << 20))) {
    return bad(std::to_string(width) + "x" + std::to_string(height) + " claimed over " + std::to_string(have) +
               " bytes of pixel data");
  }

  Pixels out;
  out.width = int(width);
  out.height = int(height);
  out.bands = amask ? 4 : 3;
  out.data.assign(size_t(pixels) * size_t(out.bands), 0);
  if (out.bands == 4)
    for (size_t i = 3; i < out.data.size(); i += 4) out.data[i] = 255;
  auto put = [&](int64_t x, int64_t y_file, uint32_t rgb, int alpha) {
    if (x < 0 || x >= width || y_file < 0 || y_file >= height) return;
    int64_t y = top_down ? y_file : height - 1 - y_file;
    uint8_t* p = out.data.data() + (size_t(y) * size_t(width) + size_t(x)) * size_t(out.bands);
    p[0] = uint8_t(rgb >> 16), p[1] = uint8_t(rgb >> 8), p[2] = uint8_t(rgb);
    if (out.bands == 4 && alpha >= 0) p[3] = uint8_t(alpha);
  };
  auto colour = [&](uint32_t index) { return index < palette.size() ? palette[index] : 0u; };
  const auto bits = dib.bits;

  if (compression == 1 || compression == 2) {  // RLE8 / RLE4: pairs, escapes 0/1/2 and absolute runs
    size_t at = 0;
    int64_t x = 0, y = 0;
    while (at + 2 <= bits.size() && y < height) {
      uint32_t count = bits[at], value = bits[at + 1];
      at += 2;
      if (count > 0) {
        for (uint32_t i = 0; i < count; ++i, ++x)
          put(x, y, colour(compression == 1 ? value : (i % 2 == 0 ? value >> 4 : value & 15)), -1);
      } else if (value == 0) {
        x = 0, ++y;
      } else if (value == 1) {
        break;
      } else if (value == 2) {
        if (at + 2 > bits.size()) break;
        x += bits[at], y += bits[at + 1];
        at += 2;
      } else {
        size_t bytes = compression == 1 ? value : (value + 1) / 2;
        if (at + bytes > bits.size()) break;
        for (uint32_t i = 0; i < value; ++i, ++x) {
          uint32_t b = compression == 1 ? bits[at + i] : bits[at + i / 2];
          put(x, y, colour(compression == 1 ? b : (i % 2 == 0 ? b >> 4 : b & 15)), -1);
        }
        at += (bytes + 1) & ~size_t(1);  // runs are padded to 16 bits
      }
    }
    return out;
  }

  size_t stride = ((uint64_t(width) * bpp + 31) / 32) * 4;
  for (int64_t y = 0; y < height; ++y) {
    size_t row = size_t(y) * stride;
    if (row > bits.size() || stride > bits.size() - row) break;  // truncated: the rest stays black
    const uint8_t* r = bits.data() + row;
    for (int64_t x = 0; x < width; ++x) {
      switch (bpp) {
        case 1: put(x, y, colour((r[x / 8] >> (7 - x % 8)) & 1), -1); break;
        case 2: put(x, y, colour((r[x / 4] >> (6 - 2 * (x % 4))) & 3), -1); break;
        case 4: put(x, y, colour(x % 2 == 0 ? r[x / 2] >> 4 : r[x / 2] & 15), -1); break;
        case 8: put(x, y, colour(r[x]), -1); break;
        case 24: put(x, y, uint32_t(r[3 * x + 2]) << 16 | uint32_t(r[3 * x + 1]) << 8 | r[3 * x], -1); break;
        case 16:
        case 32: {
          uint32_t v = bpp == 16 ? uint32_t(r[2 * x] | r[2 * x + 1] << 8)
                                 : uint32_t(r[4 * x]) | uint32_t(r[4 * x + 1]) << 8 | uint32_t(r[4 * x + 2]) << 16 |
                                       uint32_t(r[4 * x + 3]) << 24;
          uint32_t rgb = uint32_t(channel(v, rmask)) << 16 | uint32_t(channel(v, gmask)) << 8 | channel(v, bmask);
          put(x, y, rgb, amask ? channel(v, amask) : -1);
          break;
        }
      }
    }
  }
  // ICO: below 32 bits, a 1-bit AND mask (1 = transparent) follows the colour rows.
  if (dib.icon && bpp < 32) {
    out.bands = 4;
    std::vector<uint8_t> rgba(size_t(pixels) * 4);
    for (size_t i = 0; i < size_t(pixels); ++i) {
      std::copy_n(out.data.data() + i * 3, 3, rgba.data() + i * 4);
      rgba[i * 4 + 3] = 255;
    }
    size_t mask_stride = ((uint64_t(width) + 31) / 32) * 4;
    size_t base = size_t(height) * stride;
    for (int64_t y = 0; y < height; ++y) {
      size_t row = base + size_t(y) * mask_stride;
      if (row > bits.size() || mask_stride > bits.size() - row) break;
      int64_t oy = top_down ? y : height - 1 - y;
      for (int64_t x = 0; x < width; ++x)
        if ((bits[row + size_t(x / 8)] >> (7 - x % 8)) & 1) rgba[(size_t(oy) * size_t(width) + size_t(x)) * 4 + 3] = 0;
    }
    out.data = std::move(rgba);
  }
  return out;
}

}  // namespace

Result<Pixels> decode_bmp(std::span<const uint8_t> file, uint64_t max_pixels) {
  // BITMAPFILEHEADER: "BM", file size, reserved, offset of the pixel data.
  if (file.size() < 14 + 12 || file[0] != 'B' || file[1] != 'M') return bad("not a bitmap file");
  uint32_t data = le32(file, 10);
  if (data < 14 + 12 || data > file.size()) return bad("pixel data offset " + std::to_string(data) + " out of the file");
  return decode_dib({file.subspan(14, data - 14), file.subspan(data), false}, max_pixels);
}

Result<Icon> decode_ico(std::span<const uint8_t> file, uint64_t max_pixels) {
  // ICONDIR: reserved 0, type 1, count; then 16-byte ICONDIRENTRYs.
  if (file.size() < 6) return make_error(meta::Errc::Failed, "ICO: too short");
  uint32_t count = le16(file, 4);
  if (count == 0 || 6 + uint64_t(count) * 16 > file.size()) return make_error(meta::Errc::Failed, "ICO: directory past the end");
  uint64_t best_area = 0;
  std::span<const uint8_t> best;
  for (uint32_t i = 0; i < count; ++i) {
    size_t e = 6 + size_t(i) * 16;
    uint32_t w = file[e] ? file[e] : 256, h = file[e + 1] ? file[e + 1] : 256;
    uint32_t size = le32(file, e + 8), offset = le32(file, e + 12);
    if (offset > file.size() || size > file.size() - offset || size < 12) continue;
    if (uint64_t(w) * h > best_area) best_area = uint64_t(w) * h, best = file.subspan(offset, size);
  }
  if (best.empty()) return make_error(meta::Errc::Failed, "ICO: no entry inside the file");
  Icon icon;
  static constexpr uint8_t kPng[] = {0x89, 'P', 'N', 'G'};
  if (std::equal(std::begin(kPng), std::end(kPng), best.begin())) {
    icon.png = best;
    return icon;
  }
  uint32_t header = le32(best, 0);
  if (header < 12 || header > best.size()) return make_error(meta::Errc::Failed, "ICO: bad bitmap header");
  // The DIB's palette sits between the header and the bits: size it as decode_dib reads it.
  uint32_t bpp = header == 12 ? le16(best, 10) : le16(best, 14);
  uint32_t colours = header >= 40 ? le32(best, 32) : 0;
  uint32_t compression = header >= 40 ? le32(best, 16) : 0;
  size_t palette = bpp <= 8 ? size_t(colours ? std::min<uint32_t>(colours, 1u << std::min<uint32_t>(bpp, 8)) : (1u << std::min<uint32_t>(bpp, 8))) * (header == 12 ? 3 : 4) : 0;
  size_t masks = (compression == 3 && header == 40) ? 12 : 0;
  size_t bits = header + masks + palette;
  if (bits > best.size()) return make_error(meta::Errc::Failed, "ICO: palette past the entry");
  icon.pixels = TRY(decode_dib({best.first(bits), best.subspan(bits), true}, max_pixels));
  return icon;
}

}  // namespace imgmeta::preview
