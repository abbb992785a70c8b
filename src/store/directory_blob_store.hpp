// DirectoryBlobStore: the embedded default's BlobStore. Objects are files under
// <data_dir>/blobs/<key>. Each object's content type, size, ETag and SHA-256 are kept in an
// extended attribute of its file (or, on a file system without user attributes, a sidecar
// <dir>/.<name>.meta renamed into place before the object), so a HEAD never reads the bytes.
//
// Writes stream in bounded memory to a temp file in the destination directory while the
// SHA-256 (and the MD5, when it is the ETag) is computed; commit checks size and SHA-256, fsyncs, renames and
// fsyncs the directory. A failed or abandoned write leaves nothing (the temp file goes;
// after a crash, open() removes leftovers). Multipart uploads keep each part as a file
// under <data_dir>/multipart/<uploadId>/ until complete joins them (streaming) or abort.
//
// Presigned URLs are S3's query-string SigV4 (AWS4-HMAC-SHA256) pointing at
// <public_base_url><url_path_prefix><key>; the server hands incoming PUT/GET requests on
// that prefix to verify(), then to begin_put() (the body) or path_of() (the content).
// One process per data directory: open() takes an exclusive lock (flock on
// <data_dir>/blobs.lock), so the start-up clean-up never races a live writer.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/blob_store.hpp"

namespace imgmeta::store {

struct DirectoryBlobStoreOptions {
  std::string data_dir;                     // created when missing
  std::string public_base_url = "http://127.0.0.1:8080";  // scheme://host[:port] the client reaches
  std::string url_path_prefix = "/blobs/";  // the route the server gives to blob requests
  std::string access_key_id = "imgmeta-local";
  // The signing secret. Empty: read <data_dir>/keys/presign.key, creating it (32 random
  // bytes, mode 0600) on first start, so URLs survive restarts.
  std::string secret;
  std::string region = "local";
  std::function<int64_t()> clock;           // Unix ms; default store::now_ms (tests set it)
  std::chrono::hours multipart_max_age{24 * 7};  // open() aborts older unfinished uploads
  // ETags of single PUTs and parts: false, S3's MD5 of the bytes; true, the first 128 bits of
  // their SHA-256 (hex, the same 32 characters), which the write computes anyway - one digest
  // pass instead of two. Multipart objects keep S3's form either way (a digest of the parts'
  // ETags, "-", the part count). `imgmeta serve` sets it; S3 keeps its own ETags.
  bool etag_from_sha256 = false;
  // Where an object's size, ETag, content type and SHA-256 are kept: true, in an extended
  // attribute of the object's own file (one inode per upload, made durable by the file's
  // fsync), falling back to a sidecar file `.<name>.meta` on file systems without user
  // attributes; false, always the sidecar. Either is read back.
  bool object_info_in_xattr = true;
};

// What a verified presigned request allows.
struct AuthorizedRequest {
  std::string method;                     // "PUT" or "GET"
  std::string key;
  std::string upload_id;                  // multipart part PUT; empty otherwise
  int part_number = 0;                    // multipart part PUT; 0 otherwise
  uint64_t size = 0;                      // PUT: the signed Content-Length
  std::string content_type;               // PUT: the signed Content-Type
  std::optional<std::string> sha256_hex;  // PUT: from the signed x-amz-checksum-sha256
  int64_t expires_at_ms = 0;
};

// A request as the server received it, before any decoding.
struct IncomingRequest {
  std::string method;
  std::string path;   // wire form, percent-encoded as sent ("/blobs/uploads/u1/01J...")
  std::string query;  // wire form, without '?'
  std::vector<std::pair<std::string, std::string>> headers;  // as received; Host required
};

// A streaming write. Destroying it without commit() discards everything written.
class BlobWriter {
 public:
  virtual ~BlobWriter() = default;
  // Appends bytes. Fails ("IncompleteBody") as soon as more than the promised size arrives.
  virtual Status write(std::span<const uint8_t> bytes) = 0;
  Status write(std::string_view bytes) {
    return write(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
  }
  // Checks size ("IncompleteBody") and SHA-256 ("BadDigest"), makes the bytes durable and
  // visible under the key (or as the part). On failure nothing is left.
  virtual Result<ObjectInfo> commit() = 0;
  // The SHA-256 (hex) of everything written, once all the promised bytes are in; before
  // commit, so a caller can look for a duplicate without hashing the body a second time.
  virtual Result<std::string> body_sha256() = 0;
  virtual uint64_t written() const = 0;
};

class DirectoryBlobStore final : public BlobStore {
 public:
  // Creates the directories, takes the lock, removes temp files and orphan sidecars left by
  // a crash, aborts multipart uploads older than multipart_max_age.
  static Result<std::unique_ptr<DirectoryBlobStore>> open(DirectoryBlobStoreOptions options);
  ~DirectoryBlobStore() override;

  Result<ObjectInfo> head(const std::string& key) override;
  Result<std::unique_ptr<meta::Source>> open(const std::string& key) override;
  Status remove(const std::string& key) override;
  Result<PresignedRequest> presign_put(const std::string& key, const PutConditions& conditions) override;
  Result<PresignedRequest> presign_get(const std::string& key, const GetOptions& options) override;
  // The local server sets Cache-Control by key prefix itself (previews/ are immutable).
  Result<ObjectInfo> put_object(const std::string& key, std::string_view bytes, const std::string& content_type,
                                const std::string& cache_control) override;
  Result<std::string> create_multipart(const std::string& key, const PutConditions& conditions) override;
  Result<PresignedRequest> presign_part(const std::string& key, const std::string& upload_id, int part_number,
                                        uint64_t part_size, std::chrono::seconds expiry) override;
  Result<ObjectInfo> complete_multipart(const std::string& key, const std::string& upload_id,
                                        const std::vector<PartInfo>& parts) override;
  Status abort_multipart(const std::string& key, const std::string& upload_id) override;
  Result<std::vector<PartInfo>> list_parts(const std::string& key, const std::string& upload_id) override;

  // --- the local server's side ---

  // Checks a request made with a URL from presign_*: SigV4 signature (constant-time),
  // expiry, that the path is under url_path_prefix, and that Content-Length, Content-Type
  // and x-amz-checksum-sha256 are the signed ones. Errors carry S3's codes:
  // "SignatureDoesNotMatch", "AccessDenied" (expired), "AuthorizationQueryParametersError"
  // (missing or malformed X-Amz-* parameters), "InvalidKey".
  Result<AuthorizedRequest> verify(const IncomingRequest& request) const;

  // Starts the write a verified PUT allows: the object, or one part of a multipart upload.
  Result<std::unique_ptr<BlobWriter>> begin_put(const AuthorizedRequest& request);
  // Starts a write without a URL (server-side writes, tests).
  Result<std::unique_ptr<BlobWriter>> begin_put(const std::string& key, const PutConditions& conditions);

  // The file holding the object, for serving content (ranges, sendfile). Does not check that
  // it exists; "InvalidKey" for an unacceptable key.
  Result<std::string> path_of(const std::string& key) const;

  // Every object key under prefix (e.g. "uploads/"), for start-up reconciliation.
  Result<std::vector<std::string>> list_keys(const std::string& prefix) const;

  struct CleanupReport {
    size_t temp_files = 0;
    size_t orphan_sidecars = 0;
    size_t expired_uploads = 0;
  };
  const CleanupReport& startup_cleanup() const { return cleanup_; }

  // Keys: 1..1024 bytes of segments separated by '/', each segment non-empty, not starting
  // with '.', made of [A-Za-z0-9!_.*'()-] (S3's "safe characters").
  static bool is_valid_key(std::string_view key);

  struct Impl;

 private:
  explicit DirectoryBlobStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  CleanupReport cleanup_;
};

}  // namespace imgmeta::store
