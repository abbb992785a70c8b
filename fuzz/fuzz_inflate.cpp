// libFuzzer: the bounded zlib inflate on arbitrary bytes, with a cap small enough to hit.
#include <cstdint>
#include <span>

#include "meta/inflate.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using imgmeta::meta::ByteView;
  const ByteView input(std::span<const uint8_t>(data, size));
  auto out = imgmeta::meta::inflate_zlib(input, 64 * 1024);
  if (out.ok() && out->bytes.size() > 64 * 1024) __builtin_trap();  // the cap is a promise
  return 0;
}
