// libFuzzer: extract() on arbitrary bytes behind a GIF header.
#include "fuzz_container.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace std::string_view_literals;
  imgmeta::fuzz::run_container(data, size, "GIF89a"sv, {"GIF89a"sv, "GIF87a"sv});
  return 0;
}
