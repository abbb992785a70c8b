#include "pipeline/preview_step.hpp"

#include <algorithm>
#include <charconv>
#include <ctime>

#include "pipeline/event.hpp"

namespace imgmeta::pipeline {
namespace {

using Clock = std::chrono::steady_clock;
using meta::make_error;

std::chrono::microseconds since(Clock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0);
}

// A Source that counts what the renderer reads.
class CountingSource final : public meta::Source {
 public:
  explicit CountingSource(meta::Source& inner) : inner_(inner) {}
  uint64_t size() const override { return inner_.size(); }
  Result<size_t> read_at(uint64_t offset, std::span<uint8_t> out) override {
    auto n = inner_.read_at(offset, out);
    if (n) bytes_ += *n;
    return n;
  }
  std::optional<std::span<const uint8_t>> contiguous() const override { return inner_.contiguous(); }
  size_t preferred_block_size() const override { return inner_.preferred_block_size(); }
  uint64_t bytes() const { return bytes_; }

 private:
  meta::Source& inner_;
  uint64_t bytes_ = 0;
};

store::PreviewStatus status_for(const meta::Error& e) {
  return e.code == meta::Errc::Unsupported ? store::PreviewStatus::Unsupported : store::PreviewStatus::Failed;
}

}  // namespace

std::string_view to_string(PreviewAction action) {
  switch (action) {
    case PreviewAction::Rendered: return "rendered";
    case PreviewAction::Recorded: return "recorded";
    case PreviewAction::NotYet: return "not-yet";
    case PreviewAction::Skipped: return "skipped";
    case PreviewAction::Removed: return "removed";
  }
  return "skipped";
}

std::string rendition_key(std::string_view owner, std::string_view image_id, std::string_view name) {
  std::string key = "previews/";
  key.append(owner).append("/").append(image_id).append("/").append(name);
  return key;
}

Result<PreviewOutcome> make_previews(const std::string& owner, const std::string& image_id, const std::string& sequencer,
                                     store::BlobStore& blobs, store::MetadataStore& metadata,
                                     preview::Renderer* renderer, const preview::Options& options,
                                     const std::string& unavailable) {
  const auto t0 = Clock::now();
  PreviewOutcome out;
  auto rec = metadata.get(owner, image_id);
  if (!rec) {
    if (rec.error().code != meta::Errc::NotFound) return rec.error();
    out.action = PreviewAction::NotYet;  // not extracted yet, or deleted (the caller's retries end it)
    return out;
  }
  int cmp = store::compare_sequencers(rec->sequencer, sequencer);
  if (cmp > 0) return out;  // Skipped: a newer version decides
  if (cmp < 0 || rec->status == store::ImageStatus::Pending) {
    out.action = PreviewAction::NotYet;
    return out;
  }
  if (rec->status != store::ImageStatus::Ready) return out;  // failed/unsupported: nothing to show

  store::PreviewState state;
  state.version = std::to_string(std::time(nullptr));
  // The record's own spelling of the sequencer (equal to `sequencer` as S3 compares them).
  const std::string version_of = rec->sequencer;
  auto record = [&](store::PreviewState s) -> Result<PreviewOutcome> {
    auto written = metadata.set_preview(owner, image_id, version_of, s);
    if (!written) return written.error();
    out.state = std::move(s);
    out.total_time = since(t0);
    if (!*written) out.action = PreviewAction::Skipped;
    return out;
  };

  if (!renderer) {
    state.status = store::PreviewStatus::Failed;
    state.error = unavailable.empty() ? "previews are not available on this server" : unavailable;
    out.action = PreviewAction::Recorded;
    return record(state);
  }
  auto source = blobs.open(object_key(owner, image_id));
  if (!source) {
    if (source.error().code != meta::Errc::NotFound) return source.error();
    state.status = store::PreviewStatus::Failed;  // deleted since (its removal follows), or lost
    state.error = "the image's bytes are gone";
    out.action = PreviewAction::Recorded;
    return record(state);
  }
  CountingSource counted(**source);
  const auto r0 = Clock::now();
  auto made = renderer->render(counted, options);
  out.render_time = since(r0);
  out.bytes_read = counted.bytes();
  if (!made) {
    state.status = status_for(made.error());
    state.error = made.error().message;
    out.action = PreviewAction::Recorded;
    return record(state);
  }
  for (auto [name, rendition] : {std::pair{kThumbnailName, &made->thumbnail}, std::pair{kPreviewName, &made->preview}}) {
    // A rendition's URL changes whenever it is made again: browsers may keep it for good.
    auto put = blobs.put_object(rendition_key(owner, image_id, name), rendition->bytes, preview::kContentType,
                                "private, max-age=31536000, immutable");
    if (!put) return put.error();
    out.bytes_written += rendition->bytes.size();
  }
  state.status = store::PreviewStatus::Ready;
  state.origin = made->origin;
  state.thumb_width = made->thumbnail.width;
  state.thumb_height = made->thumbnail.height;
  state.preview_width = made->preview.width;
  state.preview_height = made->preview.height;
  out.action = PreviewAction::Rendered;
  auto result = record(state);
  if (result && result->action == PreviewAction::Skipped) {
    // The record went away or changed while rendering; renditions of a deleted image go too.
    if (auto now = metadata.get(owner, image_id); !now && now.error().code == meta::Errc::NotFound)
      (void)remove_previews(owner, image_id, blobs);
  }
  return result;
}

meta::Status remove_previews(const std::string& owner, const std::string& image_id, store::BlobStore& blobs) {
  for (auto name : {kThumbnailName, kPreviewName}) {
    auto s = blobs.remove(rendition_key(owner, image_id, name));
    if (!s) return s.error();
  }
  return meta::ok_status();
}

std::optional<std::string> rendition_url(const store::ImageRecord& rec, std::string_view name, store::BlobStore& blobs,
                                         int64_t now_s) {
  if (store::effective_preview_status(rec) != store::PreviewStatus::Ready) return std::nullopt;
  int64_t version = 0;
  const auto& v = rec.preview.version;
  std::from_chars(v.data(), v.data() + v.size(), version);
  constexpr int64_t kDay = 86400;
  store::GetOptions o;
  o.signed_at_s = std::clamp<int64_t>(std::max(version, now_s - now_s % kDay), 1, now_s);
  o.expiry = std::chrono::seconds(2 * kDay);
  o.response_content_type = preview::kContentType;
  auto url = blobs.presign_get(rendition_key(rec.owner, rec.image_id, name), o);
  if (!url) return std::nullopt;
  return url->url;
}

}  // namespace imgmeta::pipeline
