#include "http/static_files.hpp"

#include <sys/stat.h>

#include <cctype>
#include <climits>
#include <cstdlib>

#include "meta/ascii.hpp"

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

bool accepts_encoding(std::string_view header, std::string_view coding) {
  using meta::ascii_lower;
  auto trim = [](std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
  };
  const std::string want = ascii_lower(coding);
  bool star = false, named = false, named_ok = false;
  size_t i = 0;
  while (i <= header.size()) {
    size_t j = header.find(',', i);
    if (j == std::string_view::npos) j = header.size();
    std::string_view item = trim(header.substr(i, j - i));
    i = j + 1;
    if (item.empty()) continue;
    std::string_view name = trim(item.substr(0, item.find(';')));
    bool ok = true;  // a weight of 0 means "not acceptable"
    if (size_t q = item.find(';'); q != std::string_view::npos) {
      std::string params = ascii_lower(item.substr(q + 1));
      if (size_t at = params.find("q="); at != std::string::npos) {
        std::string_view v = trim(std::string_view(params).substr(at + 2));
        ok = false;
        for (char c : v) {
          if (c >= '1' && c <= '9') ok = true;
          if (c != '0' && c != '.') break;
        }
      }
    }
    std::string n = ascii_lower(name);
    if (n == want) {
      named = true;
      named_ok = ok;
    } else if (n == "*") {
      star = ok;
    }
  }
  return named ? named_ok : star;
}

std::optional<StaticFile> StaticFiles::resolve(std::string_view url_path, std::string_view accept_encoding) const {
  auto f = resolve_plain(url_path);
  if (!f || accept_encoding.empty()) return f;
  for (auto [coding, ext] : {std::pair<const char*, const char*>{"br", ".br"}, {"gzip", ".gz"}}) {
    if (!accepts_encoding(accept_encoding, coding)) continue;
    struct stat st {};
    std::string p = f->path + ext;
    if (::stat(p.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    StaticFile z = *f;
    z.path = p;
    z.size = static_cast<uint64_t>(st.st_size);
    z.etag = "\"" + std::to_string(st.st_size) + "-" + std::to_string(st.st_mtim.tv_sec) + "." +
             std::to_string(st.st_mtim.tv_nsec) + "-" + coding + "\"";
    z.content_encoding = coding;
    return z;
  }
  return f;
}

std::optional<StaticFile> StaticFiles::resolve_plain(std::string_view url_path) const {
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
