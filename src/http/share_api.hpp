// Share links: an owner picks images and gets a URL that shows them to anyone holding it,
// without an account, until it expires or is revoked. The routes (api/openapi.yaml):
//   POST   /api/shares                  make a link (owner)
//   GET    /api/shares                  the owner's links (the URL itself is not kept)
//   DELETE /api/shares/{shareId}        revoke: the link answers 404 at once
//   GET    /api/public/shares/{token}   what the recipient's page reads (no Authorization)
//
// What the recipient gets is fixed when the link is made: for every image, a copy of its
// bytes with the metadata the owner did not choose to share removed (strip/strip.hpp), or,
// where that cannot be done without re-encoding, the preview rendition in its place; and
// copies of the thumbnail and preview. They live in the BlobStore under shares/<shareId>/
// (never uploads/, where the extractor listens) and go with the link.
//
// The token (32 random bytes, base64url) is only ever shown once; the store keeps its
// SHA-256. Unknown, expired and revoked tokens answer the same 404. A link's password is
// hashed like an account password; wrong ones are rate-limited per link and per address.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "auth/password.hpp"
#include "auth/rate_limiter.hpp"
#include "http/api.hpp"
#include "store/blob_store.hpp"
#include "store/metadata_store.hpp"
#include "store/share_store.hpp"

namespace imgmeta::http {

struct ShareOptions {
  // The web app's share page; the URL handed out is page_url + "#" + token (a fragment never
  // reaches a server's logs or a Referer). Relative ("/share.html") when the site is unknown.
  std::string page_url = "/share.html";
  std::chrono::seconds min_expiry{60};
  std::chrono::seconds max_expiry{365 * 24 * 3600};
  std::chrono::seconds default_expiry{7 * 24 * 3600};
  size_t max_images = 500;
  uint64_t max_copy_size = 256ull << 20;  // originals above: the preview is shared instead
  std::chrono::seconds url_ttl{3600};     // presigned URLs in the public answer (capped by the expiry)
  auth::PasswordCost password_cost;
  size_t wrong_passwords_per_link = 10;
  size_t wrong_passwords_per_address = 30;
  int64_t wrong_password_window_ms = 15 * 60 * 1000;
};

// The metadata a recipient sees: without location, every key naming GPS and the location
// fields of IPTC/XMP go; without metadata only the file's facts stay (type, size, pixels).
nlohmann::ordered_json share_metadata(const nlohmann::ordered_json& metadata, bool include_location,
                                      bool include_metadata);

class ShareApi {
 public:
  ShareApi(store::ShareStore& shares, store::BlobStore& blobs, store::MetadataStore& metadata,
           ShareOptions options = {}, std::function<int64_t()> clock = {});

  ApiResponse create(const ApiRequest& r, const std::string& owner);
  ApiResponse list(const ApiRequest& r, const std::string& owner);
  ApiResponse revoke(const std::string& owner, const std::string& share_id);
  ApiResponse open(const ApiRequest& r, const std::string& token);

  // Removes up to `limit` expired links and their copies; returns how many went. Expired
  // links are also removed when looked up and when their owner lists them.
  meta::Result<int> sweep(int limit = 100);

  const ShareOptions& options() const { return options_; }

 private:
  int64_t now() const { return clock_(); }
  void remove_copies(const store::ShareRecord& share);
  meta::Result<store::ShareItem> copy_image(const std::string& share_id, const store::ImageRecord& rec, bool location,
                                            bool metadata, std::vector<std::string>& made);

  store::ShareStore& shares_;
  store::BlobStore& blobs_;
  store::MetadataStore& metadata_;
  ShareOptions options_;
  std::function<int64_t()> clock_;
  auth::SlidingWindowLimiter per_link_;
  auth::SlidingWindowLimiter per_address_;
};

// SHA-256 of a share token, lowercase hex: the key the stores look links up by.
std::string share_token_hash(std::string_view token);

}  // namespace imgmeta::http
