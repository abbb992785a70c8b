// Placeholder until the webp parser lands.
#include "meta/formats.hpp"

namespace imgmeta::meta {

Status parse_webp(Context&) { return make_error("webp: not supported yet"); }

}  // namespace imgmeta::meta
