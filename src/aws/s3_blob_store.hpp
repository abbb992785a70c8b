// S3BlobStore: the BlobStore interface (store/blob_store.hpp) over one S3 bucket and an
// optional key prefix (`--blob s3://bucket[/prefix]`). Object reads go through S3Source
// (ranged GETs); uploads are presigned URLs the browser PUTs to directly.
//
// Multipart: create_multipart records the promised size as object metadata
// (x-amz-meta-imgmeta-size, carried to the completed object); complete_multipart compares
// it with the completed object's size and deletes the object on a mismatch
// ("IncompleteBody"). S3 checksums multipart objects per part, so the promised SHA-256 of
// the whole is not verified here (the handler records the extracted object either way).
#pragma once

#include <memory>
#include <string>

#include "aws/s3_client.hpp"
#include "store/blob_store.hpp"

namespace imgmeta::aws {

class S3BlobStore final : public store::BlobStore {
 public:
  // prefix: prepended to every key ("" or "tenant-a/", a '/' is added when missing).
  S3BlobStore(std::shared_ptr<S3Client> client, std::string prefix = "");

  Result<store::ObjectInfo> head(const std::string& key) override;
  Result<std::unique_ptr<meta::Source>> open(const std::string& key) override;
  Status remove(const std::string& key) override;
  Result<store::PresignedRequest> presign_put(const std::string& key, const store::PutConditions& conditions) override;
  Result<store::PresignedRequest> presign_get(const std::string& key, const store::GetOptions& options) override;
  Result<store::ObjectInfo> put_object(const std::string& key, std::string_view bytes,
                                       const std::string& content_type, const std::string& cache_control) override;
  Result<std::string> create_multipart(const std::string& key, const store::PutConditions& conditions) override;
  Result<store::PresignedRequest> presign_part(const std::string& key, const std::string& upload_id, int part_number,
                                               uint64_t part_size, std::chrono::seconds expiry) override;
  Result<store::ObjectInfo> complete_multipart(const std::string& key, const std::string& upload_id,
                                               const std::vector<store::PartInfo>& parts) override;
  Status abort_multipart(const std::string& key, const std::string& upload_id) override;
  Result<std::vector<store::PartInfo>> list_parts(const std::string& key, const std::string& upload_id) override;

  S3Client& client() { return *client_; }
  const std::shared_ptr<S3Client>& shared_client() const { return client_; }

 private:
  Result<std::string> full_key(const std::string& op, const std::string& key) const;
  std::shared_ptr<S3Client> client_;
  std::string prefix_;
};

// Parses "s3://bucket[/prefix]" into bucket and prefix.
struct S3Uri {
  std::string bucket;
  std::string prefix;
};
Result<S3Uri> parse_s3_uri(std::string_view uri);

}  // namespace imgmeta::aws
