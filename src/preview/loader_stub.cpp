#include "preview/renderer.hpp"

namespace imgmeta::preview {
Result<Renderer*> load_renderer() { return meta::make_error("Unavailable", "the preview module is not built"); }
}  // namespace imgmeta::preview
