// The libvips Renderer inside the module (tests and benchmarks may link it directly).
#pragma once

#include "preview/renderer.hpp"

namespace imgmeta::preview {

// Initialises libvips once with the process-wide settings described in vips_renderer.cpp;
// false when libvips cannot start.
bool vips_setup();

// The renderer; nullptr when vips_setup() failed.
Renderer* vips_renderer();

}  // namespace imgmeta::preview
