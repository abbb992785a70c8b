// Placeholder until the bmp parser lands.
#include "meta/formats.hpp"

namespace imgmeta::meta {

Status parse_bmp(Context&) { return make_error("bmp: not supported yet"); }

}  // namespace imgmeta::meta
