#include "http/static_files.hpp"

#include <sys/stat.h>

#include <climits>
#include <cstdlib>

namespace imgmeta::http {

std::string content_type_for(std::string_view path) {
  struct Entry {
    std::string_view ext, type;
  };
  static constexpr Entry kTypes[] = {
      {".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
      {".json", "application/json"}, {".map", "application/json"},
      {".svg", "image/svg+xml"}, {".png", "image/png"}, {".jpg", "image/jpeg"}, {".jpeg", "image/jpeg"},
      {".gif", "image/gif"}, {".webp", "image/webp"}, {".ico", "image/x-icon"},
      {".woff", "font/woff"}, {".woff2", "font/woff2"}, {".txt", "text/plain; charset=utf-8"},
      {".webmanifest", "application/manifest+json"}, {".wasm", "application/wasm"},
  };
  for (const auto& e : kTypes)
    if (path.size() >= e.ext.size() && path.substr(path.size() - e.ext.size()) == e.ext) return std::string(e.type);
  return "application/octet-stream";
}

meta::Result<StaticFiles> StaticFiles::open(const std::string& dir) {
  char buf[PATH_MAX];
  if (!::realpath(dir.c_str(), buf)) return meta::make_error("--web " + dir + ": no such directory");
  struct stat st {};
  if (::stat(buf, &st) != 0 || !S_ISDIR(st.st_mode)) return meta::make_error("--web " + dir + ": not a directory");
  return StaticFiles(buf);
}

std::optional<StaticFile> StaticFiles::stat_file(const std::string& path, std::string_view url_path) const {
  char buf[PATH_MAX];
  if (!::realpath(path.c_str(), buf)) return std::nullopt;
  std::string real(buf);
  // Symlinks may not lead outside the root.
  if (real != root_ && !(real.size() > root_.size() && real.starts_with(root_) && real[root_.size()] == '/'))
    return std::nullopt;
  struct stat st {};
  if (::stat(real.c_str(), &st) != 0) return std::nullopt;
  if (S_ISDIR(st.st_mode)) return stat_file(real + "/index.html", url_path);
  if (!S_ISREG(st.st_mode)) return std::nullopt;
  StaticFile f;
  f.path = real;
  f.content_type = content_type_for(real);
  f.size = static_cast<uint64_t>(st.st_size);
  f.etag = "\"" + std::to_string(st.st_size) + "-" + std::to_string(st.st_mtim.tv_sec) + "." +
           std::to_string(st.st_mtim.tv_nsec) + "\"";
  // Vite puts content-hashed bundles under /assets/: they never change under a name.
  f.cache_control = url_path.starts_with("/assets/") ? "public, max-age=31536000, immutable" : "no-cache";
  return f;
}

std::optional<StaticFile> StaticFiles::resolve(std::string_view url_path) const {
  if (url_path.empty() || url_path.front() != '/' || url_path.find('\0') != std::string_view::npos ||
      url_path.find('\\') != std::string_view::npos)
    return std::nullopt;
  // Every segment: not empty-dot, no "..", no hidden files.
  size_t i = 1;
  std::string_view last;
  while (i <= url_path.size()) {
    size_t j = url_path.find('/', i);
    if (j == std::string_view::npos) j = url_path.size();
    std::string_view seg = url_path.substr(i, j - i);
    if (!seg.empty() && seg.front() == '.') return std::nullopt;
    last = seg;
    i = j + 1;
  }
  if (auto f = stat_file(root_ + std::string(url_path), url_path)) return f;
  // Client-side routes: no extension in the last segment -> the app's index.html.
  if (last.find('.') == std::string_view::npos) return stat_file(root_ + "/index.html", "/index.html");
  return std::nullopt;
}

std::optional<StaticFile> StaticFiles::file(std::string_view name) const {
  struct stat st {};
  std::string p = root_ + "/" + std::string(name);
  if (::stat(p.c_str(), &st) != 0) return std::nullopt;
  return stat_file(p, "/" + std::string(name));
}

}  // namespace imgmeta::http
