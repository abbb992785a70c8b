#include "strip/strip.hpp"

namespace imgmeta::strip {

meta::Result<std::string> strip_metadata(std::string_view, Keep) {
  return meta::make_error("Unsupported", "metadata removal is not implemented yet");
}

}  // namespace imgmeta::strip
