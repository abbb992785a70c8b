#include "lambda/preview_handler.hpp"

#include <thread>

namespace imgmeta::lambda {
namespace {

using Clock = std::chrono::steady_clock;

store::ImageStatus as_image_status(store::PreviewStatus s) {
  switch (s) {
    case store::PreviewStatus::Ready: return store::ImageStatus::Ready;
    case store::PreviewStatus::Unsupported: return store::ImageStatus::Unsupported;
    default: return store::ImageStatus::Failed;
  }
}

}  // namespace

meta::Result<pipeline::Outcome> preview_record(const pipeline::EventRecord& ev, PreviewContext& ctx) {
  const auto t0 = Clock::now();
  pipeline::Outcome out;
  out.key = ev.key;
  out.sequencer = pipeline::effective_sequencer(ev);  // as the extractor wrote it
  auto key = pipeline::parse_object_key(ev.key);
  if (!key || !(ev.is_created() || ev.is_removed())) return out;  // Ignored
  out.owner = key->owner;
  out.image_id = key->image_id;
  out.object_size = ev.size.value_or(0);
  auto finish = [&](pipeline::Action action) {
    out.action = action;
    out.total_time = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0);
    return out;
  };
  if (ev.is_removed()) {
    if (auto s = pipeline::remove_previews(out.owner, out.image_id, *ctx.blobs); !s) return s.error();
    return finish(pipeline::Action::Removed);
  }
  auto wait = ctx.first_wait;
  for (;;) {
    auto made = pipeline::make_previews(out.owner, out.image_id, out.sequencer, *ctx.blobs, *ctx.metadata,
                                        ctx.renderer, ctx.options, ctx.unavailable);
    if (!made) return made.error();
    switch (made->action) {
      case pipeline::PreviewAction::Rendered:
      case pipeline::PreviewAction::Recorded:
        out.status = as_image_status(made->state.status);
        out.error = made->state.error;
        out.bytes_read = made->bytes_read;
        out.extract_time = made->render_time;
        return finish(pipeline::Action::Extracted);
      case pipeline::PreviewAction::Skipped:
      case pipeline::PreviewAction::Removed:
        return finish(pipeline::Action::Stale);
      case pipeline::PreviewAction::NotYet:
        break;
    }
    if (Clock::now() - t0 + wait > ctx.wait_for_record)
      return meta::make_error(meta::Errc::NotYet, "the image's record is not written yet (the extractor runs at the same time)");
    std::this_thread::sleep_for(wait);
    wait = std::min(wait * 2, std::chrono::milliseconds(2000));
  }
}

}  // namespace imgmeta::lambda
