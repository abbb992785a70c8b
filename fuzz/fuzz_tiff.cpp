// libFuzzer: extract() on arbitrary bytes behind a TIFF header (TIFF, BigTIFF, ORF, RW2), from
// memory and through the Reader's block cache.
#include "fuzz_container.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace std::string_view_literals;
  imgmeta::fuzz::run_container(data, size, "II*\0"sv,
                               {"II*\0"sv, "MM\0*"sv, "II+\0"sv, "MM\0+"sv, "IIRO"sv, "IIRS"sv, "MMOR"sv, "IIU\0"sv});
  return 0;
}
