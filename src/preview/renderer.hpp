// Renditions of an image for people to look at: a small thumbnail for the gallery grid and a
// larger preview for the detail view, both WebP, upright, with no metadata at all.
//
// The pipeline calls this through load_renderer(), which loads the rendering module
// (libimgmeta_preview.so, linked against libvips and the codec libraries) on first use, so
// that `imgmeta extract` and the extractor Lambda never map those libraries.
//
// Errors (meta::Error::code):
//   "Unsupported"  no decoder for this format (the message names the detected format)
//   "TooLarge"     width x height over Options::max_pixels, or the input over max_input_bytes
//   "Timeout"      a rendition took longer than Options::time_limit
//   "Failed"       the decoder could not read the image (the message says why)
//   "Unavailable"  the rendering module could not be loaded (load_renderer only)
//
// Why WebP: every current browser shows it, it is smaller than a JPEG of the same quality at
// these sizes, and it keeps alpha. The renditions carry no EXIF, XMP, GPS, IPTC or ICC: an
// embedded profile is converted to sRGB first. Orientation: EXIF Orientation for JPEG, TIFF,
// PNG and WebP; for HEIF/HEIC/AVIF libheif's irot/imir/clap only (the EXIF one is ignored).
//
// The limits (Options): max_pixels is checked from the header before any pixel is decoded
// (libheif: from ispe); max_input_bytes before anything is read. time_limit is checked
// between tiles of libvips' pipeline and between the decode and the encodes; one libheif
// decode, once started, runs to its end. Memory per call is about one decoded image at the
// size libvips shrinks to on load (a full-size one for HEIF, interlaced PNG and GIF, bounded
// by max_pixels x 4 bytes); libvips keeps no operation cache and one worker thread per call.
//
// The module is implemented in src/preview/vips_renderer.cpp (libvips), heif.cpp (libheif),
// bmp.cpp (BMP, ICO) and embedded.cpp (camera raws' embedded JPEG previews).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "meta/result.hpp"
#include "meta/source.hpp"

namespace imgmeta::preview {

using meta::Result;

struct Options {
  int thumbnail_edge = 400;       // long edge of the thumbnail, pixels
  int preview_edge = 1600;        // long edge of the preview, pixels
  int quality = 80;               // WebP quality
  uint64_t max_pixels = 100'000'000;            // decompression-bomb guard (width x height): ~400 MB decoded
  uint64_t max_input_bytes = 512ull << 20;      // bytes read into memory for decoding
  std::chrono::milliseconds time_limit{30000};  // per image
};

struct Rendition {
  std::string bytes;  // a WebP file
  int width = 0;
  int height = 0;
};

struct Renditions {
  Rendition thumbnail;
  Rendition preview;
  std::string origin;  // how it was made: "embedded" (a preview inside the file) or "decoded"
};

inline constexpr const char* kContentType = "image/webp";

class Renderer {
 public:
  virtual ~Renderer() = default;
  // Thread-safe: workers call it concurrently. Reads only what it needs from source (the
  // embedded preview's range for camera raws).
  virtual Result<Renditions> render(meta::Source& source, const Options& options) = 0;
};

// The process-wide renderer, loaded on the first call (thread-safe); "Unavailable" when the
// module or one of its libraries is missing.
Result<Renderer*> load_renderer();

}  // namespace imgmeta::preview
