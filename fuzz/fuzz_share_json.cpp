// Share links: the stored items (store::items_from_json, read back from a database row or a
// DynamoDB attribute) and the metadata filter a recipient's JSON goes through
// (http::share_metadata), on arbitrary bytes. Neither may crash, and the filter must never
// let a key naming GPS through when location is off.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "http/share_api.hpp"
#include "store/share_store.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto items = imgmeta::store::items_from_json(text);
  if (items) (void)imgmeta::store::items_to_json(*items);
  auto md = nlohmann::ordered_json::parse(text, nullptr, false);
  if (md.is_discarded()) return 0;
  for (bool location : {false, true})
    for (bool metadata : {false, true}) {
      auto out = imgmeta::http::share_metadata(md, location, metadata);
      if (!location)
        for (const auto& [key, value] : out.items()) {
          std::string lower;
          for (char c : key) lower += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
          if (lower.find("gps") != std::string::npos) std::abort();
        }
    }
  return 0;
}
