#include "http/image_json.hpp"

#include "store/time.hpp"

namespace imgmeta::http {

using nlohmann::json;
using nlohmann::ordered_json;

namespace {
ordered_json nullable(const std::string& s) { return s.empty() ? ordered_json() : ordered_json(s); }
ordered_json integer_field(const ordered_json& md, const char* name) {
  auto it = md.find(name);
  if (it != md.end() && it->is_number_integer()) return *it;
  return ordered_json();
}
}  // namespace

ordered_json image_json(const store::ImageRecord& rec, const ImageUrls& urls) {
  ordered_json metadata = ordered_json::parse(rec.metadata_json, nullptr, false);
  if (!metadata.is_object()) metadata = ordered_json::object();
  ordered_json out;
  out["imageId"] = rec.image_id;
  out["filename"] = rec.filename;
  out["contentType"] = rec.content_type;
  out["size"] = rec.size;
  out["sha256"] = nullable(rec.sha256);
  out["status"] = store::to_string(rec.status);
  out["error"] = nullable(rec.error);
  out["uploadedAt"] = store::format_iso8601_ms(rec.uploaded_at_ms);
  out["updatedAt"] = store::format_iso8601_ms(rec.updated_at_ms ? rec.updated_at_ms : rec.uploaded_at_ms);
  out["format"] = nullable(rec.format);
  out["make"] = nullable(rec.make);
  out["model"] = nullable(rec.model);
  out["takenAt"] = rec.taken_at_ms ? ordered_json(store::format_iso8601_ms(*rec.taken_at_ms)) : ordered_json();
  out["width"] = integer_field(metadata, "ImageWidth");
  out["height"] = integer_field(metadata, "ImageHeight");
  out["hasGps"] = rec.has_gps;
  out["contentUrl"] = urls.content ? ordered_json(*urls.content) : ordered_json();
  const auto preview_status = store::effective_preview_status(rec);
  out["thumbnailUrl"] = urls.thumbnail ? ordered_json(*urls.thumbnail) : ordered_json();
  out["previewUrl"] = urls.preview ? ordered_json(*urls.preview) : ordered_json();
  out["previewStatus"] = store::to_string(preview_status);
  out["previewError"] = preview_status == store::PreviewStatus::Failed || preview_status == store::PreviewStatus::Unsupported
                            ? ordered_json(rec.preview.error.empty() && rec.status != store::ImageStatus::Ready
                                               ? std::string("no preview: the image could not be read")
                                               : rec.preview.error)
                            : ordered_json();
  if (preview_status == store::PreviewStatus::Ready) {
    out["thumbnailWidth"] = rec.preview.thumb_width;
    out["thumbnailHeight"] = rec.preview.thumb_height;
  }
  out["metadata"] = std::move(metadata);
  return out;
}

}  // namespace imgmeta::http
