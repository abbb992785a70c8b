// Placeholder until the Photoshop IRB parser lands.
#include "meta/formats.hpp"
namespace imgmeta::meta {
void parse_photoshop_irb(ByteView, Context& ctx) { ctx.md.warn("Photoshop: not supported yet"); }
}  // namespace imgmeta::meta
