// Queue workers: the event pipeline when S3-format notifications arrive through a message
// queue (S3 -> SQS -> `imgmeta serve` on S3 storage) instead of the local outbox. Several
// server instances can read one queue: delivery is at least once and the handler is
// idempotent, so whichever instance takes a message, the sequencer decides the final state.
//
//   receive (long poll) ─▶ parse_events ─▶ handle() per record
//     all records done      ─▶ delete the message
//     an error, attempts left ─▶ hide it for a backoff (exponential, jittered), then redelivery
//     last attempt failed   ─▶ mark the images failed (the reason is visible), delete it
//     body is not an event  ─▶ delete it (it never gets better); logged
//
// A queue's own redrive policy (dead-letter queue) still applies on top of max_attempts.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "pipeline/handler.hpp"
#include "pipeline/metrics.hpp"

namespace imgmeta::pipeline {

struct QueueMessage {
  std::string id;
  std::string receipt;       // what delete / retry_later need
  std::string body;          // an S3 notification document (or an s3:TestEvent)
  uint32_t receive_count = 1;  // deliveries so far, this one included
};

// What the workers need of a queue (SQS implements it in src/aws; tests use their own).
class EventQueue {
 public:
  virtual ~EventQueue() = default;
  // Waits up to the queue's long-poll time; an empty batch is not an error.
  virtual Result<std::vector<QueueMessage>> receive() = 0;
  virtual Status remove(const QueueMessage& message) = 0;
  // Makes the message invisible for `delay`, after which it is delivered again.
  virtual Status retry_later(const QueueMessage& message, std::chrono::seconds delay) = 0;
};

struct QueueWorkerOptions {
  int threads = 2;
  uint32_t max_attempts = 5;                        // deliveries before the image is marked failed
  std::chrono::seconds backoff_initial{2};          // delivery n waits ~initial * 2^(n-1) ...
  std::chrono::seconds backoff_max{300};            // ... capped, with jitter in [d/2, d]
  std::chrono::milliseconds error_pause{1000};      // after the queue itself fails
};

struct QueueReport {
  QueueMessage message;
  std::vector<EventRecord> records;
  Result<Outcome> outcome = Error{};  // the last record's outcome, or the first error
  bool gave_up = false;               // last attempt: images marked failed, message deleted
  bool dropped = false;               // not an event document: deleted
  std::chrono::seconds retry_in{0};
};

class QueueWorkers {
 public:
  QueueWorkers(EventQueue& queue, store::BlobStore& blobs, store::MetadataStore& metadata,
               HandlerOptions handler_options, QueueWorkerOptions options, Metrics& metrics);
  ~QueueWorkers();  // stop()
  QueueWorkers(const QueueWorkers&) = delete;
  QueueWorkers& operator=(const QueueWorkers&) = delete;

  // Called once per message, from the worker thread. Set before start().
  void set_observer(std::function<void(const QueueReport&)> observer);
  void start();
  // Graceful: no new receives once the current long polls return; messages in hand finish.
  void stop();

  // Receives once and handles what came, on the calling thread (tests). Returns the number
  // of messages handled.
  Result<size_t> poll_once();

 private:
  void worker_loop();
  void run(const QueueMessage& message);
  std::chrono::seconds backoff(uint32_t attempt);

  EventQueue& queue_;
  store::BlobStore& blobs_;
  store::MetadataStore& metadata_;
  HandlerOptions handler_options_;
  QueueWorkerOptions options_;
  Metrics& metrics_;
  std::function<void(const QueueReport&)> observer_;
  std::atomic<bool> stopping_{false};
  std::vector<std::thread> threads_;
  std::mutex rng_mu_;
  std::mt19937_64 rng_{std::random_device{}()};
};

}  // namespace imgmeta::pipeline
