#include "preview/png_check.hpp"

#include <algorithm>
#include <string>

namespace imgmeta::preview {

namespace {

constexpr uint8_t kSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

uint32_t be32(std::span<const uint8_t> b, size_t at) {
  return uint32_t{b[at]} << 24 | uint32_t{b[at + 1]} << 16 | uint32_t{b[at + 2]} << 8 | uint32_t{b[at + 3]};
}

bool is_image_data(std::span<const uint8_t> type) {
  return (type[0] == 'I' && type[1] == 'D' && type[2] == 'A' && type[3] == 'T') ||
         (type[0] == 'f' && type[1] == 'd' && type[2] == 'A' && type[3] == 'T');
}

}  // namespace

meta::Status check_png_chunks(std::span<const uint8_t> bytes) {
  if (bytes.size() < 8 || !std::equal(kSignature, kSignature + 8, bytes.begin()))
    return meta::make_error(meta::Errc::Malformed, "PNG: no PNG signature");
  size_t at = 8;
  while (bytes.size() - at >= 8) {
    const uint32_t length = be32(bytes, at);
    auto type = bytes.subspan(at + 4, 4);
    if (length > 0x7fffffffu)
      return meta::make_error(meta::Errc::Malformed, "PNG: a chunk at " + std::to_string(at) + " declares " +
                                               std::to_string(length) + " bytes, over the format's limit");
    const uint64_t end = uint64_t{at} + 12 + length;  // length, type, data, CRC
    if (end > bytes.size()) {
      if (is_image_data(type)) return meta::ok_status();  // a cut-off upload: decode what arrived
      return meta::make_error(meta::Errc::Malformed, "PNG: a chunk at " + std::to_string(at) + " declares " +
                                               std::to_string(length) + " bytes; the file ends before");
    }
    if (type[0] == 'I' && type[1] == 'E' && type[2] == 'N' && type[3] == 'D') return meta::ok_status();
    at = static_cast<size_t>(end);
  }
  return meta::ok_status();  // no IEND: libvips decides what it can show
}

}  // namespace imgmeta::preview
