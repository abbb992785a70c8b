// The web app's files from --web DIR: path traversal refused (no "..", no dot-files, the
// resolved file must stay inside the root), index.html for directories, and the app's own
// index.html for unknown extension-less paths (client-side routes such as /images/01J...).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "meta/result.hpp"

namespace imgmeta::http {

struct StaticFile {
  std::string path;           // absolute, inside the root
  std::string content_type;
  std::string cache_control;  // hashed build assets: immutable; everything else: revalidate
  std::string etag;           // quoted, from size and modification time
  uint64_t size = 0;
  // "br" or "gzip" when `path` is the build's precompressed sibling (NAME.br, NAME.gz) of the
  // file asked for; empty for the file itself. The response varies on Accept-Encoding.
  std::string content_encoding;
};

class StaticFiles {
 public:
  static meta::Result<StaticFiles> open(const std::string& dir);
  // nullopt: no such file (404). With the request's Accept-Encoding, the precompressed
  // sibling the client accepts (brotli before gzip) stands in for the file when it exists.
  std::optional<StaticFile> resolve(std::string_view url_path, std::string_view accept_encoding = {}) const;
  // A file directly under the root ("config.json"), if it exists.
  std::optional<StaticFile> file(std::string_view name) const;
  const std::string& root() const { return root_; }

 private:
  explicit StaticFiles(std::string root) : root_(std::move(root)) {}
  std::optional<StaticFile> stat_file(const std::string& path, std::string_view url_path) const;
  std::optional<StaticFile> resolve_plain(std::string_view url_path) const;
  std::string root_;
};

std::string content_type_for(std::string_view path);

// Whether an Accept-Encoding header (RFC 9110 section 12.5.3) accepts `coding`: listed by
// name or by "*", with a q-value above 0. Case-insensitive.
bool accepts_encoding(std::string_view accept_encoding, std::string_view coding);

}  // namespace imgmeta::http
