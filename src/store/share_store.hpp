// ShareStore: share links, one record per link. Two implementations share this interface:
// SQLite (store/sqlite_share_store.hpp, a table `shares` in the metadata database) and
// DynamoDB (aws/dynamo_share_store.hpp, a table keyed by tokenHash with an owner index).
// Header-only, part of imgmeta_store_api.
//
// The link's token is never stored: only its SHA-256 (lowercase hex), which is the lookup
// key of the public route. What the recipient gets is fixed when the link is made: the
// stripped copies (items[].download_key ...) live under shares/<shareId>/ in the BlobStore
// and go with the record (the caller removes them; the store only knows the keys).
//
// Errors (meta::Error::code): "NotFound" (no such share, or another owner's), "Conflict"
// (a share with that id or token hash exists), "InvalidArgument"; anything else is a
// storage failure.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "meta/result.hpp"
#include "meta/json_text.hpp"

namespace imgmeta::store {

// One shared image as the recipient sees it. Keys are BlobStore keys under shares/<shareId>/;
// an empty key means "none" (no rendition was ready, no download could be made).
struct ShareItem {
  std::string image_id;
  std::string filename;               // the name shown and offered for the download
  std::string download_key;           // the stripped copy (or the preview rendition in its place)
  std::string download_content_type;
  std::string thumbnail_key;
  std::string preview_key;
};

struct ShareRecord {
  std::string share_id;     // a ULID; names the link in the owner's list and in blob keys
  std::string token_hash;   // SHA-256 of the token, lowercase hex (64)
  std::string owner;
  int64_t created_at_ms = 0;
  int64_t expires_at_ms = 0;
  std::string password_hash;  // Argon2id PHC string; empty: no password
  bool include_location = false;
  bool include_metadata = false;
  std::vector<ShareItem> items;  // in the order the owner chose
};

// The items as one JSON array (both stores keep them as a text attribute), and back.
inline std::string items_to_json(const std::vector<ShareItem>& items) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& i : items)
    a.push_back({{"imageId", i.image_id},
                 {"filename", i.filename},
                 {"downloadKey", i.download_key},
                 {"downloadType", i.download_content_type},
                 {"thumbnailKey", i.thumbnail_key},
                 {"previewKey", i.preview_key}});
  return meta::json_text(a);
}

inline meta::Result<std::vector<ShareItem>> items_from_json(const std::string& text) {
  auto a = nlohmann::json::parse(text, nullptr, false);
  if (!a.is_array()) return meta::make_error("share items: not a JSON array");
  std::vector<ShareItem> out;
  auto str = [](const nlohmann::json& o, const char* name) {
    auto it = o.find(name);
    return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  for (const auto& o : a) {
    if (!o.is_object()) return meta::make_error("share items: an item is not an object");
    out.push_back({str(o, "imageId"), str(o, "filename"), str(o, "downloadKey"), str(o, "downloadType"),
                   str(o, "thumbnailKey"), str(o, "previewKey")});
  }
  return out;
}

// Bounds the owner's list (GET /api/shares answers at most this many, newest first).
inline constexpr int kMaxSharesListed = 1000;

class ShareStore {
 public:
  virtual ~ShareStore() = default;
  // "Conflict" when share_id or token_hash is taken.
  virtual meta::Status put(const ShareRecord& share) = 0;
  // The public lookup. "NotFound" when absent; expired records are returned (the caller
  // decides, and removes them).
  virtual meta::Result<ShareRecord> get_by_token_hash(const std::string& token_hash) = 0;
  // "NotFound" when absent or another owner's.
  virtual meta::Result<ShareRecord> get(const std::string& owner, const std::string& share_id) = 0;
  // The owner's shares, newest first, at most kMaxSharesListed (expired ones included).
  virtual meta::Result<std::vector<ShareRecord>> list(const std::string& owner) = 0;
  // true when a record was deleted, false when there was none. Idempotent.
  virtual meta::Result<bool> remove(const std::string& owner, const std::string& share_id) = 0;
  // Up to `limit` records whose expires_at_ms <= now_ms, for a sweep.
  virtual meta::Result<std::vector<ShareRecord>> expired(int64_t now_ms, int limit) = 0;
};

}  // namespace imgmeta::store
