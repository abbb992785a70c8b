// `imgmeta serve` on S3 storage: how self-hosters who outgrow one machine run several
// instances. Browsers PUT to presigned S3 URLs; the bucket's ObjectCreated/ObjectRemoved
// notifications go to an SQS queue that every instance reads; metadata lives in DynamoDB
// (or, for one instance, SQLite). The handler, the API and the extractor are the ones the
// embedded default and the Lambda run: only the adapters differ.
//
// The operator sets up what S3 itself must do: the bucket's CORS rule for the web app's
// origin, and its notification configuration (prefix uploads/) to the queue.
#include "aws/adapters.hpp"
#include "cli/serve_args.hpp"
#include "lambda/s3_image_events.hpp"
#include "pipeline/metrics.hpp"
#include "pipeline/queue_workers.hpp"
#include "store/sqlite_metadata_store.hpp"
#include "store/sqlite_share_store.hpp"
#include "cli/serve_shares.hpp"
#include "meta/json_text.hpp"

namespace imgmeta::cli {

using nlohmann::ordered_json;

namespace {

void log_message(http::JsonLog& log, const pipeline::QueueReport& r) {
  const std::string id = r.message.id.empty() ? "queue" : "sqs-" + r.message.id;
  if (r.message.receipt.empty()) return log.warn("event queue unavailable; retrying", id, {{"error", r.outcome.error().message}});
  if (r.dropped) return log.warn("queue message is not an S3 event; deleted", id, {{"error", r.outcome.error().message}});
  if (!r.outcome) {
    ordered_json f{{"attempt", r.message.receive_count}, {"error", r.outcome.error().message}};
    if (!r.records.empty()) f["key"] = r.records.front().key;
    if (r.gave_up) return log.error("event gave up; image marked failed", id, std::move(f));
    f["retryInS"] = r.retry_in.count();
    return log.warn("event attempt failed; will retry", id, std::move(f));
  }
  if (r.records.empty()) return log.write(http::LogLevel::Debug, "queue message without records (s3:TestEvent)", id);
  const auto& o = *r.outcome;
  ordered_json f{{"key", o.key},
                 {"imageId", o.image_id},
                 {"userId", o.owner},
                 {"action", pipeline::to_string(o.action)},
                 {"attempt", r.message.receive_count},
                 {"bytesRead", o.bytes_read},
                 {"objectSize", o.object_size},
                 {"durationMs", static_cast<double>(o.total_time.count()) / 1000.0}};
  if (o.action == pipeline::Action::Extracted) f["status"] = store::to_string(o.status);
  if (!o.error.empty()) f["reason"] = o.error;
  log.info("event handled", id, std::move(f));
}

std::string origin_of(const std::string& url) {
  size_t scheme = url.find("://");
  return scheme == std::string::npos ? "" : url.substr(0, url.find('/', scheme + 3));
}

}  // namespace

int run_serve_s3(ServeContext& ctx) {
  const ServeArgs& a = ctx.args;
  http::JsonLog& log = ctx.log;
  aws::AdapterSettings settings{a.aws_profile, a.aws_region, endpoint_flags(a)};

  auto blobs = aws::open_s3_blob_store(a.blob, settings);
  if (!blobs) return serve_fail(ctx, "cannot open the S3 blob store", blobs.error());
  std::unique_ptr<store::MetadataStore> metadata;
  if (a.meta.empty()) {
    store::SqliteOptions mo;
    mo.path = a.data_dir + "/metadata.db";
    mo.synchronous_full = !a.sync_normal;
    auto sqlite = store::SqliteMetadataStore::open(mo);
    if (!sqlite) return serve_fail(ctx, "cannot open the metadata store", sqlite.error());
    metadata = std::move(*sqlite);
  } else {
    auto dynamo = aws::open_dynamodb_store(a.meta, settings);
    if (!dynamo) return serve_fail(ctx, "cannot open the DynamoDB metadata store", dynamo.error());
    metadata = std::move(*dynamo);
  }
  aws::ReceiveOptions receive;
  receive.wait_seconds = a.queue_wait;
  auto queue = aws::open_sqs_event_queue(a.events, receive, settings);
  if (!queue) return serve_fail(ctx, "cannot open the event queue", queue.error());
  auto sign_in = open_sign_in(ctx);
  if (!sign_in) return serve_fail(ctx, "cannot set up sign-in", sign_in.error());

  pipeline::Metrics metrics;
  pipeline::HandlerOptions ho;
  ho.max_object_size = a.max_upload_size;  // S3 removes the bytes itself: remove_bytes_on_delete stays off
  pipeline::QueueWorkerOptions qo;
  qo.threads = a.workers;
  qo.max_attempts = static_cast<uint32_t>(a.max_attempts);
  pipeline::QueueWorkers workers(**queue, **blobs, *metadata, ho, qo, metrics);
  workers.set_observer([&log](const pipeline::QueueReport& r) { log_message(log, r); });
  workers.start();

  lambda::S3ImageEvents events((*blobs)->shared_client(), *metadata, aws::parse_s3_uri(a.blob)->prefix);
  http::ApiDeps deps;
  deps.accounts = sign_in->accounts.get();
  deps.verifier = sign_in->verifier;
  deps.blobs = blobs->get();
  deps.metadata = metadata.get();
  deps.events = &events;
  // Share links: SQLite beside SQLite metadata; with DynamoDB metadata, the shares table
  // IMGMETA_SHARES_TABLE names (dynamodb://table), else none (the routes answer 404).
  std::unique_ptr<store::ShareStore> share_store;
  if (a.meta.empty()) {
    auto sqlite = store::SqliteShareStore::open(a.data_dir + "/metadata.db");
    if (!sqlite) return serve_fail(ctx, "cannot open the share store", sqlite.error());
    share_store = std::move(*sqlite);
  } else if (const char* t = std::getenv("IMGMETA_SHARES_TABLE"); t && *t) {
    auto dynamo = aws::open_dynamodb_share_store(t, settings);
    if (!dynamo) return serve_fail(ctx, "cannot open the DynamoDB share store", dynamo.error());
    share_store = std::move(*dynamo);
  }
  std::optional<http::ShareApi> shares;
  std::optional<ShareSweeper> sweeper;
  if (share_store) {
    shares.emplace(*share_store, **blobs, *metadata, share_options(ctx.public_url));
    deps.shares = &*shares;
    sweeper.emplace(*shares, log);
  }
  http::Api api(deps, api_options(a));
  TrashSweeper trash_sweeper(*metadata, events, log, a.trash_days, a.trash_sweep_interval);
  trash_sweeper.start();

  // The browser PUTs to S3 and shows images from presigned S3 URLs: its origin joins the CSP.
  if (auto probe_url = (*blobs)->shared_client()->presign_get("uploads/", {})) ctx.server.add_connect_src(origin_of(probe_url->url));
  ctx.server.add_connect_src(sign_in->connect_origin);
  ordered_json web_config{{"apiBaseUrl", ""},
                          {"auth", sign_in->web_auth},
                          {"maxUploadSize", a.max_upload_size},
                          {"multipartThreshold", a.multipart_threshold},
                          {"partSize", a.part_size}};
  ctx.server.set_web_config(meta::json_text(web_config));

  store::MetadataStore* md = metadata.get();
  http::LocalServerDeps ld{&api, nullptr, nullptr, nullptr, &metrics, [md]() -> meta::Status {
                             // Any answer from the store but a transport or permission error means it is up.
                             auto r = md->get("readyz", "00000000000000000000000000");
                             if (r || r.error().code == meta::Errc::NotFound) return meta::ok_status();
                             return r.error();
                           }};
  ordered_json listening = listening_fields(ctx);
  listening["blob"] = a.blob;
  listening["meta"] = a.meta.empty() ? "sqlite" : a.meta;
  listening["events"] = a.events;
  return serve_until_signal(ctx, ld, std::move(listening), [&] {
    trash_sweeper.stop();
    if (sweeper) sweeper->stop();
    workers.stop();
  });
}

}  // namespace imgmeta::cli
