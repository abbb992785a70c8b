// Placeholder until the EXIF parser lands.
#include "meta/formats.hpp"
namespace imgmeta::meta {
void parse_exif(ByteView, uint64_t, Context& ctx) { ctx.md.warn("EXIF: not supported yet"); }
}  // namespace imgmeta::meta
