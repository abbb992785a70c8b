// Bounded zlib inflate for the compressed metadata chunks of containers (PNG zTXt, iTXt, iCCP).
// A decompression bomb costs at most max_output bytes of memory and time linear in the input
// plus max_output: inflation stops there and the result says it was cut.
#pragma once

#include <cstdint>
#include <vector>

#include "meta/reader.hpp"
#include "meta/result.hpp"

namespace imgmeta::meta {

struct Inflated {
  std::vector<uint8_t> bytes;
  bool truncated = false;  // the stream holds more than max_output bytes; bytes has the first max_output
};

// Inflates one zlib stream (RFC 1950 header and Adler-32 trailer around RFC 1951 deflate data).
// Fails when the stream is corrupt, needs a preset dictionary, or ends before its final block;
// bytes after the end of the stream are ignored.
Result<Inflated> inflate_zlib(ByteView input, uint64_t max_output);

}  // namespace imgmeta::meta
