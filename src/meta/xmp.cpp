// Placeholder until the XMP parser lands.
#include "meta/formats.hpp"
namespace imgmeta::meta {
void parse_xmp(std::string_view, Context& ctx) { ctx.md.warn("XMP: not supported yet"); }
}  // namespace imgmeta::meta
