// libFuzzer: extract() on arbitrary bytes as JPEG XL: a container when the input starts with
// the signature box, else a bare codestream (FF 0A put in front when missing).
#include "fuzz_container.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace std::string_view_literals;
  imgmeta::fuzz::run_container(data, size, "\xFF\x0A"sv,
                               {"\xFF\x0A"sv, "\0\0\0\x0CJXL \r\n\x87\n"sv});
  return 0;
}
