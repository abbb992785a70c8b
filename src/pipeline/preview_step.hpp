// The preview step: the second product of the pipeline, after the metadata. For one object
// version it renders a thumbnail and a preview (preview/renderer.hpp), stores them through the
// BlobStore under previews/<owner>/<imageId>/ (never under uploads/, where the extractor
// listens), and records them with MetadataStore::set_preview. The local shape runs it from
// PreviewWorkers after extraction; the AWS shape from the preview Lambda, fed by the same
// bucket events as the extractor.
//
// An image whose renditions cannot be made stays `ready`: the step records `failed` or
// `unsupported` with the reason instead.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "meta/result.hpp"
#include "preview/renderer.hpp"
#include "store/blob_store.hpp"
#include "store/metadata_store.hpp"

namespace imgmeta::pipeline {

using meta::Result;

inline constexpr std::string_view kThumbnailName = "thumb.webp";
inline constexpr std::string_view kPreviewName = "preview.webp";

// previews/<owner>/<imageId>/<name>
std::string rendition_key(std::string_view owner, std::string_view image_id, std::string_view name);

enum class PreviewAction {
  Rendered,  // renditions stored and recorded
  Recorded,  // no renditions could be made: failed/unsupported recorded with the reason
  NotYet,    // the record is missing, pending or of an older version: try again later
  Skipped,   // nothing to do: a newer version, an image that is not ready, or a deleted one
  Removed,   // the renditions of a deleted image were removed
};
std::string_view to_string(PreviewAction action);

struct PreviewOutcome {
  PreviewAction action = PreviewAction::Skipped;
  store::PreviewState state;  // Rendered/Recorded: what was recorded
  uint64_t bytes_read = 0;    // read from the original
  uint64_t bytes_written = 0; // both renditions
  std::chrono::microseconds render_time{0};
  std::chrono::microseconds total_time{0};
};

// Renders object version `sequencer` of owner/image_id. `renderer` null (or load failure
// text in `unavailable`) records the image as failed with that reason. Errors only for
// storage failures worth retrying.
Result<PreviewOutcome> make_previews(const std::string& owner, const std::string& image_id,
                                     const std::string& sequencer, store::BlobStore& blobs,
                                     store::MetadataStore& metadata, preview::Renderer* renderer,
                                     const preview::Options& options, const std::string& unavailable = {});

// Deletes an image's renditions. Idempotent.
meta::Status remove_previews(const std::string& owner, const std::string& image_id, store::BlobStore& blobs);

// A URL for one rendition that stays the same across listings while it is valid: signed as
// of the later of the rendering time and the start of the current UTC day, for two days.
// nullopt when the record has no ready renditions.
std::optional<std::string> rendition_url(const store::ImageRecord& record, std::string_view name,
                                         store::BlobStore& blobs, int64_t now_s);

}  // namespace imgmeta::pipeline
