// pipeline::ImageEvents for the AWS shape: S3 emits the object events itself (to the event
// topic, whose subscribers are the extract and preview Lambdas; deploy/template.yaml), so
// the API only has to do what S3 will not:
//   object_created  (multipart completed through the API) writes a `pending` record at
//                   sequencer "0", so the image is listed at once; S3's own
//                   ObjectCreated event carries a larger sequencer and replaces it.
//   delete_image    deletes the object, then the record up to its current sequencer (a
//                   tombstone); S3's ObjectRemoved event follows and advances it.
//   reextract       copies the object onto itself (CopyObject, metadata REPLACE): S3 emits
//                   ObjectCreated:Copy with a new sequencer, and the extract Lambda runs.
#pragma once

#include <functional>
#include <memory>

#include "aws/s3_client.hpp"
#include "pipeline/uploads.hpp"

namespace imgmeta::lambda {

using meta::Result;
using meta::Status;

class S3ImageEvents final : public pipeline::ImageEvents {
 public:
  // s3 holds the bucket; prefix as for S3BlobStore.
  S3ImageEvents(std::shared_ptr<aws::S3Client> s3, store::MetadataStore& metadata, std::string prefix = "",
                std::function<int64_t()> clock = {});

  Result<store::ImageRecord> object_created(const store::UploadIntent& intent, const store::ObjectInfo& object) override;
  Status delete_image(const std::string& owner, const std::string& image_id) override;
  Status reextract(const std::string& owner, const std::string& image_id) override;

 private:
  std::shared_ptr<aws::S3Client> s3_;
  store::MetadataStore& metadata_;
  std::string prefix_;
  std::function<int64_t()> clock_;
};

}  // namespace imgmeta::lambda
