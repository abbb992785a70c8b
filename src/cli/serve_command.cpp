// `imgmeta serve`: the embedded default in one process — blob store in a directory,
// metadata and outbox in SQLite, local accounts, extractor workers, the HTTP API, the web
// app, /metrics and health. A thin shell: it reads the configuration, opens the parts in
// dependency order, and shuts them down gracefully on SIGTERM/SIGINT.
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <thread>

#include "auth/account_service.hpp"
#include "cli/commands.hpp"
#include "http/api.hpp"
#include "http/json_log.hpp"
#include "http/local_server.hpp"
#include "http/outbox_events.hpp"
#include "pipeline/metrics.hpp"
#include "pipeline/outbox.hpp"
#include "store/directory_blob_store.hpp"
#include "store/sqlite_metadata_store.hpp"

namespace imgmeta::cli {
namespace {

using nlohmann::ordered_json;

struct ServeArgs {
  std::string listen = "127.0.0.1:8080";
  std::string data_dir = "./data";
  std::string web;
  std::string public_url;
  std::string config;
  int workers = 2;
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
  bool trust_proxy = false;
  bool sync_normal = false;
  std::string csp_connect_src;
  std::string log_level = "info";
};

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

int run_serve(CLI::App& sub, ServeArgs& a) {
  if (!a.config.empty()) {
    std::string error;
    if (!apply_config_file(sub, a.config, error)) {
      std::cerr << "imgmeta serve: " << error << "\n";
      return 2;
    }
  }
  http::JsonLog log(stdout, http::parse_log_level(a.log_level));
  const std::string boot = "startup";
  std::string host;
  int port = 0;
  if (!parse_listen(a.listen, host, port)) {
    std::cerr << "imgmeta serve: --listen " << a.listen << ": expected HOST:PORT\n";
    return 2;
  }
  std::error_code ec;
  std::filesystem::create_directories(a.data_dir, ec);
  if (ec) {
    std::cerr << "imgmeta serve: --data-dir " << a.data_dir << ": " << ec.message() << "\n";
    return 1;
  }
  auto fail = [&](const std::string& what, const meta::Error& e) {
    log.error(what, boot, {{"error", e.message}});
    std::cerr << "imgmeta serve: " << what << ": " << e.message << "\n";
    return 1;
  };

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
  so.version = IMGMETA_VERSION;
  // One request body is at most a single upload (up to the multipart threshold) or a part.
  uint64_t largest_part = std::max<uint64_t>(a.part_size, (a.max_upload_size + 9999) / 10000 + (1u << 20));
  so.max_blob_body = std::max<uint64_t>(a.multipart_threshold, largest_part);
  ordered_json web_config{{"apiBaseUrl", ""},
                          {"auth", {{"mode", "local"}}},
                          {"maxUploadSize", a.max_upload_size},
                          {"multipartThreshold", a.multipart_threshold}};
  so.web_config_json = web_config.dump();

  http::LocalServer server(so, log);
  auto bound = server.bind();
  if (!bound) return fail("cannot listen", bound.error());
  const std::string public_url = a.public_url.empty() ? "http://" + url_host(host) + ":" + std::to_string(*bound) : a.public_url;
  if (!is_loopback(host))
    log.warn("listening beyond loopback", boot, {{"host", host}, {"hint", "set --public-url to the address clients use"}});

  store::DirectoryBlobStoreOptions bo;
  bo.data_dir = a.data_dir;
  bo.public_base_url = public_url;
  bo.url_path_prefix = "/blobs/";
  auto blobs = store::DirectoryBlobStore::open(bo);
  if (!blobs) return fail("cannot open the blob store", blobs.error());
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
  if (!metadata) return fail("cannot open the metadata store", metadata.error());

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
  if (!accounts) return fail("cannot open the account store", accounts.error());

  pipeline::Metrics metrics;
  pipeline::HandlerOptions ho;
  ho.max_object_size = a.max_upload_size;
  ho.remove_bytes_on_delete = true;
  pipeline::WorkerOptions wo;
  wo.threads = a.workers;
  wo.max_attempts = a.max_attempts;
  pipeline::Outbox outbox(**metadata, **blobs, ho, wo, metrics);
  outbox.set_observer([&log](const pipeline::AttemptReport& r) {
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
  });
  auto recovered = outbox.recover(**blobs);
  if (!recovered) return fail("start-up recovery failed", recovered.error());
  log.info("recovery done", boot, {{"uploadsCommitted", recovered->committed}, {"orphanFilesRemoved", recovered->removed}});
  if (auto st = outbox.start(); !st) return fail("cannot start the workers", st.error());

  http::OutboxEvents events(outbox);
  http::ApiDeps deps;
  deps.accounts = accounts->get();
  deps.verifier = &(*accounts)->tokens();
  deps.blobs = blobs->get();
  deps.metadata = metadata->get();
  deps.events = &events;
  http::ApiOptions ao;
  ao.max_upload_size = a.max_upload_size;
  ao.multipart_threshold = a.multipart_threshold;
  ao.part_size = a.part_size;
  ao.upload_url_ttl = std::chrono::seconds(a.upload_url_ttl);
  ao.content_url_ttl = std::chrono::seconds(a.content_url_ttl);
  http::Api api(deps, ao);

  // SIGTERM/SIGINT: stop accepting, let requests and extractions in flight finish. A second
  // signal, or the shutdown timeout, ends the process at once.
  std::atomic<bool> stopping{false};
  std::thread signal_thread([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    stopping = true;
    log.info("shutting down", "shutdown", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}, {"timeoutSeconds", a.shutdown_timeout}});
    server.set_ready(false);
    server.stop();
    std::thread([&] {
      std::this_thread::sleep_for(std::chrono::seconds(a.shutdown_timeout));
      log.error("shutdown timed out; exiting", "shutdown");
      std::_Exit(1);
    }).detach();
    sigwait(&signals, &sig);
    log.error("second signal; exiting now", "shutdown");
    std::_Exit(1);
  });
  signal_thread.detach();

  server.set_public_base_url(public_url);
  server.set_ready(true);
  log.info("listening", boot,
           {{"listen", url_host(host) + ":" + std::to_string(*bound)},
            {"port", *bound},
            {"publicUrl", public_url},
            {"dataDir", a.data_dir},
            {"web", a.web},
            {"workers", a.workers},
            {"version", IMGMETA_VERSION}});
  http::LocalServerDeps ld{&api, blobs->get(), metadata->get(), &outbox, &metrics};
  auto served = server.serve(ld);
  log.info("http server stopped; finishing extractions", "shutdown");
  outbox.stop();
  log.info("stopped", "shutdown");
  if (!served) return fail("the HTTP server failed", served.error());
  return stopping ? 0 : 1;
}

}  // namespace

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
  opt("--workers", a.workers, "IMGMETA_WORKERS", "Extraction worker threads")->check(CLI::Range(1, 64));
  opt("--http-threads", a.http_threads, "IMGMETA_HTTP_THREADS", "HTTP connections served at once")->check(CLI::Range(2, 1024));
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
  opt("--read-timeout", a.read_timeout, "IMGMETA_READ_TIMEOUT", "Seconds a client may stay silent mid-request")->check(CLI::Range(1, 3600));
  sub->add_flag("--trust-proxy", a.trust_proxy, "Take the client address from X-Forwarded-For (only behind a reverse proxy)")
      ->envname("IMGMETA_TRUST_PROXY")->capture_default_str();
  sub->add_flag("--sync-normal", a.sync_normal,
                "SQLite synchronous=NORMAL: faster commits that survive a process crash but not power loss")
      ->envname("IMGMETA_SYNC_NORMAL")->capture_default_str();
  opt("--csp-connect-src", a.csp_connect_src, "IMGMETA_CSP_CONNECT_SRC", "Extra origins the web app may connect to (space-separated)");
  opt("--log-level", a.log_level, "IMGMETA_LOG_LEVEL", "Lowest level logged: debug, info, warn, error")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}));
  sub->footer(
      "Precedence: flags, then IMGMETA_* environment variables, then the --config file, then the defaults shown.\n"
      "Logs: JSON lines on stdout, each with a requestId. Stop with SIGTERM or SIGINT: requests and extractions\n"
      "in flight finish first (up to --shutdown-timeout); a second signal exits at once.");
  return [sub, args] { return run_serve(*sub, *args); };
}

}  // namespace imgmeta::cli
