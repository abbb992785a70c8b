#include "pipeline/outbox.hpp"

#include <cstdio>
#include <optional>

#include "meta/thread_name.hpp"
#include "store/time.hpp"

namespace imgmeta::pipeline {
namespace {

using meta::make_error;
using std::chrono::milliseconds;

uint64_t now_us() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

uint64_t parse_hex_u64(std::string_view s) {
  // The low 16 hex digits; local sequencers are 16 digits. Longer (S3-made) ones saturate.
  if (s.size() > 16) {
    bool any_high = false;
    for (size_t i = 0; i + 16 < s.size(); ++i) any_high |= s[i] != '0';
    if (any_high) return UINT64_MAX - 1;
    s = s.substr(s.size() - 16);
  }
  uint64_t v = 0;
  for (char c : s) {
    int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
    if (d < 0) return 0;
    v = v * 16 + static_cast<uint64_t>(d);
  }
  return v;
}

}  // namespace

SequencerClock::SequencerClock(std::string floor) : last_(parse_hex_u64(floor)) {}

std::string SequencerClock::next() {
  std::lock_guard lock(mu_);
  uint64_t now = now_us();
  last_ = now > last_ ? now : last_ + 1;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%016llX", static_cast<unsigned long long>(last_));
  return buf;
}

Outbox::Outbox(store::SqliteMetadataStore& metadata, store::BlobStore& blobs, HandlerOptions handler_options,
               WorkerOptions worker_options, Metrics& metrics)
    : metadata_(metadata),
      blobs_(blobs),
      handler_options_(std::move(handler_options)),
      options_(std::move(worker_options)),
      metrics_(metrics),
      rng_(std::random_device{}()) {
  // Local deletes go through the outbox: its ObjectRemoved also removes the file, so a crash
  // between the DELETE's transaction and the unlink leaves no garbage.
  handler_options_.remove_bytes_on_delete = true;
  if (options_.threads < 1) options_.threads = 1;
  if (options_.max_attempts < 1) options_.max_attempts = 1;
}

Outbox::~Outbox() { stop(); }

void Outbox::set_observer(std::function<void(const AttemptReport&)> observer) { observer_ = std::move(observer); }

namespace {

std::string event_document(std::string_view name, const std::string& bucket, const std::string& key,
                           std::optional<uint64_t> size, const std::string& etag, const std::string& sequencer) {
  EventRecord e;
  e.event_name = std::string(name);
  e.event_time = store::format_iso8601_ms(store::now_ms());
  e.region = "local";
  e.bucket = bucket;
  e.key = key;
  e.size = size;
  e.etag = etag;
  e.sequencer = sequencer;
  return format_events({e});
}

}  // namespace

Result<SequencerClock*> Outbox::sequencers() {
  std::lock_guard lock(sequencers_mu_);
  if (!sequencers_) sequencers_ = std::make_unique<SequencerClock>(TRY(metadata_.max_sequencer()));
  return sequencers_.get();
}

Status Outbox::start() {
  {
    std::lock_guard lock(mu_);
    if (!threads_.empty()) return meta::ok_status();
    stopping_ = false;
  }
  TRY(sequencers());
  int64_t released = TRY(metadata_.release_leases());
  metrics_.outbox_reclaimed.fetch_add(static_cast<uint64_t>(released), std::memory_order_relaxed);
  std::lock_guard lock(mu_);
  for (int i = 0; i < options_.threads; ++i) threads_.emplace_back([this] {
    meta::name_this_thread("extract");
    worker_loop();
  });
  return meta::ok_status();
}

void Outbox::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

void Outbox::wake() {
  {
    std::lock_guard lock(mu_);
    ++wakeups_;
  }
  cv_.notify_one();
}

Result<store::ImageRecord> Outbox::object_created(const store::UploadIntent& intent, const store::ObjectInfo& object) {
  SequencerClock* clock = TRY(sequencers());
  std::string key = object_key(intent.owner, intent.image_id);
  store::ImageRecord r = pending_record(intent, object, store::now_ms());
  r.sequencer = clock->next();
  std::string_view name = intent.multipart_upload_id.empty() ? kObjectCreatedPut : kObjectCreatedCompleteMultipartUpload;
  store::OutboxEvent event{key, r.sequencer, event_document(name, options_.bucket, key, object.size, object.etag, r.sequencer)};
  bool written = TRY(commit_upload_grouped(r, event));
  if (!written) return make_error(meta::Errc::Conflict, "record upload " + key + ": a newer record or deletion exists");
  wake();
  return r;
}

struct Outbox::PendingUpload {
  const store::ImageRecord& record;
  const store::OutboxEvent& event;
  std::optional<Result<bool>> result;
};

Result<bool> Outbox::commit_upload_grouped(const store::ImageRecord& record, const store::OutboxEvent& event) {
  PendingUpload mine{record, event, std::nullopt};
  std::unique_lock lock(group_mu_);
  group_queue_.push_back(&mine);
  while (!mine.result) {
    if (group_committing_) {
      group_cv_.wait(lock);
      continue;
    }
    // Leader: commit everything queued (this upload included) in one transaction.
    group_committing_ = true;
    std::vector<PendingUpload*> batch;
    batch.swap(group_queue_);
    lock.unlock();
    std::vector<std::pair<store::ImageRecord, store::OutboxEvent>> items;
    items.reserve(batch.size());
    for (auto* p : batch) items.emplace_back(p->record, p->event);
    auto results = metadata_.commit_uploads(items);
    lock.lock();
    for (size_t i = 0; i < batch.size(); ++i) batch[i]->result = std::move(results[i]);
    group_committing_ = false;
    group_cv_.notify_all();
  }
  return std::move(*mine.result);
}

Status Outbox::delete_image(const std::string& owner, const std::string& image_id) {
  SequencerClock* clock = TRY(sequencers());
  std::string key = object_key(owner, image_id);
  TRY(metadata_.get(owner, image_id));  // "NotFound" for a missing (or another owner's) image
  std::string seq = clock->next();
  // S3's delete records carry only key and sequencer.
  store::OutboxEvent event{key, seq, event_document(kObjectRemovedDelete, options_.bucket, key, std::nullopt, "", seq)};
  bool removed = TRY(metadata_.commit_delete(owner, image_id, event));
  if (!removed) return make_error(meta::Errc::NotFound, "delete " + key + ": no such image");
  // The bytes go now; if this fails (or the process dies first) the queued event removes them.
  (void)blobs_.remove(key);
  wake();
  return meta::ok_status();
}

Status Outbox::reextract(const std::string& owner, const std::string& image_id) {
  std::string key = object_key(owner, image_id);
  store::ImageRecord r = TRY(metadata_.get(owner, image_id));
  store::OutboxEvent event{key, r.sequencer,
                           event_document(kObjectCreatedPut, options_.bucket, key, r.size, r.etag, r.sequencer)};
  TRY(metadata_.enqueue(event));
  wake();
  return meta::ok_status();
}

Result<Outbox::RecoveryReport> Outbox::recover(store::DirectoryBlobStore& directory) {
  RecoveryReport report;
  auto keys = TRY(directory.list_keys(std::string(kUploadsPrefix)));
  for (const std::string& key : keys) {
    auto k = parse_object_key(key);
    if (!k) continue;  // not ours to judge
    auto existing = metadata_.get(k->owner, k->image_id);
    if (existing) continue;
    if (existing.error().code != meta::Errc::NotFound) return existing.error();
    auto intent = metadata_.get_upload_intent(k->owner, k->image_id);
    if (intent) {
      // The file landed (verified and renamed) but the process died before the record's
      // transaction: finish what the PUT started.
      auto info = TRY(directory.head(key));
      TRY(object_created(*intent, info));
      ++report.committed;
    } else if (intent.error().code == meta::Errc::NotFound) {
      // Neither record nor intent: a deleted image's file whose unlink was lost.
      TRY(directory.remove(key));
      ++report.removed;
    } else {
      return intent.error();
    }
  }
  return report;
}

milliseconds Outbox::backoff(int attempt) {
  // Exponential backoff with jitter: d = min(max, initial * 2^(attempt-1)), wait in [d/2, d].
  int64_t d = options_.backoff_initial.count();
  for (int i = 1; i < attempt && d < options_.backoff_max.count(); ++i) d *= 2;
  d = std::min<int64_t>(d, options_.backoff_max.count());
  std::lock_guard lock(rng_mu_);
  std::uniform_int_distribution<int64_t> dist(d / 2, std::max<int64_t>(d / 2, d));
  return milliseconds(dist(rng_));
}

Result<bool> Outbox::run_one() {
  int64_t now = store::now_ms();
  auto claimed = TRY(metadata_.claim(now, options_.lease.count()));
  if (!claimed) return false;
  store::OutboxRow row = std::move(*claimed);
  if (row.reclaimed) metrics_.outbox_reclaimed.fetch_add(1, std::memory_order_relaxed);
  metrics_.workers_busy.fetch_add(1, std::memory_order_relaxed);
  struct Busy {
    Metrics& m;
    ~Busy() { m.workers_busy.fetch_sub(1, std::memory_order_relaxed); }
  } busy{metrics_};

  AttemptReport report;
  report.row = row;
  auto parsed = parse_events(row.event_json);
  if (!parsed) {
    // Our own rows always parse; a row that does not can never succeed.
    TRY(metadata_.fail(row.id, parsed.error().message));
    metrics_.outbox_dead.fetch_add(1, std::memory_order_relaxed);
    report.outcome = parsed.error();
    report.gave_up = true;
    if (observer_) observer_(report);
    return true;
  }
  Result<Outcome> result = Outcome{};
  for (const EventRecord& e : parsed->records) {
    result = handle(e, blobs_, metadata_, handler_options_);
    if (!result) break;
    metrics_.record(*result);
  }
  report.outcome = result;
  if (result) {
    TRY(metadata_.finish(row.id));
    metrics_.event_age_seconds.observe(static_cast<double>(store::now_ms() - row.created_at_ms) / 1000.0);
  } else {
    metrics_.handler_errors.fetch_add(1, std::memory_order_relaxed);
    const std::string& why = result.error().message;
    if (row.attempts >= options_.max_attempts) {
      // Give up, visibly: the image says failed and why; the row stays for inspection.
      report.gave_up = true;
      metrics_.outbox_dead.fetch_add(1, std::memory_order_relaxed);
      std::string error = "gave up after " + std::to_string(row.attempts) + " attempts: " + why;
      for (const EventRecord& e : parsed->records)
        if (mark_failed(e, metadata_, error)) metrics_.events_failed.fetch_add(1, std::memory_order_relaxed);
      TRY(metadata_.fail(row.id, error));
    } else {
      report.retry_in = backoff(row.attempts);
      metrics_.outbox_retries.fetch_add(1, std::memory_order_relaxed);
      TRY(metadata_.retry(row.id, store::now_ms() + report.retry_in.count(), why));
    }
  }
  if (observer_) observer_(report);
  return true;
}

Result<size_t> Outbox::drain() {
  size_t n = 0;
  while (TRY(run_one())) ++n;
  return n;
}

void Outbox::worker_loop() {
  for (;;) {
    uint64_t seen;
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      seen = wakeups_;
    }
    auto ran = run_one();
    if (ran && *ran) continue;  // more may be due
    // Idle (or the store failed): sleep until woken, the next due row, or the poll interval.
    milliseconds wait = options_.idle_poll;
    if (ran) {
      if (auto due = metadata_.next_due_ms(); due && *due) {
        int64_t until = **due - store::now_ms();
        if (until < wait.count()) wait = milliseconds(std::max<int64_t>(until, 1));
      }
      if (auto st = metadata_.outbox_stats(); st)
        metrics_.outbox_depth.store(st->queued + st->leased, std::memory_order_relaxed);
    }
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, wait, [&] { return stopping_ || wakeups_ != seen; });
  }
}

}  // namespace imgmeta::pipeline
