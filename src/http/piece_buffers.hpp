// PieceBuffers: the buffers an upload body passes through on its way to the blob writer,
// reused from one upload to the next. A fresh buffer of this size is an mmap, a page fault
// per 4 KiB on first touch and an munmap with a TLB flush on every CPU; zero-filling it
// (what std::vector::resize does) costs another pass. A few are kept; the rest are freed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace imgmeta::http {

class PieceBuffers {
 public:
  // A buffer of the pool's size, not initialised; back to the pool when the lease ends.
  class Lease {
   public:
    Lease() = default;
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&& other) noexcept {
      if (this != &other) {
        release();
        home_ = other.home_;
        data_ = std::move(other.data_);
      }
      return *this;
    }
    ~Lease() { release(); }

    uint8_t* data() const { return data_.get(); }
    explicit operator bool() const { return data_ != nullptr; }

   private:
    friend class PieceBuffers;
    Lease(PieceBuffers* home, std::unique_ptr<uint8_t[]> data) : home_(home), data_(std::move(data)) {}
    void release() {
      if (home_ && data_) home_->give_back(std::move(data_));
      data_.reset();
    }

    PieceBuffers* home_ = nullptr;
    std::unique_ptr<uint8_t[]> data_;
  };

  // size: every buffer's; keep: how many idle buffers stay allocated at most.
  PieceBuffers(size_t size, size_t keep) : size_(size), keep_(keep) {}

  Lease take() {
    {
      std::lock_guard lock(mu_);
      if (!idle_.empty()) {
        auto data = std::move(idle_.back());
        idle_.pop_back();
        return Lease(this, std::move(data));
      }
    }
    return Lease(this, std::unique_ptr<uint8_t[]>(new uint8_t[size_]));
  }

  size_t idle() const {
    std::lock_guard lock(mu_);
    return idle_.size();
  }

 private:
  void give_back(std::unique_ptr<uint8_t[]> data) {
    std::lock_guard lock(mu_);
    if (idle_.size() < keep_) idle_.push_back(std::move(data));
  }

  const size_t size_;
  const size_t keep_;
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<uint8_t[]>> idle_;
};

}  // namespace imgmeta::http
