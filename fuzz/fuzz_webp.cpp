// libFuzzer: extract() on arbitrary bytes behind a RIFF/WEBP header (the RIFF size field is
// left to the input when it brings its own header).
#include "fuzz_container.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace std::string_view_literals;
  const bool has_header = size >= 12 && std::memcmp(data, "RIFF", 4) == 0 && std::memcmp(data + 8, "WEBP", 4) == 0;
  if (has_header)
    imgmeta::fuzz::run_container(data, size, ""sv, {"RIFF"sv});
  else
    imgmeta::fuzz::run_container(data, size, "RIFF\xFF\xFF\xFF\x7FWEBP"sv, {});
  return 0;
}
