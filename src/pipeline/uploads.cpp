#include "pipeline/uploads.hpp"

#include <algorithm>
#include <iterator>

#include "meta/ascii.hpp"
#include "meta/text_value.hpp"

namespace imgmeta::pipeline {

using meta::make_error;

namespace {

constexpr std::string_view kAcceptedTypes[] = {
    "image/jpeg",          "image/png",          "image/gif",           "image/webp",         "image/tiff",
    "image/bmp",           "image/x-ms-bmp",     "image/heic",          "image/heif",         "image/heic-sequence",
    "image/heif-sequence", "image/avif",         "image/jxl",           "image/x-icon",       "image/vnd.microsoft.icon",
    "image/x-adobe-dng",   "image/x-canon-cr2",  "image/x-canon-cr3",   "image/x-nikon-nef",  "image/x-sony-arw",
    "image/x-olympus-orf", "image/x-panasonic-rw2", "image/x-fuji-raf", "application/octet-stream",
};

constexpr std::string_view kOctetStream = "application/octet-stream";

using meta::ascii_lower;

bool is_hex64(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
         });
}

bool has_control_chars(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; });
}

}  // namespace

std::string canonical_content_type(std::string_view content_type) {
  std::string_view t = content_type.substr(0, content_type.find(';'));
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
  return ascii_lower(t);
}

bool is_accepted_content_type(std::string_view content_type) {
  const std::string t = canonical_content_type(content_type);
  return std::find(std::begin(kAcceptedTypes), std::end(kAcceptedTypes), t) != std::end(kAcceptedTypes);
}

Status check_upload_request(UploadRequest& r, uint64_t max_size) {
  if (r.filename.empty() || r.filename.size() > kMaxFilename || !meta::is_utf8(r.filename) ||
      has_control_chars(r.filename))
    return make_error(meta::Errc::InvalidRequest, "\"filename\" must be 1 to 255 bytes of UTF-8 text without control characters");
  if (r.size == 0) return make_error(meta::Errc::InvalidSize, "the file is empty (0 bytes); there is nothing to upload");
  if (r.size > max_size)
    return make_error(meta::Errc::PayloadTooLarge, "the file has " + std::to_string(r.size) + " bytes; the limit is " +
                                             std::to_string(max_size));
  if (!is_accepted_content_type(r.content_type))
    return make_error(meta::Errc::UnsupportedMediaType,
                      "content type \"" + r.content_type.substr(0, 100) + "\" is not an accepted image type");
  r.content_type = canonical_content_type(r.content_type);
  if (!r.sha256.empty()) {
    if (!is_hex64(r.sha256)) return make_error(meta::Errc::InvalidRequest, "\"sha256\" must be 64 hex digits");
    r.sha256 = ascii_lower(r.sha256);
  }
  return meta::ok_status();
}

Result<std::optional<std::string>> find_duplicate(store::MetadataStore& metadata, const std::string& owner,
                                                  const std::string& sha256, std::string_view except_image_id) {
  if (sha256.empty()) return std::optional<std::string>{};
  auto existing = TRY(metadata.find_by_sha256(owner, sha256));
  if (existing && *existing == except_image_id) return std::optional<std::string>{};
  return existing;
}

std::string search_text(std::string_view filename) { return ascii_lower(filename); }

store::ImageRecord pending_record(const store::UploadIntent& intent, const store::ObjectInfo& object, int64_t now_ms) {
  store::ImageRecord r;
  r.owner = intent.owner;
  r.image_id = intent.image_id;
  r.filename = intent.filename.empty() ? intent.image_id : intent.filename;
  r.content_type = canonical_content_type(intent.content_type);
  if (r.content_type.empty()) r.content_type = canonical_content_type(object.content_type);
  if (r.content_type.empty()) r.content_type = std::string(kOctetStream);
  r.size = object.size;
  r.sha256 = intent.sha256.empty() ? object.sha256_hex : intent.sha256;
  r.etag = object.etag;
  r.status = store::ImageStatus::Pending;
  r.uploaded_at_ms = object.last_modified_ms ? object.last_modified_ms : now_ms;
  r.updated_at_ms = now_ms;
  r.search_text = search_text(r.filename);
  return r;
}

}  // namespace imgmeta::pipeline
