// `imgmeta upload`: sends image files and folders to an imgmeta server (imgmeta serve, or the
// AWS shape with Cognito) through the same API the web app uses: hash, ask POST /api/uploads
// (the server's 409 says it has the bytes already, which makes a second run resume), PUT to
// the presigned URL or in parts, and a summary at the end.
#include <fcntl.h>
#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <thread>

#include "aws/http_client.hpp"
#include "cli/commands.hpp"
#include "cli/upload_api.hpp"
#include "cli/upload_files.hpp"
#include "cli/upload_journal.hpp"
#include "cli/upload_progress.hpp"
#include "cli/upload_put.hpp"
#include "meta/ascii.hpp"

namespace imgmeta::cli {
namespace {

using nlohmann::json;

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

struct UploadArgs {
  std::string server;
  std::string username;
  bool cognito = false;
  unsigned jobs = 4;
  bool dry_run = false;
  std::vector<std::string> paths;
};

enum class Outcome { Uploaded, AlreadyThere, Failed };

struct FileResult {
  Outcome outcome = Outcome::Failed;
  std::string image_id;
  std::string reason;
};

FileResult failed(std::string reason) { return {Outcome::Failed, {}, std::move(reason)}; }

// Ctrl-C (or SIGTERM): the first stops new files and interrupts transfers in flight, whose
// server-side uploads are then cancelled; a second one ends the process at once.
std::atomic<bool> g_interrupted{false};

extern "C" void on_interrupt(int sig) {
  if (g_interrupted.exchange(true)) {
    ::signal(sig, SIG_DFL);
    ::raise(sig);
  }
}

// File names and the server's messages are untrusted text: control characters (an escape
// sequence in a file name could rewrite the terminal) are shown as '?'.
std::string shown(std::string_view text) { return clean_text(text, '?'); }

std::string percent_encode(std::string_view s) { return meta::percent_encode(s, meta::is_unreserved); }

std::string json_string(const json& j, const char* key) {
  if (!j.is_object()) return {};
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The imageId the server's DuplicateImage answer names (top level, or inside "error").
std::string duplicate_of(const ApiReply& r) {
  std::string id = json_string(r.body, "imageId");
  if (id.empty() && r.body.is_object() && r.body.contains("error")) id = json_string(r.body["error"], "imageId");
  return id;
}

std::string describe_refusal(const ApiReply& r) { return r.error_message() + " (HTTP " + std::to_string(r.status) + ")"; }

// Reads a line from the terminal with echo off; nullopt when there is no terminal.
std::optional<std::string> prompt_hidden(const std::string& prompt, bool hide) {
  int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  termios saved{};
  bool restore = hide && ::tcgetattr(fd, &saved) == 0;
  if (restore) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(fd, TCSAFLUSH, &quiet);
  }
  (void)!::write(fd, prompt.data(), prompt.size());
  std::string line;
  char c;
  while (::read(fd, &c, 1) == 1 && c != '\n') line.push_back(c);
  if (restore) {
    ::tcsetattr(fd, TCSAFLUSH, &saved);
    (void)!::write(fd, "\n", 1);
  }
  ::close(fd);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

class Uploader {
 public:
  Uploader(ApiSession& api, UploadProgress& progress, UploadJournal& journal, std::string server, std::string username)
      : api_(api), progress_(progress), journal_(journal), server_(std::move(server)), username_(std::move(username)) {}

  FileResult upload(const LocalImage& img) {
    int64_t sent_for_file = 0;
    auto on_sent = [&](int64_t delta) {
      sent_for_file += delta;
      progress_.sent(delta);
    };
    FileResult r = upload_file(img, on_sent);
    std::string line;
    switch (r.outcome) {
      case Outcome::Uploaded: line = "uploaded       " + shown(img.path) + "  -> " + shown(r.image_id); break;
      case Outcome::AlreadyThere: line = "already there  " + shown(img.path) + "  (" + shown(r.image_id) + ")"; break;
      case Outcome::Failed: line = "FAILED         " + shown(img.path) + ": " + shown(r.reason); break;
    }
    progress_.file_done(img.size, sent_for_file, line);
    return r;
  }

 private:
  FileResult upload_file(const LocalImage& img, const std::function<void(int64_t)>& on_sent) {
    auto sha = sha256_file(img.path);
    if (!sha) return failed(sha.error().message);
    // Two copies of the same bytes in one run: the server only refuses the second once the
    // first has landed, so the second waits for the first and is then already there.
    std::shared_ptr<Claim> mine;
    {
      std::unique_lock lock(claims_mu_);
      for (;;) {
        auto it = claims_.find(*sha);
        if (it == claims_.end() || (it->second->done && it->second->image_id.empty())) {
          mine = std::make_shared<Claim>();
          claims_[*sha] = mine;
          break;
        }
        if (it->second->done) return {Outcome::AlreadyThere, it->second->image_id, {}};
        auto other = it->second;
        claims_cv_.wait(lock, [&] { return other->done; });
      }
    }
    FileResult r = send(img, *sha, on_sent);
    {
      std::lock_guard lock(claims_mu_);
      mine->done = true;
      if (r.outcome != Outcome::Failed) mine->image_id = r.image_id;
    }
    claims_cv_.notify_all();
    return r;
  }

  FileResult send(const LocalImage& img, const std::string& sha, const std::function<void(int64_t)>& on_sent) {
    const std::string key = UploadJournal::key(server_, username_, sha, img.size);
    if (auto pending = journal_.find(key))
      if (auto resumed = resume_parts(img, *pending, on_sent, key)) return *resumed;
    auto reply = api_.call("POST", "/api/uploads",
                           json{{"filename", img.filename}, {"contentType", img.content_type}, {"size", img.size}, {"sha256", sha}});
    if (!reply) return failed(reply.error().message);
    if (reply->status == 409 && reply->error_code() == "DuplicateImage") return {Outcome::AlreadyThere, duplicate_of(*reply), {}};
    if (is_retryable_status(reply->status))
      return failed("the server kept failing: " + describe_refusal(*reply) + " after " + std::to_string(api_.retry().attempts) + " attempts");
    if (reply->status != 201) return failed("the server refused it: " + describe_refusal(*reply));
    const json& ticket = reply->body;
    std::string image_id = json_string(ticket, "imageId");
    if (image_id.empty()) return failed("the server's upload ticket has no imageId");
    FileResult r;
    if (ticket.contains("multipart") && ticket["multipart"].is_object()) r = upload_parts(img, image_id, ticket["multipart"], on_sent, key);
    else r = upload_whole(img, image_id, ticket, on_sent);
    r.image_id = r.image_id.empty() ? image_id : r.image_id;
    return r;
  }

  // PUT with retries on 5xx, 429 and lost connections. refresh_url, when given, is asked for
  // a fresh URL before each retry (part URLs are renewed through listParts).
  meta::Result<PutReply> put_with_retry(RangePut put, const std::function<void(int64_t)>& on_sent,
                                        const std::function<std::optional<std::string>()>& refresh_url = {}) {
    put.cancel = &g_interrupted;
    for (int attempt = 1;; ++attempt) {
      auto r = put_range(put, on_sent);
      bool transient = r ? is_retryable_status(r->status) : r.error().code != meta::Errc::Io && r.error().code != meta::Errc::Cancelled;
      // A part URL that expired (403) is worth one more try with a fresh URL.
      if (r && r->status == 403 && refresh_url && attempt == 1) transient = true;
      if (!transient || attempt >= api_.retry().attempts || g_interrupted) return r;
      backoff_sleep(api_.retry(), attempt);
      if (refresh_url)
        if (auto fresh = refresh_url()) put.url = *fresh;
    }
  }

  void abort_upload(const std::string& image_id, const std::string& upload_id) {
    std::string path = "/api/uploads/" + image_id;
    if (!upload_id.empty()) path += "?uploadId=" + percent_encode(upload_id);
    (void)api_.call("DELETE", path);
  }

  FileResult upload_whole(const LocalImage& img, const std::string& image_id, const json& ticket,
                          const std::function<void(int64_t)>& on_sent) {
    RangePut put;
    put.url = json_string(ticket, "url");
    put.path = img.path;
    put.length = img.size;
    if (put.url.empty()) return failed("the server's upload ticket has neither a URL nor parts");
    if (ticket.contains("headers") && ticket["headers"].is_object())
      for (const auto& [k, v] : ticket["headers"].items())
        if (v.is_string()) put.headers.push_back({k, v.get<std::string>()});
    auto r = put_with_retry(put, on_sent);
    if (!r) {
      abort_upload(image_id, {});
      return failed(r.error().message);
    }
    if (r->status == 200) return {Outcome::Uploaded, image_id, {}};
    ApiReply answer{r->status, json::parse(r->body, nullptr, false)};
    if (r->status == 409) {
      abort_upload(image_id, {});
      std::string existing = duplicate_of(answer);
      return {Outcome::AlreadyThere, existing.empty() ? image_id : existing, {}};
    }
    abort_upload(image_id, {});
    if (answer.error_code() == "BadDigest") return failed("the file changed while it was being sent (its SHA-256 no longer matches)");
    return failed("storing the bytes failed: " + describe_refusal(answer));
  }

  struct Part {
    int number = 0;
    uint64_t offset = 0, size = 0;
    std::string url, etag;  // etag set: stored already
  };

  // Checks part numbers and sizes the server sent against the file: every part but the last
  // is part_size long, and together they cover the file exactly once.
  static std::optional<std::string> check_parts(const LocalImage& img, uint64_t part_size, std::vector<Part>& parts) {
    if (part_size == 0 || parts.empty()) return "no parts";
    std::sort(parts.begin(), parts.end(), [](const Part& a, const Part& b) { return a.number < b.number; });
    uint64_t covered = 0;
    for (size_t i = 0; i < parts.size(); ++i) {
      auto& p = parts[i];
      auto n = static_cast<uint64_t>(p.number);
      if (p.number != static_cast<int>(i) + 1 || n > 10000 || (n - 1) > img.size / part_size ||
          p.size > img.size - (n - 1) * part_size || p.size == 0)
        return "part " + std::to_string(p.number) + " does not fit the file";
      p.offset = (n - 1) * part_size;
      covered += p.size;
    }
    if (covered != img.size) return "the parts cover " + std::to_string(covered) + " of the file's " + std::to_string(img.size) + " bytes";
    return std::nullopt;
  }

  static std::optional<Part> part_from(const json& p, bool with_url) {
    if (!p.is_object() || !p.contains("partNumber") || !p["partNumber"].is_number_unsigned() || !p.contains("size") ||
        !p["size"].is_number_unsigned() || p["partNumber"].get<uint64_t>() > 10000)
      return std::nullopt;
    Part part;
    part.number = static_cast<int>(p["partNumber"].get<uint64_t>());
    part.size = p["size"].get<uint64_t>();
    if (with_url) {
      part.url = json_string(p, "url");
      if (part.url.empty()) return std::nullopt;
    } else {
      part.etag = json_string(p, "eTag");
      if (part.etag.empty()) return std::nullopt;
    }
    return part;
  }

  FileResult upload_parts(const LocalImage& img, const std::string& image_id, const json& m,
                          const std::function<void(int64_t)>& on_sent, const std::string& key) {
    std::string upload_id = json_string(m, "uploadId");
    uint64_t part_size = m.contains("partSize") && m["partSize"].is_number_unsigned() ? m["partSize"].get<uint64_t>() : 0;
    std::vector<Part> parts;
    if (m.contains("parts") && m["parts"].is_array())
      for (const auto& p : m["parts"]) {
        auto part = part_from(p, /*with_url=*/true);
        if (!part) {
          abort_upload(image_id, upload_id);
          return failed("the server's multipart ticket has a malformed part");
        }
        parts.push_back(*part);
      }
    if (upload_id.empty()) return failed("the server's multipart ticket has no uploadId");
    if (auto bad = check_parts(img, part_size, parts)) {
      abort_upload(image_id, upload_id);
      return failed("the server's multipart ticket does not fit the file: " + *bad);
    }
    journal_.put(key, {image_id, upload_id});
    return send_parts(img, image_id, upload_id, std::move(parts), on_sent, key);
  }

  // A multipart upload an earlier run left unfinished: the stored parts stay, the missing
  // ones go with fresh URLs. nullopt when the server no longer has it (start afresh).
  std::optional<FileResult> resume_parts(const LocalImage& img, const PendingMultipart& pending,
                                         const std::function<void(int64_t)>& on_sent, const std::string& key) {
    auto list = api_.call("GET", "/api/uploads/" + pending.image_id + "/parts?uploadId=" + percent_encode(pending.upload_id));
    if (!list || list->status != 200 || !list->body.is_object()) {
      if (list && list->status == 404) journal_.remove(key);
      return std::nullopt;
    }
    std::vector<Part> parts;
    for (const char* which : {"parts", "missing"}) {
      const bool with_url = std::string_view(which) == "missing";
      if (!list->body.contains(which) || !list->body[which].is_array()) return std::nullopt;
      for (const auto& p : list->body[which]) {
        auto part = part_from(p, with_url);
        if (!part) return std::nullopt;
        parts.push_back(*part);
      }
    }
    uint64_t part_size = 0;
    for (const auto& p : parts)
      if (p.number == 1) part_size = p.size;
    if (check_parts(img, part_size, parts)) {
      abort_upload(pending.image_id, pending.upload_id);
      journal_.remove(key);
      return std::nullopt;
    }
    size_t stored = 0;
    for (const auto& p : parts) stored += p.etag.empty() ? 0 : 1;
    progress_.note("resuming      " + shown(img.path) + ": " + std::to_string(stored) + " of " + std::to_string(parts.size()) +
                   " parts are on the server already");
    FileResult r = send_parts(img, pending.image_id, pending.upload_id, std::move(parts), on_sent, key);
    if (r.image_id.empty()) r.image_id = pending.image_id;
    return r;
  }

  FileResult send_parts(const LocalImage& img, const std::string& image_id, const std::string& upload_id,
                        std::vector<Part> parts, const std::function<void(int64_t)>& on_sent, const std::string& key) {
    const std::string parts_path = "/api/uploads/" + image_id + "/parts?uploadId=" + percent_encode(upload_id);
    // Given up for now (interrupted, or the server kept failing): the upload stays on the
    // server and in the journal, and the next run sends what is missing.
    auto keep_for_later = [&](const std::string& why) {
      size_t stored = 0;
      for (const auto& p : parts) stored += p.etag.empty() ? 0 : 1;
      return failed(why + " (" + std::to_string(stored) + " of " + std::to_string(parts.size()) +
                    " parts stored; run again to send the rest)");
    };
    for (auto& part : parts) {
      if (!part.etag.empty()) continue;
      // Before a retry: a fresh URL for this part from listParts.
      auto refresh = [&]() -> std::optional<std::string> {
        auto list = api_.call("GET", parts_path);
        if (!list || list->status != 200) return std::nullopt;
        if (list->body.contains("missing") && list->body["missing"].is_array())
          for (const auto& x : list->body["missing"])
            if (x.is_object() && x.value("partNumber", 0) == part.number) return json_string(x, "url");
        return std::nullopt;
      };
      RangePut put{part.url, {}, img.path, part.offset, part.size};
      auto r = put_with_retry(put, on_sent, refresh);
      if (!r) {
        if (r.error().code == meta::Errc::Cancelled || r.error().code == meta::Errc::Transport || r.error().code == meta::Errc::Timeout)
          return keep_for_later("part " + std::to_string(part.number) + ": " + r.error().message);
        abort_upload(image_id, upload_id);
        journal_.remove(key);
        return failed("part " + std::to_string(part.number) + ": " + r.error().message);
      }
      if (r->status != 200) {
        ApiReply answer{r->status, json::parse(r->body, nullptr, false)};
        if (is_retryable_status(r->status)) return keep_for_later("part " + std::to_string(part.number) + ": " + describe_refusal(answer));
        abort_upload(image_id, upload_id);
        journal_.remove(key);
        if (r->status == 409) return {Outcome::AlreadyThere, duplicate_of(answer), {}};
        return failed("part " + std::to_string(part.number) + " was refused: " + describe_refusal(answer));
      }
      part.etag = r->etag;
      if (part.etag.empty()) part.etag = json_string(json::parse(r->body, nullptr, false), "eTag");
      if (part.etag.empty()) {
        abort_upload(image_id, upload_id);
        journal_.remove(key);
        return failed("part " + std::to_string(part.number) + " was stored without an ETag");
      }
    }
    json done = json::array();
    for (const auto& p : parts) done.push_back({{"partNumber", p.number}, {"eTag", p.etag}});
    auto reply = api_.call("POST", "/api/uploads/" + image_id + "/complete", json{{"uploadId", upload_id}, {"parts", done}});
    if (!reply) return keep_for_later("completing the upload: " + reply.error().message);
    if (is_retryable_status(reply->status)) return keep_for_later("completing the upload: " + describe_refusal(*reply));
    journal_.remove(key);
    if (reply->status == 200) return {Outcome::Uploaded, image_id, {}};
    if (reply->status == 409 && reply->error_code() == "DuplicateImage") {
      abort_upload(image_id, upload_id);
      return {Outcome::AlreadyThere, duplicate_of(*reply), {}};
    }
    abort_upload(image_id, upload_id);
    return failed("completing the upload was refused: " + describe_refusal(*reply));
  }

  struct Claim {
    bool done = false;
    std::string image_id;  // set when the upload succeeded (or found the bytes there)
  };

  ApiSession& api_;
  UploadProgress& progress_;
  UploadJournal& journal_;
  const std::string server_, username_;
  std::mutex claims_mu_;
  std::condition_variable claims_cv_;
  std::map<std::string, std::shared_ptr<Claim>> claims_;  // by SHA-256
};

int run_upload(const UploadArgs& a) {
  auto url = aws::parse_url(a.server);
  if (!url) {
    std::cerr << "imgmeta upload: --server: " << url.error().message << " (expected http://host:port or https://host)\n";
    return kExitUsage;
  }
  ScanResult scan = scan_paths(a.paths);
  const bool terminal = ::isatty(STDOUT_FILENO) == 1;
  for (const auto& s : scan.skipped) std::cout << "skipped        " << shown(s.path) << ": " << shown(s.reason) << "\n";
  uint64_t total_bytes = 0;
  for (const auto& img : scan.images) total_bytes += img.size;

  if (a.dry_run) {
    for (const auto& img : scan.images)
      std::cout << "would upload   " << shown(img.path) << "  (" << img.content_type << ", " << UploadProgress::human_bytes(static_cast<double>(img.size)) << ")\n";
    for (const auto& u : scan.unreadable) std::cout << "cannot upload  " << shown(u.path) << ": " << shown(u.reason) << "\n";
    std::cout << "Dry run: " << scan.images.size() << " files (" << UploadProgress::human_bytes(static_cast<double>(total_bytes))
              << ") would be sent to " << a.server << "; " << scan.skipped.size() << " skipped, " << scan.unreadable.size()
              << " unreadable. Nothing was sent.\n";
    return scan.unreadable.empty() ? kExitOk : kExitFailed;
  }

  for (const auto& u : scan.unreadable) std::cout << "FAILED         " << shown(u.path) << ": " << shown(u.reason) << "\n";
  if (scan.images.empty()) {
    std::cout << "Summary: nothing to upload; " << scan.unreadable.size() << " failed, " << scan.skipped.size()
              << " skipped (not images)\n";
    return scan.unreadable.empty() ? kExitOk : kExitFailed;
  }
  ApiSession api(a.server, RetryPolicy{});
  if (auto st = api.load_config(); !st) {
    std::cerr << "imgmeta upload: " << shown(st.error().message) << "\n";
    return kExitFailed;
  }
  if (a.cognito && !api.config().found) {
    std::cerr << "imgmeta upload: --cognito: " << a.server << " has no /config.json to name the user pool; "
              << "give the web app's URL as --server\n";
    return kExitUsage;
  }
  if (a.cognito && !api.config().cognito) {
    std::cerr << "imgmeta upload: --cognito: " << a.server << " signs in with local accounts, not Cognito; leave out --cognito\n";
    return kExitUsage;
  }
  std::string username = a.username;
  if (username.empty())
    if (const char* v = std::getenv("IMGMETA_USERNAME"); v && *v) username = v;
  if (username.empty()) {
    auto typed = prompt_hidden("Username for " + a.server + ": ", false);
    if (!typed || typed->empty()) {
      std::cerr << "imgmeta upload: no username: pass --username NAME (or set IMGMETA_USERNAME)\n";
      return kExitUsage;
    }
    username = *typed;
  }
  std::string password;
  if (const char* v = std::getenv("IMGMETA_PASSWORD"); v && *v) {
    password = v;
  } else {
    auto typed = prompt_hidden("Password for " + username + ": ", true);
    if (!typed) {
      std::cerr << "imgmeta upload: no password: set IMGMETA_PASSWORD, or run from a terminal to be asked\n";
      return kExitUsage;
    }
    password = *typed;
  }
  if (auto st = api.sign_in(username, password); !st) {
    std::cerr << "imgmeta upload: signing in as " << username << " at " << a.server << " failed: " << shown(st.error().message) << "\n";
    return kExitFailed;
  }
  if (api.config().cognito && !a.cognito) std::cout << "signed in through Cognito (the server's config.json asks for it)\n";

  UploadProgress progress(scan.images.size(), total_bytes, terminal);
  UploadJournal journal(UploadJournal::default_path());
  Uploader uploader(api, progress, journal, a.server, username);
  std::vector<FileResult> results(scan.images.size());
  std::vector<char> started(scan.images.size(), false);
  struct sigaction sa {};
  sa.sa_handler = on_interrupt;
  ::sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  std::atomic<size_t> next{0};
  std::vector<std::thread> workers;
  const unsigned jobs = std::min<unsigned>(a.jobs, static_cast<unsigned>(std::max<size_t>(scan.images.size(), 1)));
  for (unsigned j = 0; j < jobs; ++j)
    workers.emplace_back([&] {
      for (size_t i; !g_interrupted && (i = next.fetch_add(1)) < scan.images.size();) {
        results[i] = uploader.upload(scan.images[i]);
        started[i] = true;
      }
    });
  for (auto& w : workers) w.join();
  progress.stop();

  size_t uploaded = 0, already = 0, failures = scan.unreadable.size(), not_started = 0;
  for (size_t i = 0; i < results.size(); ++i) {
    const auto& r = results[i];
    if (!started[i]) not_started++;
    else if (r.outcome == Outcome::Uploaded) uploaded++;
    else if (r.outcome == Outcome::AlreadyThere) already++;
    else failures++;
  }
  std::cout << "Summary: " << uploaded << " uploaded, " << already << " already there, " << failures << " failed, "
            << scan.skipped.size() << " skipped (not images)\n";
  if (failures) {
    std::cout << "Failed:\n";
    for (const auto& u : scan.unreadable) std::cout << "  " << shown(u.path) << ": " << shown(u.reason) << "\n";
    for (size_t i = 0; i < results.size(); ++i)
      if (started[i] && results[i].outcome == Outcome::Failed) std::cout << "  " << shown(scan.images[i].path) << ": " << shown(results[i].reason) << "\n";
  }
  if (not_started)
    std::cout << "Interrupted: " << not_started << " files not started. Run the same command again to resume.\n";
  std::cout << std::flush;
  return failures || not_started ? kExitFailed : kExitOk;
}

}  // namespace

Command add_upload_command(CLI::App& app) {
  auto args = std::make_shared<UploadArgs>();
  CLI::App* sub = app.add_subcommand("upload", "Upload image files and folders to an imgmeta server");
  sub->footer(
      "Folders are walked recursively; files that are not images (by their first bytes or their extension)\n"
      "are skipped and listed. Each file's SHA-256 is sent first: a file the server already has is skipped,\n"
      "so running the same command again after an interruption resumes. Files above the server's multipart\n"
      "threshold go in parts.\n\n"
      "The password comes from IMGMETA_PASSWORD, or is asked for on the terminal (never a flag); the\n"
      "username from --username, IMGMETA_USERNAME or the terminal. Against the AWS shape, --server is the\n"
      "web app's URL: its config.json names the Cognito user pool and the API.\n\n"
      "Exit status: 0 when every image was uploaded or already there, 1 when any failed (or sign-in did),\n"
      "2 on usage errors.");
  sub->add_option("--server", args->server, "The server's base URL (imgmeta serve, or the web app's URL on AWS)")->required();
  sub->add_option("--username", args->username, "Account to sign in as (default: IMGMETA_USERNAME, else asked)");
  sub->add_flag("--cognito", args->cognito, "Sign in through Cognito (USER_PASSWORD_AUTH) as the server's config.json names it");
  sub->add_option("--jobs,-j", args->jobs, "Files uploaded at once")->check(CLI::Range(1, 64))->capture_default_str();
  sub->add_flag("--dry-run,-n", args->dry_run, "List what would be sent; contact no server");
  sub->add_option("paths", args->paths, "Files and folders to upload")->required();
  return [args] { return run_upload(*args); };
}

}  // namespace imgmeta::cli
