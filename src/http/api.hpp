// The HTTP API as a function: ApiRequest -> ApiResponse, independent of any transport. The
// local server (http/local_server.hpp, over Boost.Beast) and the API Lambda's event adapter
// (src/lambda) both call Api::handle, so routes, validation, authorisation and JSON shapes
// exist once. api/openapi.yaml documents every route and field handled here.
//
// Every /api route but sign-up, sign-in and refresh needs a bearer token; every store call
// is scoped to the token's subject, so another user's image answers 404 like a missing one.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "auth/account_service.hpp"
#include "auth/token_verifier.hpp"
#include "http/image_json.hpp"
#include "meta/source.hpp"
#include "pipeline/uploads.hpp"
#include "store/blob_store.hpp"
#include "store/metadata_store.hpp"

namespace imgmeta::http {

using meta::Error;
using meta::Result;
using meta::Status;

// Header names compare case-insensitively (RFC 9110 section 5.1).
struct CaseInsensitiveLess {
  bool operator()(const std::string& a, const std::string& b) const;
};
using HeaderMap = std::multimap<std::string, std::string, CaseInsensitiveLess>;

struct ApiRequest {
  std::string method;                            // "GET", "POST", ...
  std::string path;                              // decoded path, no query ("/api/images/01J...")
  std::multimap<std::string, std::string> query; // decoded query parameters
  HeaderMap headers;
  std::string body;                              // JSON routes only (bounded by the transport)
  // Set by a transport that authenticated the caller already (an API Gateway JWT
  // authorizer); otherwise the Authorization header is verified here.
  std::optional<auth::Principal> principal;
  std::string remote_address;  // for rate limits and logs
  std::string request_id;      // echoed in errors and logs

  const std::string* header(const std::string& name) const;
  const std::string* param(const std::string& name) const;
};

// A body streamed from a blob: `length` bytes of `source` from `offset`.
struct StreamBody {
  std::shared_ptr<meta::Source> source;
  uint64_t offset = 0;
  uint64_t length = 0;
};

struct ApiResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;                   // JSON, or empty
  std::optional<StreamBody> stream;   // content routes: the bytes to send instead of body
  // For logs and metrics: the route pattern ("/api/images/{imageId}"), the error code, and
  // the subject the request acted for.
  std::string route;
  std::string error_code;
  std::string subject;

  void set_header(std::string name, std::string value);
  const std::string* header(const std::string& name) const;
};

class ShareApi;  // share links: http/share_api.hpp

struct ApiOptions {
  uint64_t max_upload_size = 1ull << 30;           // bytes; larger -> 413
  uint64_t multipart_threshold = 64ull << 20;      // above: presigned parts
  uint64_t part_size = 16ull << 20;                // grown when size / part_size > 10000 parts
  std::chrono::seconds upload_url_ttl{900};
  std::chrono::seconds content_url_ttl{3600};      // `contentUrl` in image JSON (0: omit)
  bool content_redirect = false;                   // content route answers 302 to a presigned GET (Lambda)
  size_t max_json_body = 64 * 1024;
  int trash_days = 30;                             // a trashed image's "purgeAt" is trashedAt + this
};

struct ApiDeps {
  auth::AccountService* accounts = nullptr;  // null: no local accounts (Cognito); /api/auth/* answer 404
  const auth::TokenVerifier* verifier = nullptr;
  store::BlobStore* blobs = nullptr;
  store::MetadataStore* metadata = nullptr;
  pipeline::ImageEvents* events = nullptr;
  std::function<int64_t()> clock;  // Unix ms; default store::now_ms
  ShareApi* shares = nullptr;      // share links (/api/shares, /api/public/shares); null: 404
};

// The one answer to an upload of bytes the owner has uploaded already (POST /api/uploads with
// a known SHA-256, or the PUT whose digest says so): 409 DuplicateImage naming the image.
ApiResponse duplicate_response(const std::string& image_id, const std::string& request_id = {});

// A Content-Disposition header ("inline" or "attachment") with the uploader's file name made
// safe: an ASCII fallback and the UTF-8 name (RFC 6266 section 4.3, RFC 8187).
std::string content_disposition(std::string_view type, std::string_view filename);

// Counters the API keeps for /metrics (the transport adds per-route request counts).
struct ApiCounters {
  std::atomic<uint64_t> signups{0};
  std::atomic<uint64_t> signins{0};
  std::atomic<uint64_t> signin_failures{0};
  std::atomic<uint64_t> rate_limited{0};
  std::atomic<uint64_t> token_rejections{0};
  std::atomic<uint64_t> uploads_presigned{0};
  std::atomic<uint64_t> duplicates{0};
  std::atomic<uint64_t> deletes{0};
  std::atomic<uint64_t> reextracts{0};
  std::atomic<uint64_t> trashed{0};   // moved to the trash
  std::atomic<uint64_t> restored{0};  // taken out of it
};

class Api {
 public:
  Api(ApiDeps deps, ApiOptions options);
  // Never throws; every failure becomes a JSON error response.
  ApiResponse handle(const ApiRequest& request);

  const ApiOptions& options() const { return options_; }
  const ApiCounters& counters() const { return counters_; }
  int64_t now_ms() const;

  // The routes handle() serves, "METHOD /path/{param}", for docs and tests.
  static std::vector<std::string> routes();

 private:
  struct Route;
  ApiResponse dispatch(const ApiRequest& request, ApiResponse& response);
  Result<auth::Principal> authenticate(const ApiRequest& request);
  std::optional<std::string> content_url(const store::ImageRecord& record);
  ImageUrls image_urls(const store::ImageRecord& record);
  ApiResponse list_locations(const ApiRequest& r, const auth::Principal& p);
  ApiResponse export_images(const ApiRequest& r, const auth::Principal& p);
  ApiResponse get_rendition(const auth::Principal& p, const std::string& id, bool thumbnail);
  // An upload whose bytes are in the blob store but whose record is not written yet.
  std::optional<store::ImageRecord> landed_upload(const std::string& owner, const std::string& id);

  ApiResponse sign_up(const ApiRequest& r);
  ApiResponse sign_in(const ApiRequest& r);
  ApiResponse refresh(const ApiRequest& r);
  ApiResponse sign_out(const ApiRequest& r, const auth::Principal& p);
  ApiResponse me(const ApiRequest& r, const auth::Principal& p);
  ApiResponse create_upload(const ApiRequest& r, const auth::Principal& p);
  ApiResponse list_parts(const ApiRequest& r, const auth::Principal& p, const std::string& id);
  ApiResponse complete_upload(const ApiRequest& r, const auth::Principal& p, const std::string& id);
  ApiResponse abort_upload(const ApiRequest& r, const auth::Principal& p, const std::string& id);
  ApiResponse list_images(const ApiRequest& r, const auth::Principal& p);
  ApiResponse get_image(const ApiRequest& r, const auth::Principal& p, const std::string& id);
  ApiResponse get_content(const ApiRequest& r, const auth::Principal& p, const std::string& id);
  ApiResponse delete_image(const ApiRequest& r, const auth::Principal& p, const std::string& id);
  ApiResponse reextract(const ApiRequest& r, const auth::Principal& p, const std::string& id);

  // The trash (the end of api.cpp).
  nlohmann::ordered_json image_out(const store::ImageRecord& record);  // image JSON + trashedAt, purgeAt
  int64_t trash_period_ms() const;
  static std::optional<ApiResponse> permanent_delete_flag(const ApiRequest& r);  // 400 when malformed
  static bool permanent_delete(const ApiRequest& r);
  ApiResponse trash_image(const auth::Principal& p, const std::string& id);
  ApiResponse restore_image(const auth::Principal& p, const std::string& id);
  ApiResponse list_trash(const ApiRequest& r, const auth::Principal& p);
  ApiResponse empty_trash(const auth::Principal& p);

  ApiDeps deps_;
  ApiOptions options_;
  ApiCounters counters_;
};

// JSON helpers shared with the local transport (blob endpoint errors, health).
ApiResponse json_response(int status, std::string body);
ApiResponse error_response(int status, std::string code, std::string message, const std::string& request_id = {});
// GET of an object's bytes: 304 on a matching If-None-Match, else 200 or 206 (one range,
// RFC 9110 section 14) over the source open() gives (called only when bytes are sent), 416
// for a range outside the object. Sets ETag, Cache-Control, nosniff and a sandbox CSP.
ApiResponse object_response(const ApiRequest& request, const std::string& etag_hex, const std::string& content_type,
                            const std::string& filename,
                            const std::function<Result<std::shared_ptr<meta::Source>>()>& open);

// The HTTP status an Error's code maps to (store, blob and auth codes); 500 for unknown.
int status_for(const Error& error);

}  // namespace imgmeta::http
