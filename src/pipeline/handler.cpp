#include "pipeline/handler.hpp"

#include <chrono>
#include <cmath>

#include "meta/json.hpp"
#include "meta/utf8.hpp"
#include "pipeline/preview_step.hpp"
#include "pipeline/uploads.hpp"
#include "store/time.hpp"

namespace imgmeta::pipeline {
namespace {

using meta::make_error;
using namespace meta::field_literals;
using Clock = std::chrono::steady_clock;

std::chrono::microseconds since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start);
}

// The blob store's source, remembering whether a read failed: the extractor turns read
// errors into its own errors, and those are worth a retry, unlike a malformed file.
class WatchedSource final : public meta::Source {
 public:
  explicit WatchedSource(meta::Source& inner) : inner_(inner) {}
  uint64_t size() const override { return inner_.size(); }
  Result<size_t> read_at(uint64_t offset, std::span<uint8_t> out) override {
    auto r = inner_.read_at(offset, out);
    if (!r && !io_error_) io_error_ = r.error();
    return r;
  }
  std::optional<std::span<const uint8_t>> contiguous() const override { return inner_.contiguous(); }
  size_t preferred_block_size() const override { return inner_.preferred_block_size(); }
  const std::optional<Error>& io_error() const { return io_error_; }

 private:
  meta::Source& inner_;
  std::optional<Error> io_error_;
};

// The extractor's "no format recognised" (meta/extract.cpp).
bool is_unknown_format(const Error& e) { return e.code == meta::Errc::UnknownFormat || e.message == "unknown file type"; }

void append_words(std::string& out, const meta::Value* v) {
  if (!v) return;
  auto add = [&](const std::string& s) {
    if (s.empty()) return;
    if (!out.empty()) out += ' ';
    out += s.substr(0, 1024);
  };
  if (const auto* s = std::get_if<std::string>(v)) add(*s);
  else if (const auto* list = std::get_if<std::vector<std::string>>(v))
    for (size_t i = 0; i < list->size() && i < 64; ++i) add((*list)[i]);
}

// The whole record when the store has none to write the extraction onto (the S3 event
// came before any record: the AWS shape's single PUT): the pending record of the upload
// intent, else of the object alone, with the extraction merged in.
store::ImageRecord record_from_intent(const ObjectKey& k, const store::ObjectInfo& head,
                                              const store::ImageRecord& extracted,
                                              const std::optional<store::UploadIntent>& intent) {
  store::UploadIntent from = intent ? *intent : store::UploadIntent{};
  from.owner = k.owner;
  from.image_id = k.image_id;
  store::ImageRecord r = pending_record(from, head, store::now_ms());
  r.uploaded_at_ms = extracted.uploaded_at_ms;
  // The pending record names a type when the intent or the object did; an unnamed one
  // (application/octet-stream) is the extractor's to fill in.
  store::merge_extraction(r, extracted);
  return r;
}

}  // namespace

std::string_view to_string(Action action) {
  switch (action) {
    case Action::Extracted: return "extracted";
    case Action::Removed: return "removed";
    case Action::Stale: return "stale";
    case Action::Missing: return "missing";
    case Action::Ignored: return "ignored";
  }
  return "ignored";
}

void fill_from_metadata(const meta::Metadata& md, store::ImageRecord& r) {
  r.metadata_json = meta::to_json(md);
  if (const std::string* s = md.get_string("FileType"_f)) r.format = *s;
  if (const std::string* s = md.get_string("Make"_f)) r.make = *s;
  if (const std::string* s = md.get_string("Model"_f)) r.model = *s;
  // What lens_of() would read back from metadata_json, without parsing it again: the first
  // non-empty text of LensModel, Lens, LensID (the JSON holds text fields as strings). Text
  // that is not UTF-8 is left to lens_of(), which sees it with its bytes replaced.
  r.lens = std::string();
  for (meta::FieldId id : {"LensModel"_f, "Lens"_f, "LensID"_f}) {
    const std::string* s = md.get_string(id);
    if (!s || s->empty()) continue;
    if (meta::is_utf8(*s)) r.lens = *s;
    else r.lens.reset();
    break;
  }
  // A location is both coordinates, as finite numbers in range (an altitude alone is none).
  double lat = 0, lon = 0;
  r.has_gps = md.get_number("GPSLatitude"_f, lat) && md.get_number("GPSLongitude"_f, lon) && std::isfinite(lat) &&
              std::isfinite(lon) && std::abs(lat) <= 90 && std::abs(lon) <= 180;
  r.lat = r.has_gps ? std::optional<double>(lat) : std::nullopt;
  r.lon = r.has_gps ? std::optional<double>(lon) : std::nullopt;
  auto positive = [&](meta::FieldId name) -> std::optional<double> {
    double v = 0;
    if (md.get_number(name, v) && std::isfinite(v) && v > 0) return v;
    return std::nullopt;
  };
  r.iso = positive("ISO"_f);
  r.f_number = positive("FNumber"_f);
  r.focal_mm = positive("FocalLength"_f);
  r.exposure_s = positive("ExposureTime"_f);
  double w = 0, h = 0;
  if (md.get_number("DisplayWidth"_f, w) && md.get_number("DisplayHeight"_f, h) && w > 0 && h > 0 && w < 1e9 && h < 1e9) {
    r.display_width = static_cast<int>(w);
    r.display_height = static_cast<int>(h);
  }
  // takenAt: the UTC instant when the file records an offset (composite DateTimeOriginalUTC),
  // else the wall-clock time read as UTC (EXIF dates without OffsetTime carry no zone).
  r.taken_at_ms.reset();
  for (meta::FieldId name : {"DateTimeOriginalUTC"_f, "CreateDateUTC"_f, "DateTimeOriginal"_f, "CreateDate"_f}) {
    const std::string* s = md.get_string(name);
    if (!s || s->size() < 19) continue;
    std::string iso = *s;
    // EXIF 2.32 section 4.6.5: "YYYY:MM:DD HH:MM:SS" -> ISO 8601.
    if (iso[4] == ':' && iso[7] == ':') {
      iso[4] = '-';
      iso[7] = '-';
    }
    if (auto ms = store::parse_iso8601_ms(iso)) {
      r.taken_at_ms = *ms;
      break;
    }
  }
  std::string words = r.filename;
  for (meta::FieldId name :
       {"FileType"_f, "Make"_f, "Model"_f, "LensModel"_f, "Software"_f, "Artist"_f, "Copyright"_f,
        "ImageDescription"_f, "Title"_f, "Description"_f, "Caption-Abstract"_f, "Headline"_f, "ObjectName"_f,
        "Keywords"_f, "Subject"_f, "XPTitle"_f, "XPSubject"_f, "XPKeywords"_f, "XPComment"_f, "City"_f, "State"_f,
        "Country"_f, "Sub-location"_f, "Creator"_f, "By-line"_f})
    append_words(words, md.get(name));
  r.search_text = search_text(words);
}

Result<Outcome> handle(const EventRecord& event, store::BlobStore& blobs, store::MetadataStore& metadata,
                       const HandlerOptions& options) {
  auto started = Clock::now();
  Outcome out;
  out.key = event.key;
  out.sequencer = effective_sequencer(event);
  auto finish = [&](Action a) {
    out.action = a;
    out.total_time = since(started);
    return out;
  };
  auto k = parse_object_key(event.key);
  if (!k) return finish(Action::Ignored);
  out.owner = k->owner;
  out.image_id = k->image_id;
  std::string op = event.event_name + " " + event.key;

  auto remove_up_to_event = [&](Action when_removed) -> Result<Outcome> {
    auto t = Clock::now();
    auto removed = metadata.remove(k->owner, k->image_id, out.sequencer);
    if (!removed) return make_error(removed.error(), op + ": " + removed.error().message);
    Action action = when_removed;
    if (!*removed) {
      // Nothing deleted: either already gone (the local DELETE removes the record in its own
      // transaction) or a newer version stays.
      auto still = metadata.get(k->owner, k->image_id);
      if (still) action = Action::Stale;
      else if (still.error().code != meta::Errc::NotFound) return make_error(op + ": " + still.error().message);
    }
    out.store_time += since(t);
    if (action != Action::Stale && options.remove_bytes_on_delete && event.is_removed()) {
      if (auto s = blobs.remove(event.key); !s) return make_error(op + ": " + s.error().message);
      // The renditions go with the original (on AWS the preview function removes them).
      if (auto s = remove_previews(out.owner, out.image_id, blobs); !s) return make_error(op + ": " + s.error().message);
    }
    return finish(action);
  };

  if (event.is_removed()) return remove_up_to_event(Action::Removed);
  if (!event.is_created()) return finish(Action::Ignored);

  // (4) HEAD + ranged reads.
  auto t_head = Clock::now();
  auto opened = blobs.open(event.key);
  out.head_time = since(t_head);
  if (!opened) {
    if (opened.error().code == meta::Errc::NotFound) return remove_up_to_event(Action::Missing);
    return make_error(opened.error(), op + ": " + opened.error().message);
  }
  std::unique_ptr<meta::Source> source = std::move(opened).value();
  store::ObjectInfo head;
  head.size = source->size();
  // The ETag and content type come with the HEAD the source made; ask the store for them
  // only when the event lacks the ETag (moto's deletes, hand-made events).
  head.etag = event.etag;
  if (head.etag.empty() || !event.size || *event.size != head.size) {
    auto info = blobs.head(event.key);
    if (info) head = *info;
    else if (info.error().code == meta::Errc::NotFound) return remove_up_to_event(Action::Missing);
    else return make_error(info.error(), op + ": " + info.error().message);
  }
  out.object_size = head.size;

  // What the extraction decides (store::merge_extraction); the store keeps the rest of the
  // record (file name, sha256, uploadedAt, ...). No file name here: search_text holds the
  // metadata's words only, and the store puts the stored file name in front.
  store::ImageRecord record;
  record.owner = k->owner;
  record.image_id = k->image_id;
  record.size = head.size;
  record.etag = head.etag;
  record.sequencer = out.sequencer;
  record.updated_at_ms = store::now_ms();
  // When the bytes landed: kept by a stored record; taken by one made from the intent.
  record.uploaded_at_ms = store::parse_iso8601_ms(event.event_time).value_or(head.last_modified_ms);
  if (record.uploaded_at_ms == 0) record.uploaded_at_ms = record.updated_at_ms;

  // (5) extract.
  if (head.size == 0) {
    record.status = store::ImageStatus::Failed;
    record.error = "empty object (0 bytes)";
  } else if (head.size > options.max_object_size) {
    record.status = store::ImageStatus::Failed;
    record.error = "object of " + std::to_string(head.size) + " bytes is over the limit of " +
                   std::to_string(options.max_object_size);
  } else {
    WatchedSource watched(*source);
    auto t_extract = Clock::now();
    auto md = meta::extract(watched, options.extract);
    out.extract_time = since(t_extract);
    if (watched.io_error()) {
      // The bytes could not be read (disk, network): retry rather than blame the file.
      return make_error(*watched.io_error(), op + ": reading the object: " + watched.io_error()->message);
    }
    if (md) {
      out.bytes_read = md->bytes_read;
      out.source_reads = md->source_reads;
      fill_from_metadata(*md, record);
      record.status = store::ImageStatus::Ready;
      // The extractor's MIMEType: the record takes it when neither the client nor the object
      // said what it is (merge_extraction).
      if (const std::string* mime = md->get_string("MIMEType"_f); mime && is_accepted_content_type(*mime))
        record.content_type = canonical_content_type(*mime);
    } else if (is_unknown_format(md.error())) {
      record.status = store::ImageStatus::Unsupported;
      record.error = "not a supported image format";
    } else {
      record.status = store::ImageStatus::Failed;
      record.error = md.error().message;
    }
  }
  out.status = record.status;
  out.error = record.error;

  // (6) conditional write: onto the stored record (one write, no read first), or, when
  // there is none yet, the whole record from the upload intent.
  auto t_store = Clock::now();
  auto store_failed = [&](const Error& e) -> Result<Outcome> {
    out.store_time += since(t_store);
    return make_error(e, op + ": " + e.message);
  };
  auto applied = metadata.apply_extraction(record);
  if (!applied) return store_failed(applied.error());
  Action action = *applied == store::ApplyOutcome::Applied ? Action::Extracted : Action::Stale;
  if (*applied == store::ApplyOutcome::NoRecord) {
    auto intent = metadata.get_upload_intent(k->owner, k->image_id);
    if (!intent && intent.error().code != meta::Errc::NotFound) return store_failed(intent.error());
    if (!intent) {
      // Where the store keeps the intent on the record's item (DynamoDB), a concurrent
      // delivery of the same event may have just turned it into the record: write onto that
      // rather than over it with a record that never saw the intent.
      applied = metadata.apply_extraction(record);
      if (!applied) return store_failed(applied.error());
      if (*applied != store::ApplyOutcome::NoRecord) {
        out.store_time += since(t_store);
        return finish(*applied == store::ApplyOutcome::Applied ? Action::Extracted : Action::Stale);
      }
    }
    store::ImageRecord full = record_from_intent(
        *k, head, record, intent ? std::optional<store::UploadIntent>(*intent) : std::nullopt);
    auto written = metadata.apply(full);
    if (!written) return store_failed(written.error());
    action = *written ? Action::Extracted : Action::Stale;
  }
  out.store_time += since(t_store);
  return finish(action);
}

bool mark_failed(const EventRecord& e, store::MetadataStore& metadata, const std::string& error) {
  auto k = parse_object_key(e.key);
  if (!k || !e.is_created()) return false;
  auto existing = metadata.get(k->owner, k->image_id);
  store::ImageRecord r;
  if (existing) {
    r = std::move(existing).value();
  } else {
    store::UploadIntent intent;
    intent.owner = k->owner;
    intent.image_id = k->image_id;
    store::ObjectInfo object;
    object.size = e.size.value_or(0);
    object.etag = e.etag;
    r = pending_record(intent, object, store::now_ms());
  }
  r.status = store::ImageStatus::Failed;
  r.error = error;
  r.sequencer = effective_sequencer(e);
  r.updated_at_ms = store::now_ms();
  auto applied = metadata.apply(r);
  return applied && *applied;
}

}  // namespace imgmeta::pipeline
