// libFuzzer: the XML reader of S3 responses (errors, multipart uploads, part lists): what
// an S3-compatible server, or anything posing as one, sends back.
#include <cstdint>
#include <string_view>

#include "aws/xml.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)imgmeta::aws::parse_xml(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
