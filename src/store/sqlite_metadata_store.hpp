// SqliteMetadataStore: the embedded default's MetadataStore, plus the outbox the local
// server's event pipeline runs on. One SQLite database file (WAL, busy timeout), tables
// images, upload_intents, tombstones, outbox, with indexes for every list filter.
//
// Durability: what a client is promised (put_upload_intent, commit_upload(s),
// commit_delete, enqueue, trash, restore) survives power loss: the call returns only after
// the WAL holding its commit is fsynced, which is done after the commit with the writer lock
// released, so other writes go on meanwhile and uploads committing together share the sync.
// The pipeline's own writes (apply, remove, claim, finish, retry, fail) are not synced: they
// survive a process crash, and after a power cut the WAL's order guarantees that losing one
// loses what came after it too, so the outbox row runs again (the handler is idempotent).
//
// Concurrency: one connection guarded by a mutex, all statements prepared once. SQLite
// serialises writers anyway; one connection keeps every transaction (record + outbox row)
// trivially atomic and costs microseconds per call. Safe to call from any thread.
//
// The outbox: rows hold S3-format event documents (pipeline::format_events). A worker
// claims a row with a lease (lease_until); a row whose lease expired is claimable again, so
// a claim lost in a crash is retried. attempts counts claims, so an event that crashes the
// process every time still ends. release_leases() at start-up frees the dead process's
// claims at once (one process per data directory: DirectoryBlobStore holds the lock).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "store/metadata_store.hpp"

namespace imgmeta::store {

struct SqliteOptions {
  std::string path;                  // database file; created with its tables when missing
  int busy_timeout_ms = 5000;
  bool synchronous_full = true;      // false: no write is synced (survives a process crash, not power loss)
};

// An event to queue: the S3 event document and what it concerns.
struct OutboxEvent {
  std::string key;         // object key
  std::string sequencer;   // the event's sequencer
  std::string event_json;  // {"Records":[...]} as S3 writes it
};

enum class OutboxState { Queued, Leased, Failed };

struct OutboxRow {
  int64_t id = 0;
  std::string key;
  std::string sequencer;
  std::string event_json;
  int attempts = 0;            // claims so far, including this one
  int64_t created_at_ms = 0;
  int64_t next_attempt_at_ms = 0;
  int64_t lease_until_ms = 0;
  bool reclaimed = false;      // this claim took over an expired lease
  OutboxState state = OutboxState::Queued;
  std::string last_error;
};

// One image waiting for its renditions.
struct PreviewJob {
  std::string owner;
  std::string image_id;
  std::string sequencer;
};

struct OutboxStats {
  int64_t queued = 0;   // waiting (incl. backing off)
  int64_t leased = 0;   // in flight
  int64_t failed = 0;   // gave up
};

class SqliteMetadataStore final : public MetadataStore {
 public:
  static Result<std::unique_ptr<SqliteMetadataStore>> open(const SqliteOptions& options);
  ~SqliteMetadataStore() override;

  // MetadataStore
  Status put_upload_intent(const UploadIntent& intent) override;
  Result<UploadIntent> get_upload_intent(const std::string& owner, const std::string& image_id) override;
  Status remove_upload_intent(const std::string& owner, const std::string& image_id) override;
  Result<std::optional<std::string>> find_by_sha256(const std::string& owner, const std::string& sha256) override;
  Result<bool> apply(const ImageRecord& record) override;
  Result<ApplyOutcome> apply_extraction(const ImageRecord& extracted) override;
  Result<bool> remove(const std::string& owner, const std::string& image_id, const std::string& sequencer) override;
  Result<ImageRecord> get(const std::string& owner, const std::string& image_id) override;
  Result<ImagePage> list(const ImageQuery& query) override;
  Result<bool> set_preview(const std::string& owner, const std::string& image_id, const std::string& sequencer,
                           const PreviewState& preview) override;
  Result<ImageRecord> trash(const std::string& owner, const std::string& image_id, int64_t at_ms) override;
  Result<ImageRecord> restore(const std::string& owner, const std::string& image_id) override;
  Result<ImagePage> list_trash(const TrashQuery& query) override;
  Result<std::vector<TrashedImage>> expired_trash(int64_t cutoff_ms, int limit) override;

  // Ready images with no renditions for their version yet, oldest first: the local
  // pipeline's preview step works through these (after a crash too).
  Result<std::vector<PreviewJob>> preview_backlog(int limit);

  // --- transactional with the outbox (local shape) ---

  // In ONE transaction: apply(record) (normally status pending, the upload just landed),
  // queue event, and remove the upload intent. false (nothing written or queued) when stale.
  Result<bool> commit_upload(const ImageRecord& record, const OutboxEvent& event);
  // Group commit: each (record, event) as commit_upload would, all in ONE transaction (one
  // WAL fsync for the lot); an item that fails is rolled back alone (a savepoint each).
  // Results in the order given; all fail if the final commit does.
  std::vector<Result<bool>> commit_uploads(const std::vector<std::pair<ImageRecord, OutboxEvent>>& batch);
  // In ONE transaction: remove(owner, image_id, event.sequencer) and queue event (an
  // ObjectRemoved:Delete). false (nothing queued) when there was no record to delete.
  Result<bool> commit_delete(const std::string& owner, const std::string& image_id, const OutboxEvent& event);
  // Queues an event on its own (re-extraction). Returns the row id.
  Result<int64_t> enqueue(const OutboxEvent& event);

  // Claims the oldest due row (queued with next_attempt_at <= now, or leased with
  // lease_until < now), increments attempts and leases it until now + lease_ms.
  Result<std::optional<OutboxRow>> claim(int64_t now_ms, int64_t lease_ms);
  // The work is done: the row is deleted.
  Status finish(int64_t id);
  // Back to the queue, due at next_attempt_at_ms, with the error kept.
  Status retry(int64_t id, int64_t next_attempt_at_ms, const std::string& error);
  // Gives up: the row stays, state failed, with the error (inspect with failed_events).
  Status fail(int64_t id, const std::string& error);
  // Every leased row becomes due now (start-up: the previous process is gone). Returns how many.
  Result<int64_t> release_leases();
  Result<OutboxStats> outbox_stats();
  Result<std::vector<OutboxRow>> failed_events(int limit = 100);

  // The greatest sequencer stored in records, tombstones or the outbox ("" when none), to
  // seed the local sequencer clock so sequencers keep increasing across restarts.
  Result<std::string> max_sequencer();

  // The earliest next_attempt_at of queued rows (nullopt when none): how long workers may sleep.
  Result<std::optional<int64_t>> next_due_ms();

  struct Impl;

 private:
  explicit SqliteMetadataStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace imgmeta::store
