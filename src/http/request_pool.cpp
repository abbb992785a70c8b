#include "http/request_pool.hpp"

#include "meta/thread_name.hpp"

namespace imgmeta::http {

RequestPool::RequestPool(size_t threads, size_t capacity, std::atomic<int64_t>& depth)
    : capacity_(capacity), depth_(depth) {
  threads_.reserve(threads);
  for (size_t i = 0; i < threads; ++i) threads_.emplace_back([this] {
    meta::name_this_thread("http-pool");
    run();
  });
}

RequestPool::~RequestPool() { stop(); }

bool RequestPool::try_submit(std::function<void()> task) {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || queue_.size() >= capacity_) return false;
    queue_.push_back(std::move(task));
    depth_ = static_cast<int64_t>(queue_.size());
  }
  cv_.notify_one();
  return true;
}

void RequestPool::submit(std::function<void()> task) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(task));
    depth_ = static_cast<int64_t>(queue_.size());
  }
  cv_.notify_one();
}

void RequestPool::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

void RequestPool::run() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and nothing left
      task = std::move(queue_.front());
      queue_.pop_front();
      depth_ = static_cast<int64_t>(queue_.size());
    }
    task();
  }
}

}  // namespace imgmeta::http
