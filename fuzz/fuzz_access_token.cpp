// Access-token verification on arbitrary bytes: every bearer token a client sends reaches it.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "auth/local_tokens.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto tokens = imgmeta::auth::LocalTokens::from_seed({}, {});
  (void)tokens.verify(std::string_view(reinterpret_cast<const char*>(data), size), 1'800'000'000);
  return 0;
}
