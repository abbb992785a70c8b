#include "http/local_server.hpp"

#include <httplib.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <atomic>
#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>

#include "http/static_files.hpp"
#include "pipeline/event.hpp"
#include "pipeline/ulid.hpp"
#include "store/time.hpp"

namespace imgmeta::http {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;
using Clock = std::chrono::steady_clock;

constexpr char kRequestIdHeader[] = "X-Request-Id";
constexpr std::string_view kBlobPrefix = "/blobs/";
// Blob PUT bodies go to disk in writes of this size: bounded memory whatever the upload.
constexpr size_t kUploadBuffer = 256 * 1024;
// A stream response reads the blob in chunks of this size.
constexpr size_t kStreamChunk = 256 * 1024;

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// What one request has told the access log so far. cpp-httplib runs a request (pre-routing,
// handler, response writing, logger) on one thread, so a thread_local carries it.
struct RequestContext {
  bool active = false;
  std::string request_id;
  Clock::time_point start;
  std::string route = "unknown";
  std::string subject;
  std::string error_code;
  std::string remote;
  uint64_t bytes_in = 0;
};
thread_local RequestContext t_ctx;

// A client-supplied request id is kept when it is short and plain; otherwise we make one.
std::string request_id_for(const httplib::Request& req) {
  std::string given = req.get_header_value(kRequestIdHeader);
  if (!given.empty() && given.size() <= 64 &&
      std::all_of(given.begin(), given.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.'; }))
    return given;
  return pipeline::new_ulid();
}

std::string header_or(const ApiResponse& r, const char* name, const char* fallback) {
  const std::string* v = r.header(name);
  return v ? *v : fallback;
}

}  // namespace

struct LocalServer::Impl {
  LocalServerOptions options;
  JsonLog& log;
  httplib::Server server;
  LocalServerDeps deps;
  HttpMetrics metrics;
  std::optional<StaticFiles> web;
  std::atomic<bool> ready{false};
  int64_t start_time_ms = store::now_ms();
  std::string csp;

  Impl(LocalServerOptions o, JsonLog& l) : options(std::move(o)), log(l) {}

  std::string remote_address(const httplib::Request& req) const {
    if (options.trust_proxy) {
      std::string xff = req.get_header_value("X-Forwarded-For");
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

  void common_headers(httplib::Response& res) {
    auto set_once = [&](const char* name, const std::string& value) {
      if (!res.has_header(name)) res.set_header(name, value);
    };
    set_once(kRequestIdHeader, t_ctx.request_id);
    set_once("X-Content-Type-Options", "nosniff");
    set_once("Referrer-Policy", "no-referrer");
    set_once("X-Frame-Options", "DENY");
    set_once("Content-Security-Policy", csp);
  }

  // Bytes not read from the socket make the connection unusable for a next request.
  static void close_after(httplib::Response& res) { res.set_header("Connection", "close"); }

  void send(const ApiResponse& a, httplib::Response& res) {
    res.status = a.status;
    for (const auto& [k, v] : a.headers)
      if (!iequals(k, "Content-Type") && !iequals(k, "Content-Length")) res.set_header(k.c_str(), v);
    t_ctx.route = a.route.empty() ? t_ctx.route : a.route;
    if (!a.subject.empty()) t_ctx.subject = a.subject;
    if (!a.error_code.empty()) t_ctx.error_code = a.error_code;
    const std::string type = header_or(a, "Content-Type", "application/json");
    if (a.stream) {
      auto body = *a.stream;
      auto buffer = std::make_shared<std::vector<uint8_t>>(std::min<uint64_t>(kStreamChunk, std::max<uint64_t>(body.length, 1)));
      res.set_content_provider(
          static_cast<size_t>(body.length), type.c_str(),
          [body, buffer](size_t offset, size_t length, httplib::DataSink& sink) {
            size_t want = std::min(length, buffer->size());
            auto n = body.source->read_at(body.offset + offset, std::span<uint8_t>(buffer->data(), want));
            if (!n || *n == 0) return false;  // the file shrank or failed: the connection closes
            return sink.write(reinterpret_cast<const char*>(buffer->data()), *n);
          });
    } else if (!a.body.empty()) {
      res.set_content(a.body, type.c_str());
    }
    common_headers(res);
  }

  void send_error(httplib::Response& res, int status, std::string code, std::string message) {
    send(error_response(status, std::move(code), std::move(message), t_ctx.request_id), res);
  }

  ApiRequest api_request(const httplib::Request& req, std::string body) {
    ApiRequest a;
    a.method = req.method;
    a.path = req.path;
    for (const auto& [k, v] : req.params) a.query.emplace(k, v);
    for (const auto& [k, v] : req.headers) a.headers.emplace(k, v);
    a.body = std::move(body);
    a.remote_address = t_ctx.remote;
    a.request_id = t_ctx.request_id;
    return a;
  }

  // --- handlers ---

  void handle_api(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader* reader) {
    std::string body;
    if (reader) {
      const size_t cap = deps.api->options().max_json_body;
      bool too_big = false;
      bool ok = (*reader)([&](const char* data, size_t len) {
        if (body.size() + len > cap) {
          too_big = true;
          return false;
        }
        body.append(data, len);
        return true;
      });
      t_ctx.bytes_in = body.size();
      if (too_big) {
        close_after(res);
        return send_error(res, 413, "PayloadTooLarge", "JSON bodies are at most " + std::to_string(cap) + " bytes");
      }
      if (!ok) {
        close_after(res);
        return send_error(res, 400, "IncompleteBody", "the request body ended early");
      }
    }
    ApiResponse a = deps.api->handle(api_request(req, std::move(body)));
    if (a.status >= 500) log.error("request failed", t_ctx.request_id, {{"route", a.route}, {"error", a.error_code}});
    send(a, res);
  }

  store::IncomingRequest incoming(const httplib::Request& req) const {
    store::IncomingRequest in;
    in.method = req.method == "HEAD" ? "GET" : req.method;
    // The wire form: SigV4 signs the path and query as sent.
    size_t q = req.target.find('?');
    in.path = req.target.substr(0, q);
    in.query = q == std::string::npos ? "" : req.target.substr(q + 1);
    for (const auto& [k, v] : req.headers) in.headers.emplace_back(k, v);
    return in;
  }

  void cors(httplib::Response& res, const httplib::Request& req) {
    // The URL's signature is the authorisation, as with an S3 bucket's CORS rule allowing
    // any origin: the browser may PUT/GET from wherever the app is served.
    res.set_header("Access-Control-Allow-Origin", req.has_header("Origin") ? req.get_header_value("Origin") : "*");
    res.set_header("Vary", "Origin");
    res.set_header("Access-Control-Expose-Headers", "ETag, X-Request-Id");
  }

  void no_blobs(httplib::Response& res) {
    t_ctx.route = "/blobs/{key}";
    send_error(res, 404, "NotFound", "images are stored in S3 by this server; upload to the URL POST /api/uploads gave");
  }

  void blob_preflight(const httplib::Request& req, httplib::Response& res) {
    t_ctx.route = "/blobs/{key}";
    cors(res, req);
    res.set_header("Access-Control-Allow-Methods", "GET, HEAD, PUT");
    res.set_header("Access-Control-Allow-Headers", "Content-Type, x-amz-checksum-sha256, x-amz-sdk-checksum-algorithm");
    res.set_header("Access-Control-Max-Age", "3600");
    res.status = 204;
    common_headers(res);
  }

  void blob_get(const httplib::Request& req, httplib::Response& res) {
    t_ctx.route = "/blobs/{key}";
    cors(res, req);
    auto auth = deps.blobs->verify(incoming(req));
    if (!auth) return send_error(res, status_for(auth.error()) == 500 ? 403 : status_for(auth.error()),
                                 auth.error().code.empty() ? "AccessDenied" : auth.error().code, auth.error().message);
    if (auth->method != "GET") return send_error(res, 403, "AccessDenied", "this URL was signed for " + auth->method);
    auto head = deps.blobs->head(auth->key);
    if (!head) return send(head.error().code == "NotFound" ? error_response(404, "NoSuchKey", "no such object", t_ctx.request_id)
                                                           : error_response(500, "InternalError", "internal error", t_ctx.request_id),
                           res);
    ApiRequest a = api_request(req, {});
    std::string type = req.has_param("response-content-type") ? req.get_param_value("response-content-type") : head->content_type;
    // Only what an upload could have declared is echoed as a content type.
    if (!is_accepted_content_type(type)) type = "application/octet-stream";
    ApiResponse r = object_response(a, head->etag, type, {}, [&]() -> Result<std::shared_ptr<meta::Source>> {
      auto s = deps.blobs->open(auth->key);
      if (!s) return s.error();
      return std::shared_ptr<meta::Source>(std::move(*s));
    });
    r.route = "/blobs/{key}";
    send(r, res);
  }

  // The presigned PUT: verify the URL, check the upload is open, stream the body into a
  // BlobWriter in kUploadBuffer pieces, commit (size, SHA-256, fsync, rename), then record
  // the upload and queue its ObjectCreated event in one transaction.
  void blob_put(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader* reader) {
    t_ctx.route = "/blobs/{key}";
    cors(res, req);
    const auto started = Clock::now();
    auto reject = [&](int status, std::string code, std::string message) {
      metrics.uploads_rejected++;
      close_after(res);  // the body may be unread
      send_error(res, status, std::move(code), std::move(message));
    };
    auto reject_error = [&](const Error& e, int fallback) {
      int status = status_for(e);
      if (status == 500) {
        log.error("upload failed", t_ctx.request_id, {{"error", e.message}});
        return reject(fallback, fallback == 500 ? "InternalError" : (e.code.empty() ? "InvalidRequest" : e.code),
                      fallback == 500 ? "internal error; the server log has the details" : e.message);
      }
      reject(status, e.code, e.message);
    };
    if (req.has_header("Transfer-Encoding"))
      return reject(411, "MissingContentLength", "send the body with a Content-Length (chunked uploads are not accepted)");
    auto auth = deps.blobs->verify(incoming(req));
    if (!auth) return reject_error(auth.error(), 403);
    if (auth->method != "PUT") return reject(403, "AccessDenied", "this URL was signed for " + auth->method);
    if (auth->size > options.max_blob_body) return reject(413, "EntityTooLarge", "the body is larger than this server accepts in one request");
    auto key = pipeline::parse_object_key(auth->key);
    if (!key) return reject(400, "InvalidKey", "the key is not uploads/<owner>/<imageId>");
    auto intent = deps.metadata->get_upload_intent(key->owner, key->image_id);
    if (!intent) {
      if (intent.error().code == "NotFound")
        return reject(404, "NoSuchUpload", "no upload is open for this key (completed, aborted or never started)");
      return reject_error(intent.error(), 500);
    }
    const bool part = !auth->upload_id.empty();
    if (part != !intent->multipart_upload_id.empty() || (part && auth->upload_id != intent->multipart_upload_id))
      return reject(404, "NoSuchUpload", "no such upload for this key");
    t_ctx.subject = key->owner;

    auto writer = deps.blobs->begin_put(*auth);
    if (!writer) return reject_error(writer.error(), 500);
    // Duplicate detection needs the SHA-256; the client usually sent it with POST
    // /api/uploads (then the store verifies it), otherwise the writer's digest gives it.
    const bool hash_here = !part && intent->sha256.empty();
    std::vector<uint8_t> buffer;
    buffer.reserve(kUploadBuffer);
    std::optional<Error> write_error;
    auto flush = [&]() {
      if (buffer.empty() || write_error) return;
      auto st = (*writer)->write(std::span<const uint8_t>(buffer.data(), buffer.size()));
      if (!st) write_error = st.error();
      buffer.clear();
    };
    uint64_t received = 0;
    bool complete = reader && (*reader)([&](const char* data, size_t len) {
      received += len;
      while (len > 0) {
        size_t take = std::min(len, kUploadBuffer - buffer.size());
        buffer.insert(buffer.end(), reinterpret_cast<const uint8_t*>(data), reinterpret_cast<const uint8_t*>(data) + take);
        data += take;
        len -= take;
        if (buffer.size() == kUploadBuffer) flush();
        if (write_error) return false;
      }
      return true;
    });
    flush();
    t_ctx.bytes_in = received;
    metrics.upload_bytes += received;
    if (write_error) return reject_error(*write_error, 500);
    if (!complete) return reject(400, "IncompleteBody", "the body ended after " + std::to_string(received) + " bytes");

    std::string sha_hex = intent->sha256;
    if (hash_here) {
      auto digest = (*writer)->body_sha256();
      if (!digest) return reject_error(digest.error(), 400);
      sha_hex = *digest;
      auto existing = deps.metadata->find_by_sha256(key->owner, sha_hex);
      if (!existing) return reject_error(existing.error(), 500);
      if (*existing && **existing != key->image_id) {
        // The writer is dropped uncommitted: nothing of this upload stays.
        writer->reset();
        (void)deps.metadata->remove_upload_intent(key->owner, key->image_id);
        metrics.uploads_rejected++;
        ordered_json out{{"error", {{"code", "DuplicateImage"}, {"message", "you have uploaded these bytes already"}, {"imageId", **existing}}},
                         {"imageId", **existing},
                         {"requestId", t_ctx.request_id}};
        ApiResponse r = json_response(409, out.dump());
        r.error_code = "DuplicateImage";
        return send(r, res);
      }
    }
    auto object = (*writer)->commit();
    if (!object) return reject_error(object.error(), 500);
    if (part) {
      metrics.parts_completed++;
      res.set_header("ETag", "\"" + object->etag + "\"");
      ordered_json out{{"partNumber", auth->part_number}, {"eTag", object->etag}, {"size", object->size}};
      metrics.upload_seconds.observe(std::chrono::duration<double>(Clock::now() - started).count());
      return send(json_response(200, out.dump()), res);
    }
    store::UploadIntent landed = *intent;
    landed.sha256 = sha_hex;
    auto record = deps.outbox->record_upload(landed, *object);
    if (!record) {
      // The file is durable and the intent still there: start-up recovery commits it.
      log.error("recording the upload failed", t_ctx.request_id, {{"key", auth->key}, {"error", record.error().message}});
      return reject(500, "InternalError", "the upload is stored but could not be recorded yet; it will be after a restart");
    }
    metrics.uploads_completed++;
    metrics.upload_seconds.observe(std::chrono::duration<double>(Clock::now() - started).count());
    log.info("upload stored", t_ctx.request_id,
             {{"key", auth->key}, {"imageId", key->image_id}, {"size", object->size}, {"sha256", sha_hex}});
    res.set_header("ETag", "\"" + object->etag + "\"");
    ordered_json out{{"imageId", key->image_id}, {"status", store::to_string(record->status)}, {"sha256", sha_hex}, {"size", object->size}};
    send(json_response(200, out.dump()), res);
  }

  void health(const httplib::Request&, httplib::Response& res) {
    t_ctx.route = "/healthz";
    ordered_json out{{"status", "ok"}, {"version", options.version}};
    send(json_response(200, out.dump()), res);
  }

  void readiness(const httplib::Request&, httplib::Response& res) {
    t_ctx.route = "/readyz";
    ordered_json checks = ordered_json::object();
    bool ok = true;
    checks["server"] = ready ? "ok" : "not ready (starting or shutting down)";
    ok = ok && ready;
    bool stores_ok = deps.metadata ? deps.metadata->outbox_stats().ok() : deps.probe ? deps.probe().ok() : false;
    checks["metadata"] = stores_ok ? "ok" : "unavailable";
    ok = ok && stores_ok;
    ordered_json out{{"status", ok ? "ok" : "unavailable"}, {"checks", checks}, {"version", options.version}};
    send(json_response(ok ? 200 : 503, out.dump()), res);
  }

  void metrics_page(const httplib::Request&, httplib::Response& res) {
    t_ctx.route = "/metrics";
    std::optional<store::OutboxStats> stats;
    if (deps.metadata)
      if (auto s = deps.metadata->outbox_stats()) stats = *s;
    std::string text = render_metrics(metrics, deps.api->counters(), *deps.pipeline_metrics, stats, start_time_ms, options.version);
    res.status = 200;
    res.set_content(text, "text/plain; version=0.0.4; charset=utf-8");
    res.set_header("Cache-Control", "no-store");
    common_headers(res);
  }

  void static_file(const httplib::Request& req, httplib::Response& res) {
    t_ctx.route = "static";
    if (req.path == "/config.json") {
      t_ctx.route = "/config.json";
      if (!web || !web->file("config.json")) {
        res.status = 200;
        res.set_content(options.web_config_json, "application/json");
        res.set_header("Cache-Control", "no-cache");
        return common_headers(res);
      }
    }
    std::optional<StaticFile> f = web ? web->resolve(req.path, req.get_header_value("Accept-Encoding")) : std::nullopt;
    if (!f) {
      t_ctx.route = "unknown";
      return send_error(res, 404, "NotFound", web ? "no such file" : "no web app is served (start with --web DIR)");
    }
    ApiResponse r;
    r.status = 200;
    r.set_header("Content-Type", f->content_type);
    r.set_header("Cache-Control", f->cache_control);
    r.set_header("ETag", f->etag);
    r.set_header("Vary", "Accept-Encoding");
    if (!f->content_encoding.empty()) r.set_header("Content-Encoding", f->content_encoding);
    r.route = t_ctx.route;
    if (req.get_header_value("If-None-Match") == f->etag) {
      r.status = 304;
      return send(r, res);
    }
    auto src = meta::FileSource::open(f->path);
    if (!src) return send_error(res, 404, "NotFound", "no such file");
    r.stream = StreamBody{std::make_shared<meta::FileSource>(std::move(*src)), 0, f->size};
    r.stream->length = r.stream->source->size();
    send(r, res);
  }

  // --- routing ---

  void on_get(const httplib::Request& req, httplib::Response& res) {
    const std::string& p = req.path;
    if (p == "/api" || p.starts_with("/api/")) return handle_api(req, res, nullptr);
    if (p.starts_with(kBlobPrefix)) return deps.blobs ? blob_get(req, res) : no_blobs(res);
    if (p == "/healthz") return health(req, res);
    if (p == "/readyz") return readiness(req, res);
    if (p == "/metrics") return metrics_page(req, res);
    static_file(req, res);
  }

  void on_body(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader* reader) {
    const std::string& p = req.path;
    if (p == "/api" || p.starts_with("/api/")) return handle_api(req, res, reader);
    if (p.starts_with(kBlobPrefix) && !deps.blobs) {
      close_after(res);
      return no_blobs(res);
    }
    if (p.starts_with(kBlobPrefix) && req.method == "PUT") return blob_put(req, res, reader);
    close_after(res);
    if (p.starts_with(kBlobPrefix)) {
      t_ctx.route = "/blobs/{key}";
      cors(res, req);
      return send_error(res, 405, "MethodNotAllowed", "blob URLs take GET, HEAD and PUT");
    }
    t_ctx.route = "unknown";
    send_error(res, 405, "MethodNotAllowed", req.method + " is not allowed here");
  }

  void on_options(const httplib::Request& req, httplib::Response& res) {
    if (req.path.starts_with(kBlobPrefix)) return blob_preflight(req, res);
    t_ctx.route = "unknown";
    res.set_header("Allow", "GET, HEAD, POST, PUT, DELETE");
    res.status = 204;
    common_headers(res);
  }

  void access_log(const httplib::Request& req, const httplib::Response& res) {
    if (!t_ctx.active) {  // answered by the library itself (malformed request line, ...)
      t_ctx.request_id = pipeline::new_ulid();
      t_ctx.start = Clock::now();
      t_ctx.remote = req.remote_addr;
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - t_ctx.start).count();
    metrics.record(req.method, t_ctx.route, res.status, seconds);
    ordered_json f{{"method", req.method},
                   {"path", req.path.substr(0, 512)},
                   {"route", t_ctx.route},
                   {"status", res.status},
                   {"durationMs", std::round(seconds * 1e6) / 1e3},
                   {"bytesIn", t_ctx.bytes_in},
                   {"bytesOut", res.body.empty() ? res.content_length_ : res.body.size()},
                   {"remote", t_ctx.remote}};
    if (!t_ctx.subject.empty()) f["userId"] = t_ctx.subject;
    if (!t_ctx.error_code.empty()) f["error"] = t_ctx.error_code;
    std::string ua = req.get_header_value("User-Agent");
    if (!ua.empty()) f["userAgent"] = ua.substr(0, 200);
    log.write(res.status >= 500 ? LogLevel::Error : LogLevel::Info, "request", t_ctx.request_id, std::move(f));
    if (t_ctx.active) metrics.in_flight--;
    t_ctx = RequestContext{};
  }

  void install() {
    server.new_task_queue = [n = options.http_threads] { return new httplib::ThreadPool(static_cast<size_t>(n)); };
    // cpp-httplib's default sets SO_REUSEPORT, which would let a second server share the
    // port silently; SO_REUSEADDR alone allows a quick restart and nothing more.
    server.set_socket_options([](socket_t sock) {
      int yes = 1;
      ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    });
    // Headers and body go out in separate writes; without TCP_NODELAY, Nagle holds the body
    // until the client's delayed ACK (40 ms on Linux) for every small response.
    server.set_tcp_nodelay(true);
    server.set_read_timeout(options.read_timeout_s, 0);
    server.set_write_timeout(options.read_timeout_s, 0);
    server.set_keep_alive_max_count(1000);
    // Short: an idle keep-alive connection holds a worker, and a graceful stop waits for it.
    server.set_keep_alive_timeout(2);
    server.set_payload_max_length(static_cast<size_t>(std::max<uint64_t>(options.max_blob_body, 1 << 20)));

    server.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      t_ctx = RequestContext{};
      t_ctx.active = true;
      t_ctx.start = Clock::now();
      t_ctx.request_id = request_id_for(req);
      t_ctx.remote = remote_address(req);
      metrics.in_flight++;
      // Ranges are the Api's business (object_response); the library must not slice again.
      const_cast<httplib::Request&>(req).ranges.clear();
      const bool bodyless = req.method == "GET" || req.method == "HEAD" || req.method == "OPTIONS";
      if (bodyless && (std::strtoull(req.get_header_value("Content-Length").c_str(), nullptr, 10) > 0 || req.has_header("Transfer-Encoding"))) {
        close_after(res);
        send_error(res, 400, "InvalidRequest", req.method + " requests take no body");
        return httplib::Server::HandlerResponse::Handled;
      }
      return httplib::Server::HandlerResponse::Unhandled;
    });
    server.set_error_handler(httplib::Server::HandlerWithResponse([this](const httplib::Request&, httplib::Response& res) {
      // Errors the library produced itself (413 over the payload cap, 400 malformed): JSON too.
      if (!res.body.empty() || res.content_length_ > 0) return httplib::Server::HandlerResponse::Unhandled;
      if (t_ctx.request_id.empty()) t_ctx.request_id = pipeline::new_ulid();
      std::string code = res.status == 413 ? "PayloadTooLarge" : res.status == 404 ? "NotFound" : "InvalidRequest";
      int status = res.status;
      send_error(res, status, code, status == 413 ? "the body is larger than this server accepts"
                                    : status == 404 ? "not found" : "malformed request");
      return httplib::Server::HandlerResponse::Handled;
    }));
    server.set_exception_handler([this](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
      std::string what = "unknown exception";
      try {
        if (ep) std::rethrow_exception(ep);
      } catch (const std::exception& e) {
        what = e.what();
      } catch (...) {
      }
      log.error("handler threw", t_ctx.request_id, {{"error", what}});
      send_error(res, 500, "InternalError", "internal error; the server log has the details");
    });
    server.set_logger([this](const httplib::Request& req, const httplib::Response& res) { access_log(req, res); });

    auto get = [this](const httplib::Request& req, httplib::Response& res) { on_get(req, res); };
    auto body = [this](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
      on_body(req, res, &reader);
    };
    auto no_body = [this](const httplib::Request& req, httplib::Response& res) { on_body(req, res, nullptr); };
    server.Get(".*", get);
    server.Post(".*", body);
    server.Post(".*", no_body);
    server.Put(".*", body);
    server.Put(".*", no_body);
    server.Delete(".*", body);
    server.Delete(".*", no_body);
    server.Patch(".*", body);
    server.Patch(".*", no_body);
    server.Options(".*", [this](const httplib::Request& req, httplib::Response& res) { on_options(req, res); });
  }
};

LocalServer::LocalServer(LocalServerOptions options, JsonLog& log) : impl_(std::make_unique<Impl>(std::move(options), log)) {
  impl_->install();
}

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
  const auto& o = impl_->options;
  if (o.port == 0) {
    int port = impl_->server.bind_to_any_port(o.host);
    if (port <= 0) return meta::make_error("listen on " + o.host + ":0: cannot bind");
    return port;
  }
  if (!impl_->server.bind_to_port(o.host, o.port))
    return meta::make_error("listen on " + o.host + ":" + std::to_string(o.port) + ": cannot bind (in use, or no such address)");
  return o.port;
}

Status LocalServer::serve(LocalServerDeps deps) {
  impl_->deps = deps;
  if (!impl_->options.web_dir.empty()) {
    auto web = StaticFiles::open(impl_->options.web_dir);
    if (!web) return web.error();
    impl_->web = std::move(*web);
  }
  impl_->build_csp();
  if (!impl_->server.listen_after_bind()) return meta::make_error("the HTTP server stopped with an error");
  return meta::ok_status();
}

void LocalServer::stop() { impl_->server.stop(); }

}  // namespace imgmeta::http
