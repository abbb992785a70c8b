// libFuzzer: the API Lambda's event adapter (HTTP API v2 / function URL events), which
// reads every header, query string, cookie and body API Gateway passes on.
#include <cstdint>
#include <string_view>

#include "lambda/api_handler.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto doc = nlohmann::json::parse(std::string_view(reinterpret_cast<const char*>(data), size), nullptr, false);
  if (doc.is_discarded()) return 0;
  (void)imgmeta::lambda::api_request_from_event(doc);
  return 0;
}
