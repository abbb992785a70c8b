// The contract between load_renderer() and libimgmeta_preview.so.
#pragma once

#include "preview/renderer.hpp"

namespace imgmeta::preview {

inline constexpr const char* kModuleFile = "libimgmeta_preview.so";
inline constexpr const char* kModuleSymbol = "imgmeta_preview_renderer";
// Overrides where the module is looked for (tests, unusual installs): a full path to the .so.
inline constexpr const char* kModuleEnv = "IMGMETA_PREVIEW_MODULE";

// The module's only export: the process-wide Renderer, nullptr when libvips cannot start.
using RendererEntry = Renderer* (*)();

}  // namespace imgmeta::preview

extern "C" imgmeta::preview::Renderer* imgmeta_preview_renderer();
