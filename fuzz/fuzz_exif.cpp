// libFuzzer: parse_exif on arbitrary bytes, as an EXIF block held in memory (JPEG APP1, PNG
// eXIf, WebP EXIF...).
#include <cstdint>
#include <span>

#include "meta/formats.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace imgmeta::meta;
  const std::span<const uint8_t> bytes(data, size);
  MemorySource source(bytes);
  Options options;
  Reader reader(source, options.limits.max_bytes_read);
  Metadata md;
  Context ctx{reader, md, options};
  parse_exif(ByteView(bytes), 12, ctx);
  return 0;
}
