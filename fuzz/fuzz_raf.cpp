// libFuzzer: extract() on arbitrary bytes as a FujiFilm RAF (header, embedded JPEG, RAF
// directories), from memory and through the Reader's block cache. Seeds: fuzz/seeds/raf.
#include "fuzz_container.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace std::string_view_literals;
  imgmeta::fuzz::run_container(data, size, "FUJIFILM"sv, {"FUJIFILM"sv});
  return 0;
}
