// The share links' periodic sweep for `imgmeta serve`: every `period` it removes expired
// links and their copies (ShareApi::sweep), so they do not outlive their expiry on disk
// even when nobody looks them up again. Lookups and the owner's list remove expired links
// too; this only bounds how long a forgotten one lingers.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <string>
#include <mutex>
#include <thread>

#include "http/json_log.hpp"
#include "http/share_api.hpp"

namespace imgmeta::cli {

// The share links' options for a server reached at public_url. IMGMETA_SHARE_MIN_EXPIRY
// (seconds, at least 1) lowers the shortest lifetime a link may be given (tests of expiry).
inline http::ShareOptions share_options(const std::string& public_url) {
  http::ShareOptions o;
  o.page_url = public_url + "/share.html";
  if (const char* e = std::getenv("IMGMETA_SHARE_MIN_EXPIRY"); e && *e) {
    char* end = nullptr;
    long v = std::strtol(e, &end, 10);
    if (end && *end == '\0' && v >= 1 && v <= o.min_expiry.count()) o.min_expiry = std::chrono::seconds(v);
  }
  return o;
}

class ShareSweeper {
 public:
  ShareSweeper(http::ShareApi& api, http::JsonLog& log, std::chrono::seconds period = std::chrono::minutes(10))
      : api_(api), log_(log), period_(period) {
    thread_ = std::thread([this] { run(); });
  }
  ~ShareSweeper() { stop(); }
  void stop() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void run() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      lock.unlock();
      for (;;) {  // in batches, so one sweep never holds the store long
        auto n = api_.sweep(100);
        if (!n) {
          log_.warn("share sweep failed", "share-sweep", {{"error", n.error().message}});
          break;
        }
        if (*n > 0) log_.info("expired share links removed", "share-sweep", {{"count", *n}});
        if (*n < 100) break;
      }
      lock.lock();
      cv_.wait_for(lock, period_, [this] { return stopping_; });
    }
  }

  http::ShareApi& api_;
  http::JsonLog& log_;
  std::chrono::seconds period_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace imgmeta::cli
