#include "http/local_server.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdlib>
#include <list>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "http/piece_buffers.hpp"
#include "http/request_pool.hpp"
#include "http/request_target.hpp"
#include "http/static_files.hpp"
#include "meta/ascii.hpp"
#include "meta/thread_name.hpp"
#include "pipeline/event.hpp"
#include "pipeline/uploads.hpp"
#include "pipeline/ulid.hpp"
#include "store/time.hpp"
#include "meta/json_text.hpp"

namespace imgmeta::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using nlohmann::json;
using nlohmann::ordered_json;
using Clock = std::chrono::steady_clock;

constexpr char kRequestIdHeader[] = "X-Request-Id";
constexpr std::string_view kBlobPrefix = "/blobs/";
// Blob PUT bodies go to disk in writes of this size: bounded memory whatever the upload.
constexpr size_t kUploadBuffer = 256 * 1024;
// A stream response reads the blob in chunks of this size.
constexpr size_t kStreamChunk = 256 * 1024;
// What an idle connection reads into while it waits for its next request: small, because
// thousands of idle connections each hold one.
constexpr size_t kIdleRead = 512;
// A body must make this much progress within every body timeout: a client sending a byte a
// second never idles for a whole timeout, yet is cut like one that sends nothing.
constexpr uint64_t kBodyProgress = 16 * 1024;
// Sent, best effort, to a connection beyond --max-connections before it is closed.
constexpr std::string_view kTooManyConnections =
    "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\nConnection: close\r\n"
    "Content-Length: 97\r\n\r\n"
    "{\"error\":{\"code\":\"TooManyConnections\",\"message\":\"the server has too many open connections\"}}\n\n";

using meta::iequals;

// A request as the handlers see it, on whichever thread runs them.
struct Request {
  std::string method;  // as sent
  std::string target;  // as sent (path and query)
  std::string path;    // decoded, no query
  std::multimap<std::string, std::string> params;
  HeaderMap headers;
  std::string remote_addr;  // the socket's peer

  bool has_header(const std::string& name) const { return headers.find(name) != headers.end(); }
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
  bool has_param(const std::string& name) const { return params.find(name) != params.end(); }
  std::string param(const std::string& name) const {
    auto it = params.find(name);
    return it == params.end() ? std::string() : it->second;
  }
};

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string content_type;
  std::optional<StreamBody> stream;
  bool close = false;  // bytes of the request may be unread: the connection cannot carry another

  bool has_header(std::string_view name) const {
    return std::any_of(headers.begin(), headers.end(), [&](const auto& h) { return iequals(h.first, name); });
  }
  void set_header(std::string_view name, std::string value) {
    for (auto& h : headers)
      if (iequals(h.first, name)) {
        h.second = std::move(value);
        return;
      }
    headers.emplace_back(std::string(name), std::move(value));
  }
};

// What one request has told the access log so far.
struct RequestLog {
  std::string request_id;
  Clock::time_point start = Clock::now();
  std::string route = "unknown";
  std::string subject;
  std::string error_code;
  std::string remote;
  uint64_t bytes_in = 0;
};

// One request from its header to its access-log line, with what a blob PUT carries between
// the pieces of its body.
struct Exchange {
  Request req;
  Response res;
  RequestLog log;
  bool head = false;
  bool counted = false;  // in the in-flight gauge
  std::string body;      // JSON routes
  // blob PUT
  std::unique_ptr<store::BlobWriter> writer;
  store::AuthorizedRequest auth;
  pipeline::ObjectKey key;
  store::UploadIntent intent;
  bool part = false;
  Clock::time_point upload_started;
  PieceBuffers::Lease chunk;  // the current piece of the body
  size_t chunk_size = 0;      // of which this much is in use
  uint64_t received = 0;
};

// A client-supplied request id is kept when it is short and plain; otherwise we make one.
std::string request_id_for(const Request& req) {
  std::string given = req.header(kRequestIdHeader);
  if (!given.empty() && given.size() <= 64 &&
      std::all_of(given.begin(), given.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.'; }))
    return given;
  return pipeline::new_ulid();
}

std::string header_or(const ApiResponse& r, const char* name, const char* fallback) {
  const std::string* v = r.header(name);
  return v ? *v : fallback;
}

bool is_timeout(const beast::error_code& ec) { return ec == beast::error::timeout; }

}  // namespace

struct Session;

struct LocalServer::Impl {
  LocalServerOptions options;
  JsonLog& log;
  LocalServerDeps deps;
  HttpMetrics metrics;
  std::optional<StaticFiles> web;
  std::atomic<bool> ready{false};
  int64_t start_time_ms = store::now_ms();
  std::string csp;

  std::atomic<bool> draining{false};
  std::mutex sessions_mu;
  std::condition_variable sessions_cv;
  std::list<std::weak_ptr<Session>> sessions;
  bool stop_requested = false;
  // Upload pieces, reused; up to 32 idle ones (8 MiB) are kept between bursts.
  PieceBuffers pieces{kUploadBuffer, 32};
  std::unique_ptr<RequestPool> pool;
  // Last, so that they go first: handlers still queued hold sessions, whose destructors
  // use the members above.
  asio::io_context ioc;
  tcp::acceptor acceptor{ioc};
  asio::steady_timer accept_retry{ioc};

  Impl(LocalServerOptions o, JsonLog& l) : options(std::move(o)), log(l) {}

  std::string remote_address(const Request& req) const {
    if (options.trust_proxy) {
      std::string xff = req.header("X-Forwarded-For");
      if (!xff.empty()) {
        std::string first = xff.substr(0, xff.find(','));
        first.erase(0, first.find_first_not_of(' '));
        first.erase(first.find_last_not_of(' ') + 1);
        if (!first.empty() && first.size() <= 64) return first;
      }
    }
    return req.remote_addr;
  }

  void build_csp() {
    // No inline script, no eval, no plugins, no framing. Images may come from blob: URLs
    // (previews before upload) and the blob endpoint's origin, or S3's when blobs live there.
    std::string self_plus = "'self'";
    if (!options.public_base_url.empty()) self_plus += " " + options.public_base_url;
    if (!options.csp_connect_src.empty()) self_plus += " " + options.csp_connect_src;
    std::string img = self_plus + (options.csp_img_src.empty() ? "" : " " + options.csp_img_src);
    csp = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src " + img +
          " blob: data:; connect-src " + self_plus +
          "; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'; worker-src 'self' blob:";
  }

  void common_headers(Exchange& x) {
    Response& res = x.res;
    auto set_once = [&](const char* name, const std::string& value) {
      if (!res.has_header(name)) res.set_header(name, value);
    };
    set_once(kRequestIdHeader, x.log.request_id);
    set_once("X-Content-Type-Options", "nosniff");
    set_once("Referrer-Policy", "no-referrer");
    set_once("X-Frame-Options", "DENY");
    set_once("Content-Security-Policy", csp);
  }

  void send(const ApiResponse& a, Exchange& x) {
    Response& res = x.res;
    res.status = a.status;
    for (const auto& [k, v] : a.headers)
      if (!iequals(k, "Content-Type") && !iequals(k, "Content-Length")) res.set_header(k, v);
    x.log.route = a.route.empty() ? x.log.route : a.route;
    if (!a.subject.empty()) x.log.subject = a.subject;
    if (!a.error_code.empty()) x.log.error_code = a.error_code;
    res.content_type = header_or(a, "Content-Type", "application/json");
    if (a.stream) {
      res.stream = *a.stream;
    } else {
      res.body = a.body;
      if (a.body.empty()) res.content_type.clear();
    }
    common_headers(x);
  }

  void send_error(Exchange& x, int status, std::string code, std::string message) {
    send(error_response(status, std::move(code), std::move(message), x.log.request_id), x);
  }

  ApiRequest api_request(Exchange& x, std::string body) {
    const Request& req = x.req;
    ApiRequest a;
    a.method = req.method;
    a.path = req.path;
    a.query = req.params;
    a.headers = req.headers;
    a.body = std::move(body);
    a.remote_address = x.log.remote;
    a.request_id = x.log.request_id;
    return a;
  }

  // --- handlers (on a pool thread unless said otherwise) ---

  void handle_api(Exchange& x) {
    ApiResponse a = deps.api->handle(api_request(x, std::move(x.body)));
    if (a.status >= 500) log.error("request failed", x.log.request_id, {{"route", a.route}, {"error", a.error_code}});
    send(a, x);
  }

  store::IncomingRequest incoming(const Request& req) const {
    store::IncomingRequest in;
    in.method = req.method == "HEAD" ? "GET" : req.method;
    // The wire form: SigV4 signs the path and query as sent.
    size_t q = req.target.find('?');
    in.path = req.target.substr(0, q);
    in.query = q == std::string::npos ? "" : req.target.substr(q + 1);
    for (const auto& [k, v] : req.headers) in.headers.emplace_back(k, v);
    return in;
  }

  void cors(Exchange& x) {
    // The URL's signature is the authorisation, as with an S3 bucket's CORS rule allowing
    // any origin: the browser may PUT/GET from wherever the app is served.
    x.res.set_header("Access-Control-Allow-Origin", x.req.has_header("Origin") ? x.req.header("Origin") : "*");
    x.res.set_header("Vary", "Origin");
    x.res.set_header("Access-Control-Expose-Headers", "ETag, X-Request-Id");
  }

  void no_blobs(Exchange& x) {
    x.log.route = "/blobs/{key}";
    send_error(x, 404, "NotFound", "images are stored in S3 by this server; upload to the URL POST /api/uploads gave");
  }

  // On the I/O thread: no I/O.
  void blob_preflight(Exchange& x) {
    x.log.route = "/blobs/{key}";
    cors(x);
    x.res.set_header("Access-Control-Allow-Methods", "GET, HEAD, PUT");
    x.res.set_header("Access-Control-Allow-Headers", "Content-Type, x-amz-checksum-sha256, x-amz-sdk-checksum-algorithm");
    x.res.set_header("Access-Control-Max-Age", "3600");
    x.res.status = 204;
    common_headers(x);
  }

  void blob_get(Exchange& x) {
    const Request& req = x.req;
    x.log.route = "/blobs/{key}";
    cors(x);
    auto auth = deps.blobs->verify(incoming(req));
    if (!auth) return send_error(x, status_for(auth.error()) == 500 ? 403 : status_for(auth.error()),
                                 auth.error().code == meta::Errc::None ? "AccessDenied" : std::string(auth.error().code_name()),
                                 auth.error().message);
    if (auth->method != "GET") return send_error(x, 403, "AccessDenied", "this URL was signed for " + auth->method);
    auto head = deps.blobs->head(auth->key);
    if (!head) return send(head.error().code == meta::Errc::NotFound ? error_response(404, "NoSuchKey", "no such object", x.log.request_id)
                                                           : error_response(500, "InternalError", "internal error", x.log.request_id),
                           x);
    ApiRequest a = api_request(x, {});
    std::string type = req.has_param("response-content-type") ? req.param("response-content-type") : head->content_type;
    // Only what an upload could have declared is echoed as a content type.
    if (!pipeline::is_accepted_content_type(type)) type = "application/octet-stream";
    ApiResponse r = object_response(a, head->etag, type, {}, [&]() -> Result<std::shared_ptr<meta::Source>> {
      auto s = deps.blobs->open(auth->key);
      if (!s) return s.error();
      return std::shared_ptr<meta::Source>(std::move(*s));
    });
    r.route = "/blobs/{key}";
    // As S3 does: a signed response-content-disposition (share links' downloads) is sent as
    // the Content-Disposition header; it is part of what the URL's signature covers.
    if (req.has_param("response-content-disposition") && (r.status == 200 || r.status == 206)) {
      const std::string cd = req.param("response-content-disposition");
      if (cd.find_first_of("\r\n") == std::string::npos) r.set_header("Content-Disposition", cd);
    }
    // A rendition's URL names its version, so its bytes never change under it.
    if (auth->key.starts_with("previews/") && (r.status == 200 || r.status == 206 || r.status == 304))
      r.set_header("Cache-Control", "private, max-age=31536000, immutable");
    send(r, x);
  }

  // The presigned PUT, in steps with the body between them:
  //   blob_put_authorize  verify the URL and what it allows (no I/O: any thread)
  //   blob_put_open       check the upload is open, open a BlobWriter
  //   blob_put_write      each kUploadBuffer piece of the body, as the I/O thread reads it
  //   blob_put_finish     pipeline::accept_put (the upload service: duplicate check, commit,
  //                       the record and its ObjectCreated event), translated into the answer
  // Each returns false when it has answered (an error): the body is then left unread. A body
  // of one piece is read between authorize and open, so open, write and finish run in one
  // pool task; a longer one, or one whose client waits for 100 Continue, is read after open.
  // Session::blob_put says which thread runs which step.
  void reject(Exchange& x, int status, std::string code, std::string message) {
    metrics.uploads_rejected++;
    x.res.close = true;  // the body may be unread
    send_error(x, status, std::move(code), std::move(message));
  }

  void reject_error(Exchange& x, const Error& e, int fallback) {
    int status = status_for(e);
    if (status == 500) {
      log.error("upload failed", x.log.request_id, {{"error", e.message}});
      return reject(x, fallback, fallback == 500 ? "InternalError" : (e.code == meta::Errc::None ? "InvalidRequest" : std::string(e.code_name())),
                    fallback == 500 ? "internal error; the server log has the details" : e.message);
    }
    reject(x, status, std::string(e.code_name()), e.message);
  }

  bool blob_put_authorize(Exchange& x) {
    const Request& req = x.req;
    x.log.route = "/blobs/{key}";
    cors(x);
    x.upload_started = Clock::now();
    if (req.has_header("Transfer-Encoding"))
      return reject(x, 411, "MissingContentLength", "send the body with a Content-Length (chunked uploads are not accepted)"), false;
    auto auth = deps.blobs->verify(incoming(req));
    if (!auth) return reject_error(x, auth.error(), 403), false;
    if (auth->method != "PUT") return reject(x, 403, "AccessDenied", "this URL was signed for " + auth->method), false;
    if (auth->size > options.max_blob_body)
      return reject(x, 413, "EntityTooLarge", "the body is larger than this server accepts in one request"), false;
    auto key = pipeline::parse_object_key(auth->key);
    if (!key) return reject(x, 400, "InvalidKey", "the key is not uploads/<owner>/<imageId>"), false;
    x.auth = std::move(*auth);
    x.key = std::move(*key);
    return true;
  }

  bool blob_put_open(Exchange& x) {
    auto intent = deps.metadata->get_upload_intent(x.key.owner, x.key.image_id);
    if (!intent) {
      if (intent.error().code == meta::Errc::NotFound)
        return reject(x, 404, "NoSuchUpload", "no upload is open for this key (completed, aborted or never started)"), false;
      return reject_error(x, intent.error(), 500), false;
    }
    const bool part = !x.auth.upload_id.empty();
    if (part != !intent->multipart_upload_id.empty() || (part && x.auth.upload_id != intent->multipart_upload_id))
      return reject(x, 404, "NoSuchUpload", "no such upload for this key"), false;
    x.log.subject = x.key.owner;
    auto writer = deps.blobs->begin_put(x.auth);
    if (!writer) return reject_error(x, writer.error(), 500), false;
    x.writer = std::move(*writer);
    x.part = part;
    x.intent = std::move(*intent);
    return true;
  }

  bool blob_put_write(Exchange& x, size_t n) {
    auto st = x.writer->write(std::span<const uint8_t>(x.chunk.data(), n));
    if (!st) return reject_error(x, st.error(), 500), false;
    return true;
  }

  void blob_put_finish(Exchange& x) {
    x.log.bytes_in = x.received;
    metrics.upload_bytes += x.received;
    auto accepted = pipeline::accept_put(*deps.metadata, *deps.outbox, x.intent, *x.writer, x.part);
    x.writer.reset();  // uncommitted (an error, a duplicate): nothing of this upload stays
    if (!accepted) {
      if (accepted.error().code == meta::Errc::NotRecorded) {
        // The file is durable and the intent still there: start-up recovery records it.
        log.error("recording the upload failed", x.log.request_id, {{"key", x.auth.key}, {"error", accepted.error().message}});
        return reject(x, 500, "InternalError", "the upload is stored but could not be recorded yet; it will be after a restart");
      }
      return reject_error(x, accepted.error(), 500);
    }
    if (accepted->duplicate_of) {
      metrics.uploads_rejected++;
      return send(duplicate_response(*accepted->duplicate_of, x.log.request_id), x);
    }
    const store::ObjectInfo& object = accepted->object;
    metrics.upload_seconds.observe(std::chrono::duration<double>(Clock::now() - x.upload_started).count());
    x.res.set_header("ETag", "\"" + object.etag + "\"");
    if (x.part) {
      metrics.parts_completed++;
      ordered_json out{{"partNumber", x.auth.part_number}, {"eTag", object.etag}, {"size", object.size}};
      return send(json_response(200, meta::json_text(out)), x);
    }
    metrics.uploads_completed++;
    log.info("upload stored", x.log.request_id,
             {{"key", x.auth.key}, {"imageId", x.key.image_id}, {"size", object.size}, {"sha256", accepted->sha256}});
    ordered_json out{{"imageId", x.key.image_id}, {"status", store::to_string(accepted->record->status)},
                     {"sha256", accepted->sha256}, {"size", object.size}};
    send(json_response(200, meta::json_text(out)), x);
  }

  // On the I/O thread: no I/O.
  void health(Exchange& x) {
    x.log.route = "/healthz";
    ordered_json out{{"status", "ok"}, {"version", options.version}};
    send(json_response(200, meta::json_text(out)), x);
  }

  void readiness(Exchange& x) {
    x.log.route = "/readyz";
    ordered_json checks = ordered_json::object();
    bool ok = true;
    checks["server"] = ready ? "ok" : "not ready (starting or shutting down)";
    ok = ok && ready;
    bool stores_ok = deps.metadata ? deps.metadata->outbox_stats().ok() : deps.probe ? deps.probe().ok() : false;
    checks["metadata"] = stores_ok ? "ok" : "unavailable";
    ok = ok && stores_ok;
    ordered_json out{{"status", ok ? "ok" : "unavailable"}, {"checks", checks}, {"version", options.version}};
    send(json_response(ok ? 200 : 503, meta::json_text(out)), x);
  }

  void metrics_page(Exchange& x) {
    x.log.route = "/metrics";
    std::optional<store::OutboxStats> stats;
    if (deps.metadata)
      if (auto s = deps.metadata->outbox_stats()) stats = *s;
    x.res.status = 200;
    x.res.body = render_metrics(metrics, deps.api->counters(), *deps.pipeline_metrics, stats, start_time_ms, options.version);
    x.res.content_type = "text/plain; version=0.0.4; charset=utf-8";
    x.res.set_header("Cache-Control", "no-store");
    common_headers(x);
  }

  void static_file(Exchange& x) {
    const Request& req = x.req;
    x.log.route = "static";
    if (req.path == "/config.json") {
      x.log.route = "/config.json";
      if (!web || !web->file("config.json")) {
        x.res.status = 200;
        x.res.body = options.web_config_json;
        x.res.content_type = "application/json";
        x.res.set_header("Cache-Control", "no-cache");
        return common_headers(x);
      }
    }
    std::optional<StaticFile> f = web ? web->resolve(req.path, req.header("Accept-Encoding")) : std::nullopt;
    if (!f) {
      x.log.route = "unknown";
      return send_error(x, 404, "NotFound", web ? "no such file" : "no web app is served (start with --web DIR)");
    }
    ApiResponse r;
    r.status = 200;
    r.set_header("Content-Type", f->content_type);
    r.set_header("Cache-Control", f->cache_control);
    r.set_header("ETag", f->etag);
    r.set_header("Vary", "Accept-Encoding");
    if (!f->content_encoding.empty()) r.set_header("Content-Encoding", f->content_encoding);
    r.route = x.log.route;
    if (req.header("If-None-Match") == f->etag) {
      r.status = 304;
      return send(r, x);
    }
    auto src = meta::FileSource::open(f->path);
    if (!src) return send_error(x, 404, "NotFound", "no such file");
    r.stream = StreamBody{std::make_shared<meta::FileSource>(std::move(*src)), 0, f->size};
    r.stream->length = r.stream->source->size();
    send(r, x);
  }

  // A GET or HEAD that needs the pool.
  void on_get(Exchange& x) {
    const std::string& p = x.req.path;
    if (p == "/api" || p.starts_with("/api/")) return handle_api(x);
    if (p.starts_with(kBlobPrefix)) return deps.blobs ? blob_get(x) : no_blobs(x);
    if (p == "/readyz") return readiness(x);
    if (p == "/metrics") return metrics_page(x);
    static_file(x);
  }

  // Runs a handler step on a pool thread; whatever it throws becomes a 500.
  void guarded(Exchange& x, const std::function<void()>& step) {
    try {
      step();
    } catch (const std::exception& e) {
      log.error("handler threw", x.log.request_id, {{"error", e.what()}});
      x.res = Response{};
      x.res.close = true;
      send_error(x, 500, "InternalError", "internal error; the server log has the details");
    } catch (...) {
      log.error("handler threw", x.log.request_id, {{"error", "unknown exception"}});
      x.res = Response{};
      x.res.close = true;
      send_error(x, 500, "InternalError", "internal error; the server log has the details");
    }
  }

  void access_log(Exchange& x, uint64_t bytes_out) {
    const double seconds = std::chrono::duration<double>(Clock::now() - x.log.start).count();
    metrics.record(x.req.method, x.log.route, x.res.status, seconds);
    ordered_json f{{"method", x.req.method},
                   {"path", x.req.path.substr(0, 512)},
                   {"route", x.log.route},
                   {"status", x.res.status},
                   {"durationMs", std::round(seconds * 1e6) / 1e3},
                   {"bytesIn", x.log.bytes_in},
                   {"bytesOut", bytes_out},
                   {"remote", x.log.remote}};
    if (!x.log.subject.empty()) f["userId"] = x.log.subject;
    if (!x.log.error_code.empty()) f["error"] = x.log.error_code;
    std::string ua = x.req.header("User-Agent");
    if (!ua.empty()) f["userAgent"] = ua.substr(0, 200);
    log.write(x.res.status >= 500 ? LogLevel::Error : LogLevel::Info, "request", x.log.request_id, std::move(f));
    if (x.counted) metrics.in_flight--;
    x.counted = false;
  }

  void accept();
  void on_accept(beast::error_code ec, tcp::socket socket);
  void begin_drain();
};

// One connection: its socket, read buffer and deadline, and the request being answered.
// Requests on a connection are read, answered and logged one after the other, so keep-alive
// and pipelined requests come back in order; the bytes of a pipelined request wait in the
// buffer (and the kernel's) until the one before it is answered: back-pressure, no queue.
struct Session : std::enable_shared_from_this<Session> {
  enum class Phase { Idle, Header, Busy };

  LocalServer::Impl& srv;
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
  std::optional<bhttp::request_parser<bhttp::buffer_body>> parser;
  std::shared_ptr<Exchange> x;
  std::string peer;
  Phase phase = Phase::Idle;
  bool first = true;
  uint64_t armed_at = 0;  // body bytes received when the body deadline was last set
  std::list<std::weak_ptr<Session>>::iterator registration;
  // Response being written: its header and, for streamed bodies, the current chunk.
  std::optional<bhttp::response<bhttp::string_body>> out;
  std::optional<bhttp::response_serializer<bhttp::string_body>> serializer;
  std::vector<uint8_t> stream_chunk;
  uint64_t stream_sent = 0;

  Session(LocalServer::Impl& s, tcp::socket&& socket)
      : srv(s), stream(std::move(socket)), buffer(static_cast<size_t>(s.options.max_header_bytes) + 64 * 1024) {
    beast::error_code ec;
    auto ep = stream.socket().remote_endpoint(ec);
    peer = ec ? std::string() : ep.address().to_string();
    srv.metrics.open_connections++;
  }

  ~Session() {
    {
      std::lock_guard lock(srv.sessions_mu);
      srv.sessions.erase(registration);
    }
    srv.metrics.open_connections--;
    srv.sessions_cv.notify_all();
  }

  void start() {
    {
      std::lock_guard lock(srv.sessions_mu);
      registration = srv.sessions.insert(srv.sessions.end(), weak_from_this());
    }
    asio::dispatch(stream.get_executor(), [self = shared_from_this()] { self->wait_request(); });
  }

  auto executor() { return stream.get_executor(); }

  void close() {
    beast::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream.close();
  }

  // A drain closes connections that hold no request; the others finish theirs first.
  void drain() {
    if (phase != Phase::Busy) {
      beast::error_code ec;
      stream.socket().cancel(ec);
      close();
    }
  }

  // --- reading a request ---

  void wait_request() {
    x.reset();
    parser.reset();
    out.reset();
    serializer.reset();
    phase = Phase::Idle;
    if (srv.draining) return close();
    if (buffer.size() > 0) return read_header();  // pipelined: the next request is here
    // An idle connection holds only a small read buffer and its socket.
    buffer.shrink_to_fit();
    stream_chunk = {};
    stream_chunk.shrink_to_fit();
    stream.expires_after(std::chrono::seconds(first ? srv.options.header_timeout_s : srv.options.keepalive_timeout_s));
    stream.async_read_some(buffer.prepare(kIdleRead),
                           [self = shared_from_this()](beast::error_code ec, size_t n) { self->on_first_bytes(ec, n); });
  }

  void on_first_bytes(beast::error_code ec, size_t n) {
    if (ec) return close();  // idle timeout, the client left, or a drain
    buffer.commit(n);
    read_header();
  }

  void read_header() {
    phase = Phase::Header;
    first = false;
    parser.emplace();
    parser->header_limit(static_cast<uint32_t>(srv.options.max_header_bytes));
    // The largest body any route takes; each route checks its own cap once the header is in.
    parser->body_limit(std::max<uint64_t>(srv.options.max_blob_body, srv.deps.api ? srv.deps.api->options().max_json_body : 0));
    stream.expires_after(std::chrono::seconds(srv.options.header_timeout_s));
    bhttp::async_read_header(stream, buffer, *parser,
                             [self = shared_from_this()](beast::error_code ec, size_t) { self->on_header(ec); });
  }

  void on_header(beast::error_code ec) {
    if (ec == bhttp::error::end_of_stream || ec == asio::error::operation_aborted || ec == asio::error::eof ||
        ec == asio::error::connection_reset)
      return close();
    if (ec && is_timeout(ec)) {
      if (buffer.size() == 0) return close();
      return transport_error(408, "RequestTimeout", "the request header did not arrive in time");
    }
    if (ec == bhttp::error::header_limit)
      return transport_error(431, "RequestHeaderFieldsTooLarge",
                             "the request header is larger than " + std::to_string(srv.options.max_header_bytes) + " bytes");
    if (ec == bhttp::error::body_limit) return transport_error(413, "PayloadTooLarge", "the body is larger than this server accepts");
    if (ec) return transport_error(400, "InvalidRequest", "malformed request");
    phase = Phase::Busy;
    begin_exchange();
    route();
  }

  // An error found before a request could be parsed: answered, logged, and the connection closed.
  void transport_error(int status, std::string code, std::string message) {
    phase = Phase::Busy;
    x = std::make_shared<Exchange>();
    // What the parser got before the error (the request line, perhaps nothing).
    if (parser) {
      x->req.method = std::string(parser->get().method_string());
      x->req.target = std::string(parser->get().target());
      x->req.path = x->req.target.substr(0, x->req.target.find('?'));
    }
    if (x->req.method.empty()) x->req.method = "-";
    x->log.request_id = pipeline::new_ulid();
    x->log.remote = peer;
    x->req.remote_addr = peer;
    srv.metrics.in_flight++;
    x->counted = true;
    x->res.close = true;
    srv.send_error(*x, status, std::move(code), std::move(message));
    write_response();
  }

  void begin_exchange() {
    phase = Phase::Busy;
    x = std::make_shared<Exchange>();
    auto& msg = parser->get();
    Request& req = x->req;
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    RequestTarget target = parse_request_target(req.target);
    req.path = std::move(target.path);
    req.params = std::move(target.params);
    for (const auto& f : msg) req.headers.emplace(std::string(f.name_string()), std::string(f.value()));
    req.remote_addr = peer;
    x->head = req.method == "HEAD";
    x->log.request_id = request_id_for(req);
    x->log.remote = srv.remote_address(req);
    srv.metrics.in_flight++;
    x->counted = true;
    if (!parser->is_header_done() || !parser->keep_alive()) x->res.close = true;
  }

  bool has_body() const { return parser->chunked() || parser->content_length().value_or(0) > 0; }

  // Answered on the I/O thread, no body read: the connection closes if one was sent.
  void answer_inline(int status, std::string code, std::string message) {
    if (has_body()) x->res.close = true;
    srv.send_error(*x, status, std::move(code), std::move(message));
    write_response();
  }

  void route() {
    const Request& req = x->req;
    const std::string& p = req.path;
    const std::string& m = req.method;
    const bool bodyless = m == "GET" || m == "HEAD" || m == "OPTIONS";
    if (bodyless && has_body()) {
      x->res.close = true;
      srv.send_error(*x, 400, "InvalidRequest", m + " requests take no body");
      return write_response();
    }
    if (m == "OPTIONS") {
      if (p.starts_with(kBlobPrefix)) {
        srv.blob_preflight(*x);
      } else {
        x->res.set_header("Allow", "GET, HEAD, POST, PUT, DELETE");
        x->res.status = 204;
        srv.common_headers(*x);
      }
      return write_response();
    }
    const bool api = p == "/api" || p.starts_with("/api/");
    if (bodyless) {
      if (p == "/healthz" && !api) {
        srv.health(*x);
        return write_response();
      }
      return submit([](LocalServer::Impl& s, Exchange& e) { s.on_get(e); });
    }
    if (api) return read_api_body();
    if (p.starts_with(kBlobPrefix) && !srv.deps.blobs) {
      x->res.close = true;
      srv.no_blobs(*x);
      return write_response();
    }
    if (p.starts_with(kBlobPrefix) && m == "PUT") return blob_put();
    x->res.close = true;
    if (p.starts_with(kBlobPrefix)) {
      x->log.route = "/blobs/{key}";
      srv.cors(*x);
      srv.send_error(*x, 405, "MethodNotAllowed", "blob URLs take GET, HEAD and PUT");
      return write_response();
    }
    x->log.route = "unknown";
    srv.send_error(*x, 405, "MethodNotAllowed", m + " is not allowed here");
    write_response();
  }

  // Work for the pool: a new request, refused with 503 when the queue is full.
  void submit(std::function<void(LocalServer::Impl&, Exchange&)> step) {
    auto self = shared_from_this();
    bool queued = srv.pool->try_submit([self, step = std::move(step)] {
      auto& s = self->srv;
      s.guarded(*self->x, [&] { step(s, *self->x); });
      asio::post(self->executor(), [self] { self->write_response(); });
    });
    if (queued) return;
    srv.metrics.requests_rejected_busy++;
    x->res = Response{};
    x->res.set_header("Retry-After", "1");
    if (has_body() && !parser->is_done()) x->res.close = true;
    srv.send_error(*x, 503, "ServiceUnavailable", "the server is busy; retry in a moment");
    write_response();
  }

  void send_continue_if_asked(std::function<void()> next) {
    if (!asks_continue()) return next();
    static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    stream.expires_after(std::chrono::seconds(srv.options.read_timeout_s));
    asio::async_write(stream, asio::buffer(kContinue),
                      [self = shared_from_this(), next = std::move(next)](beast::error_code ec, size_t) {
                        if (ec) return self->abandon(ec);
                        next();
                      });
  }

  // --- bodies: read in pieces into caller memory, with a deadline that moves only when the
  // client has sent kBodyProgress more bytes ---

  void read_body_into(uint8_t* data, size_t size, uint64_t& received, std::function<void(beast::error_code, size_t)> done,
                      size_t filled = 0) {
    if (filled == 0 && received == 0) {
      armed_at = 0;
      stream.expires_after(std::chrono::seconds(srv.options.read_timeout_s));
    }
    auto& body = parser->get().body();
    body.data = data + filled;
    body.size = size - filled;
    bhttp::async_read_some(stream, buffer, *parser,
                           [self = shared_from_this(), data, size, filled, &received, done = std::move(done)](beast::error_code ec, size_t) mutable {
                             auto& b = self->parser->get().body();
                             size_t now = size - b.size;
                             received += now - filled;
                             if (ec == bhttp::error::need_buffer) ec = {};
                             if (ec) return done(ec, now);
                             if (received - self->armed_at >= kBodyProgress) {
                               self->armed_at = received;
                               self->stream.expires_after(std::chrono::seconds(self->srv.options.read_timeout_s));
                             }
                             if (self->parser->is_done() || now == size) return done({}, now);
                             self->read_body_into(data, size, received, std::move(done), now);
                           });
  }

  // The client stopped sending, or left, mid-body.
  void abandon(beast::error_code ec) {
    if (x->writer) {
      // Dropping the writer removes its temp file: disk work, for the pool.
      auto writer = std::make_shared<std::unique_ptr<store::BlobWriter>>(std::move(x->writer));
      srv.pool->submit([writer] { writer->reset(); });
      srv.metrics.uploads_rejected++;
    } else if (x->chunk) {
      srv.metrics.uploads_rejected++;  // an authorised body of one piece that did not arrive
    }
    x->log.bytes_in = x->received;
    x->res = Response{};
    x->res.close = true;
    if (is_timeout(ec)) {
      srv.send_error(*x, 408, "RequestTimeout", "the body stopped arriving; the connection is closed");
      return write_response();
    }
    srv.send_error(*x, 400, "IncompleteBody", "the body ended after " + std::to_string(x->received) + " bytes");
    srv.access_log(*x, 0);
    close();
  }

  void read_api_body() {
    const size_t cap = srv.deps.api->options().max_json_body;
    x->log.route = "unknown";
    if (parser->content_length().value_or(0) > cap)
      return answer_inline(413, "PayloadTooLarge", "JSON bodies are at most " + std::to_string(cap) + " bytes");
    if (!has_body()) return submit([](LocalServer::Impl& s, Exchange& e) { s.handle_api(e); });
    parser->body_limit(cap);
    // One byte more than the cap for a chunked body: filling it means the body is too large.
    x->body.resize(parser->chunked() ? cap + 1 : static_cast<size_t>(*parser->content_length()));
    send_continue_if_asked([self = shared_from_this()] {
      auto& e = *self->x;
      self->read_body_into(reinterpret_cast<uint8_t*>(e.body.data()), e.body.size(), e.received,
                           [self](beast::error_code ec, size_t n) {
                             auto& ex = *self->x;
                             if (ec == bhttp::error::body_limit || (!ec && !self->parser->is_done())) {
                               ex.log.bytes_in = ex.received;
                               const size_t limit = self->srv.deps.api->options().max_json_body;
                               return self->answer_inline(413, "PayloadTooLarge", "JSON bodies are at most " + std::to_string(limit) + " bytes");
                             }
                             if (ec) return self->abandon(ec);
                             ex.body.resize(n);
                             ex.log.bytes_in = n;
                             self->submit([](LocalServer::Impl& s, Exchange& api_x) { s.handle_api(api_x); });
                           });
    });
  }

  // The URL is checked here, on the I/O thread (no I/O), so a piece buffer goes only to a
  // request whose URL verified. A body that fits one piece is read next, and the rest is one
  // pool task (write_upload_piece); a longer one, or one whose client waits for 100 Continue,
  // has its upload opened on the pool first.
  void blob_put() {
    bool go = false;
    srv.guarded(*x, [&] { go = srv.blob_put_authorize(*x); });
    if (!go) return write_response();
    const uint64_t length = parser->content_length().value_or(0);
    if (length > 0 && length <= kUploadBuffer && !asks_continue()) {
      x->chunk = srv.pieces.take();
      x->chunk_size = static_cast<size_t>(length);
      start_body_clock();
      return read_upload_piece();
    }
    auto self = shared_from_this();
    bool queued = srv.pool->try_submit([self] {
      auto& s = self->srv;
      bool opened = false;
      s.guarded(*self->x, [&] { opened = s.blob_put_open(*self->x); });
      asio::post(self->executor(), [self, opened] {
        if (!opened) return self->write_response();
        self->x->chunk = self->srv.pieces.take();
        self->x->chunk_size = static_cast<size_t>(std::min<uint64_t>(kUploadBuffer, self->parser->content_length().value_or(0)));
        self->send_continue_if_asked([self] {
          self->start_body_clock();
          self->read_upload_piece();
        });
      });
    });
    if (!queued) answer_busy();
  }

  bool asks_continue() {
    auto expect = parser->get()[bhttp::field::expect];
    return iequals(std::string_view(expect.data(), expect.size()), "100-continue");
  }

  void start_body_clock() {
    armed_at = 0;
    stream.expires_after(std::chrono::seconds(srv.options.read_timeout_s));
  }

  void answer_busy() {
    srv.metrics.requests_rejected_busy++;
    x->res.close = true;
    x->res.set_header("Retry-After", "1");
    srv.send_error(*x, 503, "ServiceUnavailable", "the server is busy; retry in a moment");
    write_response();
  }

  // A blob body skips the parser: its Content-Length is known (chunked is refused), so the
  // bytes go from the socket straight into the piece buffer, a piece per read when the
  // client keeps up, instead of the parser's 64 KiB steps with a copy each.
  void read_upload_piece() {
    const uint64_t total = parser->content_length().value_or(0);
    if (x->received >= total) return finish_upload();
    const size_t want = static_cast<size_t>(std::min<uint64_t>(x->chunk_size, total - x->received));
    size_t filled = 0;
    if (buffer.size() > 0) {  // body bytes that came with the header
      filled = asio::buffer_copy(asio::buffer(x->chunk.data(), want), buffer.data());
      buffer.consume(filled);
      x->received += filled;
    }
    fill_upload_piece(filled, want);
  }

  void fill_upload_piece(size_t filled, size_t want) {
    if (filled == want) return write_upload_piece(filled);
    stream.async_read_some(asio::buffer(x->chunk.data() + filled, want - filled),
                           [self = shared_from_this(), filled, want](beast::error_code ec, size_t n) {
                             if (ec) return self->abandon(ec);
                             self->x->received += n;
                             self->body_progress();
                             self->fill_upload_piece(filled + n, want);
                           });
  }

  // The deadline moves when the client has sent kBodyProgress more bytes since it last did.
  void body_progress() {
    if (x->received - armed_at < kBodyProgress) return;
    armed_at = x->received;
    stream.expires_after(std::chrono::seconds(srv.options.read_timeout_s));
  }

  // The last piece is written and the upload finished in one pool task: one hand-off
  // between the threads fewer per upload. A body of one piece arrives with no writer yet:
  // the same task opens it first, and is the request's first work for the pool, so a full
  // queue answers 503 as for any new request.
  void write_upload_piece(size_t n) {
    const bool last = x->received >= parser->content_length().value_or(0);
    const bool opened = x->writer != nullptr;
    auto task = [self = shared_from_this(), n, last] {
      auto& s = self->srv;
      bool ok = false;
      s.guarded(*self->x, [&] { ok = (self->x->writer || s.blob_put_open(*self->x)) && s.blob_put_write(*self->x, n); });
      if (ok && last) return self->finish_on_pool();
      // A failed upload's writer removes its temp file as it goes: disk work, done here on
      // the pool rather than on the I/O thread.
      if (!ok) self->x->writer.reset();
      asio::post(self->executor(), [self, ok] {
        if (!ok) {
          self->x->log.bytes_in = self->x->received;  // the access log counts what was read
          return self->write_response();
        }
        self->read_upload_piece();
      });
    };
    if (opened) return srv.pool->submit(std::move(task));
    if (!srv.pool->try_submit(std::move(task))) answer_busy();
  }

  void finish_upload() {
    srv.pool->submit([self = shared_from_this()] { self->finish_on_pool(); });
  }

  void finish_on_pool() {
    x->chunk = {};  // back to the pool for the next upload
    srv.guarded(*x, [&] { srv.blob_put_finish(*x); });
    // An uncommitted writer (an error) removes its temp file here, on the pool.
    x->writer.reset();
    asio::post(executor(), [self = shared_from_this()] { self->write_response(); });
  }

  // --- writing the response ---

  void write_response() {
    Response& r = x->res;
    const bool keep = !r.close && !srv.draining;
    out.emplace();
    out->version(11);
    out->result(static_cast<unsigned>(r.status));
    for (const auto& [k, v] : r.headers) out->insert(k, v);
    const bool no_content = r.status == 204 || r.status == 304 || r.status < 200;
    uint64_t length = r.stream ? r.stream->length : r.body.size();
    if (!r.content_type.empty() && !no_content) out->set(bhttp::field::content_type, r.content_type);
    if (!no_content) out->content_length(length);
    if (!x->head && !r.stream) out->body() = std::move(r.body);
    out->keep_alive(keep);
    x->res.close = !keep;
    serializer.emplace(*out);
    stream.expires_after(std::chrono::seconds(srv.options.read_timeout_s));
    const uint64_t body_bytes = x->head || no_content ? 0 : length;
    bhttp::async_write(stream, *serializer, [self = shared_from_this(), body_bytes](beast::error_code ec, size_t) {
      if (ec) return self->finished(ec, 0);
      if (self->x->res.stream && body_bytes > 0) {
        self->stream_sent = 0;
        return self->write_stream_piece();
      }
      self->finished({}, body_bytes);
    });
  }

  // The file is read on the I/O thread: page-cache reads of one chunk, never a wait on a client.
  void write_stream_piece() {
    const StreamBody& body = *x->res.stream;
    if (stream_sent >= body.length) return finished({}, stream_sent);
    if (stream_chunk.empty()) stream_chunk.resize(static_cast<size_t>(std::min<uint64_t>(kStreamChunk, body.length)));
    size_t want = static_cast<size_t>(std::min<uint64_t>(stream_chunk.size(), body.length - stream_sent));
    auto n = body.source->read_at(body.offset + stream_sent, std::span<uint8_t>(stream_chunk.data(), want));
    if (!n || *n == 0) return finished(asio::error::broken_pipe, stream_sent);  // the file shrank or failed
    stream.expires_after(std::chrono::seconds(srv.options.read_timeout_s));
    asio::async_write(stream, asio::buffer(stream_chunk.data(), *n), [self = shared_from_this()](beast::error_code ec, size_t sent) {
      self->stream_sent += sent;
      if (ec) return self->finished(ec, self->stream_sent);
      self->write_stream_piece();
    });
  }

  void finished(beast::error_code ec, uint64_t bytes_out) {
    srv.access_log(*x, bytes_out);
    if (ec) return close();
    if (x->res.close) return linger();
    wait_request();
  }

  // Closing with request bytes unread makes the kernel reset the connection, and a client
  // still sending may lose the response it was sent. So: stop sending, read and discard
  // what still comes (a bounded amount, for a bounded time), then close.
  void linger() {
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    buffer.clear();
    stream.expires_after(std::chrono::seconds(2));
    linger_more(1 << 20);
  }

  void linger_more(size_t budget) {
    stream.async_read_some(buffer.prepare(std::min<size_t>(budget, 16 * 1024)), [self = shared_from_this(), budget](beast::error_code ec, size_t n) {
      self->buffer.clear();
      if (ec || n >= budget) return self->close();
      self->linger_more(budget - n);
    });
  }
};

void LocalServer::Impl::accept() {
  acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) { on_accept(ec, std::move(socket)); });
}

void LocalServer::Impl::on_accept(beast::error_code ec, tcp::socket socket) {
  if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
  if (ec) {
    // Out of file descriptors (or a transient error): try again shortly instead of spinning.
    accept_retry.expires_after(std::chrono::milliseconds(50));
    accept_retry.async_wait([this](beast::error_code e) {
      if (!e) accept();
    });
    return;
  }
  if (metrics.open_connections.load() >= options.max_connections) {
    // Refused cleanly: a short 503 if the socket takes it at once, then closed. The
    // connections already open are not touched.
    metrics.connections_rejected++;
    beast::error_code ignored;
    socket.non_blocking(true, ignored);
    socket.write_some(asio::buffer(kTooManyConnections.data(), kTooManyConnections.size()), ignored);
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
    return accept();
  }
  beast::error_code ignored;
  // Headers and body can go out in separate writes; without TCP_NODELAY, Nagle holds the
  // body until the client's delayed ACK (40 ms on Linux).
  socket.set_option(tcp::no_delay(true), ignored);
  std::make_shared<Session>(*this, std::move(socket))->start();
  accept();
}

void LocalServer::Impl::begin_drain() {
  draining = true;
  beast::error_code ignored;
  acceptor.close(ignored);
  accept_retry.cancel();
  std::vector<std::shared_ptr<Session>> live;
  {
    std::lock_guard lock(sessions_mu);
    for (auto& w : sessions)
      if (auto s = w.lock()) live.push_back(std::move(s));
  }
  for (auto& s : live) asio::post(s->executor(), [s] { s->drain(); });
}

LocalServer::LocalServer(LocalServerOptions options, JsonLog& log) : impl_(std::make_unique<Impl>(std::move(options), log)) {}

LocalServer::~LocalServer() = default;

HttpMetrics& LocalServer::metrics() { return impl_->metrics; }

void LocalServer::set_ready(bool ready) { impl_->ready = ready; }

void LocalServer::set_public_base_url(std::string url) { impl_->options.public_base_url = std::move(url); }

void LocalServer::set_web_config(std::string json) { impl_->options.web_config_json = std::move(json); }

void LocalServer::add_connect_src(const std::string& origin) {
  auto& c = impl_->options.csp_connect_src;
  if (origin.empty() || (" " + c + " ").find(" " + origin + " ") != std::string::npos) return;
  c += c.empty() ? origin : " " + origin;
}

void LocalServer::add_img_src(const std::string& url) {
  // scheme://host[:port] of the template; a `{s}` subdomain placeholder becomes a wildcard.
  auto at = url.find("://");
  if (at == std::string::npos) return;
  std::string origin = url.substr(0, url.find('/', at + 3));
  if (auto s = origin.find("{s}"); s != std::string::npos) origin.replace(s, 3, "*");
  for (char c : origin)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == ':' || c == '/' || c == '-' || c == '*' || c == '[' || c == ']')) return;
  auto& i = impl_->options.csp_img_src;
  if ((" " + i + " ").find(" " + origin + " ") == std::string::npos) i += i.empty() ? origin : " " + origin;
}

Result<int> LocalServer::bind() {
  auto& i = *impl_;
  const auto& o = i.options;
  const std::string where = "listen on " + o.host + ":" + std::to_string(o.port);
  beast::error_code ec;
  auto address = asio::ip::make_address(o.host, ec);
  if (ec) {
    // A name ("localhost"): the first address it resolves to.
    tcp::resolver resolver(i.ioc);
    auto found = resolver.resolve(o.host, std::to_string(o.port), ec);
    if (ec || found.empty()) return meta::make_error(where + ": cannot resolve the host");
    address = found.begin()->endpoint().address();
  }
  tcp::endpoint endpoint(address, static_cast<unsigned short>(o.port));
  i.acceptor.open(endpoint.protocol(), ec);
  if (ec) return meta::make_error(where + ": " + ec.message());
  // SO_REUSEADDR alone: a quick restart may bind again, but a second server cannot share
  // the port (no SO_REUSEPORT).
  i.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  i.acceptor.bind(endpoint, ec);
  if (ec) return meta::make_error(where + ": cannot bind (in use, or no such address): " + ec.message());
  i.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return meta::make_error(where + ": " + ec.message());
  return static_cast<int>(i.acceptor.local_endpoint().port());
}

Status LocalServer::serve(LocalServerDeps deps) {
  auto& i = *impl_;
  i.deps = deps;
  if (!i.options.web_dir.empty()) {
    auto web = StaticFiles::open(i.options.web_dir);
    if (!web) return web.error();
    i.web = std::move(*web);
  }
  if (!i.acceptor.is_open()) return meta::make_error("serve() before bind()");
  i.build_csp();
  i.pool = std::make_unique<RequestPool>(static_cast<size_t>(std::max(1, i.options.http_threads)),
                                         static_cast<size_t>(std::max(1, i.options.request_queue)), i.metrics.queue_depth);
  auto guard = asio::make_work_guard(i.ioc);
  i.accept();
  std::vector<std::thread> io;
  for (int n = 0; n < std::max(1, i.options.io_threads); ++n) io.emplace_back([&i] {
    meta::name_this_thread("http-io");
    i.ioc.run();
  });
  {
    // Serves until stop(); then, once every connection has answered its request and closed,
    // the I/O threads are let go.
    std::unique_lock lock(i.sessions_mu);
    i.sessions_cv.wait(lock, [&] { return i.stop_requested; });
    lock.unlock();
    asio::post(i.ioc, [&i] { i.begin_drain(); });
    lock.lock();
    i.sessions_cv.wait(lock, [&] { return i.sessions.empty(); });
  }
  guard.reset();
  i.ioc.stop();
  for (auto& t : io) t.join();
  i.pool->stop();
  return meta::ok_status();
}

void LocalServer::stop() {
  {
    std::lock_guard lock(impl_->sessions_mu);
    impl_->stop_requested = true;
  }
  impl_->sessions_cv.notify_all();
}

}  // namespace imgmeta::http
