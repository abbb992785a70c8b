// libFuzzer: strip_metadata() on arbitrary bytes, in both modes. Besides not crashing, a
// refusal must say Malformed or Unsupported, and what it produces must strip again to itself
// (strip(strip(x)) == strip(x)): an output that did not would be a file the service wrote but
// could not read back.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "strip/strip.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using imgmeta::strip::Keep;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  for (Keep keep : {Keep::AllButLocation, Keep::Nothing}) {
    auto once = imgmeta::strip::strip_metadata(in, keep);
    if (!once.ok()) {
      if (once.error().code != imgmeta::meta::Errc::Malformed && once.error().code != imgmeta::meta::Errc::Unsupported) {
        std::fprintf(stderr, "unexpected error code %s\n", std::string(once.error().code_name()).c_str());
        std::abort();
      }
      continue;
    }
    auto twice = imgmeta::strip::strip_metadata(*once, keep);
    if (!twice.ok()) {
      std::fprintf(stderr, "the output does not strip again: %s\n", twice.error().message.c_str());
      std::abort();
    }
    if (*twice != *once) {
      std::fprintf(stderr, "stripping the output again changed it (mode %d)\n", int(keep));
      std::abort();
    }
  }
  return 0;
}
