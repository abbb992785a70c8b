// ImageEvents over the local outbox: every change of an image is a record write plus an
// S3-format event row in one SQLite transaction (pipeline/outbox.hpp).
#pragma once

#include "http/api.hpp"
#include "pipeline/outbox.hpp"

namespace imgmeta::http {

class OutboxEvents final : public ImageEvents {
 public:
  explicit OutboxEvents(pipeline::Outbox& outbox) : outbox_(outbox) {}
  Result<store::ImageRecord> object_created(const store::UploadIntent& intent, const store::ObjectInfo& object) override {
    return outbox_.record_upload(intent, object);
  }
  Status delete_image(const std::string& owner, const std::string& image_id) override {
    return outbox_.record_delete(owner, image_id);
  }
  Status reextract(const std::string& owner, const std::string& image_id) override {
    return outbox_.request_reextract(owner, image_id);
  }

 private:
  pipeline::Outbox& outbox_;
};

}  // namespace imgmeta::http
