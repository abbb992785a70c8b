// BlobStore: where image bytes live. Two implementations share this interface: a directory
// on disk (store/directory_blob_store.hpp, the embedded default) and Amazon S3 or an
// S3-compatible store (src/aws). The event handler reads objects only through it: one HEAD,
// then ranged reads through the extractor's meta::Source, never the whole object.
//
// This header (with metadata_store.hpp and time.hpp) is the header-only target
// imgmeta_store_api, so adapters (src/aws) can implement it without linking the local
// implementations.
//
// Contract (DESIGN.md "Contracts worth keeping stable"): keys look like
// `uploads/<owner>/<imageId>`; the pipeline derives owner and image from the key alone.
// ETags are hex without the surrounding quotes S3 puts in its ETag header: the MD5 of the
// bytes for single-part objects, `<md5 of the part MD5s>-<part count>` for multipart ones.
//
// Errors (meta::Error::code, stable, callers branch on them):
//   "NotFound"          the key (or multipart upload) does not exist
//   "InvalidKey"        the key is not acceptable to this store (empty, "..", too long, ...)
//   "InvalidArgument"   a size, part number or expiry outside the allowed range
//   "InvalidPart"       complete_multipart named a part that is missing or whose ETag differs
//   "BadDigest"         bytes did not match the promised SHA-256
//   "IncompleteBody"    fewer or more bytes than the promised size
//   anything else       an I/O or service failure (AWS error codes pass through); retryable
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "meta/result.hpp"
#include "meta/source.hpp"

namespace imgmeta::store {

using meta::Error;
using meta::Result;
using meta::Status;

// What a HEAD returns.
struct ObjectInfo {
  uint64_t size = 0;
  std::string etag;          // hex, no quotes (see above)
  std::string content_type;  // as stored with the object ("application/octet-stream" if none)
  int64_t last_modified_ms = 0;  // Unix time, milliseconds
  std::string sha256_hex;        // SHA-256 of the whole object, lowercase hex, when the store knows it
                                 // (the directory store always; S3 when uploaded with a SHA-256 checksum)
};

// What a presigned PUT binds. The URL is refused unless the request carries exactly this
// size (Content-Length) and content type, and, when given, the SHA-256 (S3:
// x-amz-checksum-sha256, base64) - and only until the expiry.
struct PutConditions {
  uint64_t size = 0;
  std::string content_type;
  std::optional<std::string> sha256_hex;  // lowercase hex of the whole object
  std::chrono::seconds expiry{900};       // 1 s .. 7 days (SigV4's limit)
};

// A request the client makes as given: method, URL and the headers it must send with
// exactly these values (Content-Type, x-amz-checksum-sha256 ...). Content-Length is
// signed too but not listed: every HTTP client (and the browser, which forbids setting it)
// derives it from the body.
struct PresignedRequest {
  std::string url;
  std::string method;                         // "PUT" or "GET"
  std::map<std::string, std::string> headers;  // header name -> value
  int64_t expires_at_ms = 0;                  // Unix time, milliseconds
};

// presign_get: what the response should say (S3's response-content-type and
// response-content-disposition overrides); empty = as stored.
struct GetOptions {
  std::chrono::seconds expiry{300};
  std::string response_content_type;
  std::string response_content_disposition;
  // Sign as of this Unix time (0: now). URLs signed with the same time are identical, so a
  // browser cache keeps what they point at (renditions); the expiry counts from this time.
  int64_t signed_at_s = 0;
};

// One part as the client reports it after PUTting it (the ETag response header, quotes
// optional) and as list_parts reports what the store holds.
struct PartInfo {
  int part_number = 0;  // 1 .. 10000 (S3's limits)
  std::string etag;     // hex MD5 of the part, no quotes
  uint64_t size = 0;    // list_parts only; ignored by complete_multipart
};

// S3's multipart limits (S3 User Guide, "Amazon S3 multipart upload limits").
inline constexpr int kMaxParts = 10000;
inline constexpr uint64_t kMinPartSize = 5ull * 1024 * 1024;  // every part but the last

class BlobStore {
 public:
  virtual ~BlobStore() = default;

  // HEAD. Error code "NotFound" when the key does not exist.
  virtual Result<ObjectInfo> head(const std::string& key) = 0;

  // A random-access source over the object: HEAD once (size, and the ETag the reads are
  // pinned to where the store supports If-Match), then ranged reads of the extractor's
  // blocks. "NotFound" when the key does not exist. The source is used by one thread.
  virtual Result<std::unique_ptr<meta::Source>> open(const std::string& key) = 0;

  // Deletes the object. Idempotent: a missing key is success.
  virtual Status remove(const std::string& key) = 0;

  // A single-request upload URL bound to key, size, content type, checksum and expiry.
  virtual Result<PresignedRequest> presign_put(const std::string& key, const PutConditions& conditions) = 0;

  // Stores an object the service makes itself (a rendition), replacing one at key;
  // cache_control is sent with every GET of it (S3 stores it; empty: none).
  virtual Result<ObjectInfo> put_object(const std::string& key, std::string_view bytes,
                                        const std::string& content_type, const std::string& cache_control) = 0;

  // A download URL for key (the local server serves content itself and need not use it).
  virtual Result<PresignedRequest> presign_get(const std::string& key, const GetOptions& options) = 0;

  // --- multipart upload, the S3 way: create, PUT each part to its presigned URL, complete.
  // An interrupted upload resumes: list_parts says which parts are stored already.

  // Starts an upload of conditions.size bytes; returns the upload id. The store remembers
  // the content type (and, where it can, size and SHA-256 to check at completion).
  virtual Result<std::string> create_multipart(const std::string& key, const PutConditions& conditions) = 0;

  // A URL for one part: PUT of exactly part_size bytes. Part numbers 1..kMaxParts; every
  // part but the last at least kMinPartSize.
  virtual Result<PresignedRequest> presign_part(const std::string& key, const std::string& upload_id,
                                                int part_number, uint64_t part_size,
                                                std::chrono::seconds expiry) = 0;

  // Joins the parts (ascending part numbers, ETags as the part PUTs answered) into the
  // object and returns its HEAD. "InvalidPart" when a part is missing or its ETag differs,
  // "IncompleteBody"/"BadDigest" when the whole differs from what create_multipart promised
  // (the upload is then aborted). Completing an already completed upload answers "NotFound".
  virtual Result<ObjectInfo> complete_multipart(const std::string& key, const std::string& upload_id,
                                                const std::vector<PartInfo>& parts) = 0;

  // Discards the upload and its parts. Idempotent.
  virtual Status abort_multipart(const std::string& key, const std::string& upload_id) = 0;

  // The parts stored so far, ascending. "NotFound" for an unknown (or completed) upload.
  virtual Result<std::vector<PartInfo>> list_parts(const std::string& key, const std::string& upload_id) = 0;
};

}  // namespace imgmeta::store
