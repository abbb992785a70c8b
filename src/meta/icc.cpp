// Placeholder until the ICC parser lands.
#include "meta/formats.hpp"
namespace imgmeta::meta {
void parse_icc(ByteView, Context& ctx) { ctx.md.warn("ICC: not supported yet"); }
}  // namespace imgmeta::meta
