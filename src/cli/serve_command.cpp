// `imgmeta serve`: the whole service in one process. This file holds the options, what both
// shapes share (listening, sign-in, API options, graceful shutdown) and the choice between
// them; serve_local.cpp is the embedded default, serve_s3.cpp the shape on S3 storage.
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <thread>

#include "aws/adapters.hpp"
#include "cli/commands.hpp"
#include "cli/serve_args.hpp"

namespace imgmeta::cli {

using nlohmann::ordered_json;

namespace {

// Splits "host:port", "[v6]:port" or ":port".
bool parse_listen(const std::string& s, std::string& host, int& port) {
  size_t colon = s.rfind(':');
  if (colon == std::string::npos) return false;
  host = s.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) host = "127.0.0.1";
  try {
    size_t used = 0;
    port = std::stoi(s.substr(colon + 1), &used);
    return used == s.size() - colon - 1 && port >= 0 && port <= 65535;
  } catch (...) {
    return false;
  }
}

// The optional config file: `key = value` lines (TOML-style: # comments, values optionally
// in double quotes), keys as the long option names without "--". A value applies only when
// the option was given neither as a flag nor through its IMGMETA_* variable.
bool apply_config_file(CLI::App& sub, const std::string& path, std::string& error) {
  std::ifstream in(path);
  if (!in) {
    error = "--config " + path + ": cannot open";
    return false;
  }
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    auto trim = [](std::string s) {
      s.erase(0, s.find_first_not_of(" \t\r"));
      s.erase(s.find_last_not_of(" \t\r") + 1);
      return s;
    };
    std::string t = trim(line);
    if (t.empty() || t[0] == '#' || t[0] == '[') continue;
    size_t eq = t.find('=');
    if (eq == std::string::npos) {
      error = path + ":" + std::to_string(line_no) + ": expected key = value";
      return false;
    }
    std::string key = trim(t.substr(0, eq)), value = trim(t.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    else if (size_t hash = value.find(" #"); hash != std::string::npos) value = trim(value.substr(0, hash));
    std::replace(key.begin(), key.end(), '_', '-');
    CLI::Option* opt = nullptr;
    try {
      opt = sub.get_option("--" + key);
    } catch (const CLI::Error&) {
      error = path + ":" + std::to_string(line_no) + ": unknown option \"" + key + "\"";
      return false;
    }
    if (key == "config" || key == "help") continue;
    if (opt->count() > 0) continue;  // flag or environment wins
    try {
      opt->add_result(value);
      opt->run_callback();
    } catch (const CLI::Error& e) {
      error = path + ":" + std::to_string(line_no) + ": " + e.what();
      return false;
    }
  }
  return true;
}

std::string url_host(const std::string& host) {
  if (host == "0.0.0.0" || host == "::") return "127.0.0.1";
  if (host.find(':') != std::string::npos) return "[" + host + "]";
  return host;
}

bool is_loopback(const std::string& host) {
  return host == "localhost" || host.starts_with("127.") || host == "::1";
}

// The value of a query parameter of a cognito:// URI ("client"), first occurrence.
std::string uri_param(const std::string& uri, const std::string& name) {
  size_t q = uri.find('?');
  while (q != std::string::npos) {
    size_t start = q + 1, amp = uri.find('&', start);
    std::string kv = uri.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
    if (kv.starts_with(name + "=")) return kv.substr(name.size() + 1);
    q = amp;
  }
  return "";
}

std::string origin_of(const std::string& url) {
  size_t scheme = url.find("://");
  if (scheme == std::string::npos) return "";
  return url.substr(0, url.find('/', scheme + 3));
}

int run_serve(CLI::App& sub, ServeArgs& a) {
  if (!a.config.empty()) {
    std::string error;
    if (!apply_config_file(sub, a.config, error)) {
      std::cerr << "imgmeta serve: " << error << "\n";
      return 2;
    }
  }
  http::JsonLog log(stdout, http::parse_log_level(a.log_level));
  std::string host;
  int port = 0;
  if (!parse_listen(a.listen, host, port)) {
    std::cerr << "imgmeta serve: --listen " << a.listen << ": expected HOST:PORT\n";
    return 2;
  }
  const bool on_s3 = a.blob.starts_with("s3://");
  std::string usage_error;
  if (!a.blob.empty() && !on_s3) usage_error = "--blob " + a.blob + ": expected s3://bucket[/prefix] (or nothing for the data dir)";
  else if (on_s3 && a.events.empty()) usage_error = "--blob s3://... needs --events: the SQS queue the bucket notifies";
  else if (!on_s3 && !a.events.empty()) usage_error = "--events is only read with --blob s3://...";
  else if (!on_s3 && !a.meta.empty()) usage_error = "--meta dynamodb://... needs --blob s3://... (the local outbox lives in SQLite)";
  else if (!a.meta.empty() && !a.meta.starts_with("dynamodb://")) usage_error = "--meta " + a.meta + ": expected dynamodb://table";
  else if (a.auth != "local" && !a.auth.starts_with("cognito://")) usage_error = "--auth " + a.auth + ": expected local or cognito://region/pool?client=...";
  if (!usage_error.empty()) {
    std::cerr << "imgmeta serve: " << usage_error << "\n";
    return 2;
  }
  std::error_code ec;
  std::filesystem::create_directories(a.data_dir, ec);
  if (ec) {
    std::cerr << "imgmeta serve: --data-dir " << a.data_dir << ": " << ec.message() << "\n";
    return 1;
  }

  // Signals are taken by one thread with sigwait; every thread started from here on
  // inherits the mask, so no handler interrupts a worker mid-write.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);  // a client closing early must not kill the process

  http::LocalServerOptions so;
  so.host = host;
  so.port = port;
  so.web_dir = a.web;
  so.http_threads = a.http_threads;
  so.trust_proxy = a.trust_proxy;
  so.csp_connect_src = a.csp_connect_src;
  so.read_timeout_s = a.read_timeout;
  so.io_threads = a.io_threads;
  so.request_queue = a.request_queue;
  so.max_connections = a.max_connections;
  so.header_timeout_s = a.header_timeout;
  so.keepalive_timeout_s = a.keepalive_timeout;
  so.max_header_bytes = static_cast<int>(a.max_header_bytes);
  so.version = IMGMETA_VERSION;
  // One request body is at most a single upload (up to the multipart threshold) or a part.
  uint64_t largest_part = std::max<uint64_t>(a.part_size, (a.max_upload_size + 9999) / 10000 + (1u << 20));
  so.max_blob_body = std::max<uint64_t>(a.multipart_threshold, largest_part);

  http::LocalServer server(so, log);
  ServeContext ctx{a, log, server, signals};
  auto bound = server.bind();
  if (!bound) return serve_fail(ctx, "cannot listen", bound.error());
  ctx.port = *bound;
  ctx.listen = url_host(host) + ":" + std::to_string(*bound);
  ctx.public_url = a.public_url.empty() ? "http://" + url_host(host) + ":" + std::to_string(*bound) : a.public_url;
  server.set_public_base_url(ctx.public_url);
  if (!is_loopback(host))
    log.warn("listening beyond loopback", "startup", {{"host", host}, {"hint", "set --public-url to the address clients use"}});
  return on_s3 ? run_serve_s3(ctx) : run_serve_local(ctx);
}

}  // namespace

int serve_fail(ServeContext& ctx, const std::string& what, const meta::Error& e) {
  ctx.log.error(what, "startup", {{"error", e.message}});
  std::cerr << "imgmeta serve: " << what << ": " << e.message << "\n";
  return 1;
}

std::map<std::string, std::string> endpoint_flags(const ServeArgs& a) {
  std::map<std::string, std::string> e;
  if (!a.endpoint_url.empty()) e[""] = a.endpoint_url;
  if (!a.endpoint_url_s3.empty()) e["s3"] = a.endpoint_url_s3;
  if (!a.endpoint_url_dynamodb.empty()) e["dynamodb"] = a.endpoint_url_dynamodb;
  if (!a.endpoint_url_sqs.empty()) e["sqs"] = a.endpoint_url_sqs;
  if (!a.endpoint_url_cognito.empty()) e["cognito-idp"] = a.endpoint_url_cognito;
  return e;
}

meta::Result<SignIn> open_sign_in(ServeContext& ctx) {
  const ServeArgs& a = ctx.args;
  SignIn s;
  if (a.auth == "local") {
    auth::AccountSettings as;
    as.password_cost.ops = static_cast<uint64_t>(a.argon2_ops);
    as.password_cost.memory_bytes = static_cast<size_t>(a.argon2_memory);
    as.tokens.access_ttl_s = a.access_token_ttl;
    as.refresh_ttl_s = a.refresh_token_ttl;
    as.limits.signin_failures_per_account = static_cast<size_t>(a.signin_failures_per_account);
    as.limits.signin_failures_per_address = static_cast<size_t>(a.signin_failures_per_address);
    as.limits.signin_window_ms = int64_t{a.signin_window} * 1000;
    as.limits.signups_per_address = static_cast<size_t>(a.signups_per_address);
    as.limits.signup_window_ms = int64_t{a.signup_window} * 1000;
    as.hash_concurrency = std::max(1u, std::thread::hardware_concurrency());
    auto accounts = auth::AccountService::open(a.data_dir + "/auth", as);
    if (!accounts) return accounts.error();
    s.accounts = std::move(*accounts);
    s.verifier = &s.accounts->tokens();
    s.web_auth = {{"mode", "local"}};
    return s;
  }
  aws::AdapterSettings settings{a.aws_profile, a.aws_region, endpoint_flags(a)};
  auto cognito = aws::open_cognito_verifier(a.auth, settings);
  if (!cognito) return cognito.error();
  s.cognito = std::move(*cognito);
  s.verifier = s.cognito.get();
  // cognito://<region>/<pool>?client=<id>: what the web app needs to sign in there itself.
  std::string rest = a.auth.substr(10);
  std::string region = rest.substr(0, rest.find('/'));
  std::string pool = rest.substr(region.size() + 1, rest.find('?') - region.size() - 1);
  s.web_auth = {{"mode", "cognito"}, {"region", region}, {"userPoolId", pool}, {"clientId", uri_param(a.auth, "client")}};
  std::string endpoint = a.endpoint_url_cognito.empty() ? a.endpoint_url : a.endpoint_url_cognito;
  if (endpoint.empty())
    if (const char* e = std::getenv("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER"); e && *e) endpoint = e;
  if (!endpoint.empty()) {
    s.web_auth["endpoint"] = endpoint;
    s.connect_origin = origin_of(endpoint);
  } else {
    s.connect_origin = "https://cognito-idp." + region + ".amazonaws.com";
  }
  return s;
}

ordered_json listening_fields(const ServeContext& ctx) {
  return {{"listen", ctx.listen}, {"port", ctx.port}, {"publicUrl", ctx.public_url}, {"dataDir", ctx.args.data_dir},
          {"web", ctx.args.web},  {"workers", ctx.args.workers}};
}

http::ApiOptions api_options(const ServeArgs& a) {
  http::ApiOptions ao;
  ao.max_upload_size = a.max_upload_size;
  ao.multipart_threshold = a.multipart_threshold;
  ao.part_size = a.part_size;
  ao.upload_url_ttl = std::chrono::seconds(a.upload_url_ttl);
  ao.content_url_ttl = std::chrono::seconds(a.content_url_ttl);
  ao.trash_days = a.trash_days;
  return ao;
}

int serve_until_signal(ServeContext& ctx, http::LocalServerDeps deps, ordered_json listening,
                       const std::function<void()>& drain) {
  http::JsonLog& log = ctx.log;
  http::LocalServer& server = ctx.server;
  const int timeout = ctx.args.shutdown_timeout;
  sigset_t signals = ctx.signals;
  std::atomic<bool> stopping{false};
  std::thread signal_thread([&log, &server, &stopping, timeout, signals] {
    int sig = 0;
    sigwait(&signals, &sig);
    stopping = true;
    log.info("shutting down", "shutdown", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}, {"timeoutSeconds", timeout}});
    server.set_ready(false);
    server.stop();
    std::thread([&log, timeout] {
      std::this_thread::sleep_for(std::chrono::seconds(timeout));
      log.error("shutdown timed out; exiting", "shutdown");
      std::_Exit(1);
    }).detach();
    sigwait(&signals, &sig);
    log.error("second signal; exiting now", "shutdown");
    std::_Exit(1);
  });
  signal_thread.detach();

  server.set_ready(true);
  listening["version"] = IMGMETA_VERSION;
  log.info("listening", "startup", std::move(listening));
  auto served = server.serve(deps);
  log.info("http server stopped; finishing extractions", "shutdown");
  drain();
  log.info("stopped", "shutdown");
  if (!served) return serve_fail(ctx, "the HTTP server failed", served.error());
  return stopping ? 0 : 1;
}

Command add_serve_command(CLI::App& app) {
  auto args = std::make_shared<ServeArgs>();
  CLI::App* sub = app.add_subcommand("serve", "Run the whole service on this machine: API, uploads, extraction workers, web app");
  auto& a = *args;
  auto opt = [&](const char* name, auto& field, const char* env, const char* help) {
    return sub->add_option(name, field, help)->envname(env)->capture_default_str();
  };
  opt("--listen", a.listen, "IMGMETA_LISTEN", "Address and port to listen on (HOST:PORT; port 0 picks a free one). Loopback unless told otherwise.");
  opt("--data-dir", a.data_dir, "IMGMETA_DATA_DIR", "Directory for blobs, SQLite databases, keys (created when missing)");
  opt("--web", a.web, "IMGMETA_WEB", "Directory of the built web app to serve (empty: API only)");
  opt("--public-url", a.public_url, "IMGMETA_PUBLIC_URL", "Origin clients reach the server at, used in upload URLs (default: http://<listen address>)");
  sub->add_option("--config", a.config, "Config file of `option = value` lines (names as the long options, without --); flags and IMGMETA_* variables take precedence")
      ->envname("IMGMETA_CONFIG");
  opt("--blob", a.blob, "IMGMETA_BLOB", "Where image bytes live: empty for <data-dir>/blobs, or s3://bucket[/prefix] (then --events is required)");
  opt("--meta", a.meta, "IMGMETA_META", "Where metadata lives: empty for SQLite in the data dir, or dynamodb://table (needs --blob s3://...)");
  opt("--auth", a.auth, "IMGMETA_AUTH", "Who signs people in: local (accounts in the data dir) or cognito://region/poolId?client=<appClientId>");
  opt("--events", a.events, "IMGMETA_EVENTS", "With --blob s3://: the SQS queue the bucket's ObjectCreated/ObjectRemoved notifications go to (sqs://host/account/queue or its URL)");
  opt("--queue-wait", a.queue_wait, "IMGMETA_QUEUE_WAIT", "Seconds one SQS long poll waits for events (also the longest a shutdown waits for it)")->check(CLI::Range(0, 20));
  opt("--aws-profile", a.aws_profile, "IMGMETA_AWS_PROFILE", "AWS profile for credentials and region (default: $AWS_PROFILE or default)");
  opt("--aws-region", a.aws_region, "IMGMETA_AWS_REGION", "AWS region (default: $AWS_REGION, $AWS_DEFAULT_REGION, the profile's)");
  opt("--endpoint-url", a.endpoint_url, "IMGMETA_ENDPOINT_URL", "Endpoint for every AWS service (S3/DynamoDB-compatible storage, moto); $AWS_ENDPOINT_URL is read too");
  opt("--endpoint-url-s3", a.endpoint_url_s3, "IMGMETA_ENDPOINT_URL_S3", "S3 endpoint (also $AWS_ENDPOINT_URL_S3)");
  opt("--endpoint-url-dynamodb", a.endpoint_url_dynamodb, "IMGMETA_ENDPOINT_URL_DYNAMODB", "DynamoDB endpoint (also $AWS_ENDPOINT_URL_DYNAMODB)");
  opt("--endpoint-url-sqs", a.endpoint_url_sqs, "IMGMETA_ENDPOINT_URL_SQS", "SQS endpoint (also $AWS_ENDPOINT_URL_SQS; default: the queue URL's host)");
  opt("--endpoint-url-cognito", a.endpoint_url_cognito, "IMGMETA_ENDPOINT_URL_COGNITO", "Cognito endpoint, for its JWKS (also $AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER)");
  opt("--workers", a.workers, "IMGMETA_WORKERS", "Extraction worker threads")->check(CLI::Range(1, 64));
  opt("--preview-workers", a.preview_workers, "IMGMETA_PREVIEW_WORKERS",
      "Threads making thumbnails and previews (0: none are made)")->check(CLI::Range(0, 64));
  opt("--http-threads", a.http_threads, "IMGMETA_HTTP_THREADS", "Threads for requests' blocking work (database, password hashing, disk writes); connections need none")->check(CLI::Range(2, 1024));
  opt("--io-threads", a.io_threads, "IMGMETA_IO_THREADS", "Threads serving the connections (reads, writes, timeouts)")->check(CLI::Range(1, 64));
  opt("--request-queue", a.request_queue, "IMGMETA_REQUEST_QUEUE", "Requests that may wait for a thread; beyond, 503 with Retry-After")->check(CLI::Range(1, 1000000));
  opt("--max-connections", a.max_connections, "IMGMETA_MAX_CONNECTIONS", "Open connections; further ones are refused (503) and closed")->check(CLI::Range(1, 1000000));
  opt("--header-timeout", a.header_timeout, "IMGMETA_HEADER_TIMEOUT", "Seconds a request's header may take to arrive")->check(CLI::Range(1, 3600));
  opt("--keepalive-timeout", a.keepalive_timeout, "IMGMETA_KEEPALIVE_TIMEOUT", "Seconds an idle keep-alive connection stays open")->check(CLI::Range(1, 3600));
  opt("--max-header-bytes", a.max_header_bytes, "IMGMETA_MAX_HEADER_BYTES", "Largest request header (bytes; suffixes accepted); beyond, 431")
      ->transform(CLI::AsSizeValue(false))->check(CLI::Range(uint64_t{1024}, uint64_t{1} << 20));
  opt("--max-upload-size", a.max_upload_size, "IMGMETA_MAX_UPLOAD_SIZE", "Largest accepted image (bytes; suffixes KiB, MiB, GiB accepted)")
      ->transform(CLI::AsSizeValue(false));
  opt("--multipart-threshold", a.multipart_threshold, "IMGMETA_MULTIPART_THRESHOLD", "Uploads larger than this go in parts")
      ->transform(CLI::AsSizeValue(false));
  opt("--part-size", a.part_size, "IMGMETA_PART_SIZE", "Size of each multipart part (at least 5 MiB)")->transform(CLI::AsSizeValue(false));
  opt("--upload-url-ttl", a.upload_url_ttl, "IMGMETA_UPLOAD_URL_TTL", "Seconds an upload URL stays valid")->check(CLI::Range(1, 7 * 24 * 3600));
  opt("--content-url-ttl", a.content_url_ttl, "IMGMETA_CONTENT_URL_TTL", "Seconds an image's contentUrl stays valid (0: no contentUrl)")
      ->check(CLI::Range(0, 7 * 24 * 3600));
  opt("--access-token-ttl", a.access_token_ttl, "IMGMETA_ACCESS_TOKEN_TTL", "Seconds an access token stays valid")->check(CLI::Range(1, 86400));
  opt("--refresh-token-ttl", a.refresh_token_ttl, "IMGMETA_REFRESH_TOKEN_TTL", "Seconds a refresh token stays valid")->check(CLI::Range(60, 365 * 86400));
  opt("--signin-failures-per-account", a.signin_failures_per_account, "IMGMETA_SIGNIN_FAILURES_PER_ACCOUNT",
      "Failed sign-ins per account within the window before 429 (0: no limit)")->check(CLI::Range(0, 1000000));
  opt("--signin-failures-per-address", a.signin_failures_per_address, "IMGMETA_SIGNIN_FAILURES_PER_ADDRESS",
      "Failed sign-ins per client address within the window before 429 (0: no limit)")->check(CLI::Range(0, 1000000));
  opt("--signin-window", a.signin_window, "IMGMETA_SIGNIN_WINDOW", "Seconds the sign-in failure limits look back")->check(CLI::Range(1, 86400));
  opt("--signups-per-address", a.signups_per_address, "IMGMETA_SIGNUPS_PER_ADDRESS", "Sign-ups per client address within the sign-up window (0: no limit)")
      ->check(CLI::Range(0, 1000000));
  opt("--signup-window", a.signup_window, "IMGMETA_SIGNUP_WINDOW", "Seconds the sign-up limit looks back")->check(CLI::Range(1, 86400 * 7));
  opt("--argon2-ops", a.argon2_ops, "IMGMETA_ARGON2_OPS", "Argon2id passes for new password hashes")->check(CLI::Range(1, 10));
  opt("--argon2-memory", a.argon2_memory, "IMGMETA_ARGON2_MEMORY", "Argon2id memory for new password hashes (bytes; suffixes accepted)")
      ->transform(CLI::AsSizeValue(false));
  opt("--max-attempts", a.max_attempts, "IMGMETA_MAX_ATTEMPTS", "Extraction attempts per event before the image is marked failed")
      ->check(CLI::Range(1, 100));
  opt("--shutdown-timeout", a.shutdown_timeout, "IMGMETA_SHUTDOWN_TIMEOUT", "Seconds a graceful shutdown may take before the process exits anyway")
      ->check(CLI::Range(1, 3600));
  opt("--read-timeout", a.read_timeout, "IMGMETA_READ_TIMEOUT", "Seconds within which a body must bring 16 KiB more (or end), and a client take a response")->check(CLI::Range(1, 3600));
  sub->add_flag("--trust-proxy", a.trust_proxy, "Take the client address from X-Forwarded-For (only behind a reverse proxy)")
      ->envname("IMGMETA_TRUST_PROXY")->capture_default_str();
  sub->add_flag("--sync-normal", a.sync_normal,
                "No fsync of the SQLite WAL for acknowledged writes: they survive a process crash but not power loss")
      ->envname("IMGMETA_SYNC_NORMAL")->capture_default_str();
  opt("--csp-connect-src", a.csp_connect_src, "IMGMETA_CSP_CONNECT_SRC", "Extra origins the web app may connect to (space-separated)");
  // A tile URL lands in the CSP: an http(s) URL with nothing that could end a CSP directive.
  const CLI::Validator tile_url(
      [](std::string& v) -> std::string {
        bool scheme = v.rfind("http://", 0) == 0 || v.rfind("https://", 0) == 0;
        if (!scheme || v.size() > 500 || v.find_first_of(" \t\r\n;,'\"") != std::string::npos)
          return "an http:// or https:// tile URL such as https://tile.example.org/{z}/{x}/{y}.png";
        return {};
      },
      "URL");
  opt("--map-tile-url", a.map_tile_url, "IMGMETA_MAP_TILE_URL", "Map tile URL template ({z}/{x}/{y}, optional {s}) the web app's map loads")
      ->check(tile_url);
  opt("--map-attribution", a.map_attribution, "IMGMETA_MAP_ATTRIBUTION", "Attribution text shown on the map (links written as plain URLs)");
  opt("--trash-days", a.trash_days, "IMGMETA_TRASH_DAYS", "Days a deleted image stays in the trash before it is deleted for good (0: at the next sweep)")
      ->check(CLI::Range(0, 3650));
  opt("--trash-sweep-interval", a.trash_sweep_interval, "IMGMETA_TRASH_SWEEP_INTERVAL", "Seconds between two sweeps of the trash for expired images")
      ->check(CLI::Range(1, 7 * 86400));
  opt("--log-level", a.log_level, "IMGMETA_LOG_LEVEL", "Lowest level logged: debug, info, warn, error")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}));
  sub->footer(
      "Precedence: flags, then IMGMETA_* environment variables, then the --config file, then the defaults shown.\n"
      "Shapes: by default everything lives in --data-dir. With --blob s3://bucket --events <queue> [--meta dynamodb://table]\n"
      "[--auth cognito://...] the bytes go to S3 (browsers PUT to presigned URLs) and the bucket's notifications, read\n"
      "from SQS, drive the extraction workers, so several instances can share one bucket, table and queue.\n"
      "Logs: JSON lines on stdout, each with a requestId. Stop with SIGTERM or SIGINT: requests and extractions\n"
      "in flight finish first (up to --shutdown-timeout); a second signal exits at once.");
  return [sub, args] { return run_serve(*sub, *args); };
}

}  // namespace imgmeta::cli
