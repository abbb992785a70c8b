// libFuzzer: extract() on arbitrary bytes as an ISOBMFF file (HEIF, HEIC, AVIF). Inputs
// without 'ftyp' at offset 4 get an ftyp box in front, so detection always routes here.
#include <cstring>

#include "fuzz_container.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace std::string_view_literals;
  static constexpr uint8_t kFtyp[] = {0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'h', 'e', 'i', 'c',
                                      0, 0, 0, 0,    'm', 'i', 'f', '1', 'h', 'e', 'i', 'c'};
  std::vector<uint8_t> bytes;
  if (size < 8 || std::memcmp(data + 4, "ftyp", 4) != 0) bytes.assign(std::begin(kFtyp), std::end(kFtyp));
  bytes.insert(bytes.end(), data, data + size);
  imgmeta::fuzz::run_container(bytes.data(), bytes.size(), ""sv, {""sv});
  return 0;
}
