// libFuzzer: extract() on arbitrary bytes behind a BMP file header's "BM".
#include "fuzz_container.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace std::string_view_literals;
  imgmeta::fuzz::run_container(data, size, "BM"sv, {"BM"sv});
  return 0;
}
