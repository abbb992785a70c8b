// Placeholder until the jxl parser lands.
#include "meta/formats.hpp"

namespace imgmeta::meta {

Status parse_jxl(Context&) { return make_error("jxl: not supported yet"); }

}  // namespace imgmeta::meta
