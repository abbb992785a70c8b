// The static files' Accept-Encoding parsing (RFC 9110 section 12.5.3) on arbitrary header values.
#include <cstddef>
#include <cstdint>
#include <string>

#include "http/static_files.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string header(reinterpret_cast<const char*>(data), size);
  for (const char* coding : {"br", "gzip"}) {
    bool ok = imgmeta::http::accepts_encoding(header, coding);
    // Accepted only when named (any case) or when "*" is there.
    std::string lower;
    for (char c : header) lower += static_cast<char>((c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c);
    if (ok && lower.find(coding) == std::string::npos && lower.find('*') == std::string::npos) __builtin_trap();
  }
  return 0;
}
