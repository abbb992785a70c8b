// Placeholder until the png parser lands.
#include "meta/formats.hpp"

namespace imgmeta::meta {

Status parse_png(Context&) { return make_error("png: not supported yet"); }

}  // namespace imgmeta::meta
