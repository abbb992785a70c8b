// Placeholder until the tiff parser lands.
#include "meta/formats.hpp"

namespace imgmeta::meta {

Status parse_tiff(Context&) { return make_error("tiff: not supported yet"); }

}  // namespace imgmeta::meta
