// libFuzzer entry: Base64Runs must give back exactly the packet it elided from, and count
// base64 the same with markers as without. Bytes 0xF0-0xFF in the input stand for runs of
// 512 bytes to 8 KiB of base64, so that runs past Base64Runs::kMinRun are within the fuzzer's reach.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "meta/base64_runs.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string xml;
  for (size_t i = 0; i < size; ++i) {
    uint8_t b = data[i];
    if (b < 0xF0) {
      xml += static_cast<char>(b);
      continue;
    }
    size_t n = static_cast<size_t>(b - 0xEF) * 512;
    for (size_t k = 0; k < n; ++k) xml += kAlphabet[(k * 7 + i) % 64];
  }
  imgmeta::meta::Base64Runs runs;
  std::string storage;
  std::string_view out = runs.elide(xml, storage);
  if (runs.restored(out) != xml || runs.restored_size(out) != xml.size()) std::abort();
  uint64_t chars = 0, pad = 0, chars2 = 0, pad2 = 0;
  imgmeta::meta::Base64Runs none;
  none.count_base64(xml, chars, pad);
  runs.count_base64(out, chars2, pad2);
  if (chars != chars2 || pad != pad2) std::abort();
  return 0;
}
