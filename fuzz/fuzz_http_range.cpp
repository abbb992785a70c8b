// The content route's Range / If-Range / If-None-Match handling on arbitrary header values.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "http/api.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static std::vector<uint8_t> object(1000, 1);
  std::string text(reinterpret_cast<const char*>(data), size);
  size_t split = text.find('\n');
  imgmeta::http::ApiRequest r;
  r.headers.emplace("Range", text.substr(0, split));
  if (split != std::string::npos) r.headers.emplace("If-Range", text.substr(split + 1));
  auto resp = imgmeta::http::object_response(r, "e", "image/png", text, [] {
    return imgmeta::meta::Result<std::shared_ptr<imgmeta::meta::Source>>(
        std::shared_ptr<imgmeta::meta::Source>(std::make_shared<imgmeta::meta::MemorySource>(object)));
  });
  // A served range always lies inside the object.
  if (resp.stream && (resp.stream->offset > object.size() || resp.stream->length > object.size() - resp.stream->offset))
    __builtin_trap();
  return 0;
}
