// HEIF/HEIC/AVIF through libheif directly. libvips 8.14's heifload, with Debian 12's libheif
// 1.15, fails on every image that has an irot transform ("bad image dimensions on decode": it
// expects the untransformed size): exactly the rotated phone photos previews are for. libheif
// itself applies irot, imir and clap (HEIF, ISO/IEC 23008-12 6.5.10-6.5.12) in the order the
// file lists them; the EXIF Orientation inside the file is never applied on top.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "meta/result.hpp"
#include "preview/bmp.hpp"

namespace imgmeta::preview {

struct HeifPicture {
  Pixels pixels;          // upright, 8-bit RGB or RGBA
  std::string icc;        // the image's ICC profile ('prof'/'rICC' colr box), empty if none
  bool thumbnail = false; // a thumbnail item was large enough and was decoded instead
};

// Decodes the primary image, or its largest thumbnail item whose long edge reaches `wanted`.
// The pixel count (ispe) is checked against max_pixels before decoding.
meta::Result<HeifPicture> decode_heif(std::span<const uint8_t> file, uint64_t max_pixels, int wanted);

}  // namespace imgmeta::preview
