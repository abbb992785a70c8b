// libFuzzer: the uploader's content sniffing (image_content_type) on arbitrary first bytes,
// with a file name taken from the input too, and the file-name cleaning (api_filename) on
// all of it; seeded from the image corpus.
#include <algorithm>
#include <string>

#include "cli/upload_files.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The first byte picks how many of the next bytes (up to 16) form the file name.
  size_t name_len = size ? std::min<size_t>(data[0] % 17, size - 1) : 0;
  std::string name(reinterpret_cast<const char*>(data) + (size ? 1 : 0), name_len);
  size_t used = size ? 1 + name_len : 0;
  std::string type = imgmeta::cli::image_content_type(name, data + used, size - used);
  if (!type.empty() && type.compare(0, 6, "image/") != 0) __builtin_trap();  // only image types, or none
  // The name the API is sent: never empty, never over 255 bytes, whatever the bytes were.
  std::string sent = imgmeta::cli::api_filename(std::string_view(reinterpret_cast<const char*>(data), size));
  if (sent.empty() || sent.size() > 255) __builtin_trap();
  return 0;
}
