// What `imgmeta upload` shows while it works: on a terminal, one bar redrawn in place (files
// done/total, bytes, rate, time left) with a line above it per file; otherwise plain lines,
// one per file and a progress line every 10 seconds.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace imgmeta::cli {

class UploadProgress {
 public:
  UploadProgress(size_t total_files, uint64_t total_bytes, bool terminal);
  ~UploadProgress();
  UploadProgress(const UploadProgress&) = delete;
  UploadProgress& operator=(const UploadProgress&) = delete;

  // Bytes sent on the wire (negative: a failed attempt takes its bytes back).
  void sent(int64_t delta);
  // A file is finished: its size counts as done (sent or not), the bytes its transfers
  // reported through sent() stop counting as in flight, and line is printed.
  void file_done(uint64_t size, int64_t sent_for_file, const std::string& line);
  // A line printed above the bar (or plainly).
  void note(const std::string& line);
  void stop();

  static std::string human_bytes(double bytes);
  static std::string human_duration(double seconds);

 private:
  std::string bar_locked();
  void draw_locked();
  void run();

  const size_t total_files_;
  const uint64_t total_bytes_;
  const bool terminal_;
  const std::chrono::steady_clock::time_point start_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  size_t files_done_ = 0;
  uint64_t bytes_done_ = 0;      // finished files' sizes
  int64_t bytes_in_flight_ = 0;  // sent for files not finished yet
  int64_t bytes_sent_ = 0;       // on the wire in total (for the rate)
  std::thread painter_;
};

}  // namespace imgmeta::cli
