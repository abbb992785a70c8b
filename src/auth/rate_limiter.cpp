#include "auth/rate_limiter.hpp"

namespace imgmeta::auth {

void SlidingWindowLimiter::prune(std::deque<int64_t>& events, int64_t now_ms) const {
  while (!events.empty() && events.front() <= now_ms - window_ms_) events.pop_front();
}

int64_t SlidingWindowLimiter::retry_after_ms(const std::string& key, int64_t now_ms) {
  if (max_events_ == 0) return 0;  // limiting switched off
  std::lock_guard lock(mutex_);
  auto it = events_.find(key);
  if (it == events_.end()) return 0;
  prune(it->second, now_ms);
  if (it->second.size() < max_events_) return 0;
  // The oldest event in the window leaves it at front + window.
  return it->second.front() + window_ms_ - now_ms;
}

void SlidingWindowLimiter::record(const std::string& key, int64_t now_ms) {
  if (max_events_ == 0) return;
  std::lock_guard lock(mutex_);
  if (events_.size() >= max_keys_ && !events_.contains(key)) {
    for (auto it = events_.begin(); it != events_.end();) {
      prune(it->second, now_ms);
      it = it->second.empty() ? events_.erase(it) : std::next(it);
    }
    // Still full of live keys: forget half rather than grow without bound.
    for (auto it = events_.begin(); events_.size() >= max_keys_ / 2 && it != events_.end();) it = events_.erase(it);
  }
  auto& events = events_[key];
  prune(events, now_ms);
  events.push_back(now_ms);
  while (events.size() > max_events_) events.pop_front();
}

void SlidingWindowLimiter::clear(const std::string& key) {
  std::lock_guard lock(mutex_);
  events_.erase(key);
}

}  // namespace imgmeta::auth
