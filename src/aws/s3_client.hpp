// Amazon S3 over the REST API (S3 API Reference), one bucket per client: HEAD, ranged GET,
// PUT, DELETE, presigned PUT/GET with conditions, and multipart uploads. Path-style URLs for
// custom endpoints (moto, MinIO, ...), virtual-hosted style on AWS itself.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "aws/aws_client.hpp"
#include "aws/config.hpp"

namespace imgmeta::aws {

struct S3ObjectHead {
  uint64_t size = 0;
  std::string etag;  // no quotes
  std::string content_type;
  int64_t last_modified_ms = 0;
  Headers headers;   // all response headers (x-amz-meta-*, checksums, ...)
};

struct S3Range {
  std::string bytes;
  uint64_t total_size = 0;  // from Content-Range
  S3ObjectHead head;        // ETag, Content-Type, Last-Modified of the object
};

struct S3PresignOptions {
  int64_t expires_s = 900;
  int64_t now_s = 0;  // 0 = the current time
  // Conditions: signed headers the client must send with exactly these values.
  std::optional<uint64_t> content_length;
  std::string content_type;
  std::string content_md5;       // base64
  std::string checksum_sha256;   // base64 (x-amz-checksum-sha256)
  // GET only: response header overrides.
  std::string response_content_type;
  std::string response_content_disposition;
};

struct S3Presigned {
  std::string url;
  std::string method;
  Headers headers;  // the signed headers the client must send (Host and Content-Length left out)
  int64_t expires_at_s = 0;
};

struct S3Part {
  int part_number = 0;
  std::string etag;  // no quotes
  uint64_t size = 0;
};

enum class S3Addressing { Auto, Path, VirtualHosted };

class S3Client {
 public:
  // Auto: virtual-hosted on AWS endpoints for DNS-compatible bucket names without dots,
  // path-style otherwise.
  S3Client(const AwsSettings& settings, std::string bucket, std::shared_ptr<HttpClient> http = nullptr,
           S3Addressing addressing = S3Addressing::Auto);
  S3Client(ClientConfig config, std::string bucket, std::shared_ptr<HttpClient> http = nullptr,
           S3Addressing addressing = S3Addressing::Path);

  const std::string& bucket() const { return bucket_; }
  AwsClient& client() { return *client_; }

  // Errors: "NotFound" (also for NoSuchKey), "PreconditionFailed" (If-Match), AWS codes.
  Result<S3ObjectHead> head(const std::string& key);
  // Bytes [offset, offset+length) (fewer at the end of the object). if_match pins the
  // read to one version of the object (412 "PreconditionFailed" once it changed).
  // "InvalidRange" when offset is at or past the end.
  Result<S3Range> get_range(const std::string& key, uint64_t offset, uint64_t length, const std::string& if_match = "");
  Result<std::string> get(const std::string& key);
  Result<std::string> put(const std::string& key, const std::string& body, const std::string& content_type,
                          const Headers& extra = {});  // returns the ETag
  Status remove(const std::string& key);  // idempotent
  // CopyObject within the bucket with x-amz-metadata-directive REPLACE (content type and
  // the given x-amz-meta-* headers become the copy's). Copying a key onto itself this way
  // is how a re-extraction is requested: S3 emits ObjectCreated:Copy.
  Status copy(const std::string& source_key, const std::string& dest_key, const std::string& content_type,
              const Headers& metadata = {});
  Status create_bucket();                 // tests and set-up; "BucketAlreadyOwnedByYou" is success

  Result<S3Presigned> presign_put(const std::string& key, const S3PresignOptions& options);
  Result<S3Presigned> presign_get(const std::string& key, const S3PresignOptions& options);

  Result<std::string> create_multipart(const std::string& key, const std::string& content_type,
                                       const Headers& extra = {});  // returns the upload id
  Result<S3Presigned> presign_part(const std::string& key, const std::string& upload_id, int part_number,
                                   const S3PresignOptions& options);
  Result<std::string> upload_part(const std::string& key, const std::string& upload_id, int part_number,
                                  const std::string& body);  // returns the part's ETag
  Status complete_multipart(const std::string& key, const std::string& upload_id, const std::vector<S3Part>& parts);
  Status abort_multipart(const std::string& key, const std::string& upload_id);  // idempotent
  Result<std::vector<S3Part>> list_parts(const std::string& key, const std::string& upload_id);

  // "/bucket/key" (path-style) or "/key", URI-encoded once ('/' kept).
  std::string object_path(const std::string& key) const;

 private:
  Result<S3Presigned> presign(const std::string& method, const std::string& key, std::string query,
                              const S3PresignOptions& options);
  Status check_key(const std::string& op, const std::string& key) const;

  std::string bucket_;
  bool path_style_ = true;
  std::unique_ptr<AwsClient> client_;
};

// "\"abc\"" -> "abc"; also drops a weak-validator prefix.
std::string strip_etag_quotes(std::string_view etag);
// RFC 7231 section 7.1.1.1 IMF-fixdate ("Wed, 25 Nov 2026 12:33:11 GMT") -> Unix ms; 0 if malformed.
int64_t parse_http_date_ms(std::string_view date);

}  // namespace imgmeta::aws
