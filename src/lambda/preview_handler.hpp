// The `preview` handler (imgmetaPreview): the same bucket events as the extractor, through the
// same envelope handling (lambda/extract_handler.hpp), each record run through the preview
// step (pipeline/preview_step.hpp): ObjectCreated renders and records the renditions,
// ObjectRemoved deletes them.
//
// Both functions get every event at once, so the preview function may see an upload before
// the extractor has written its record: it waits for the record (up to wait_for_record),
// then fails the record as retryable so Lambda delivers it again.
#pragma once

#include <chrono>
#include <string>

#include "pipeline/handler.hpp"
#include "pipeline/preview_step.hpp"

namespace imgmeta::lambda {

struct PreviewContext {
  store::BlobStore* blobs = nullptr;
  store::MetadataStore* metadata = nullptr;
  preview::Renderer* renderer = nullptr;   // null: images are recorded failed with `unavailable`
  std::string unavailable;
  preview::Options options;
  std::chrono::milliseconds wait_for_record{15000};
  std::chrono::milliseconds first_wait{100};
};

// One record through the preview step, reported in the extractor's Outcome terms (action
// Extracted with status ready/failed/unsupported for a recorded rendering, Removed, Stale).
meta::Result<pipeline::Outcome> preview_record(const pipeline::EventRecord& event, PreviewContext& context);

}  // namespace imgmeta::lambda
