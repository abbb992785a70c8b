// `imgmeta serve`'s settings and the pieces its two shapes share:
//   embedded default  blobs in --data-dir, metadata and outbox in SQLite (serve_local.cpp)
//   S3 storage        --blob s3://..., events from --events sqs://..., metadata in DynamoDB
//                     or SQLite (serve_s3.cpp): several instances can share bucket, table and queue
// Either shape signs people in with local accounts or verifies Cognito tokens (--auth).
#pragma once

#include <signal.h>

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "auth/account_service.hpp"
#include "http/api.hpp"
#include "http/json_log.hpp"
#include "http/local_server.hpp"

namespace imgmeta::cli {

struct ServeArgs {
  std::string listen = "127.0.0.1:8080";
  std::string data_dir = "./data";
  std::string web;
  std::string public_url;
  std::string config;
  std::string blob;    // "" (the data dir) or s3://bucket[/prefix]
  std::string meta;    // "" (SQLite in the data dir) or dynamodb://table
  std::string auth = "local";  // local | cognito://region/pool?client=...
  std::string events;  // sqs://... or the queue URL (with --blob s3://)
  std::string aws_profile;
  std::string aws_region;
  std::string endpoint_url;           // every AWS service
  std::string endpoint_url_s3;
  std::string endpoint_url_dynamodb;
  std::string endpoint_url_sqs;
  std::string endpoint_url_cognito;
  int queue_wait = 10;
  int workers = 2;
  int preview_workers = 1;  // 0: no renditions are made (they stay pending)
  int http_threads = 32;
  uint64_t max_upload_size = 1ull << 30;
  uint64_t multipart_threshold = 64ull << 20;
  uint64_t part_size = 16ull << 20;
  int upload_url_ttl = 900;
  int content_url_ttl = 3600;
  int access_token_ttl = 900;
  int refresh_token_ttl = 30 * 24 * 3600;
  int signin_failures_per_account = 5;
  int signin_failures_per_address = 50;
  int signin_window = 900;
  int signups_per_address = 20;
  int signup_window = 3600;
  int argon2_ops = 2;
  uint64_t argon2_memory = 19ull << 20;
  int max_attempts = 5;
  int shutdown_timeout = 30;
  int read_timeout = 30;
  int io_threads = 2;
  int request_queue = 256;
  int max_connections = 10000;
  int header_timeout = 10;
  int keepalive_timeout = 15;
  uint64_t max_header_bytes = 16 * 1024;
  bool trust_proxy = false;
  bool sync_normal = false;
  std::string csp_connect_src;
  // The web app's map tiles (config.json's mapTiles); the tile host is allowed in img-src.
  std::string map_tile_url = "https://tile.openstreetmap.org/{z}/{x}/{y}.png";
  std::string map_attribution = "© OpenStreetMap contributors https://www.openstreetmap.org/copyright";
  std::string log_level = "info";
  // The trash: how long a deleted image stays restorable, and how often expired ones are
  // deleted for good (serve_trash.cpp).
  int trash_days = 30;
  int trash_sweep_interval = 3600;
};

// Who signs people in: local accounts (the account service issues and verifies tokens), or
// Cognito (no accounts here; the web app signs in with Cognito and the API verifies).
struct SignIn {
  std::unique_ptr<auth::AccountService> accounts;
  std::unique_ptr<auth::TokenVerifier> cognito;
  const auth::TokenVerifier* verifier = nullptr;
  nlohmann::ordered_json web_auth;  // the "auth" member of /config.json
  std::string connect_origin;       // where the browser talks to Cognito (CSP), if not AWS
};

// Everything set up before a shape opens its stores: the bound server and its URL.
struct ServeContext {
  ServeArgs& args;
  http::JsonLog& log;
  http::LocalServer& server;
  sigset_t signals;
  std::string public_url = {};
  std::string listen = {};  // host:port as bound
  int port = 0;
};

// The "listening" log line's common fields (tests read the port from it).
nlohmann::ordered_json listening_fields(const ServeContext& ctx);

int run_serve_local(ServeContext& ctx);
int run_serve_s3(ServeContext& ctx);

// Shared by both shapes (serve_command.cpp).
int serve_fail(ServeContext& ctx, const std::string& what, const meta::Error& error);
meta::Result<SignIn> open_sign_in(ServeContext& ctx);
http::ApiOptions api_options(const ServeArgs& a);
// The AWS endpoint overrides given by flags, by service id ("" = all services).
std::map<std::string, std::string> endpoint_flags(const ServeArgs& a);
// Serves until SIGTERM/SIGINT, then stops accepting and lets requests in flight finish;
// `drain` then finishes the extractions. A second signal, or --shutdown-timeout, exits at
// once. Returns the process's exit status.
int serve_until_signal(ServeContext& ctx, http::LocalServerDeps deps, nlohmann::ordered_json listening,
                       const std::function<void()>& drain);

// The trash's expiry (serve_trash.cpp): deletes images trashed more than trash_days ago
// through events.delete_image, at start() and then every interval_s seconds.
class TrashSweeper {
 public:
  TrashSweeper(store::MetadataStore& metadata, pipeline::ImageEvents& events, http::JsonLog& log, int trash_days,
               int interval_s);
  ~TrashSweeper();
  void start();
  void stop();
  // One sweep as of now_ms; returns how many images were deleted.
  int64_t sweep_once(int64_t now_ms);

 private:
  store::MetadataStore& metadata_;
  pipeline::ImageEvents& events_;
  http::JsonLog& log_;
  int trash_days_;
  int interval_s_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace imgmeta::cli
