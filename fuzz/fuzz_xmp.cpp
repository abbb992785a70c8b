// libFuzzer entry: arbitrary bytes as an XMP packet (RDF/XML).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "meta/formats.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  imgmeta::meta::MemorySource empty({});
  imgmeta::meta::Reader reader(empty, 0);
  imgmeta::meta::Metadata md;
  imgmeta::meta::Options options;
  imgmeta::meta::Context ctx{reader, md, options};
  imgmeta::meta::parse_xmp(std::string_view(reinterpret_cast<const char*>(data), size), ctx);
  return 0;
}
