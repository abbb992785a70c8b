#include "lambda/s3_image_events.hpp"

#include "pipeline/event.hpp"
#include "store/time.hpp"

namespace imgmeta::lambda {

using meta::make_error;

S3ImageEvents::S3ImageEvents(std::shared_ptr<aws::S3Client> s3, store::MetadataStore& metadata, std::string prefix,
                             std::function<int64_t()> clock)
    : s3_(std::move(s3)), metadata_(metadata), prefix_(std::move(prefix)), clock_(std::move(clock)) {
  if (!prefix_.empty() && prefix_.back() != '/') prefix_ += '/';
  if (!clock_) clock_ = store::now_ms;
}

Result<store::ImageRecord> S3ImageEvents::object_created(const store::UploadIntent& intent, const store::ObjectInfo& object) {
  store::ImageRecord r = pipeline::pending_record(intent, object, clock_());
  r.sequencer = "0";  // below any sequencer S3 assigns: the real event always wins
  auto written = metadata_.apply(r);
  if (!written) return written.error();
  if (auto s = metadata_.remove_upload_intent(intent.owner, intent.image_id); !s) return s.error();
  if (*written) return r;
  return metadata_.get(intent.owner, intent.image_id);  // the extract Lambda was first
}

Status S3ImageEvents::delete_image(const std::string& owner, const std::string& image_id) {
  auto rec = metadata_.get(owner, image_id);
  if (!rec) return rec.error();
  if (auto s = s3_->remove(prefix_ + pipeline::object_key(owner, image_id)); !s) return s.error();
  auto removed = metadata_.remove(owner, image_id, rec->sequencer.empty() ? "0" : rec->sequencer);
  if (!removed) return removed.error();
  return meta::ok_status();
}

Status S3ImageEvents::reextract(const std::string& owner, const std::string& image_id) {
  auto rec = metadata_.get(owner, image_id);
  if (!rec) return rec.error();
  const std::string key = prefix_ + pipeline::object_key(owner, image_id);
  auto s = s3_->copy(key, key, rec->content_type, {{"x-amz-meta-imgmeta-reextract", std::to_string(clock_())}});
  if (!s && s.error().code == meta::Errc::NotFound) return make_error(meta::Errc::NotFound, "reextract " + key + ": the object is gone");
  return s;
}

}  // namespace imgmeta::lambda
