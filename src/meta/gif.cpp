// Placeholder until the gif parser lands.
#include "meta/formats.hpp"

namespace imgmeta::meta {

Status parse_gif(Context&) { return make_error("gif: not supported yet"); }

}  // namespace imgmeta::meta
