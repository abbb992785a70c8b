// The entry point of libimgmeta_preview.so: the one symbol the module exports.
#include "preview/module.hpp"
#include "preview/vips_renderer.hpp"

extern "C" __attribute__((visibility("default"))) imgmeta::preview::Renderer* imgmeta_preview_renderer() {
  return imgmeta::preview::vips_renderer();
}
