// libFuzzer: extract() on arbitrary bytes behind an icon (or cursor) directory header.
#include "fuzz_container.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace std::string_view_literals;
  imgmeta::fuzz::run_container(data, size, "\0\0\1\0"sv, {"\0\0\1\0"sv, "\0\0\2\0"sv});
  return 0;
}
