// libFuzzer: extract() on arbitrary bytes behind a JPEG SOI, from memory and through a
// block-cached source (the JPEG walk, then every block parser its segments reach).
#include "fuzz_container.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace std::string_view_literals;
  imgmeta::fuzz::run_container(data, size, "\xFF\xD8\xFF"sv, {"\xFF\xD8\xFF"sv});
  return 0;
}
