// libFuzzer: extract() on arbitrary bytes behind a PNG signature.
#include "fuzz_container.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace std::string_view_literals;
  imgmeta::fuzz::run_container(data, size, "\x89PNG\r\n\x1A\n"sv, {"\x89PNG\r\n\x1A\n"sv});
  return 0;
}
