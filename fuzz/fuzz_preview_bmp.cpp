// libFuzzer: the preview module's own BMP and ICO decoders on arbitrary bytes (a 4 MP cap
// keeps allocations small). A decoded image must have exactly width x height x bands bytes.
#include <cstdint>
#include <cstdlib>
#include <span>

#include "preview/bmp.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> bytes(data, size);
  auto check = [](const imgmeta::preview::Pixels& p) {
    if (p.data.size() != size_t(p.width) * size_t(p.height) * size_t(p.bands)) std::abort();
  };
  if (auto bmp = imgmeta::preview::decode_bmp(bytes, 4u << 20); bmp.ok()) check(*bmp);
  if (auto ico = imgmeta::preview::decode_ico(bytes, 4u << 20); ico.ok() && !ico->png) check(ico->pixels);
  return 0;
}
