// The local server of `imgmeta serve`: cpp-httplib as the transport around the Api, plus what
// only the embedded shape has:
//   /api/...           Api::handle (JSON bodies read with a cap, never unbounded)
//   /blobs/<key>       the stand-in for S3: presigned PUT (body streamed to disk in bounded
//                      memory, then the upload recorded with its event in one transaction),
//                      presigned GET, and CORS preflight as an S3 bucket would answer it
//   /healthz /readyz /metrics /config.json
//   everything else    the web app from --web DIR
// Every response carries X-Request-Id and security headers; every request gives one JSON
// access-log line with the same id.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "http/api.hpp"
#include "http/json_log.hpp"
#include "http/server_metrics.hpp"
#include "pipeline/metrics.hpp"
#include "pipeline/outbox.hpp"
#include "store/directory_blob_store.hpp"
#include "store/sqlite_metadata_store.hpp"

namespace imgmeta::http {

struct LocalServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;                  // 0: any free port (bind() says which)
  std::string web_dir;              // empty: no web app
  int http_threads = 32;            // connections served at once (keep-alive holds one each)
  bool trust_proxy = false;         // take the client address from X-Forwarded-For
  std::string public_base_url;      // where clients reach us (for CSP); set after bind
  std::string csp_connect_src;      // extra connect-src origins (identity provider, API)
  std::string csp_img_src;          // extra img-src origins (map tiles)
  std::string web_config_json;      // /config.json when the web dir has none
  uint64_t max_blob_body = 64ull << 20;  // largest PUT body (single upload or part)
  int read_timeout_s = 30;
  std::string version;
};

// The embedded default sets all of these. On S3 storage (`--blob s3://...`) the browser
// PUTs to S3 and events come from a queue: blobs, metadata and outbox stay null, /blobs/
// answers 404, and readiness asks `probe` instead of the outbox.
struct LocalServerDeps {
  Api* api = nullptr;
  store::DirectoryBlobStore* blobs = nullptr;
  store::SqliteMetadataStore* metadata = nullptr;
  pipeline::Outbox* outbox = nullptr;
  pipeline::Metrics* pipeline_metrics = nullptr;
  std::function<Status()> probe;  // readiness of the stores when metadata is null
};

class LocalServer {
 public:
  LocalServer(LocalServerOptions options, JsonLog& log);
  ~LocalServer();
  LocalServer(const LocalServer&) = delete;
  LocalServer& operator=(const LocalServer&) = delete;

  // Binds the listening socket; returns the port (the free one chosen when port is 0).
  Result<int> bind();
  // Where clients reach the server, once known (CSP, /config.json); call before serve().
  void set_public_base_url(std::string url);
  // /config.json when the web dir has none, and an origin the web app may connect to
  // (S3, Cognito); call before serve().
  void set_web_config(std::string json);
  void add_connect_src(const std::string& origin);
  // Allows the origin of this URL (a map tile template; `{s}` becomes `*`) in img-src.
  void add_img_src(const std::string& url);
  // Serves until stop(); in-flight requests finish before it returns.
  Status serve(LocalServerDeps deps);
  // Thread-safe: stops accepting; serve() returns when the requests in flight are done.
  void stop();
  // /readyz answers 503 while false (starting, draining).
  void set_ready(bool ready);

  HttpMetrics& metrics();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace imgmeta::http
