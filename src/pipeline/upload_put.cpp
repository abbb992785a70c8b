// accept_put (pipeline/uploads.hpp): the local shape's PUT acceptance, over the directory
// store's BlobWriter.
#include "pipeline/uploads.hpp"
#include "store/directory_blob_store.hpp"

namespace imgmeta::pipeline {

using meta::make_error;

Result<AcceptedPut> accept_put(store::MetadataStore& metadata, ImageEvents& events, const store::UploadIntent& intent,
                               store::BlobWriter& writer, bool is_part) {
  AcceptedPut out;
  out.sha256 = intent.sha256;
  if (!is_part && intent.sha256.empty()) {
    // The client did not say what it would send: the digest of what arrived decides. The
    // writer is left uncommitted (so nothing of the body stays) and the intent is closed.
    out.sha256 = TRY(writer.body_sha256());
    auto existing = TRY(find_duplicate(metadata, intent.owner, out.sha256, intent.image_id));
    if (existing) {
      (void)metadata.remove_upload_intent(intent.owner, intent.image_id);
      out.duplicate_of = std::move(existing);
      return out;
    }
  }
  out.object = TRY(writer.commit());
  if (is_part) return out;
  store::UploadIntent landed = intent;
  landed.sha256 = out.sha256;
  auto record = events.object_created(landed, out.object);
  if (!record) {
    return make_error(meta::Errc::NotRecorded, "the upload is stored but could not be recorded yet (" +
                                         record.error().message + "); it will be after a restart");
  }
  out.record = std::move(*record);
  return out;
}

}  // namespace imgmeta::pipeline
