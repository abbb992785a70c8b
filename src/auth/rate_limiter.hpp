// A sliding-window limiter: at most `max_events` events per key within `window`. Used for
// sign-in failures per account and per address, and sign-ups per address.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>

namespace imgmeta::auth {

class SlidingWindowLimiter {
 public:
  SlidingWindowLimiter(size_t max_events, int64_t window_ms, size_t max_keys = 100000)
      : max_events_(max_events), window_ms_(window_ms), max_keys_(max_keys) {}

  // Milliseconds until key may act again; 0 when it may act now.
  int64_t retry_after_ms(const std::string& key, int64_t now_ms);
  void record(const std::string& key, int64_t now_ms);
  void clear(const std::string& key);

 private:
  void prune(std::deque<int64_t>& events, int64_t now_ms) const;
  size_t max_events_;
  int64_t window_ms_;
  size_t max_keys_;  // bounds memory when someone tries many names: the map is swept, then cut
  std::mutex mutex_;
  std::unordered_map<std::string, std::deque<int64_t>> events_;
};

}  // namespace imgmeta::auth
