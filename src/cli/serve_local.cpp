// The embedded default of `imgmeta serve`: image bytes in <data-dir>/blobs (the server is
// its own presigned-PUT target), metadata, upload intents and the outbox in SQLite, worker
// threads running the handler on the outbox's S3-format event rows.
#include <chrono>
#include <optional>
#include <thread>

#include "cli/serve_args.hpp"
#include "cli/serve_shares.hpp"
#include "pipeline/metrics.hpp"
#include "pipeline/outbox.hpp"
#include "pipeline/preview_workers.hpp"
#include "preview/renderer.hpp"
#include "store/directory_blob_store.hpp"
#include "store/sqlite_metadata_store.hpp"
#include "store/sqlite_share_store.hpp"
#include "meta/json_text.hpp"

namespace imgmeta::cli {

using nlohmann::ordered_json;

namespace {

// One log line per outbox attempt: what was done to which image, or why it will be retried.
void log_attempt(http::JsonLog& log, const pipeline::AttemptReport& r) {
  const std::string id = "outbox-" + std::to_string(r.row.id) + "-" + std::to_string(r.row.attempts);
  if (!r.outcome) {
    ordered_json f{{"key", r.row.key}, {"attempt", r.row.attempts}, {"error", r.outcome.error().message}};
    if (r.gave_up) return log.error("event gave up; image marked failed", id, std::move(f));
    f["retryInMs"] = r.retry_in.count();
    return log.warn("event attempt failed; will retry", id, std::move(f));
  }
  const auto& o = *r.outcome;
  ordered_json f{{"key", o.key},
                 {"imageId", o.image_id},
                 {"userId", o.owner},
                 {"action", pipeline::to_string(o.action)},
                 {"attempt", r.row.attempts},
                 {"bytesRead", o.bytes_read},
                 {"objectSize", o.object_size},
                 {"durationMs", static_cast<double>(o.total_time.count()) / 1000.0}};
  if (o.action == pipeline::Action::Extracted) {
    f["status"] = store::to_string(o.status);
    if (o.status != store::ImageStatus::Ready) {
      f["reason"] = o.error;
      return log.warn(o.status == store::ImageStatus::Failed ? "extraction failed" : "unsupported format", id, std::move(f));
    }
  }
  log.info("event handled", id, std::move(f));
}

void log_preview(http::JsonLog& log, const pipeline::PreviewReport& r) {
  const std::string id = "preview-" + r.job.image_id;
  ordered_json f{{"imageId", r.job.image_id}, {"userId", r.job.owner}};
  if (!r.outcome) {
    f["error"] = r.outcome.error().message;
    return log.warn("preview attempt failed; will retry", id, std::move(f));
  }
  const auto& o = *r.outcome;
  f["action"] = pipeline::to_string(o.action);
  f["bytesRead"] = o.bytes_read;
  f["bytesWritten"] = o.bytes_written;
  f["renderMs"] = static_cast<double>(o.render_time.count()) / 1000.0;
  if (o.action == pipeline::PreviewAction::Rendered || o.action == pipeline::PreviewAction::Recorded) {
    f["previewStatus"] = store::to_string(o.state.status);
    if (!o.state.error.empty()) f["reason"] = o.state.error;
    if (!o.state.origin.empty()) f["origin"] = o.state.origin;
  }
  if (o.action == pipeline::PreviewAction::Recorded) return log.warn("no preview made", id, std::move(f));
  log.info("preview step", id, std::move(f));
}

// The rendering module, loaded on a thread at the previews' nice value: libvips creates its
// worker pool then, and GLib gives the pool's threads the scheduling of the thread that
// created it, nice value included. Loaded from this thread, those workers would compete with
// uploads at full priority while the preview threads that drive them are niced.
meta::Result<preview::Renderer*> load_background_renderer() {
  std::optional<meta::Result<preview::Renderer*>> loaded;
  std::thread([&loaded] {
    pipeline::nice_this_thread(pipeline::PreviewWorkerOptions{}.nice);
    loaded.emplace(preview::load_renderer());
  }).join();
  return std::move(*loaded);
}

}  // namespace

int run_serve_local(ServeContext& ctx) {
  const ServeArgs& a = ctx.args;
  http::JsonLog& log = ctx.log;
  const std::string boot = "startup";

  store::DirectoryBlobStoreOptions bo;
  bo.data_dir = a.data_dir;
  bo.public_base_url = ctx.public_url;
  bo.url_path_prefix = "/blobs/";
  bo.etag_from_sha256 = true;  // one digest pass per upload; S3 shapes keep S3's ETags
  auto blobs = store::DirectoryBlobStore::open(bo);
  if (!blobs) return serve_fail(ctx, "cannot open the blob store", blobs.error());
  const auto& cleanup = (*blobs)->startup_cleanup();
  log.info("blob store open", boot,
           {{"dataDir", a.data_dir},
            {"tempFilesRemoved", cleanup.temp_files},
            {"orphanSidecarsRemoved", cleanup.orphan_sidecars},
            {"expiredUploadsAborted", cleanup.expired_uploads}});

  store::SqliteOptions mo;
  mo.path = a.data_dir + "/metadata.db";
  mo.synchronous_full = !a.sync_normal;
  auto metadata = store::SqliteMetadataStore::open(mo);
  if (!metadata) return serve_fail(ctx, "cannot open the metadata store", metadata.error());

  auto sign_in = open_sign_in(ctx);
  if (!sign_in) return serve_fail(ctx, "cannot set up sign-in", sign_in.error());

  pipeline::Metrics metrics;
  pipeline::HandlerOptions ho;
  ho.max_object_size = a.max_upload_size;
  ho.remove_bytes_on_delete = true;
  pipeline::WorkerOptions wo;
  wo.threads = a.workers;
  wo.max_attempts = a.max_attempts;
  // Renditions: the module is loaded now, so a missing library shows at start-up.
  auto renderer = a.preview_workers > 0 ? load_background_renderer() : meta::Result<preview::Renderer*>(nullptr);
  if (!renderer) log.warn("previews unavailable: images will show a placeholder", boot, ordered_json{{"reason", renderer.error().message}});
  pipeline::PreviewWorkerOptions po;
  po.threads = a.preview_workers;
  pipeline::PreviewWorkers previews(**metadata, **blobs, renderer ? *renderer : nullptr,
                                    renderer ? std::string() : renderer.error().message, po, metrics);
  previews.set_observer([&log](const pipeline::PreviewReport& r) { log_preview(log, r); });

  pipeline::Outbox outbox(**metadata, **blobs, ho, wo, metrics);
  outbox.set_observer([&log, &previews](const pipeline::AttemptReport& r) {
    log_attempt(log, r);
    if (r.outcome && r.outcome->action == pipeline::Action::Extracted && r.outcome->status == store::ImageStatus::Ready)
      previews.wake();
  });
  auto recovered = outbox.recover(**blobs);
  if (!recovered) return serve_fail(ctx, "start-up recovery failed", recovered.error());
  log.info("recovery done", boot, {{"uploadsCommitted", recovered->committed}, {"orphanFilesRemoved", recovered->removed}});
  if (auto st = outbox.start(); !st) return serve_fail(ctx, "cannot start the workers", st.error());
  if (a.preview_workers > 0) previews.start();

  http::ApiDeps deps;
  deps.accounts = sign_in->accounts.get();
  deps.verifier = sign_in->verifier;
  deps.blobs = blobs->get();
  deps.metadata = metadata->get();
  deps.events = &outbox;
  // Share links: their own table in the metadata database, copies in the blob store.
  auto share_store = store::SqliteShareStore::open(mo.path);
  if (!share_store) return serve_fail(ctx, "cannot open the share store", share_store.error());
  http::ShareApi shares(**share_store, **blobs, **metadata, share_options(ctx.public_url));
  deps.shares = &shares;
  ShareSweeper sweeper(shares, log);
  http::Api api(deps, api_options(a));
  TrashSweeper trash_sweeper(**metadata, outbox, log, a.trash_days, a.trash_sweep_interval);
  trash_sweeper.start();

  ordered_json web_config{{"apiBaseUrl", ""},
                          {"auth", sign_in->web_auth},
                          {"maxUploadSize", a.max_upload_size},
                          {"multipartThreshold", a.multipart_threshold},
                          {"partSize", a.part_size},
                          {"mapTiles", {{"url", a.map_tile_url}, {"attribution", a.map_attribution}}}};
  ctx.server.set_web_config(meta::json_text(web_config));
  ctx.server.add_img_src(a.map_tile_url);
  ctx.server.add_connect_src(sign_in->connect_origin);

  http::LocalServerDeps ld{&api, blobs->get(), metadata->get(), &outbox, &metrics, {}};
  return serve_until_signal(ctx, ld, listening_fields(ctx), [&] {
    trash_sweeper.stop();
    outbox.stop();
    previews.stop();
    sweeper.stop();
  });
}

}  // namespace imgmeta::cli
