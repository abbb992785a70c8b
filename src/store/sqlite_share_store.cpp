#include "store/sqlite_share_store.hpp"

#include <functional>
#include <mutex>

#include "auth/sqlite_db.hpp"

namespace imgmeta::store {
namespace {

using meta::make_error;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS shares (
  share_id TEXT PRIMARY KEY,
  token_hash TEXT NOT NULL UNIQUE,
  owner TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  password_hash TEXT NOT NULL,
  include_location INTEGER NOT NULL,
  include_metadata INTEGER NOT NULL,
  items TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS shares_by_owner ON shares (owner, created_at DESC, share_id DESC);
CREATE INDEX IF NOT EXISTS shares_by_expiry ON shares (expires_at);
)sql";

constexpr const char* kColumns =
    "share_id, token_hash, owner, created_at, expires_at, password_hash, include_location, include_metadata, items";

meta::Result<ShareRecord> read_row(const auth::sql::Statement& st) {
  ShareRecord r;
  r.share_id = st.column_text(0);
  r.token_hash = st.column_text(1);
  r.owner = st.column_text(2);
  r.created_at_ms = st.column_int(3);
  r.expires_at_ms = st.column_int(4);
  r.password_hash = st.column_text(5);
  r.include_location = st.column_int(6) != 0;
  r.include_metadata = st.column_int(7) != 0;
  auto items = items_from_json(st.column_text(8));
  if (!items) return make_error("share " + r.share_id + ": " + items.error().message);
  r.items = std::move(*items);
  return r;
}

}  // namespace

struct SqliteShareStore::Impl {
  explicit Impl(auth::sql::Database d) : db(std::move(d)) {}
  std::mutex mutex;
  auth::sql::Database db;

  meta::Result<std::vector<ShareRecord>> query(const std::string& sql, const std::function<void(auth::sql::Statement&)>& bind) {
    auto st = TRY(db.prepare(sql));
    bind(st);
    std::vector<ShareRecord> out;
    while (TRY(st.step())) out.push_back(TRY(read_row(st)));
    return out;
  }
};

SqliteShareStore::SqliteShareStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SqliteShareStore::~SqliteShareStore() = default;

meta::Result<std::unique_ptr<SqliteShareStore>> SqliteShareStore::open(const std::string& path) {
  auto db = TRY(auth::sql::Database::open(path));
  TRY(db.exec(kSchema));
  return std::unique_ptr<SqliteShareStore>(new SqliteShareStore(std::make_unique<Impl>(std::move(db))));
}

meta::Status SqliteShareStore::put(const ShareRecord& s) {
  if (s.share_id.empty() || s.owner.empty() || s.token_hash.size() != 64)
    return make_error(meta::Errc::InvalidArgument, "put share: share id, owner and a 64-digit token hash are required");
  std::lock_guard lock(impl_->mutex);
  auto st = TRY(impl_->db.prepare(std::string("INSERT INTO shares (") + kColumns + ") VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)"));
  st.bind(1, s.share_id).bind(2, s.token_hash).bind(3, s.owner).bind(4, s.created_at_ms).bind(5, s.expires_at_ms);
  st.bind(6, s.password_hash).bind(7, int64_t{s.include_location}).bind(8, int64_t{s.include_metadata});
  st.bind(9, items_to_json(s.items));
  auto done = st.run();
  if (!done && done.error().code == meta::Errc::Constraint) return make_error(meta::Errc::Conflict, "put share " + s.share_id + ": id or token taken");
  return done;
}

meta::Result<ShareRecord> SqliteShareStore::get_by_token_hash(const std::string& token_hash) {
  std::lock_guard lock(impl_->mutex);
  auto rows = TRY(impl_->query(std::string("SELECT ") + kColumns + " FROM shares WHERE token_hash = ?1",
                               [&](auth::sql::Statement& st) { st.bind(1, token_hash); }));
  if (rows.empty()) return make_error(meta::Errc::NotFound, "no such share");
  return std::move(rows.front());
}

meta::Result<ShareRecord> SqliteShareStore::get(const std::string& owner, const std::string& share_id) {
  std::lock_guard lock(impl_->mutex);
  auto rows = TRY(impl_->query(std::string("SELECT ") + kColumns + " FROM shares WHERE owner = ?1 AND share_id = ?2",
                               [&](auth::sql::Statement& st) { st.bind(1, owner).bind(2, share_id); }));
  if (rows.empty()) return make_error(meta::Errc::NotFound, "no such share");
  return std::move(rows.front());
}

meta::Result<std::vector<ShareRecord>> SqliteShareStore::list(const std::string& owner) {
  std::lock_guard lock(impl_->mutex);
  return impl_->query(std::string("SELECT ") + kColumns +
                          " FROM shares WHERE owner = ?1 ORDER BY created_at DESC, share_id DESC LIMIT ?2",
                      [&](auth::sql::Statement& st) { st.bind(1, owner).bind(2, int64_t{kMaxSharesListed}); });
}

meta::Result<bool> SqliteShareStore::remove(const std::string& owner, const std::string& share_id) {
  std::lock_guard lock(impl_->mutex);
  auto st = TRY(impl_->db.prepare("DELETE FROM shares WHERE owner = ?1 AND share_id = ?2"));
  st.bind(1, owner).bind(2, share_id);
  TRY(st.run());
  return impl_->db.changes() > 0;
}

meta::Result<std::vector<ShareRecord>> SqliteShareStore::expired(int64_t now_ms, int limit) {
  if (limit < 1) return make_error(meta::Errc::InvalidArgument, "expired shares: limit must be at least 1");
  std::lock_guard lock(impl_->mutex);
  return impl_->query(std::string("SELECT ") + kColumns + " FROM shares WHERE expires_at <= ?1 ORDER BY expires_at LIMIT ?2",
                      [&](auth::sql::Statement& st) { st.bind(1, now_ms).bind(2, int64_t{limit}); });
}

}  // namespace imgmeta::store
