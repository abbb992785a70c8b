// `imgmeta lambda`: the custom runtime. Installed as the Lambda's `bootstrap` (through
// deploy/package-lambda.sh), it reads the Lambda environment, builds the handler named by
// _HANDLER, and runs the Runtime API loop.
//
// Environment:
//   _HANDLER                extract | preview | api | purge
//   TRASH_DAYS              api and purge: days a trashed image is kept (default 30)
//   AWS_LAMBDA_RUNTIME_API  host:port of the Runtime API
//   BUCKET_NAME             the images bucket (both handlers); BUCKET_PREFIX optional
//   TABLE_NAME              the metadata table (both handlers)
//   AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN (set by Lambda),
//   AWS_ENDPOINT_URL[_S3|_DYNAMODB|_COGNITO_IDENTITY_PROVIDER] (local endpoints)
//   api only: COGNITO_USER_POOL_ID and COGNITO_CLIENT_ID (comma-separated ids), or
//             AUTH_URI=cognito://region/pool?client=...; COGNITO_JWKS_URL overrides the keys' URL
//             SHARES_TABLE (share links; unset: their routes answer 404), SITE_URL (the web
//             app's origin, for the links' URLs)
// A missing setting is reported to /runtime/init/error and the process exits 1.
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>

#include "aws/cognito_verifier.hpp"
#include "aws/config.hpp"
#include "aws/dynamo_metadata_store.hpp"
#include "aws/dynamo_share_store.hpp"
#include "http/share_api.hpp"
#include "aws/s3_blob_store.hpp"
#include "cli/commands.hpp"
#include "lambda/api_handler.hpp"
#include "lambda/extract_handler.hpp"
#include "lambda/preview_handler.hpp"
#include "lambda/purge_handler.hpp"
#include "lambda/log.hpp"
#include "lambda/runtime.hpp"
#include "lambda/s3_image_events.hpp"

namespace imgmeta::cli {
namespace {

using lambda::HandlerError;

struct LambdaArgs {
  std::string handler;
  std::string runtime_api;
  int64_t max_invocations = 0;
};

std::string env(const char* name, const std::string& fallback = "") {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}

// Everything a handler needs, built once per process (the init phase).
struct Runtime {
  aws::AwsSettings settings;
  std::shared_ptr<aws::HttpClient> http = std::make_shared<aws::HttpClient>();
  std::shared_ptr<aws::S3Client> s3;
  std::unique_ptr<aws::S3BlobStore> blobs;
  std::shared_ptr<aws::DynamoClient> dynamo;
  std::unique_ptr<aws::DynamoMetadataStore> metadata;
  std::unique_ptr<aws::CognitoVerifier> verifier;
  std::unique_ptr<lambda::S3ImageEvents> events;
  std::unique_ptr<aws::DynamoShareStore> shares;
  std::unique_ptr<http::ShareApi> share_api;
  std::unique_ptr<http::Api> api;
  lambda::ExtractContext extract;  // the extract and preview handlers
  lambda::PreviewContext preview;
  lambda::ApiContext api_ctx;
  lambda::PurgeContext purge;  // the trash's expiry
};

// TRASH_DAYS: a whole number of days, 0..3650 (default 30).
std::optional<int> trash_days_setting() {
  std::string v = env("TRASH_DAYS", "30");
  int days = 0;
  for (char c : v) {
    if (c < '0' || c > '9' || days > 3650) return std::nullopt;
    days = days * 10 + (c - '0');
  }
  if (days > 3650) return std::nullopt;
  return days;
}

std::optional<HandlerError> init(const std::string& handler, Runtime& rt) {
  if (handler != "extract" && handler != "api" && handler != "preview" && handler != "purge")
    return HandlerError{"Runtime.InvalidHandler",
                        "_HANDLER must be 'extract', 'preview', 'api' or 'purge', got '" + handler + "'"};
  auto trash_days = trash_days_setting();
  if (!trash_days) return HandlerError{"Runtime.InvalidConfiguration", "TRASH_DAYS must be a whole number from 0 to 3650"};
  auto settings = aws::load_settings();
  if (!settings) return HandlerError{"Runtime.InvalidConfiguration", settings.error().message};
  rt.settings = *settings;
  std::string bucket = env("BUCKET_NAME"), table = env("TABLE_NAME");
  if (bucket.empty() || table.empty())
    return HandlerError{"Runtime.InvalidConfiguration", "BUCKET_NAME and TABLE_NAME must be set"};
  std::string prefix = env("BUCKET_PREFIX");
  rt.s3 = std::make_shared<aws::S3Client>(rt.settings, bucket, rt.http);
  rt.blobs = std::make_unique<aws::S3BlobStore>(rt.s3, prefix);
  rt.dynamo = std::make_shared<aws::DynamoClient>(rt.settings, rt.http);
  rt.metadata = std::make_unique<aws::DynamoMetadataStore>(rt.dynamo, table);
  auto set_deadline = [&rt](int64_t deadline_ms) {
    // Leave time to report: no AWS retry starts in the last half second.
    rt.s3->client().set_deadline_ms(deadline_ms - 500);
    rt.dynamo->client().set_deadline_ms(deadline_ms - 500);
  };
  std::string function_name = env("AWS_LAMBDA_FUNCTION_NAME", handler == "extract"   ? "s3metadataFetcher"
                                                               : handler == "preview" ? "imgmetaPreview"
                                                               : handler == "purge"   ? "imgmetaPurge"
                                                                                      : "imgmetaApi");
  if (handler == "purge") {
    rt.purge.metadata = rt.metadata.get();
    rt.purge.prefix = prefix.empty() || prefix.back() == '/' ? prefix : prefix + "/";
    rt.purge.remove_object = [&rt](const std::string& key) { return rt.s3->remove(key); };
    rt.purge.trash_days = *trash_days;
    rt.purge.function_name = function_name;
    return std::nullopt;
  }

  if (handler == "extract") {
    rt.extract.blobs = rt.blobs.get();
    rt.extract.metadata = rt.metadata.get();
    rt.extract.bucket = bucket;
    rt.extract.function_name = function_name;
    rt.extract.set_deadline = set_deadline;
    return std::nullopt;
  }
  if (handler == "preview") {
    // Loaded here, in the init phase: only this function's package carries the module.
    auto renderer = preview::load_renderer();
    if (!renderer) return HandlerError{"Runtime.InvalidConfiguration", renderer.error().message};
    rt.preview.renderer = *renderer;
    rt.preview.blobs = rt.blobs.get();
    rt.preview.metadata = rt.metadata.get();
    rt.extract.blobs = rt.blobs.get();
    rt.extract.metadata = rt.metadata.get();
    rt.extract.bucket = bucket;
    rt.extract.function_name = function_name;
    rt.extract.set_deadline = set_deadline;
    rt.extract.process = [&rt](const pipeline::EventRecord& ev) { return lambda::preview_record(ev, rt.preview); };
    return std::nullopt;
  }

  std::string auth_uri = env("AUTH_URI");
  if (auth_uri.empty()) {
    std::string pool = env("COGNITO_USER_POOL_ID"), clients = env("COGNITO_CLIENT_ID");
    if (pool.empty() || clients.empty())
      return HandlerError{"Runtime.InvalidConfiguration", "set COGNITO_USER_POOL_ID and COGNITO_CLIENT_ID (or AUTH_URI)"};
    auth_uri = "cognito://" + rt.settings.region + "/" + pool + "?";
    size_t pos = 0;
    while (pos <= clients.size()) {
      size_t comma = clients.find(',', pos);
      if (comma == std::string::npos) comma = clients.size();
      if (comma > pos) auth_uri += (auth_uri.back() == '?' ? "" : "&") + std::string("client=") + clients.substr(pos, comma - pos);
      pos = comma + 1;
    }
  }
  std::string cognito_endpoint;
  if (rt.settings.endpoints.count("cognito-idp") || rt.settings.endpoints.count(""))
    cognito_endpoint = aws::endpoint_for(rt.settings, "cognito-idp");
  auto cognito = aws::parse_cognito_uri(auth_uri, cognito_endpoint);
  if (!cognito) return HandlerError{"Runtime.InvalidConfiguration", cognito.error().message};
  if (auto jwks = env("COGNITO_JWKS_URL"); !jwks.empty()) cognito->jwks_url = jwks;
  rt.verifier = std::make_unique<aws::CognitoVerifier>(*cognito, rt.http);
  rt.events = std::make_unique<lambda::S3ImageEvents>(rt.s3, *rt.metadata, prefix);
  http::ApiDeps deps;
  deps.verifier = rt.verifier.get();
  deps.blobs = rt.blobs.get();
  deps.metadata = rt.metadata.get();
  deps.events = rt.events.get();
  if (auto shares_table = env("SHARES_TABLE"); !shares_table.empty()) {
    rt.shares = std::make_unique<aws::DynamoShareStore>(rt.dynamo, shares_table);
    http::ShareOptions so;
    if (auto site = env("SITE_URL"); !site.empty()) so.page_url = (site.back() == '/' ? site.substr(0, site.size() - 1) : site) + "/share.html";
    rt.share_api = std::make_unique<http::ShareApi>(*rt.shares, *rt.blobs, *rt.metadata, so);
    deps.shares = rt.share_api.get();
  }
  http::ApiOptions options;
  options.content_redirect = true;  // bytes come from S3 directly, not through the 6 MB payload
  options.trash_days = *trash_days;
  rt.api = std::make_unique<http::Api>(deps, options);
  rt.api_ctx.api = rt.api.get();
  rt.api_ctx.function_name = function_name;
  return std::nullopt;
}

int run(const LambdaArgs& args) {
  std::string handler = args.handler.empty() ? env("_HANDLER") : args.handler;
  // "bootstrap.extract" style handler strings name the part after the last '.'.
  if (auto dot = handler.rfind('.'); dot != std::string::npos) handler = handler.substr(dot + 1);
  lambda::RuntimeOptions options;
  options.api = args.runtime_api.empty() ? env("AWS_LAMBDA_RUNTIME_API") : args.runtime_api;
  options.max_invocations = args.max_invocations;
  if (options.api.empty()) {
    std::cerr << "imgmeta lambda: AWS_LAMBDA_RUNTIME_API is not set (not running inside Lambda?)\n";
    return 2;
  }
  lambda::RuntimeClient client(options);
  auto rt = std::make_unique<Runtime>();
  if (auto err = init(handler, *rt)) {
    lambda::write_log_line(std::cout, lambda::Json{{"level", "error"}, {"phase", "init"}, {"errorType", err->type},
                                                   {"error", err->message}});
    auto posted = client.post_init_error(*err);
    if (!posted) std::cerr << "imgmeta lambda: " << posted.error().message << "\n";
    return 1;
  }
  if (handler == "extract" || handler == "preview")
    return client.run([&](const lambda::Invocation& inv) { return lambda::handle_extract(inv, rt->extract); });
  if (handler == "purge")
    return client.run([&](const lambda::Invocation& inv) {
      rt->s3->client().set_deadline_ms(inv.deadline_ms - 500);
      rt->dynamo->client().set_deadline_ms(inv.deadline_ms - 500);
      return lambda::handle_purge(inv, rt->purge);
    });
  return client.run([&](const lambda::Invocation& inv) {
    rt->s3->client().set_deadline_ms(inv.deadline_ms - 500);
    rt->dynamo->client().set_deadline_ms(inv.deadline_ms - 500);
    return lambda::handle_api(inv, rt->api_ctx);
  });
}

}  // namespace

Command add_lambda_command(CLI::App& app) {
  auto args = std::make_shared<LambdaArgs>();
  auto* sub = app.add_subcommand("lambda", "Run as an AWS Lambda custom runtime (the bootstrap of s3metadataFetcher)");
  sub->add_option("--handler", args->handler, "extract | preview | api | purge (default: $_HANDLER)");
  sub->add_option("--runtime-api", args->runtime_api, "host:port of the Runtime API (default: $AWS_LAMBDA_RUNTIME_API)");
  sub->add_option("--max-invocations", args->max_invocations, "exit after this many invocations (tests; 0 = run forever)");
  return [args] { return run(*args); };
}

}  // namespace imgmeta::cli
