// The event handler: one S3 event record in, the image's record brought up to date. The
// same function runs in the local server's outbox workers and in the AWS Lambda
// (s3metadataFetcher). DESIGN.md "One path for the data", steps (3)-(6).
//
// ObjectCreated:* -> HEAD + ranged reads through BlobStore::open (never the whole object),
//   meta::extract, then MetadataStore::apply_extraction with the event's sequencer (the
//   extraction written onto the stored record without reading it; when there is none yet,
//   the upload intent's pending record with the extraction merged in, through apply):
//     ready        the extractor recognised the format (warnings stay in the metadata)
//     unsupported  no known image format (or an empty object)
//     failed       a recognised format whose header cannot be read, or an object over
//                  max_object_size; `error` says why
//   An object that no longer exists (deleted since) is treated like its removal.
// ObjectRemoved:* -> MetadataStore::remove with the event's sequencer (tombstone), and, when
//   remove_bytes_on_delete, BlobStore::remove (the local shape; S3 removed them already).
//
// Idempotent: a duplicate gives the same state; a reordered older event loses to the newer
// sequencer (apply/remove return "stale"). Keys outside the contract are ignored.
//
// Returns an Error only for failures worth retrying (blob store or metadata store I/O);
// everything the object itself causes ends in a written status.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "meta/extract.hpp"
#include "meta/result.hpp"
#include "pipeline/event.hpp"
#include "store/blob_store.hpp"
#include "store/metadata_store.hpp"

namespace imgmeta::pipeline {

struct HandlerOptions {
  meta::Options extract;                      // the extractor's caps
  uint64_t max_object_size = 1ull << 30;      // larger objects end `failed` ("too large")
  bool remove_bytes_on_delete = false;        // local shape: the outbox delete also removes the file
};

enum class Action {
  Extracted,  // record written: ready, failed or unsupported (see status)
  Removed,    // record deleted (tombstone written)
  Stale,      // a newer event already decided this image: nothing written
  Missing,    // ObjectCreated for an object that is gone: record removed up to this event
  Ignored,    // key outside uploads/<owner>/<imageId>, or an event kind we do not handle
};
std::string_view to_string(Action action);

struct Outcome {
  Action action = Action::Ignored;
  std::string owner;
  std::string image_id;
  std::string key;
  std::string sequencer;                 // the effective sequencer used for the write
  store::ImageStatus status = store::ImageStatus::Pending;  // Extracted: what was written
  std::string error;                     // failed/unsupported: the reason written
  uint64_t object_size = 0;
  uint64_t bytes_read = 0;               // fetched from the blob store by the extractor
  uint64_t source_reads = 0;             // ranged reads issued
  std::chrono::microseconds head_time{0};     // BlobStore::open (the HEAD)
  std::chrono::microseconds extract_time{0};  // meta::extract incl. ranged reads
  std::chrono::microseconds store_time{0};    // MetadataStore reads and the conditional write
  std::chrono::microseconds total_time{0};
};

Result<Outcome> handle(const EventRecord& event, store::BlobStore& blobs, store::MetadataStore& metadata,
                       const HandlerOptions& options = {});

// After the last retry of an ObjectCreated event: writes the image's record as `failed`
// with `error` (creating a minimal one when none exists), so a failure is never silent.
// Best effort: false when the event is not an upload's creation or a newer event owns the
// record already.
bool mark_failed(const EventRecord& event, store::MetadataStore& metadata, const std::string& error);

// The record fields the handler derives from metadata (exposed for tests and for
// re-deriving after a schema change): format, make, model, has_gps, taken_at_ms and
// search_text from the extractor's output, and metadata_json.
void fill_from_metadata(const meta::Metadata& md, store::ImageRecord& record);

}  // namespace imgmeta::pipeline
