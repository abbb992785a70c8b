#include "cli/upload_progress.hpp"

#include <algorithm>
#include <cstdio>
#include <iostream>

namespace imgmeta::cli {

UploadProgress::UploadProgress(size_t total_files, uint64_t total_bytes, bool terminal)
    : total_files_(total_files), total_bytes_(total_bytes), terminal_(terminal), start_(std::chrono::steady_clock::now()) {
  painter_ = std::thread([this] { run(); });
}

UploadProgress::~UploadProgress() { stop(); }

void UploadProgress::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (painter_.joinable()) painter_.join();
  if (terminal_) {
    std::lock_guard lock(mu_);
    draw_locked();
    std::cout << "\n" << std::flush;
  }
}

std::string UploadProgress::human_bytes(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (bytes >= 1024 && u < 4) {
    bytes /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", bytes, units[u]);
  return buf;
}

std::string UploadProgress::human_duration(double seconds) {
  if (seconds < 0 || seconds > 1e7) return "--:--";
  long s = static_cast<long>(seconds + 0.5);
  char buf[32];
  if (s >= 3600) std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
  else std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
  return buf;
}

void UploadProgress::sent(int64_t delta) {
  std::lock_guard lock(mu_);
  bytes_in_flight_ += delta;
  bytes_sent_ += delta;
}

void UploadProgress::file_done(uint64_t size, int64_t sent_for_file, const std::string& line) {
  std::lock_guard lock(mu_);
  files_done_++;
  bytes_done_ += size;
  bytes_in_flight_ -= sent_for_file;
  if (terminal_) {
    std::cout << "\r\x1b[K" << line << "\n";
    draw_locked();
  } else {
    std::cout << "[" << files_done_ << "/" << total_files_ << "] " << line << "\n" << std::flush;
  }
}

void UploadProgress::note(const std::string& line) {
  std::lock_guard lock(mu_);
  if (terminal_) {
    std::cout << "\r\x1b[K" << line << "\n";
    draw_locked();
  } else {
    std::cout << line << "\n" << std::flush;
  }
}

std::string UploadProgress::bar_locked() {
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  double done = static_cast<double>(bytes_done_) + static_cast<double>(std::max<int64_t>(bytes_in_flight_, 0));
  double total = static_cast<double>(total_bytes_);
  double fraction = total > 0 ? std::min(done / total, 1.0) : 1.0;
  double rate = elapsed > 0 ? static_cast<double>(std::max<int64_t>(bytes_sent_, 0)) / elapsed : 0;
  constexpr int kWidth = 24;
  int filled = static_cast<int>(fraction * kWidth);
  std::string bar = "[" + std::string(static_cast<size_t>(filled), '#') + std::string(static_cast<size_t>(kWidth - filled), '.') + "] ";
  bar += std::to_string(files_done_) + "/" + std::to_string(total_files_) + " files  ";
  bar += human_bytes(done) + " / " + human_bytes(total) + "  ";
  bar += rate > 0 ? human_bytes(rate) + "/s  " : "-- /s  ";
  bar += "left " + (rate > 0 ? human_duration((total - done) / rate) : std::string("--:--"));
  return bar;
}

void UploadProgress::draw_locked() { std::cout << "\r\x1b[K" << bar_locked() << std::flush; }

void UploadProgress::run() {
  std::unique_lock lock(mu_);
  if (!terminal_) {
    // A log file gets a plain progress line every 10 s of a long run, none for a short one.
    while (!cv_.wait_for(lock, std::chrono::seconds(10), [this] { return stopping_; })) {
      std::string bar = bar_locked();
      std::cout << "progress: " << bar.substr(bar.find("] ") + 2) << "\n" << std::flush;
    }
    return;
  }
  while (!stopping_) {
    draw_locked();
    cv_.wait_for(lock, std::chrono::milliseconds(250));
  }
}

}  // namespace imgmeta::cli
