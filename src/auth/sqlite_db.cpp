#include "auth/sqlite_db.hpp"

namespace imgmeta::auth::sql {
namespace {

meta::Error sqlite_error(sqlite3* db, std::string_view what) {
  return meta::make_error("sqlite: " + std::string(what) + ": " + sqlite3_errmsg(db));
}

}  // namespace

Statement& Statement::bind(int index, int64_t value) {
  if (bind_rc_ == SQLITE_OK) bind_rc_ = sqlite3_bind_int64(stmt_.get(), index, value);
  return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
  if (bind_rc_ == SQLITE_OK)
    bind_rc_ = sqlite3_bind_text64(stmt_.get(), index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  return *this;
}

Statement& Statement::bind_blob(int index, std::span<const uint8_t> bytes) {
  if (bind_rc_ == SQLITE_OK) bind_rc_ = sqlite3_bind_blob64(stmt_.get(), index, bytes.data(), bytes.size(), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::bind_null(int index) {
  if (bind_rc_ == SQLITE_OK) bind_rc_ = sqlite3_bind_null(stmt_.get(), index);
  return *this;
}

Result<bool> Statement::step() {
  if (bind_rc_ != SQLITE_OK) return sqlite_error(db_, std::string("bind for ") + sqlite3_sql(stmt_.get()));
  int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  if (rc == SQLITE_CONSTRAINT) return meta::make_error(meta::Errc::Constraint, std::string("sqlite: constraint: ") + sqlite3_errmsg(db_));
  return sqlite_error(db_, sqlite3_sql(stmt_.get()));
}

Status Statement::run() {
  while (TRY(step())) {
  }
  return meta::ok_status();
}

std::string Statement::column_text(int i) const {
  const auto* p = sqlite3_column_text(stmt_.get(), i);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(stmt_.get(), i)))
           : std::string();
}

Result<Database> Database::open(const std::string& path) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                           nullptr);
  Database db(raw);
  if (rc != SQLITE_OK) return meta::make_error("sqlite: open " + path + ": " + (raw ? sqlite3_errmsg(raw) : "out of memory"));
  sqlite3_busy_timeout(raw, 5000);
  // WAL: readers do not block the writer; synchronous=FULL: a committed sign-up or token
  // rotation survives power loss.
  TRY(db.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"));
  return db;
}

Status Database::exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_.get(), sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    return meta::make_error(std::string("sqlite: ") + sql + ": " + msg);
  }
  return meta::ok_status();
}

Result<Statement> Database::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db_.get(), sql.data(), static_cast<int>(sql.size()), &stmt, nullptr) != SQLITE_OK)
    return sqlite_error(db_.get(), "prepare " + std::string(sql));
  return Statement(db_.get(), stmt);
}

Result<Transaction> Transaction::begin(Database& db) {
  TRY(db.exec("BEGIN IMMEDIATE"));
  return Transaction(&db);
}

Status Transaction::commit() {
  Database* db = db_;
  db_ = nullptr;
  auto st = db->exec("COMMIT");
  if (!st) (void)db->exec("ROLLBACK");
  return st;
}

Transaction::~Transaction() {
  if (db_) (void)db_->exec("ROLLBACK");
}

}  // namespace imgmeta::auth::sql
