// A walk over a PNG's chunk lengths before libvips sees the file. libpng trusts a chunk's
// length far enough to spend tens of seconds on a 57-byte file that announces a 1 GiB iTXt
// chunk, inside a header read that the renderer's deadline cannot interrupt. Every chunk
// must fit in the file; only the image data (IDAT, fdAT) may be cut short, as an interrupted
// upload leaves it, and libvips then shows what arrived.
#pragma once

#include <cstdint>
#include <span>

#include "meta/result.hpp"

namespace imgmeta::preview {

// Error code "Malformed" when a chunk runs past the end of the file or past 2^31-1 bytes
// (the PNG limit), or the signature is missing.
meta::Status check_png_chunks(std::span<const uint8_t> bytes);

}  // namespace imgmeta::preview
