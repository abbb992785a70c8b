// libFuzzer: the embedded-preview locator (TIFF-based raws, RAF, CR3) and the format sniffer
// on arbitrary bytes. Every JPEG range it reports must lie inside the input.
#include <cstdint>
#include <cstdlib>
#include <span>

#include "preview/embedded.hpp"
#include "preview/format.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> bytes(data, size);
  (void)imgmeta::preview::detect_format(bytes);
  imgmeta::preview::SpanSource source(bytes);
  auto found = imgmeta::preview::find_embedded_previews(source);
  if (found.ok()) {
    for (const auto& jpeg : found->jpegs) {
      if (jpeg.offset > size || jpeg.length > size - jpeg.offset || jpeg.width <= 0 || jpeg.height <= 0) std::abort();
    }
    (void)imgmeta::preview::choose_embedded(*found, 1600);
  }
  return 0;
}
