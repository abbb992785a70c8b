// Placeholder until the jpeg parser lands.
#include "meta/formats.hpp"

namespace imgmeta::meta {

Status parse_jpeg(Context&) { return make_error("jpeg: not supported yet"); }

}  // namespace imgmeta::meta
