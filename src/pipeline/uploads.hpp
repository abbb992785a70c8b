// The upload service: what an upload means, written once for every shape.
//
//   POST /api/uploads   check_upload_request, then find_duplicate when the client sent the
//                       SHA-256 (409 DuplicateImage), then an UploadIntent is stored and a
//                       URL signed (the HTTP layer does the signing through the BlobStore)
//   the bytes land      local: accept_put (the presigned PUT to `imgmeta serve`);
//                       AWS: S3 itself; multipart, either shape: complete_multipart
//   the record          pending_record, the same rule wherever the record is first written
//                       (the local outbox, the API Lambda, the extract handler when the
//                       S3 event comes first)
//
// The HTTP code only translates: a request into an UploadRequest, an Error's code into a
// status, a duplicate into the one 409 body (http::duplicate_response).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "meta/result.hpp"
#include "store/blob_store.hpp"
#include "store/metadata_store.hpp"

namespace imgmeta::store {
class BlobWriter;  // store/directory_blob_store.hpp (the local shape's PUT target)
}

namespace imgmeta::pipeline {

using meta::Result;
using meta::Status;

// What the upload path asks of the event pipeline. Local shape: the outbox (a record write and
// an S3-format event row in one transaction, pipeline/outbox.hpp); AWS shape: S3 emits the
// events itself, so these are thin (lambda/s3_image_events.hpp).
class ImageEvents {
 public:
  virtual ~ImageEvents() = default;
  // The bytes of intent's upload are complete: record it (pending_record) and queue
  // ObjectCreated where S3 will not. Returns the record as now stored.
  virtual Result<store::ImageRecord> object_created(const store::UploadIntent& intent,
                                                    const store::ObjectInfo& object) = 0;
  // "NotFound" when the owner has no such image.
  virtual Status delete_image(const std::string& owner, const std::string& image_id) = 0;
  // "NotFound" when the owner has no such image.
  virtual Status reextract(const std::string& owner, const std::string& image_id) = 0;
};

inline constexpr size_t kMaxFilename = 255;  // bytes of UTF-8

// The error code of a duplicate; `find_duplicate` gives the image it duplicates.
inline constexpr std::string_view kDuplicateImage = "DuplicateImage";

// What a client asks to upload (POST /api/uploads).
struct UploadRequest {
  std::string filename;
  std::string content_type;
  uint64_t size = 0;
  std::string sha256;  // optional: hex
};

// The content type's media type, lower-cased, without parameters or spaces.
std::string canonical_content_type(std::string_view content_type);
// An image type the service takes (or application/octet-stream: the extractor decides).
bool is_accepted_content_type(std::string_view content_type);

// Checks r and makes it canonical (content type as above, SHA-256 lower-cased). Errors, by
// code: InvalidRequest (file name, SHA-256), InvalidSize (empty), PayloadTooLarge (over
// max_size), UnsupportedMediaType.
Status check_upload_request(UploadRequest& r, uint64_t max_size);

// The image of owner's with these bytes, other than except_image_id, if any.
Result<std::optional<std::string>> find_duplicate(store::MetadataStore& metadata, const std::string& owner,
                                                  const std::string& sha256, std::string_view except_image_id = {});

// The search text of a file name (lower-cased ASCII), as every record path writes it.
std::string search_text(std::string_view filename);

// The record of an upload whose bytes have landed, before extraction. One rule for every
// path: the file name and SHA-256 from the intent; the content type the client declared
// (checked when the intent was made), else what the object says, else
// application/octet-stream; the size and ETag from the object; uploaded when the object was
// (its Last-Modified), else at now_ms. The sequencer is left to the caller.
store::ImageRecord pending_record(const store::UploadIntent& intent, const store::ObjectInfo& object, int64_t now_ms);

// A presigned PUT's body has been written to `writer` (local shape). What became of it:
struct AcceptedPut {
  std::optional<std::string> duplicate_of;   // set: nothing was kept, the owner has these bytes
  store::ObjectInfo object;                  // the committed object (or part)
  std::optional<store::ImageRecord> record;  // a whole upload: its record, pending
  std::string sha256;                        // a whole upload: the body's digest (hex)
};

// Accepts the body: the duplicate check when the client did not send the SHA-256 with its
// intent (then the writer's digest decides, and a duplicate is dropped uncommitted with its
// intent), the commit (size and digest checked, fsync, rename), and for a whole upload the
// record through `events`. A part (multipart) is committed only. Errors keep the writer's
// codes (IncompleteBody, BadDigest, ...); "NotRecorded" when the bytes are stored but the
// record could not be written (start-up recovery records them). In upload_put.cpp: the
// local shape only.
Result<AcceptedPut> accept_put(store::MetadataStore& metadata, ImageEvents& events, const store::UploadIntent& intent,
                               store::BlobWriter& writer, bool is_part);

}  // namespace imgmeta::pipeline
