// The local server of `imgmeta serve`: an event-driven HTTP/1.1 transport (Boost.Beast on
// Asio) around the Api, plus what only the embedded shape has:
//   /api/...           Api::handle (JSON bodies read with a cap, never unbounded)
//   /blobs/<key>       the stand-in for S3: presigned PUT (body streamed to disk in bounded
//                      memory, then the upload recorded with its event in one transaction),
//                      presigned GET, and CORS preflight as an S3 bucket would answer it
//   /healthz /readyz /metrics /config.json
//   everything else    the web app from --web DIR
// Every response carries X-Request-Id and security headers; every request gives one JSON
// access-log line with the same id.
//
// Threads: a few I/O threads (io_threads) run every connection's reads, writes and deadlines;
// a connection costs a socket, a small buffer and a session object, never a thread. What
// blocks (Api::handle: SQLite, argon2; a blob PUT's disk writes, fsync and commit; blob and
// file opens) runs on http_threads pool threads behind a queue of request_queue requests;
// when it is full a new request is answered 503 with Retry-After. Only /healthz, OPTIONS,
// transport errors and a blob PUT whose URL does not verify (HMACs, no I/O) are answered on
// the I/O threads; a PUT body of one piece is read there before the pool takes the upload.
//
// Limits per connection: the header must arrive within header_timeout_s and fit in
// max_header_bytes (else 431); a body must keep coming (16 KiB within every read_timeout_s,
// else 408 and closed); an idle keep-alive connection is closed after keepalive_timeout_s;
// beyond max_connections a new connection gets a short 503 and is closed. JSON bodies are
// capped at the Api's max_json_body (413), blob PUT bodies at max_blob_body and streamed to
// the blob writer in 256 KiB pieces. Requests on one connection are answered in order.
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
  int http_threads = 32;            // pool threads for blocking request work
  int io_threads = 2;               // threads running the connections
  int request_queue = 256;          // requests waiting for a pool thread; beyond: 503
  int max_connections = 10000;      // open connections; beyond: refused
  int header_timeout_s = 10;        // a request header must arrive within this
  int keepalive_timeout_s = 15;     // an idle keep-alive connection is closed after this
  int max_header_bytes = 16 * 1024; // request line and header fields; beyond: 431
  bool trust_proxy = false;         // take the client address from X-Forwarded-For
  std::string public_base_url;      // where clients reach us (for CSP); set after bind
  std::string csp_connect_src;      // extra connect-src origins (identity provider, API)
  std::string csp_img_src;          // extra img-src origins (map tiles)
  std::string web_config_json;      // /config.json when the web dir has none
  uint64_t max_blob_body = 64ull << 20;  // largest PUT body (single upload or part)
  int read_timeout_s = 30;          // a body must progress, a response be taken, within this
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
