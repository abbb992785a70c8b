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
  uint64_t max_pixels = 200'000'000;            // decompression-bomb guard (width x height)
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
