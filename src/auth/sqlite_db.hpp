// A thin RAII layer over the SQLite C API for the account database: open in WAL mode,
// prepared statements with bound parameters (never string-built SQL), errors as Results.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "meta/result.hpp"

namespace imgmeta::auth::sql {

using meta::Result;
using meta::Status;

class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt, &sqlite3_finalize) {}
  Statement& bind(int index, int64_t value);
  Statement& bind(int index, std::string_view text);
  Statement& bind_blob(int index, std::span<const uint8_t> bytes);
  Statement& bind_null(int index);
  // true: a row is ready; false: done. Errors name the SQL.
  Result<bool> step();
  Status run();  // steps to the end
  int64_t column_int(int i) const { return sqlite3_column_int64(stmt_.get(), i); }
  bool column_is_null(int i) const { return sqlite3_column_type(stmt_.get(), i) == SQLITE_NULL; }
  std::string column_text(int i) const;

 private:
  sqlite3* db_;
  std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> stmt_;
  int bind_rc_ = SQLITE_OK;
};

class Database {
 public:
  static Result<Database> open(const std::string& path);
  Status exec(const char* sql);
  Result<Statement> prepare(std::string_view sql);
  int64_t changes() const { return sqlite3_changes64(db_.get()); }
  sqlite3* handle() const { return db_.get(); }

 private:
  explicit Database(sqlite3* db) : db_(db, &sqlite3_close_v2) {}
  std::unique_ptr<sqlite3, int (*)(sqlite3*)> db_;
};

// BEGIN IMMEDIATE .. COMMIT, rolled back unless commit() succeeded.
class Transaction {
 public:
  static Result<Transaction> begin(Database& db);
  Status commit();
  Transaction(Transaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  Transaction(const Transaction&) = delete;
  ~Transaction();

 private:
  explicit Transaction(Database* db) : db_(db) {}
  Database* db_;
};

}  // namespace imgmeta::auth::sql
