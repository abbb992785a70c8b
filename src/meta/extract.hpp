// The extractor's public API: extract(source, options) -> Result<Metadata>.
#pragma once

#include <cstdint>
#include <string>

#include "meta/metadata.hpp"
#include "meta/result.hpp"
#include "meta/source.hpp"

namespace imgmeta::meta {

// Caps that bound the time and memory a hostile file can cost.
struct Limits {
  uint64_t max_bytes_read = 32ull * 1024 * 1024;  // fetched from the source, per extraction
  uint32_t max_ifds = 64;                          // TIFF/EXIF IFDs followed, in total
  uint32_t max_ifd_entries = 4096;                 // entries read per IFD
  uint32_t max_depth = 8;                          // nesting of IFDs, boxes, RIFF chunks
  uint32_t max_segments = 4096;                    // JPEG segments / PNG chunks / boxes walked
  uint32_t max_frames = 100000;                    // frames counted (GIF, WebP, APNG)
  uint64_t max_inflate = 8ull * 1024 * 1024;       // bytes inflated from one compressed chunk
  uint64_t max_value_bytes = 1024 * 1024;          // one tag value / metadata block held in memory
};

struct Options {
  Limits limits;
};

// Reads only the bytes it needs from source. Fails only when no format is recognised or its
// header cannot be read; later problems become warnings on a partial result.
Result<Metadata> extract(Source& source, const Options& options = {});

}  // namespace imgmeta::meta
