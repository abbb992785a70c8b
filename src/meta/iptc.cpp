// Placeholder until the IPTC parser lands.
#include "meta/formats.hpp"
namespace imgmeta::meta {
void parse_iptc(ByteView, Context& ctx) { ctx.md.warn("IPTC: not supported yet"); }
}  // namespace imgmeta::meta
