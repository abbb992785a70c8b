#include "cli/upload_journal.hpp"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include <unistd.h>

namespace imgmeta::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Entries older than this are dropped: the server forgets unfinished uploads long before.
constexpr int64_t kMaxAgeSeconds = 7 * 24 * 3600;

int64_t now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

json load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return json::object();
  std::stringstream ss;
  ss << in.rdbuf();
  json j = json::parse(ss.str(), nullptr, false);
  return j.is_object() ? j : json::object();
}

void save(const std::string& path, const json& j) {
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  // Written beside and renamed over: a crash leaves the old file or the new one, not half.
  std::string tmp = path + ".tmp" + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return;
    out << j.dump(1);
    if (!out) return;
  }
  fs::rename(tmp, path, ec);
  if (ec) fs::remove(tmp, ec);
}

}  // namespace

std::string UploadJournal::default_path() {
  if (const char* state = std::getenv("XDG_STATE_HOME"); state && *state)
    return std::string(state) + "/imgmeta/multipart-uploads.json";
  if (const char* home = std::getenv("HOME"); home && *home) return std::string(home) + "/.local/state/imgmeta/multipart-uploads.json";
  return {};
}

std::string UploadJournal::key(const std::string& server, const std::string& user, const std::string& sha256, uint64_t size) {
  return server + " " + user + " " + sha256 + " " + std::to_string(size);
}

std::optional<PendingMultipart> UploadJournal::find(const std::string& key) {
  if (path_.empty()) return std::nullopt;
  std::lock_guard lock(mu_);
  json j = load(path_);
  auto it = j.find(key);
  if (it == j.end() || !it->is_object()) return std::nullopt;
  PendingMultipart p{it->value("imageId", ""), it->value("uploadId", "")};
  if (p.image_id.empty() || p.upload_id.empty() || now_s() - it->value("savedAt", int64_t{0}) > kMaxAgeSeconds) return std::nullopt;
  return p;
}

void UploadJournal::put(const std::string& key, const PendingMultipart& upload) {
  if (path_.empty()) return;
  std::lock_guard lock(mu_);
  json j = load(path_);
  const int64_t now = now_s();
  for (auto it = j.begin(); it != j.end();)  // drop stale entries while here
    if (!it->is_object() || now - it->value("savedAt", int64_t{0}) > kMaxAgeSeconds) it = j.erase(it);
    else ++it;
  j[key] = {{"imageId", upload.image_id}, {"uploadId", upload.upload_id}, {"savedAt", now}};
  save(path_, j);
}

void UploadJournal::remove(const std::string& key) {
  if (path_.empty()) return;
  std::lock_guard lock(mu_);
  json j = load(path_);
  if (j.erase(key)) save(path_, j);
}

}  // namespace imgmeta::cli
