// libFuzzer: extract() on arbitrary bytes as a Canon CR3 (ISOBMFF whose moov holds Canon's
// 'uuid' box with TIFF structures in CMT1-CMT4). Inputs without 'ftyp' at offset 4 get a
// 'crx ' ftyp box in front. Seeds: fuzz/seeds/cr3.
#include <cstring>

#include "fuzz_container.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace std::string_view_literals;
  static constexpr uint8_t kFtyp[] = {0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'c', 'r', 'x', ' ',
                                      0, 0, 0, 1,    'c', 'r', 'x', ' ', 'i', 's', 'o', 'm'};
  std::vector<uint8_t> bytes;
  if (size < 8 || std::memcmp(data + 4, "ftyp", 4) != 0) bytes.assign(std::begin(kFtyp), std::end(kFtyp));
  bytes.insert(bytes.end(), data, data + size);
  imgmeta::fuzz::run_container(bytes.data(), bytes.size(), ""sv, {""sv});
  return 0;
}
