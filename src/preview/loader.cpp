// load_renderer(): dlopens libimgmeta_preview.so on first use. The executable links only this
// file (and -ldl), so libvips and the codec libraries are mapped only by processes that make
// previews, and only once the first preview is asked for.
#include <dlfcn.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <mutex>
#include <string>

#include "preview/module.hpp"
#include "preview/renderer.hpp"

namespace imgmeta::preview {

namespace {

std::string executable_dir() {
  char path[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0) return ".";
  std::string exe(path, size_t(n));
  auto slash = exe.rfind('/');
  return slash == std::string::npos ? "." : exe.substr(0, slash);
}

Result<Renderer*> open_module() {
  const char* env = std::getenv(kModuleEnv);
  std::string path = env && *env ? env : executable_dir() + "/" + kModuleFile;
  // RTLD_LOCAL: libvips' symbols stay out of the global namespace of the executable.
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    return meta::make_error(meta::Errc::Unavailable, "cannot load the preview module " + path + ": " + (why ? why : "unknown"));
  }
  auto entry = reinterpret_cast<RendererEntry>(dlsym(handle, kModuleSymbol));
  if (entry == nullptr) return meta::make_error(meta::Errc::Unavailable, path + " has no " + kModuleSymbol);
  Renderer* renderer = entry();
  if (renderer == nullptr) return meta::make_error(meta::Errc::Unavailable, "libvips failed to start in " + path);
  return renderer;  // never dlclose'd: the renderer lives as long as the process
}

}  // namespace

Result<Renderer*> load_renderer() {
  // A function-local static: initialised once, thread-safe (C++11 [stmt.dcl]/4); a failure is
  // remembered too, so a missing module costs one dlopen per process, not one per image.
  static const Result<Renderer*> loaded = open_module();
  return loaded;
}

}  // namespace imgmeta::preview
