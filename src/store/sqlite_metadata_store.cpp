#include "store/sqlite_metadata_store.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <mutex>
#include <variant>

#include "meta/ascii.hpp"
#include "store/file_sync.hpp"
#include "store/time.hpp"

namespace imgmeta::store {
namespace {

using meta::ascii_lower;

using meta::make_error;

// The base schema (version 1; migrate_to_v2 adds the renditions). Records are keyed (owner, image_id); every index starts with
// owner because every query is scoped to one.
constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS images (
  owner TEXT NOT NULL,
  image_id TEXT NOT NULL,
  filename TEXT NOT NULL,
  content_type TEXT NOT NULL,
  size INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  etag TEXT NOT NULL,
  status TEXT NOT NULL,
  error TEXT NOT NULL,
  uploaded_at INTEGER NOT NULL,
  taken_at INTEGER,
  updated_at INTEGER NOT NULL,
  sequencer TEXT NOT NULL,
  metadata TEXT NOT NULL,
  format TEXT NOT NULL,
  make TEXT NOT NULL,
  model TEXT NOT NULL,
  has_gps INTEGER NOT NULL,
  search_text TEXT NOT NULL,
  UNIQUE (owner, image_id)
);
CREATE INDEX IF NOT EXISTS images_by_uploaded ON images (owner, uploaded_at DESC, image_id DESC);
CREATE INDEX IF NOT EXISTS images_by_taken ON images (owner, taken_at DESC, image_id DESC);
CREATE INDEX IF NOT EXISTS images_by_sha256 ON images (owner, sha256);
CREATE INDEX IF NOT EXISTS images_by_status ON images (owner, status, uploaded_at DESC);
CREATE INDEX IF NOT EXISTS images_by_format ON images (owner, format COLLATE NOCASE, uploaded_at DESC);
CREATE INDEX IF NOT EXISTS images_by_make ON images (owner, make COLLATE NOCASE, model COLLATE NOCASE, uploaded_at DESC);
CREATE INDEX IF NOT EXISTS images_by_gps ON images (owner, has_gps, uploaded_at DESC);
CREATE TABLE IF NOT EXISTS upload_intents (
  owner TEXT NOT NULL,
  image_id TEXT NOT NULL,
  filename TEXT NOT NULL,
  content_type TEXT NOT NULL,
  size INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  multipart_upload_id TEXT NOT NULL,
  part_size INTEGER NOT NULL,
  PRIMARY KEY (owner, image_id)
);
CREATE TABLE IF NOT EXISTS tombstones (
  owner TEXT NOT NULL,
  image_id TEXT NOT NULL,
  sequencer TEXT NOT NULL,
  deleted_at INTEGER NOT NULL,
  PRIMARY KEY (owner, image_id)
);
CREATE TABLE IF NOT EXISTS outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  key TEXT NOT NULL,
  sequencer TEXT NOT NULL,
  event_json TEXT NOT NULL,
  state INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL,
  lease_until INTEGER NOT NULL,
  last_error TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (state, next_attempt_at, id);
CREATE INDEX IF NOT EXISTS outbox_leases ON outbox (state, lease_until);
)sql";

// Version 2: the renditions' state (metadata_store.hpp, PreviewState). NULL preview_status
// means "not rendered for this version yet"; apply() replaces the row and so clears it.
constexpr const char* kPreviewColumnsDdl[] = {
    "preview_status TEXT", "preview_error TEXT", "preview_version TEXT", "preview_origin TEXT",
    "preview_sequencer TEXT", "thumb_width INTEGER", "thumb_height INTEGER", "preview_width INTEGER",
    "preview_height INTEGER"};
// Version 3: the exposure, orientation and map filters' values (ImageRecord), with the
// rows written before filled from their metadata.
constexpr const char* kFilterColumnsDdl[] = {"lat REAL", "lon REAL", "iso REAL", "fnumber REAL", "focal REAL",
                                             "exposure REAL", "disp_w INTEGER NOT NULL DEFAULT 0",
                                             "disp_h INTEGER NOT NULL DEFAULT 0"};
constexpr const char* kFilterBackfill = R"sql(
UPDATE images SET
  lat = CASE WHEN has_gps THEN json_extract(metadata, '$.GPSLatitude') END,
  lon = CASE WHEN has_gps THEN json_extract(metadata, '$.GPSLongitude') END,
  iso = json_extract(metadata, '$.ISO'), fnumber = json_extract(metadata, '$.FNumber'),
  focal = json_extract(metadata, '$.FocalLength'), exposure = json_extract(metadata, '$.ExposureTime'),
  disp_w = coalesce(json_extract(metadata, '$.DisplayWidth'), 0),
  disp_h = coalesce(json_extract(metadata, '$.DisplayHeight'), 0)
WHERE json_valid(metadata);
CREATE INDEX IF NOT EXISTS images_by_location ON images (owner, uploaded_at DESC, image_id DESC) WHERE lat IS NOT NULL;
)sql";
// Version 4: the trash. trashed_at is NULL for an image not in the trash; the partial
// indexes hold trashed rows only, so they cost nothing for the rest, and the ordinary list
// queries (which say `trashed_at IS NULL`) keep their indexes.
constexpr const char* kTrashDdl = R"sql(
ALTER TABLE images ADD COLUMN trashed_at INTEGER;
CREATE INDEX IF NOT EXISTS images_trash ON images (owner, trashed_at DESC, image_id DESC) WHERE trashed_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS images_trash_expiry ON images (trashed_at) WHERE trashed_at IS NOT NULL;
)sql";
// Version 5: the map's index covers what /api/locations reads (ImageQuery::location_only)
// and leaves trashed rows out, so a page of markers never touches the rows themselves
// (bench/locations: 100,000 located images). trashed_at is always NULL in it, but SQLite
// 3.40 counts a column the partial index's condition names as one the query needs.
constexpr const char* kMapIndexDdl = R"sql(
DROP INDEX IF EXISTS images_by_location;
CREATE INDEX IF NOT EXISTS images_map ON images (owner, uploaded_at DESC, image_id DESC, lat, lon, taken_at, trashed_at)
  WHERE lat IS NOT NULL AND trashed_at IS NULL;
)sql";
constexpr const char* kPreviewBacklogIndex =
    "CREATE INDEX IF NOT EXISTS images_preview_backlog ON images (updated_at) "
    "WHERE status = 'ready' AND preview_status IS NULL";

constexpr int kQueued = 0, kLeased = 1, kFailed = 2;

constexpr const char* kImageColumns =
    "owner, image_id, filename, content_type, size, sha256, etag, status, error, uploaded_at, taken_at, "
    "updated_at, sequencer, metadata, format, make, model, has_gps, search_text, lat, lon, iso, fnumber, focal, "
    "exposure, disp_w, disp_h, preview_status, preview_error, "
    "preview_version, preview_origin, preview_sequencer, thumb_width, thumb_height, preview_width, preview_height, "
    "trashed_at";

// ImageQuery::location_only: what the map needs and the cursor is made of.
constexpr const char* kLocationColumns = "image_id, uploaded_at, taken_at, lat, lon";

// What apply() writes: every column but the renditions' (which it thereby clears); trashed_at
// is written back as it was.
constexpr const char* kRecordColumns =
    "owner, image_id, filename, content_type, size, sha256, etag, status, error, uploaded_at, taken_at, "
    "updated_at, sequencer, metadata, format, make, model, has_gps, search_text, lat, lon, iso, fnumber, focal, "
    "exposure, disp_w, disp_h, trashed_at";

// A prepared statement, reset on scope exit so it can be reused.
class Stmt {
 public:
  Stmt(sqlite3_stmt* s) : s_(s) {}  // NOLINT
  ~Stmt() {
    if (!s_) return;
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  Stmt(Stmt&& other) noexcept : s_(other.s_) { other.s_ = nullptr; }
  Stmt& operator=(Stmt&&) = delete;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  sqlite3_stmt* get() const { return s_; }
  Stmt& bind(int i, const std::string& v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& bind(int i, int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  Stmt& bind(int i, double v) {
    sqlite3_bind_double(s_, i, v);
    return *this;
  }
  Stmt& bind_null(int i) {
    sqlite3_bind_null(s_, i);
    return *this;
  }
  std::string text(int col) const {
    const unsigned char* p = sqlite3_column_text(s_, col);
    return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(s_, col)))
             : std::string();
  }
  int64_t integer(int col) const { return sqlite3_column_int64(s_, col); }
  bool is_null(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
  std::optional<double> real(int col) const {
    if (is_null(col)) return std::nullopt;
    return sqlite3_column_double(s_, col);
  }

 private:
  sqlite3_stmt* s_;
};


std::optional<std::string> hex_decode(std::string_view s) {
  if (s.size() % 2 != 0 || s.size() > 1024) return std::nullopt;
  std::string out;
  auto val = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  for (size_t i = 0; i < s.size(); i += 2) {
    int hi = val(s[i]), lo = val(s[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
  }
  return out;
}

// The cursor: "<sort>|<value or n>|<image_id>", hex-encoded (opaque and URL-safe).
struct Cursor {
  char sort = 'u';
  std::optional<int64_t> value;
  std::string image_id;
};

std::string encode_cursor(const Cursor& c) {
  return meta::hex_lower(std::string(1, c.sort) + "|" + (c.value ? std::to_string(*c.value) : "n") + "|" + c.image_id);
}

std::optional<Cursor> decode_cursor(std::string_view text) {
  auto raw = hex_decode(text);
  if (!raw) return std::nullopt;
  size_t a = raw->find('|'), b = raw->find('|', a == std::string::npos ? 0 : a + 1);
  if (a != 1 || b == std::string::npos) return std::nullopt;
  Cursor c;
  c.sort = (*raw)[0];
  if (c.sort != 'u' && c.sort != 't' && c.sort != 'x') return std::nullopt;  // x: the trash
  std::string v = raw->substr(2, b - 2);
  if (v != "n") {
    int64_t n = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (v.empty() || ec != std::errc{} || end != v.data() + v.size()) return std::nullopt;  // also rejects overflow
    c.value = n;
  }
  c.image_id = raw->substr(b + 1);
  if (c.image_id.empty()) return std::nullopt;
  return c;
}

std::string like_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

struct SqliteMetadataStore::Impl {
  sqlite3* db = nullptr;
  std::string path;
  std::mutex mu;
  // Reads on the request path (an upload's intent and duplicate check, the API's image
  // and list reads, the outbox counts): a second, read-only connection. WAL lets it read
  // the last committed state while the writer holds `mu` through a transaction. Null for a
  // database only this connection can see.
  std::unique_ptr<Impl> reader;

  Impl& reads() { return reader ? *reader : *this; }

  // One connection to options.path with `flags` (SQLITE_OPEN_READWRITE | CREATE, or READONLY).
  static Result<std::unique_ptr<Impl>> connect(const SqliteOptions& options, int flags) {
    auto c = std::make_unique<Impl>();
    c->path = options.path;
    int rc = sqlite3_open_v2(options.path.c_str(), &c->db, flags | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
      std::string msg = c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc);
      return make_error("sqlite open " + options.path + ": " + msg);
    }
    sqlite3_extended_result_codes(c->db, 1);
    sqlite3_busy_timeout(c->db, options.busy_timeout_ms);
    // Statement journals (every multi-index write inside the upload transactions needs one)
    // and sorts stay in memory instead of spilling to a temporary file on disk.
    TRY(c->exec("PRAGMA temp_store = MEMORY"));
    return c;
  }
  // What a client is told about is made durable by syncing the WAL after the commit, with
  // `mu` released (durable()); without a WAL file (":memory:", or a file system where
  // SQLite cannot use one) the syncer is a no-op and commits sync themselves (FULL).
  std::unique_ptr<FileSyncer> wal;
  std::map<std::string, sqlite3_stmt*> statements;  // prepared once, by SQL text

  ~Impl() {
    reader.reset();  // first, so that the writer, closing last, checkpoints and removes the WAL
    for (auto& [sql, s] : statements) sqlite3_finalize(s);
    if (db) sqlite3_close_v2(db);
  }

  Error sql_error(const std::string& op) const {
    int code = sqlite3_extended_errcode(db);
    meta::Errc kind = (code & 0xff) == SQLITE_BUSY ? meta::Errc::Busy : meta::Errc::None;
    return make_error(kind, "sqlite " + op + " (" + path + "): " + sqlite3_errmsg(db));
  }

  Result<Stmt> prepare(const std::string& sql) {
    auto it = statements.find(sql);
    if (it != statements.end()) return Stmt(it->second);
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v3(db, sql.c_str(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &s, nullptr) !=
        SQLITE_OK)
      return sql_error("prepare " + sql.substr(0, 60));
    // Dynamic list queries vary with their filters; there are few combinations, but cap the
    // cache anyway.
    if (statements.size() > 256) {
      for (auto& [k, v] : statements) sqlite3_finalize(v);
      statements.clear();
    }
    statements.emplace(sql, s);
    return Stmt(s);
  }

  Status exec(const std::string& sql) {
    char* msg = nullptr;
    if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &msg) != SQLITE_OK) {
      std::string m = msg ? msg : "unknown error";
      sqlite3_free(msg);
      return make_error("sqlite exec (" + path + "): " + m);
    }
    return meta::ok_status();
  }

  // A write a client is told about (an upload, a delete, an intent): its transaction commits
  // under `mu` without waiting for the disk (synchronous=NORMAL), then, with `mu` released,
  // the WAL is synced, which makes that commit and every one before it survive a power cut.
  // The fsync used to run inside the commit (FULL) while `mu` was held, so every other write
  // (the workers' claims and results, the next uploads) queued behind each upload's fsync.
  // Until the sync returns the write is visible but not yet promised: its caller answers
  // the client only after. The pipeline's own writes need no sync (see the header).
  template <class Write>
  auto durable(Write&& write) -> decltype(write()) {
    auto result = [&] {
      std::lock_guard lock(mu);
      return write();
    }();
    if (result) TRY(wal->sync());
    return result;
  }

  // Runs a statement that returns no rows.
  Status run(Stmt& s, const std::string& op) {
    int rc = sqlite3_step(s.get());
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) return sql_error(op);
    return meta::ok_status();
  }

  // Steps; true when a row is available.
  Result<bool> step(Stmt& s, const std::string& op) {
    int rc = sqlite3_step(s.get());
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return sql_error(op);
  }

  // BEGIN IMMEDIATE ... COMMIT, rolled back on error.
  template <class F>
  auto transaction(const std::string& op, F&& body) -> decltype(body()) {
    if (auto s = exec("BEGIN IMMEDIATE"); !s) return make_error(op + ": " + s.error().message);
    auto result = body();
    if (!result.ok()) {
      (void)exec("ROLLBACK");
      return result;
    }
    if (auto s = exec("COMMIT"); !s) {
      (void)exec("ROLLBACK");
      return make_error(op + ": " + s.error().message);
    }
    return result;
  }

  static ImageRecord read_location(const Stmt& s) {  // kLocationColumns
    ImageRecord r;
    r.image_id = s.text(0);
    r.uploaded_at_ms = s.integer(1);
    if (!s.is_null(2)) r.taken_at_ms = s.integer(2);
    r.lat = s.real(3);
    r.lon = s.real(4);
    r.has_gps = r.lat && r.lon;
    return r;
  }

  static ImageRecord read_record(const Stmt& s) {
    ImageRecord r;
    r.owner = s.text(0);
    r.image_id = s.text(1);
    r.filename = s.text(2);
    r.content_type = s.text(3);
    r.size = static_cast<uint64_t>(s.integer(4));
    r.sha256 = s.text(5);
    r.etag = s.text(6);
    r.status = parse_image_status(s.text(7)).value_or(ImageStatus::Failed);
    r.error = s.text(8);
    r.uploaded_at_ms = s.integer(9);
    if (!s.is_null(10)) r.taken_at_ms = s.integer(10);
    r.updated_at_ms = s.integer(11);
    r.sequencer = s.text(12);
    r.metadata_json = s.text(13);
    r.format = s.text(14);
    r.make = s.text(15);
    r.model = s.text(16);
    r.has_gps = s.integer(17) != 0;
    r.search_text = s.text(18);
    r.lat = s.real(19);
    r.lon = s.real(20);
    r.iso = s.real(21);
    r.f_number = s.real(22);
    r.focal_mm = s.real(23);
    r.exposure_s = s.real(24);
    r.display_width = static_cast<int>(s.integer(25));
    r.display_height = static_cast<int>(s.integer(26));
    if (!s.is_null(27)) {
      r.preview.status = parse_preview_status(s.text(27)).value_or(PreviewStatus::Failed);
      r.preview.error = s.text(28);
      r.preview.version = s.text(29);
      r.preview.origin = s.text(30);
      r.preview.sequencer = s.text(31);
      r.preview.thumb_width = static_cast<int>(s.integer(32));
      r.preview.thumb_height = static_cast<int>(s.integer(33));
      r.preview.preview_width = static_cast<int>(s.integer(34));
      r.preview.preview_height = static_cast<int>(s.integer(35));
    }
    if (!s.is_null(36)) r.trashed_at_ms = s.integer(36);
    return r;
  }

  Status migrate_to_v2() {
    int64_t version = 0;
    {
      auto v = TRY(prepare("PRAGMA user_version"));
      if (!TRY(step(v, "schema version"))) return make_error("sqlite " + path + ": no schema version");
      version = v.integer(0);
    }
    if (version >= 5) return meta::ok_status();  // 0 (new) to 4 take what they lack
    std::string sql = "BEGIN IMMEDIATE;";
    if (version < 2) {
      for (const char* column : kPreviewColumnsDdl) sql += std::string("ALTER TABLE images ADD COLUMN ") + column + ";";
      sql += std::string(kPreviewBacklogIndex) + ";";
    }
    if (version < 3) {
      for (const char* column : kFilterColumnsDdl) sql += std::string("ALTER TABLE images ADD COLUMN ") + column + ";";
      sql += kFilterBackfill;
    }
    if (version < 4) sql += kTrashDdl;
    sql += kMapIndexDdl;
    sql += "PRAGMA user_version = 5;COMMIT;";
    return exec(sql);
  }

  // The conditional write (see metadata_store.hpp). Caller holds mu and a transaction.
  Result<bool> apply_locked(const ImageRecord& r) {
    if (r.owner.empty() || r.image_id.empty()) return make_error(meta::Errc::InvalidArgument, "apply: empty owner or image id");
    std::string op = "apply " + r.owner + "/" + r.image_id;
    {
      auto s = TRY(prepare("SELECT sequencer FROM tombstones WHERE owner = ?1 AND image_id = ?2"));
      s.bind(1, r.owner).bind(2, r.image_id);
      if (TRY(step(s, op)) && compare_sequencers(s.text(0), r.sequencer) >= 0) return false;
    }
    std::optional<int64_t> trashed_at;  // kept: only trash() and restore() change it
    {
      auto s = TRY(prepare("SELECT sequencer, status, trashed_at FROM images WHERE owner = ?1 AND image_id = ?2"));
      s.bind(1, r.owner).bind(2, r.image_id);
      if (TRY(step(s, op))) {
        int cmp = compare_sequencers(s.text(0), r.sequencer);
        if (cmp > 0) return false;
        if (cmp == 0 && r.status == ImageStatus::Pending && s.text(1) != "pending") return false;
        if (!s.is_null(2)) trashed_at = s.integer(2);
      }
    }
    auto s = TRY(prepare(std::string("INSERT OR REPLACE INTO images (") + kRecordColumns +
                         ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, "
                         "?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28)"));
    s.bind(1, r.owner).bind(2, r.image_id).bind(3, r.filename).bind(4, r.content_type);
    s.bind(5, static_cast<int64_t>(r.size)).bind(6, ascii_lower(r.sha256)).bind(7, r.etag);
    s.bind(8, std::string(to_string(r.status))).bind(9, r.error).bind(10, r.uploaded_at_ms);
    if (r.taken_at_ms) s.bind(11, *r.taken_at_ms);
    else s.bind_null(11);
    s.bind(12, r.updated_at_ms ? r.updated_at_ms : now_ms()).bind(13, r.sequencer);
    s.bind(14, r.metadata_json.empty() ? std::string("{}") : r.metadata_json);
    s.bind(15, r.format).bind(16, r.make).bind(17, r.model).bind(18, int64_t{r.has_gps});
    s.bind(19, ascii_lower(r.search_text));
    int i = 20;
    for (const auto& v : {r.lat, r.lon, r.iso, r.f_number, r.focal_mm, r.exposure_s}) {
      if (v) s.bind(i, *v);
      else s.bind_null(i);
      ++i;
    }
    s.bind(26, int64_t{r.display_width}).bind(27, int64_t{r.display_height});
    if (trashed_at) s.bind(28, *trashed_at);
    else s.bind_null(28);
    TRY(run(s, op));
    return true;
  }

  Result<bool> remove_locked(const std::string& owner, const std::string& image_id, const std::string& sequencer) {
    std::string op = "remove " + owner + "/" + image_id;
    if (owner.empty() || image_id.empty()) return make_error(meta::Errc::InvalidArgument, op + ": empty owner or image id");
    {
      auto s = TRY(prepare("SELECT sequencer FROM tombstones WHERE owner = ?1 AND image_id = ?2"));
      s.bind(1, owner).bind(2, image_id);
      bool newer_tombstone = TRY(step(s, op)) && compare_sequencers(s.text(0), sequencer) >= 0;
      if (!newer_tombstone) {
        auto w = TRY(prepare("INSERT OR REPLACE INTO tombstones (owner, image_id, sequencer, deleted_at) "
                             "VALUES (?1, ?2, ?3, ?4)"));
        w.bind(1, owner).bind(2, image_id).bind(3, sequencer).bind(4, now_ms());
        TRY(run(w, op));
      }
    }
    auto s = TRY(prepare("SELECT sequencer FROM images WHERE owner = ?1 AND image_id = ?2"));
    s.bind(1, owner).bind(2, image_id);
    if (!TRY(step(s, op))) return false;
    if (compare_sequencers(s.text(0), sequencer) > 0) return false;  // a newer version stays
    auto d = TRY(prepare("DELETE FROM images WHERE owner = ?1 AND image_id = ?2"));
    d.bind(1, owner).bind(2, image_id);
    TRY(run(d, op));
    return true;
  }

  Result<int64_t> enqueue_locked(const OutboxEvent& e) {
    auto s = TRY(prepare("INSERT INTO outbox (key, sequencer, event_json, state, attempts, created_at, "
                         "next_attempt_at, lease_until, last_error) VALUES (?1, ?2, ?3, 0, 0, ?4, ?4, 0, '')"));
    int64_t now = now_ms();
    s.bind(1, e.key).bind(2, e.sequencer).bind(3, e.event_json).bind(4, now);
    TRY(run(s, "enqueue " + e.key));
    return sqlite3_last_insert_rowid(db);
  }

  // An upload landed: its record (false when a newer one or a deletion wins), its event row,
  // and its intent gone. Under mu, inside the caller's transaction.
  Result<bool> commit_upload_locked(const ImageRecord& record, const OutboxEvent& event) {
    if (!TRY(apply_locked(record))) return false;
    TRY(enqueue_locked(event));
    auto s = TRY(prepare("DELETE FROM upload_intents WHERE owner = ?1 AND image_id = ?2"));
    s.bind(1, record.owner).bind(2, record.image_id);
    TRY(run(s, "commit upload: remove intent"));
    return true;
  }

  static OutboxRow read_outbox(const Stmt& s) {
    OutboxRow r;
    r.id = s.integer(0);
    r.key = s.text(1);
    r.sequencer = s.text(2);
    r.event_json = s.text(3);
    int64_t state = s.integer(4);
    r.state = state == kLeased ? OutboxState::Leased : state == kFailed ? OutboxState::Failed : OutboxState::Queued;
    r.attempts = static_cast<int>(s.integer(5));
    r.created_at_ms = s.integer(6);
    r.next_attempt_at_ms = s.integer(7);
    r.lease_until_ms = s.integer(8);
    r.last_error = s.text(9);
    return r;
  }
};

static constexpr const char* kOutboxColumns =
    "id, key, sequencer, event_json, state, attempts, created_at, next_attempt_at, lease_until, last_error";

SqliteMetadataStore::SqliteMetadataStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SqliteMetadataStore::~SqliteMetadataStore() = default;

Result<std::unique_ptr<SqliteMetadataStore>> SqliteMetadataStore::open(const SqliteOptions& options) {
  auto impl = TRY(Impl::connect(options, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE));
  bool wal_mode = false;
  {
    auto mode = TRY(impl->prepare("PRAGMA journal_mode = WAL"));
    wal_mode = TRY(impl->step(mode, "set journal mode")) && mode.text(0) == "wal";
  }
  // Commits never fsync in a WAL; durable() syncs the WAL after the ones a client is told
  // about. Without a WAL each commit syncs itself, if the options want durability at all.
  const char* wal_path = wal_mode ? sqlite3_filename_wal(sqlite3_db_filename(impl->db, "main")) : nullptr;
  impl->wal = std::make_unique<FileSyncer>(options.synchronous_full && wal_path ? std::string(wal_path) : std::string());
  TRY(impl->exec(!wal_mode && options.synchronous_full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL"));
  TRY(impl->exec("PRAGMA foreign_keys = ON"));
  TRY(impl->exec(std::string("BEGIN IMMEDIATE;") + kSchema + "COMMIT;"));
  TRY(impl->migrate_to_v2());
  if (options.path != ":memory:" && !options.path.empty())
    impl->reader = TRY(Impl::connect(options, SQLITE_OPEN_READONLY));
  return std::unique_ptr<SqliteMetadataStore>(new SqliteMetadataStore(std::move(impl)));
}

Status SqliteMetadataStore::put_upload_intent(const UploadIntent& i) {
  return impl_->durable([&]() -> Status {
    std::string op = "put upload intent " + i.owner + "/" + i.image_id;
    if (i.owner.empty() || i.image_id.empty()) return make_error(meta::Errc::InvalidArgument, op + ": empty owner or image id");
    auto s = TRY(impl_->prepare(
        "INSERT INTO upload_intents (owner, image_id, filename, content_type, size, sha256, created_at, expires_at, "
        "multipart_upload_id, part_size) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"));
    s.bind(1, i.owner).bind(2, i.image_id).bind(3, i.filename).bind(4, i.content_type);
    s.bind(5, static_cast<int64_t>(i.size)).bind(6, i.sha256).bind(7, i.created_at_ms).bind(8, i.expires_at_ms);
    s.bind(9, i.multipart_upload_id).bind(10, static_cast<int64_t>(i.part_size));
    int rc = sqlite3_step(s.get());
    if (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT)
      return make_error(meta::Errc::Conflict, op + ": an intent with this id exists");
    if (rc != SQLITE_DONE) return impl_->sql_error(op);
    return meta::ok_status();
  });
}

Result<UploadIntent> SqliteMetadataStore::get_upload_intent(const std::string& owner, const std::string& image_id) {
  Impl& r = impl_->reads();
  std::lock_guard lock(r.mu);
  std::string op = "get upload intent " + owner + "/" + image_id;
  auto s = TRY(r.prepare(
      "SELECT owner, image_id, filename, content_type, size, sha256, created_at, expires_at, multipart_upload_id, "
      "part_size FROM upload_intents WHERE owner = ?1 AND image_id = ?2"));
  s.bind(1, owner).bind(2, image_id);
  if (!TRY(r.step(s, op))) return make_error(meta::Errc::NotFound, op + ": no such upload");
  UploadIntent i;
  i.owner = s.text(0);
  i.image_id = s.text(1);
  i.filename = s.text(2);
  i.content_type = s.text(3);
  i.size = static_cast<uint64_t>(s.integer(4));
  i.sha256 = s.text(5);
  i.created_at_ms = s.integer(6);
  i.expires_at_ms = s.integer(7);
  i.multipart_upload_id = s.text(8);
  i.part_size = static_cast<uint64_t>(s.integer(9));
  return i;
}

Status SqliteMetadataStore::remove_upload_intent(const std::string& owner, const std::string& image_id) {
  std::lock_guard lock(impl_->mu);
  auto s = TRY(impl_->prepare("DELETE FROM upload_intents WHERE owner = ?1 AND image_id = ?2"));
  s.bind(1, owner).bind(2, image_id);
  return impl_->run(s, "remove upload intent " + owner + "/" + image_id);
}

Result<std::optional<std::string>> SqliteMetadataStore::find_by_sha256(const std::string& owner,
                                                                       const std::string& sha256) {
  if (sha256.empty()) return std::optional<std::string>();
  Impl& r = impl_->reads();
  std::lock_guard lock(r.mu);
  // `+image_id`: without it SQLite (no ANALYZE statistics) prefers the (owner, image_id)
  // index for the ORDER BY and reads every one of the owner's records on each upload.
  auto s = TRY(r.prepare(
      "SELECT image_id FROM images WHERE owner = ?1 AND sha256 = ?2 ORDER BY +image_id LIMIT 1"));
  s.bind(1, owner).bind(2, ascii_lower(sha256));
  if (!TRY(r.step(s, "find by sha256 for " + owner))) return std::optional<std::string>();
  return std::optional<std::string>(s.text(0));
}

Result<bool> SqliteMetadataStore::apply(const ImageRecord& record) {
  std::lock_guard lock(impl_->mu);
  return impl_->transaction("apply " + record.owner + "/" + record.image_id,
                            [&]() -> Result<bool> { return impl_->apply_locked(record); });
}

// One transaction: the stored row is read and rewritten under the lock, so the merge is
// exact (file name and content type included). Like apply(), the rewrite clears the
// renditions' columns (a new extraction is rendered again) and keeps trashed_at.
Result<ApplyOutcome> SqliteMetadataStore::apply_extraction(const ImageRecord& extracted) {
  std::string op = "apply extraction " + extracted.owner + "/" + extracted.image_id;
  if (extracted.owner.empty() || extracted.image_id.empty())
    return make_error(meta::Errc::InvalidArgument, op + ": empty owner or image id");
  if (extracted.status == ImageStatus::Pending) return make_error(meta::Errc::InvalidArgument, op + ": status pending is no extraction");
  if (extracted.sequencer.empty()) return make_error(meta::Errc::InvalidArgument, op + ": empty sequencer");
  std::lock_guard lock(impl_->mu);
  return impl_->transaction(op, [&]() -> Result<ApplyOutcome> {
    {
      auto s = TRY(impl_->prepare("SELECT sequencer FROM tombstones WHERE owner = ?1 AND image_id = ?2"));
      s.bind(1, extracted.owner).bind(2, extracted.image_id);
      if (TRY(impl_->step(s, op)) && compare_sequencers(s.text(0), extracted.sequencer) >= 0) return ApplyOutcome::Stale;
    }
    ImageRecord stored;
    {
      auto s = TRY(impl_->prepare(std::string("SELECT ") + kImageColumns + " FROM images WHERE owner = ?1 AND image_id = ?2"));
      s.bind(1, extracted.owner).bind(2, extracted.image_id);
      if (!TRY(impl_->step(s, op))) return ApplyOutcome::NoRecord;
      stored = Impl::read_record(s);
    }
    if (compare_sequencers(stored.sequencer, extracted.sequencer) > 0) return ApplyOutcome::Stale;
    merge_extraction(stored, extracted);
    bool written = TRY(impl_->apply_locked(stored));
    return written ? ApplyOutcome::Applied : ApplyOutcome::Stale;
  });
}

Result<bool> SqliteMetadataStore::remove(const std::string& owner, const std::string& image_id,
                                         const std::string& sequencer) {
  std::lock_guard lock(impl_->mu);
  return impl_->transaction("remove " + owner + "/" + image_id,
                            [&]() -> Result<bool> { return impl_->remove_locked(owner, image_id, sequencer); });
}

Result<ImageRecord> SqliteMetadataStore::get(const std::string& owner, const std::string& image_id) {
  Impl& r = impl_->reads();
  std::lock_guard lock(r.mu);
  std::string op = "get " + owner + "/" + image_id;
  auto s = TRY(r.prepare(std::string("SELECT ") + kImageColumns + " FROM images WHERE owner = ?1 AND image_id = ?2"));
  s.bind(1, owner).bind(2, image_id);
  if (!TRY(r.step(s, op))) return make_error(meta::Errc::NotFound, op + ": no such image");
  return Impl::read_record(s);
}

Result<bool> SqliteMetadataStore::set_preview(const std::string& owner, const std::string& image_id,
                                              const std::string& sequencer, const PreviewState& p) {
  std::lock_guard lock(impl_->mu);
  std::string op = "set preview " + owner + "/" + image_id;
  auto s = TRY(impl_->prepare(
      "UPDATE images SET preview_status = ?4, preview_error = ?5, preview_version = ?6, preview_origin = ?7, "
      "preview_sequencer = ?3, thumb_width = ?8, thumb_height = ?9, preview_width = ?10, preview_height = ?11 "
      "WHERE owner = ?1 AND image_id = ?2 AND sequencer = ?3"));
  s.bind(1, owner).bind(2, image_id).bind(3, sequencer).bind(4, std::string(to_string(p.status)));
  s.bind(5, p.error).bind(6, p.version).bind(7, p.origin);
  s.bind(8, int64_t{p.thumb_width}).bind(9, int64_t{p.thumb_height});
  s.bind(10, int64_t{p.preview_width}).bind(11, int64_t{p.preview_height});
  TRY(impl_->run(s, op));
  return sqlite3_changes(impl_->db) > 0;
}

Result<std::vector<PreviewJob>> SqliteMetadataStore::preview_backlog(int limit) {
  std::lock_guard lock(impl_->mu);
  auto s = TRY(impl_->prepare(
      "SELECT owner, image_id, sequencer FROM images WHERE status = 'ready' AND preview_status IS NULL "
      "ORDER BY updated_at LIMIT ?1"));
  s.bind(1, int64_t{limit});
  std::vector<PreviewJob> out;
  while (TRY(impl_->step(s, "preview backlog"))) out.push_back({s.text(0), s.text(1), s.text(2)});
  return out;
}

Result<ImagePage> SqliteMetadataStore::list(const ImageQuery& q) {
  std::string op = "list images of " + q.owner;
  if (q.owner.empty()) return make_error(meta::Errc::InvalidArgument, op + ": empty owner");
  const int max_limit = q.location_only ? kMaxLocationLimit : kMaxListLimit;
  if (q.limit < 1 || q.limit > max_limit)
    return make_error(meta::Errc::InvalidArgument, op + ": limit " + std::to_string(q.limit) + " outside 1.." +
                                             std::to_string(max_limit));
  bool by_taken = q.sort == SortOrder::Taken;
  std::optional<Cursor> cursor;
  if (!q.cursor.empty()) {
    cursor = decode_cursor(q.cursor);
    if (!cursor || cursor->sort != (by_taken ? 't' : 'u'))
      return make_error(meta::Errc::InvalidArgument, op + ": malformed cursor (or one from another sort order)");
  }
  // Placeholders are numbered in the order the binds are pushed.
  std::string sql = std::string("SELECT ") + (q.location_only ? kLocationColumns : kImageColumns) +
                    " FROM images WHERE owner = ?1 AND trashed_at IS NULL";
  std::vector<std::variant<std::string, int64_t, double>> binds{q.owner};
  auto param = [&](std::variant<std::string, int64_t, double> v) {
    binds.push_back(std::move(v));
    return "?" + std::to_string(binds.size());
  };
  // Case-insensitive substrings (SQLite's LIKE folds ASCII case).
  auto contains = [&](const std::string& text) { return param("%" + like_escape(ascii_lower(text)) + "%") + " ESCAPE '\\'"; };
  if (q.format) {
    std::string any;
    for (const auto& f : format_patterns(*q.format)) any += (any.empty() ? "" : " OR ") + std::string("format LIKE ") + contains(f);
    sql += " AND (" + any + ")";
  }
  if (q.make) sql += " AND make LIKE " + contains(*q.make);
  if (q.model) sql += " AND model LIKE " + contains(*q.model);
  if (q.lens)
    sql += " AND (CASE WHEN json_valid(metadata) THEN coalesce(json_extract(metadata, '$.LensModel'), '') || ' ' ||"
           " coalesce(json_extract(metadata, '$.Lens'), '') || ' ' || coalesce(json_extract(metadata, '$.LensID'), '')"
           " ELSE '' END) LIKE " + contains(*q.lens);
  if (q.taken_from_ms) sql += " AND taken_at >= " + param(*q.taken_from_ms);
  if (q.taken_to_ms) sql += " AND taken_at <= " + param(*q.taken_to_ms);
  if (q.has_gps) sql += " AND has_gps = " + param(int64_t{*q.has_gps});
  if (q.status) sql += " AND status = " + param(std::string(to_string(*q.status)));
  auto range = [&](const char* column, const std::optional<double>& lo, const std::optional<double>& hi) {
    if (lo) sql += std::string(" AND ") + column + " >= " + param(*lo);
    if (hi) sql += std::string(" AND ") + column + " <= " + param(*hi);
  };
  range("iso", q.iso_min, q.iso_max);
  range("fnumber", q.f_min, q.f_max);
  range("focal", q.focal_min, q.focal_max);
  range("exposure", q.exposure_min, q.exposure_max);
  if (q.orientation == Orientation::Portrait) sql += " AND disp_h > disp_w";
  if (q.orientation == Orientation::Landscape) sql += " AND disp_w > disp_h";
  if (q.orientation == Orientation::Square) sql += " AND disp_w = disp_h AND disp_w > 0";
  if (q.bbox) {
    sql += " AND lat IS NOT NULL AND lat BETWEEN " + param(q.bbox->min_lat) + " AND " + param(q.bbox->max_lat);
    if (q.bbox->min_lon <= q.bbox->max_lon)
      sql += " AND lon BETWEEN " + param(q.bbox->min_lon) + " AND " + param(q.bbox->max_lon);
    else  // across the antimeridian
      sql += " AND (lon >= " + param(q.bbox->min_lon) + " OR lon <= " + param(q.bbox->max_lon) + ")";
  }
  if (q.q && !q.q->empty()) sql += " AND search_text LIKE " + param("%" + like_escape(ascii_lower(*q.q)) + "%") + " ESCAPE '\\'";
  if (cursor) {
    if (!by_taken) {
      std::string v = param(cursor->value.value_or(0)), id = param(cursor->image_id);
      sql += " AND (uploaded_at < " + v + " OR (uploaded_at = " + v + " AND image_id < " + id + "))";
    } else if (cursor->value) {
      std::string v = param(*cursor->value), id = param(cursor->image_id);
      sql += " AND (taken_at IS NULL OR taken_at < " + v + " OR (taken_at = " + v + " AND image_id < " + id + "))";
    } else {
      sql += " AND taken_at IS NULL AND image_id < " + param(cursor->image_id);
    }
  }
  sql += by_taken ? " ORDER BY taken_at IS NULL, taken_at DESC, image_id DESC" : " ORDER BY uploaded_at DESC, image_id DESC";
  sql += " LIMIT " + param(int64_t{q.limit} + 1);

  Impl& r = impl_->reads();
  std::lock_guard lock(r.mu);
  auto s = TRY(r.prepare(sql));
  for (size_t i = 0; i < binds.size(); ++i) {
    int idx = static_cast<int>(i + 1);
    if (auto* str = std::get_if<std::string>(&binds[i])) s.bind(idx, *str);
    else if (auto* n = std::get_if<int64_t>(&binds[i])) s.bind(idx, *n);
    else s.bind(idx, std::get<double>(binds[i]));
  }
  ImagePage page;
  page.items.reserve(static_cast<size_t>(q.limit));  // a map page holds thousands of records
  while (TRY(r.step(s, op))) {
    if (page.items.size() == static_cast<size_t>(q.limit)) {
      const ImageRecord& last = page.items.back();
      Cursor next{by_taken ? 't' : 'u', by_taken ? last.taken_at_ms : std::optional<int64_t>(last.uploaded_at_ms),
                  last.image_id};
      page.next_cursor = encode_cursor(next);
      break;
    }
    page.items.push_back(q.location_only ? Impl::read_location(s) : Impl::read_record(s));
  }
  return page;
}

Result<bool> SqliteMetadataStore::commit_upload(const ImageRecord& record, const OutboxEvent& event) {
  return impl_->durable([&] {
    return impl_->transaction("commit upload " + record.owner + "/" + record.image_id,
                              [&] { return impl_->commit_upload_locked(record, event); });
  });
}

std::vector<Result<bool>> SqliteMetadataStore::commit_uploads(const std::vector<std::pair<ImageRecord, OutboxEvent>>& batch) {
  std::vector<Result<bool>> results;
  results.reserve(batch.size());
  auto fail_all = [&](const Error& e) {
    results.clear();
    for (size_t i = 0; i < batch.size(); ++i) results.emplace_back(e);
    return results;
  };
  std::unique_lock lock(impl_->mu);
  if (auto s = impl_->exec("BEGIN IMMEDIATE"); !s) return fail_all(s.error());
  for (const auto& item : batch) {
    const ImageRecord& record = item.first;  // not a structured binding: lambdas capture it
    const OutboxEvent& event = item.second;
    if (auto s = impl_->exec("SAVEPOINT upload"); !s) {
      (void)impl_->exec("ROLLBACK");
      return fail_all(s.error());
    }
    auto one = impl_->commit_upload_locked(record, event);
    if (!one.ok()) (void)impl_->exec("ROLLBACK TO upload");
    (void)impl_->exec("RELEASE upload");
    results.push_back(one.ok() ? std::move(one)
                               : Result<bool>(make_error(one.error(), "commit upload " + record.owner + "/" +
                                                                               record.image_id + ": " + one.error().message)));
  }
  if (auto s = impl_->exec("COMMIT"); !s) {
    (void)impl_->exec("ROLLBACK");
    return fail_all(s.error());
  }
  lock.unlock();
  // As durable() does, for the whole group: one sync after the commit, outside the lock.
  if (std::any_of(results.begin(), results.end(), [](const Result<bool>& r) { return r.ok(); }))
    if (auto s = impl_->wal->sync(); !s) return fail_all(s.error());
  return results;
}

Result<bool> SqliteMetadataStore::commit_delete(const std::string& owner, const std::string& image_id,
                                                const OutboxEvent& event) {
  return impl_->durable([&] {
    return impl_->transaction("commit delete " + owner + "/" + image_id, [&]() -> Result<bool> {
      if (!TRY(impl_->remove_locked(owner, image_id, event.sequencer))) return false;
      TRY(impl_->enqueue_locked(event));
      return true;
    });
  });
}

Result<int64_t> SqliteMetadataStore::enqueue(const OutboxEvent& event) {
  return impl_->durable([&] { return impl_->enqueue_locked(event); });
}

Result<std::optional<OutboxRow>> SqliteMetadataStore::claim(int64_t now_ms_value, int64_t lease_ms) {
  std::lock_guard lock(impl_->mu);
  return impl_->transaction("outbox claim", [&]() -> Result<std::optional<OutboxRow>> {
    std::optional<OutboxRow> row;
    bool reclaimed = false;
    {
      // Expired leases first: their events are the oldest work.
      auto s = TRY(impl_->prepare(std::string("SELECT ") + kOutboxColumns +
                                  " FROM outbox WHERE state = 1 AND lease_until < ?1 ORDER BY id LIMIT 1"));
      s.bind(1, now_ms_value);
      if (TRY(impl_->step(s, "outbox claim"))) {
        row = Impl::read_outbox(s);
        reclaimed = true;
      }
    }
    if (!row) {
      auto s = TRY(impl_->prepare(std::string("SELECT ") + kOutboxColumns +
                                  " FROM outbox WHERE state = 0 AND next_attempt_at <= ?1 "
                                  "ORDER BY next_attempt_at, id LIMIT 1"));
      s.bind(1, now_ms_value);
      if (TRY(impl_->step(s, "outbox claim"))) row = Impl::read_outbox(s);
    }
    if (!row) return row;
    auto u = TRY(impl_->prepare("UPDATE outbox SET state = 1, attempts = attempts + 1, lease_until = ?2 WHERE id = ?1"));
    u.bind(1, row->id).bind(2, now_ms_value + lease_ms);
    TRY(impl_->run(u, "outbox claim"));
    row->state = OutboxState::Leased;
    row->attempts += 1;
    row->lease_until_ms = now_ms_value + lease_ms;
    row->reclaimed = reclaimed;
    return row;
  });
}

Status SqliteMetadataStore::finish(int64_t id) {
  std::lock_guard lock(impl_->mu);
  auto s = TRY(impl_->prepare("DELETE FROM outbox WHERE id = ?1"));
  s.bind(1, id);
  return impl_->run(s, "outbox finish " + std::to_string(id));
}

Status SqliteMetadataStore::retry(int64_t id, int64_t next_attempt_at_ms, const std::string& error) {
  std::lock_guard lock(impl_->mu);
  auto s = TRY(impl_->prepare(
      "UPDATE outbox SET state = 0, next_attempt_at = ?2, lease_until = 0, last_error = ?3 WHERE id = ?1"));
  s.bind(1, id).bind(2, next_attempt_at_ms).bind(3, error);
  return impl_->run(s, "outbox retry " + std::to_string(id));
}

Status SqliteMetadataStore::fail(int64_t id, const std::string& error) {
  std::lock_guard lock(impl_->mu);
  auto s = TRY(impl_->prepare("UPDATE outbox SET state = 2, lease_until = 0, last_error = ?2 WHERE id = ?1"));
  s.bind(1, id).bind(2, error);
  return impl_->run(s, "outbox fail " + std::to_string(id));
}

Result<int64_t> SqliteMetadataStore::release_leases() {
  std::lock_guard lock(impl_->mu);
  auto s = TRY(impl_->prepare("UPDATE outbox SET state = 0, lease_until = 0, next_attempt_at = ?1 WHERE state = 1"));
  s.bind(1, now_ms());
  TRY(impl_->run(s, "outbox release leases"));
  return static_cast<int64_t>(sqlite3_changes(impl_->db));
}

Result<OutboxStats> SqliteMetadataStore::outbox_stats() {
  Impl& r = impl_->reads();
  std::lock_guard lock(r.mu);
  auto s = TRY(r.prepare("SELECT state, COUNT(*) FROM outbox GROUP BY state"));
  OutboxStats st;
  while (TRY(r.step(s, "outbox stats"))) {
    int64_t state = s.integer(0), n = s.integer(1);
    if (state == kQueued) st.queued = n;
    else if (state == kLeased) st.leased = n;
    else if (state == kFailed) st.failed = n;
  }
  return st;
}

Result<std::vector<OutboxRow>> SqliteMetadataStore::failed_events(int limit) {
  std::lock_guard lock(impl_->mu);
  auto s = TRY(impl_->prepare(std::string("SELECT ") + kOutboxColumns + " FROM outbox WHERE state = 2 ORDER BY id LIMIT ?1"));
  s.bind(1, int64_t{limit});
  std::vector<OutboxRow> rows;
  while (TRY(impl_->step(s, "outbox failed events"))) rows.push_back(Impl::read_outbox(s));
  return rows;
}

Result<std::string> SqliteMetadataStore::max_sequencer() {
  std::lock_guard lock(impl_->mu);
  std::string best;
  for (const char* sql : {"SELECT sequencer FROM images", "SELECT sequencer FROM tombstones",
                          "SELECT sequencer FROM outbox"}) {
    // Left-padded to 32 characters, string order is S3's order (sequencer_sort_key). A scan,
    // once at start-up.
    auto s = TRY(impl_->prepare(std::string("SELECT sequencer FROM (") + sql +
                                ") ORDER BY substr('00000000000000000000000000000000' || upper(sequencer), -32) DESC "
                                "LIMIT 1"));
    if (TRY(impl_->step(s, "max sequencer")) && compare_sequencers(s.text(0), best) > 0) best = s.text(0);
  }
  return best;
}

Result<std::optional<int64_t>> SqliteMetadataStore::next_due_ms() {
  std::lock_guard lock(impl_->mu);
  auto s = TRY(impl_->prepare(
      "SELECT MIN(t) FROM (SELECT MIN(next_attempt_at) AS t FROM outbox WHERE state = 0 "
      "UNION ALL SELECT MIN(lease_until) FROM outbox WHERE state = 1)"));
  if (!TRY(impl_->step(s, "outbox next due")) || s.is_null(0)) return std::optional<int64_t>();
  return std::optional<int64_t>(s.integer(0));
}

// --- the trash ---

Result<ImageRecord> SqliteMetadataStore::trash(const std::string& owner, const std::string& image_id, int64_t at_ms) {
  return impl_->durable([&]() -> Result<ImageRecord> {
    std::string op = "trash " + owner + "/" + image_id;
    return impl_->transaction(op, [&]() -> Result<ImageRecord> {
      auto u = TRY(impl_->prepare(
          "UPDATE images SET trashed_at = coalesce(trashed_at, ?3) WHERE owner = ?1 AND image_id = ?2"));
      u.bind(1, owner).bind(2, image_id).bind(3, at_ms);
      TRY(impl_->run(u, op));
      auto s = TRY(impl_->prepare(std::string("SELECT ") + kImageColumns + " FROM images WHERE owner = ?1 AND image_id = ?2"));
      s.bind(1, owner).bind(2, image_id);
      if (!TRY(impl_->step(s, op))) return make_error(meta::Errc::NotFound, op + ": no such image");
      return Impl::read_record(s);
    });
  });
}

Result<ImageRecord> SqliteMetadataStore::restore(const std::string& owner, const std::string& image_id) {
  return impl_->durable([&]() -> Result<ImageRecord> {
    std::string op = "restore " + owner + "/" + image_id;
    return impl_->transaction(op, [&]() -> Result<ImageRecord> {
      auto u = TRY(impl_->prepare(
          "UPDATE images SET trashed_at = NULL WHERE owner = ?1 AND image_id = ?2 AND trashed_at IS NOT NULL"));
      u.bind(1, owner).bind(2, image_id);
      TRY(impl_->run(u, op));
      if (sqlite3_changes(impl_->db) == 0) return make_error(meta::Errc::NotFound, op + ": no such image in the trash");
      auto s = TRY(impl_->prepare(std::string("SELECT ") + kImageColumns + " FROM images WHERE owner = ?1 AND image_id = ?2"));
      s.bind(1, owner).bind(2, image_id);
      if (!TRY(impl_->step(s, op))) return make_error(meta::Errc::NotFound, op + ": no such image");
      return Impl::read_record(s);
    });
  });
}

Result<ImagePage> SqliteMetadataStore::list_trash(const TrashQuery& q) {
  std::string op = "list trash of " + q.owner;
  if (q.owner.empty()) return make_error(meta::Errc::InvalidArgument, op + ": empty owner");
  if (q.limit < 1 || q.limit > kMaxListLimit)
    return make_error(meta::Errc::InvalidArgument, op + ": limit " + std::to_string(q.limit) + " outside 1.." +
                                             std::to_string(kMaxListLimit));
  std::optional<Cursor> cursor;
  if (!q.cursor.empty()) {
    cursor = decode_cursor(q.cursor);
    if (!cursor || cursor->sort != 'x' || !cursor->value)
      return make_error(meta::Errc::InvalidArgument, op + ": malformed cursor (or one from another listing)");
  }
  std::lock_guard lock(impl_->mu);
  // Keyset pagination on (trashed_at, image_id), the images_trash index's order.
  auto s = TRY(impl_->prepare(std::string("SELECT ") + kImageColumns +
                              " FROM images WHERE owner = ?1 AND trashed_at IS NOT NULL AND (?2 IS NULL OR trashed_at < ?2 "
                              "OR (trashed_at = ?2 AND image_id < ?3)) ORDER BY trashed_at DESC, image_id DESC LIMIT ?4"));
  s.bind(1, q.owner);
  if (cursor) s.bind(2, *cursor->value).bind(3, cursor->image_id);
  else s.bind_null(2).bind(3, std::string());
  s.bind(4, int64_t{q.limit} + 1);
  ImagePage page;
  while (TRY(impl_->step(s, op))) {
    if (page.items.size() == static_cast<size_t>(q.limit)) {
      const ImageRecord& last = page.items.back();
      page.next_cursor = encode_cursor(Cursor{'x', last.trashed_at_ms, last.image_id});
      break;
    }
    page.items.push_back(Impl::read_record(s));
  }
  return page;
}

Result<std::vector<TrashedImage>> SqliteMetadataStore::expired_trash(int64_t cutoff_ms, int limit) {
  if (limit < 1) return make_error(meta::Errc::InvalidArgument, "expired trash: limit must be positive");
  std::lock_guard lock(impl_->mu);
  auto s = TRY(impl_->prepare(
      "SELECT owner, image_id, trashed_at FROM images WHERE trashed_at IS NOT NULL AND trashed_at <= ?1 "
      "ORDER BY trashed_at LIMIT ?2"));
  s.bind(1, cutoff_ms).bind(2, int64_t{limit});
  std::vector<TrashedImage> out;
  while (TRY(impl_->step(s, "expired trash"))) out.push_back({s.text(0), s.text(1), s.integer(2)});
  return out;
}

}  // namespace imgmeta::store
