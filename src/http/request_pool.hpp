// The threads that run a request's blocking work (SQLite, password hashing, disk writes and
// fsync) so that the few I/O threads never wait on them. The queue is bounded: when it is
// full a new request is refused (the server answers 503 with Retry-After) instead of piling
// up; work that continues a request already admitted (the next piece of an upload body) is
// always queued, so an admitted request is never cut half-way.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace imgmeta::http {

class RequestPool {
 public:
  // depth: a gauge kept equal to the number of queued (not yet running) tasks.
  RequestPool(size_t threads, size_t capacity, std::atomic<int64_t>& depth);
  ~RequestPool();
  RequestPool(const RequestPool&) = delete;
  RequestPool& operator=(const RequestPool&) = delete;

  // A new request's work: false when `capacity` tasks are waiting already.
  bool try_submit(std::function<void()> task);
  // The continuation of an admitted request: queued whatever the depth.
  void submit(std::function<void()> task);
  // Runs what is queued, then joins the threads.
  void stop();

 private:
  void run();

  const size_t capacity_;
  std::atomic<int64_t>& depth_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace imgmeta::http
