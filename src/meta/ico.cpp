// Placeholder until the ico parser lands.
#include "meta/formats.hpp"

namespace imgmeta::meta {

Status parse_ico(Context&) { return make_error("ico: not supported yet"); }

}  // namespace imgmeta::meta
