// BMP and ICO decoders of our own: libvips reads them only through ImageMagick, which the
// renderer never lets near uploaded bytes. Small and bounded: the pixel count is checked
// against the limit from the header before the one allocation, every read is bounds-checked.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "meta/result.hpp"

namespace imgmeta::preview {

struct Pixels {
  int width = 0;
  int height = 0;
  int bands = 0;               // 3 (RGB) or 4 (RGBA), 8 bits each, top row first
  std::vector<uint8_t> data;
};

// A Windows/OS2 bitmap file ("BM"): 1/4/8-bit palettes (RLE4/RLE8 too), 16/24/32-bit with or
// without BITFIELDS, bottom-up or top-down.
meta::Result<Pixels> decode_bmp(std::span<const uint8_t> file, uint64_t max_pixels);

struct Icon {
  std::optional<std::span<const uint8_t>> png;  // the chosen entry is a PNG: decode that
  Pixels pixels;                                // otherwise its DIB, decoded, with the AND mask
};

// An ICO file's largest image.
meta::Result<Icon> decode_ico(std::span<const uint8_t> file, uint64_t max_pixels);

}  // namespace imgmeta::preview
