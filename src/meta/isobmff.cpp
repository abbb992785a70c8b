// Placeholder until the isobmff parser lands.
#include "meta/formats.hpp"

namespace imgmeta::meta {

Status parse_isobmff(Context&) { return make_error("isobmff: not supported yet"); }

}  // namespace imgmeta::meta
