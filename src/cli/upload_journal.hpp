// Multipart uploads left unfinished by `imgmeta upload` (interrupted, or the server failing
// for a while), so that the next run sends only the missing parts. One small JSON file:
// $XDG_STATE_HOME/imgmeta/multipart-uploads.json (default ~/.local/state/...), keyed by
// server, user, SHA-256 and size. Nothing in it is secret: presigned URLs are not kept.
#pragma once

#include <mutex>
#include <optional>
#include <string>

namespace imgmeta::cli {

struct PendingMultipart {
  std::string image_id;
  std::string upload_id;
};

class UploadJournal {
 public:
  explicit UploadJournal(std::string path) : path_(std::move(path)) {}
  // The default location; "" when neither XDG_STATE_HOME nor HOME is set (no journal).
  static std::string default_path();

  static std::string key(const std::string& server, const std::string& user, const std::string& sha256, uint64_t size);
  std::optional<PendingMultipart> find(const std::string& key);
  void put(const std::string& key, const PendingMultipart& upload);
  void remove(const std::string& key);

 private:
  std::string path_;
  std::mutex mu_;
};

}  // namespace imgmeta::cli
