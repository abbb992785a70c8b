// MetadataStore: image records, upload intents and the tombstones that keep deleted images
// deleted. Two implementations share this interface: SQLite (store/sqlite_metadata_store.hpp,
// the embedded default) and DynamoDB (src/aws). Part of the header-only target
// imgmeta_store_api.
//
// Every method is scoped to an owner: no call reads or writes another owner's rows, so an
// image id guessed across owners answers "NotFound" like a missing one.
//
// Ordering (events arrive at least once and out of order; DESIGN.md "One path for the
// data"): every write of a record carries the S3 `sequencer` of the event it comes from.
// For one (owner, imageId):
//   - apply(r) writes when there is no record and no tombstone at or after r.sequencer, or
//     when the stored record's sequencer is older than r's. With an equal sequencer (the same
//     object version: a duplicate event, a retry, a re-extraction) the write wins too, except
//     that a `pending` record never replaces a finished one.
//   - remove(owner, id, s) deletes the record when its sequencer is at or before s, and
//     leaves a tombstone at s so that an older create arriving later cannot resurrect it.
// Sequencers compare as S3 says: left-pad the shorter with '0', then compare as strings
// (compare_sequencers below; hex, case-insensitive).
//
// Errors (meta::Error::code): "NotFound" (no such record / intent), "Conflict" (an intent
// with that id exists already), "InvalidArgument" (bad cursor, empty owner, bad limit);
// anything else is a storage failure and may be retried.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "meta/ascii.hpp"
#include "meta/result.hpp"

namespace imgmeta::store {

using meta::Error;
using meta::Result;
using meta::Status;

enum class ImageStatus { Pending, Ready, Failed, Unsupported };

inline std::string_view to_string(ImageStatus s) {
  switch (s) {
    case ImageStatus::Pending: return "pending";
    case ImageStatus::Ready: return "ready";
    case ImageStatus::Failed: return "failed";
    case ImageStatus::Unsupported: return "unsupported";
  }
  return "pending";
}

inline std::optional<ImageStatus> parse_image_status(std::string_view s) {
  if (s == "pending") return ImageStatus::Pending;
  if (s == "ready") return ImageStatus::Ready;
  if (s == "failed") return ImageStatus::Failed;
  if (s == "unsupported") return ImageStatus::Unsupported;
  return std::nullopt;
}

// S3 User Guide, "Event message structure": "the sequencer key ... compare the strings after
// left-padding the shorter one with zeros". Case-insensitive (hex); <0, 0, >0 like strcmp.
inline int compare_sequencers(std::string_view a, std::string_view b) {
  size_t n = a.size() > b.size() ? a.size() : b.size();
  for (size_t i = 0; i < n; ++i) {
    char ca = i + a.size() < n ? '0' : a[i + a.size() - n];
    char cb = i + b.size() < n ? '0' : b[i + b.size() - n];
    if (ca >= 'a' && ca <= 'z') ca = static_cast<char>(ca - 'a' + 'A');
    if (cb >= 'a' && cb <= 'z') cb = static_cast<char>(cb - 'a' + 'A');
    if (ca != cb) return static_cast<unsigned char>(ca) < static_cast<unsigned char>(cb) ? -1 : 1;
  }
  return 0;
}

// The same order as a plain string comparison, for stores that compare in their query
// language (DynamoDB condition expressions): uppercase, left-padded with '0' to 32
// characters (S3's sequencers are 18 today; longer ones are kept as they are).
inline std::string sequencer_sort_key(std::string_view s) {
  std::string out = s.size() < 32 ? std::string(32 - s.size(), '0') : std::string();
  for (char c : s) out += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  return out;
}

// The renditions made for people to look at (a thumbnail for the grid, a preview for the
// detail view), stored beside the original under previews/<owner>/<imageId>/. They belong to
// one version of the object: `sequencer` is the one they were made from, and a record whose
// sequencer differs (a new upload, a re-extraction) has no renditions yet.
enum class PreviewStatus { Pending, Ready, Failed, Unsupported };

inline std::string_view to_string(PreviewStatus s) {
  switch (s) {
    case PreviewStatus::Pending: return "pending";
    case PreviewStatus::Ready: return "ready";
    case PreviewStatus::Failed: return "failed";
    case PreviewStatus::Unsupported: return "unsupported";
  }
  return "pending";
}

inline std::optional<PreviewStatus> parse_preview_status(std::string_view s) {
  if (s == "pending") return PreviewStatus::Pending;
  if (s == "ready") return PreviewStatus::Ready;
  if (s == "failed") return PreviewStatus::Failed;
  if (s == "unsupported") return PreviewStatus::Unsupported;
  return std::nullopt;
}

struct PreviewState {
  PreviewStatus status = PreviewStatus::Pending;
  std::string error;      // "previewError": why failed/unsupported
  std::string version;    // Unix seconds of the rendering; part of the renditions' URLs
  std::string origin;     // "embedded" (a preview stored in the file) or "decoded"
  std::string sequencer;  // the object version rendered; empty: not rendered yet
  int thumb_width = 0, thumb_height = 0, preview_width = 0, preview_height = 0;
};

// One image. The API's JSON names are in the comments (GET /api/images/{imageId}).
struct ImageRecord {
  std::string owner;         // Cognito sub / local user id
  std::string image_id;      // "imageId", a ULID
  std::string filename;      // "filename", as the client named it at POST /api/uploads
  std::string content_type;  // "contentType", as declared (and stored with the object)
  uint64_t size = 0;         // "size", bytes
  std::string sha256;        // "sha256", lowercase hex; empty when unknown
  std::string etag;          // the object's ETag (no quotes)
  ImageStatus status = ImageStatus::Pending;  // "status"
  std::string error;         // "error": why failed/unsupported; empty otherwise
  int64_t uploaded_at_ms = 0;              // "uploadedAt", Unix ms (when the bytes landed)
  std::optional<int64_t> taken_at_ms;      // "takenAt", Unix ms UTC, when the metadata says
  int64_t updated_at_ms = 0;               // last write of this record, Unix ms
  std::string sequencer;     // S3 sequencer of the event last applied
  std::string metadata_json = "{}";  // "metadata": one object of `imgmeta extract -j` (ExifTool names)

  // Denormalised from the metadata for the list filters (set by the handler).
  std::string format;  // FileType ("JPEG", "PNG", "HEIC", ...); empty when unknown
  std::string make;    // Make, as in the file
  std::string model;   // Model, as in the file
  // lens_of(metadata_json), when the extraction that wrote metadata_json already knew it (the
  // handler sets it; no store keeps it, so records read back leave it unset and the lens is
  // read from the metadata again).
  std::optional<std::string> lens;
  bool has_gps = false;       // GPSLatitude and GPSLongitude present
  std::string search_text;    // lowercase words the `q` filter matches as substrings
  // For the exposure, orientation and map filters (GET /api/images, /api/locations).
  std::optional<double> lat, lon;     // degrees, signed; set together when has_gps
  std::optional<double> iso;          // ISO
  std::optional<double> f_number;     // FNumber
  std::optional<double> focal_mm;     // FocalLength, mm
  std::optional<double> exposure_s;   // ExposureTime, seconds
  int display_width = 0, display_height = 0;  // as shown (orientation applied); 0 unknown

  // Written by set_preview only: apply() leaves it alone on stores where it survives
  // (DynamoDB) and clears it where a rewrite means "render again" (SQLite).
  PreviewState preview;

  // "trashedAt", Unix ms: the image is in the trash (hidden from list(), still answered by
  // get()). Written by trash() and restore() only: apply() keeps the stored value on every
  // store, so a re-extraction or a duplicate event does not bring a trashed image back.
  std::optional<int64_t> trashed_at_ms;
};

// What the API shows of the renditions: an image that is not `ready` gets none; renditions
// of another object version than the record's are not the record's.
inline PreviewStatus effective_preview_status(const ImageRecord& r) {
  if (r.status == ImageStatus::Pending) return PreviewStatus::Pending;
  if (r.status != ImageStatus::Ready) return PreviewStatus::Unsupported;
  if (r.preview.sequencer.empty() || compare_sequencers(r.preview.sequencer, r.sequencer) != 0)
    return PreviewStatus::Pending;
  return r.preview.status;
}

enum class SortOrder { Uploaded, Taken };  // both newest first

enum class Orientation { Portrait, Landscape, Square };

// bbox=minLon,minLat,maxLon,maxLat (the order Leaflet's toBBoxString and GeoJSON use). A box
// whose min_lon is greater than its max_lon crosses the antimeridian.
struct BoundingBox {
  double min_lon = -180, min_lat = -90, max_lon = 180, max_lat = 90;
};

// GET /api/images. Every filter is optional; they combine with AND.
struct ImageQuery {
  std::string owner;                 // required
  int limit = 50;                    // 1 .. kMaxListLimit
  std::string cursor;                // from the previous page's next_cursor; empty = first page
  std::optional<std::string> format; // FileType: case-insensitive substring with aliases (format_patterns)
  std::optional<std::string> make;   // case-insensitive substring ("nikon" finds "NIKON CORPORATION")
  std::optional<std::string> model;  // case-insensitive substring
  std::optional<std::string> lens;   // LensModel, Lens or LensID (lens_of): case-insensitive substring
  std::optional<int64_t> taken_from_ms;  // takenAt >= this (images without takenAt excluded)
  std::optional<int64_t> taken_to_ms;    // takenAt <= this
  std::optional<bool> has_gps;
  std::optional<std::string> q;      // case-insensitive substring of search_text
  std::optional<ImageStatus> status;
  SortOrder sort = SortOrder::Uploaded;  // Taken: images without takenAt come last
  // Inclusive ranges; an image without the value never matches a range on it.
  std::optional<double> iso_min, iso_max;
  std::optional<double> f_min, f_max;
  std::optional<double> focal_min, focal_max;
  std::optional<double> exposure_min, exposure_max;
  std::optional<Orientation> orientation;  // from the displayed size
  std::optional<BoundingBox> bbox;         // located images inside it
  // The map's projection: only image_id, lat, lon, taken_at_ms and uploaded_at_ms are
  // filled in the results (the rest keeps its defaults), so a page of markers costs little.
  bool location_only = false;
};

inline constexpr int kMaxListLimit = 1000;
inline constexpr int kMaxLocationLimit = 10000;  // location_only pages: four fields an item

// What a `format` filter matches: lowercase substrings of the FileType, any of them. People
// and file names say "jpg" and "tif" where ExifTool says JPEG and TIFF; HEIC is a HEIF (and
// ExifTool names a file by its brand); every WebP variant ("Extended WEBP") contains "webp".
inline std::vector<std::string> format_patterns(std::string_view format) {
  std::string f;
  for (char c : format)
    if (c != ' ' || !f.empty()) f += meta::ascii_lower(c);
  while (!f.empty() && f.back() == ' ') f.pop_back();
  if (f == "jpg" || f == "jpe" || f == "jfif") return {"jpeg"};
  if (f == "tif") return {"tiff"};
  if (f == "heic" || f == "heif") return {"heic", "heif"};
  return {f};
}

// The lens an image was taken with, for the `lens` filter and its suggestions: LensModel
// (EXIF 0xA434), else the maker's Lens or ExifTool's LensID, each a top-level member of the
// metadata object whose value is a non-empty string (the last one, should a name repeat);
// empty when none is recorded or the text is not a JSON object. Read with nlohmann's SAX
// interface, which keeps only those three values instead of building the whole document
// (the DynamoDB item of every extraction is made with it: as a DOM, 4 % of the Lambda's CPU).
inline std::string lens_of(const std::string& metadata_json) {
  using Json = nlohmann::json;
  static constexpr std::string_view kNames[] = {"LensModel", "Lens", "LensID"};
  struct Lenses final : nlohmann::json_sax<Json> {
    std::string found[3];
    bool top_is_object = false;
    int depth = 0;
    int pending = -1;  // which of kNames the top-level key just read is, else -1
    bool value(std::string* text = nullptr) {  // any value; only a string at depth 1 counts
      if (depth == 1 && pending >= 0) found[pending] = text ? std::move(*text) : std::string();
      pending = -1;
      return true;
    }
    bool open(bool object) {  // an object or array as a member's value is not a string
      if (depth == 0) top_is_object = object;
      value();
      ++depth;
      return true;
    }
    bool null() override { return value(); }
    bool boolean(bool) override { return value(); }
    bool number_integer(number_integer_t) override { return value(); }
    bool number_unsigned(number_unsigned_t) override { return value(); }
    bool number_float(number_float_t, const string_t&) override { return value(); }
    bool string(string_t& s) override { return value(&s); }
    bool binary(binary_t&) override { return value(); }
    bool start_object(std::size_t) override { return open(true); }
    bool start_array(std::size_t) override { return open(false); }
    bool end_object() override { return --depth, true; }
    bool end_array() override { return --depth, true; }
    bool key(string_t& k) override {
      pending = -1;
      for (int i = 0; depth == 1 && i < 3; ++i)
        if (k == kNames[i]) pending = i;
      return true;
    }
    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override { return false; }
  };
  Lenses sax;
  if (!Json::sax_parse(metadata_json, &sax) || !sax.top_is_object) return {};
  for (auto& f : sax.found)
    if (!f.empty()) return std::move(f);
  return {};
}

struct ImagePage {
  std::vector<ImageRecord> items;
  std::string next_cursor;  // "nextCursor"; empty on the last page. Opaque, URL-safe.
};

// --- the trash ---
// DELETE /api/images/{id} moves an image to the trash (trash()); GET /api/trash lists it
// (list_trash(), newest trashed first); restore() takes it out again; after the trash
// period the image goes for good through the ordinary delete path, which removes the bytes,
// the renditions and the record (expired_trash() finds the candidates).
struct TrashQuery {
  std::string owner;   // required
  int limit = 50;      // 1 .. kMaxListLimit
  std::string cursor;  // from the previous page's next_cursor
};

// One trashed image, across owners (the purge's view: no record bodies).
struct TrashedImage {
  std::string owner;
  std::string image_id;
  int64_t trashed_at_ms = 0;
};

// What POST /api/uploads promised: the PUT (or the multipart completion) is checked
// against it, and the handler takes filename and content type from it when no record
// exists yet (the AWS shape, where the browser PUTs straight to S3). Keep intents a while
// past expires_at (a day): late or retried events still find the filename.
struct UploadIntent {
  std::string owner;
  std::string image_id;
  std::string filename;
  std::string content_type;
  uint64_t size = 0;
  std::string sha256;               // lowercase hex as the client claimed it; empty if not given
  int64_t created_at_ms = 0;
  int64_t expires_at_ms = 0;        // the upload URL's expiry
  std::string multipart_upload_id;  // empty for a single PUT
  uint64_t part_size = 0;           // multipart: every part but the last
};

// --- writing an extraction onto an existing record (apply_extraction) ---
// What an extraction owns of a record: everything the extractor and the object decide.
// The rest (filename, sha256, uploadedAt, trashedAt, the renditions) belongs to the upload
// and to other writers and is kept as stored.
enum class ApplyOutcome {
  Applied,   // written onto the stored record
  Stale,     // a record or tombstone at a newer sequencer wins (nothing written)
  NoRecord,  // no image record to write onto (none yet, or only an older tombstone, or an
             // upload intent the store could not turn into the record in the same write):
             // the caller builds the whole record (upload intent + extraction) and apply()s it
};

inline std::string_view to_string(ApplyOutcome o) {
  switch (o) {
    case ApplyOutcome::Applied: return "applied";
    case ApplyOutcome::Stale: return "stale";
    case ApplyOutcome::NoRecord: return "no record";
  }
  return "no record";
}

// The lowercase search text of a file name and the metadata's words (each already a
// search text, or plain words: the result is lowercased), as the handler has always built it:
// "<filename> <words>".
inline std::string combined_search_text(std::string_view filename, std::string_view words) {
  std::string out(filename);
  if (!words.empty()) {
    if (!out.empty()) out += ' ';
    out += words;
  }
  for (char& c : out) c = meta::ascii_lower(c);
  return out;
}

inline bool is_unknown_content_type(std::string_view t) { return t.empty() || t == "application/octet-stream"; }

// The one definition of what apply_extraction() writes, for the stores and the handler:
// `base` (the stored record, or the pending record built from the upload intent) takes the
// extraction-owned fields of `extracted`:
//   status, error, metadata_json, format, make, model, has_gps, lat, lon, iso, f_number,
//   focal_mm, exposure_s, display_width/height, taken_at_ms, sequencer, updated_at_ms,
//   size, etag;
//   search_text = combined_search_text(base.filename, extracted.search_text), where
//     extracted.search_text holds the metadata's words only (no file name);
//   content_type = extracted.content_type (the extractor's MIME type, "" when none) only
//     when base's is unknown (empty or application/octet-stream); an unknown one that the
//     extractor cannot name becomes application/octet-stream.
inline void merge_extraction(ImageRecord& base, const ImageRecord& extracted) {
  base.status = extracted.status;
  base.error = extracted.error;
  base.metadata_json = extracted.metadata_json.empty() ? "{}" : extracted.metadata_json;
  base.format = extracted.format;
  base.make = extracted.make;
  base.model = extracted.model;
  base.lens = extracted.lens;
  base.has_gps = extracted.has_gps;
  base.lat = extracted.lat;
  base.lon = extracted.lon;
  base.iso = extracted.iso;
  base.f_number = extracted.f_number;
  base.focal_mm = extracted.focal_mm;
  base.exposure_s = extracted.exposure_s;
  base.display_width = extracted.display_width;
  base.display_height = extracted.display_height;
  base.taken_at_ms = extracted.taken_at_ms;
  base.sequencer = extracted.sequencer;
  base.updated_at_ms = extracted.updated_at_ms;
  base.size = extracted.size;
  base.etag = extracted.etag;
  base.search_text = combined_search_text(base.filename, extracted.search_text);
  if (is_unknown_content_type(base.content_type))
    base.content_type = is_unknown_content_type(extracted.content_type) ? "application/octet-stream" : extracted.content_type;
}

class MetadataStore {
 public:
  virtual ~MetadataStore() = default;

  // --- upload intents ---
  // "Conflict" when (owner, image_id) has an intent already.
  virtual Status put_upload_intent(const UploadIntent& intent) = 0;
  // "NotFound" when absent (expired ones are returned; the caller checks expires_at_ms).
  virtual Result<UploadIntent> get_upload_intent(const std::string& owner, const std::string& image_id) = 0;
  // Idempotent.
  virtual Status remove_upload_intent(const std::string& owner, const std::string& image_id) = 0;

  // The image id of an existing record of this owner with these bytes (any status), or
  // nullopt. POST /api/uploads answers 409 with it.
  virtual Result<std::optional<std::string>> find_by_sha256(const std::string& owner, const std::string& sha256) = 0;

  // --- records ---
  // The conditional write described at the top. Returns true when written, false when
  // stale (a newer record or tombstone wins); an Error only when storage fails.
  virtual Result<bool> apply(const ImageRecord& record) = 0;
  // Writes an extraction's result onto the stored record without reading it first (one
  // conditional write where the store allows): merge_extraction(stored, extracted), under
  // the ordering rule of apply() (the stored sequencer at or before extracted.sequencer).
  // `extracted` carries owner, image_id and the fields merge_extraction names; its status
  // must not be pending ("InvalidArgument"). NoRecord leaves everything as it was.
  // extracted.uploaded_at_ms is when the bytes landed (the event's time): a store that keeps
  // the upload intent where the record goes (DynamoDB) turns it into the record in the same
  // write, with that uploadedAt.
  virtual Result<ApplyOutcome> apply_extraction(const ImageRecord& extracted) = 0;
  // Deletes up to `sequencer` and leaves the tombstone. true when a record was deleted,
  // false when there was none or a newer one stays.
  virtual Result<bool> remove(const std::string& owner, const std::string& image_id,
                              const std::string& sequencer) = 0;
  // "NotFound" when absent (or another owner's).
  virtual Result<ImageRecord> get(const std::string& owner, const std::string& image_id) = 0;
  virtual Result<ImagePage> list(const ImageQuery& query) = 0;

  // Records the renditions made from object version `sequencer`. Writes only when the record
  // exists with exactly that sequencer: true when written, false when the record is missing
  // (not extracted yet, or deleted) or belongs to another version.
  virtual Result<bool> set_preview(const std::string& owner, const std::string& image_id,
                                   const std::string& sequencer, const PreviewState& preview) = 0;

  // --- trash (see TrashQuery) ---
  // Marks the record trashed at `at_ms` and returns it. Idempotent: an image in the trash
  // keeps its first trashedAt. "NotFound" when the owner has no such record.
  virtual Result<ImageRecord> trash(const std::string& owner, const std::string& image_id, int64_t at_ms) = 0;
  // Takes the record out of the trash and returns it. "NotFound" when there is no such
  // record or it is not in the trash.
  virtual Result<ImageRecord> restore(const std::string& owner, const std::string& image_id) = 0;
  // The owner's trashed records, newest trashed first ("InvalidArgument" as list()).
  virtual Result<ImagePage> list_trash(const TrashQuery& query) = 0;
  // Up to `limit` trashed images of any owner with trashedAt <= cutoff_ms, for the purge.
  virtual Result<std::vector<TrashedImage>> expired_trash(int64_t cutoff_ms, int limit) = 0;
};

}  // namespace imgmeta::store
