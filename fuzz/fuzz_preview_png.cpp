// libFuzzer: the PNG chunk walk the renderer runs before libvips. It must answer for any bytes;
// an accepted file has the signature.
#include <cstdint>
#include <cstdlib>
#include <span>

#include "preview/png_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto r = imgmeta::preview::check_png_chunks(std::span<const uint8_t>(data, size));
  if (r.ok() && (size < 8 || data[1] != 'P')) std::abort();
  return 0;
}
