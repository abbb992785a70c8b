// SqliteShareStore: the embedded default's ShareStore. Its own table `shares` in the same
// database file as the metadata store (its own connection; WAL lets both work side by side),
// created with CREATE TABLE IF NOT EXISTS, so it needs no schema version of its own.
// Safe to call from any thread (one connection behind a mutex).
#pragma once

#include <memory>
#include <string>

#include "store/share_store.hpp"

namespace imgmeta::store {

class SqliteShareStore final : public ShareStore {
 public:
  static meta::Result<std::unique_ptr<SqliteShareStore>> open(const std::string& path);
  ~SqliteShareStore() override;

  meta::Status put(const ShareRecord& share) override;
  meta::Result<ShareRecord> get_by_token_hash(const std::string& token_hash) override;
  meta::Result<ShareRecord> get(const std::string& owner, const std::string& share_id) override;
  meta::Result<std::vector<ShareRecord>> list(const std::string& owner) override;
  meta::Result<bool> remove(const std::string& owner, const std::string& share_id) override;
  meta::Result<std::vector<ShareRecord>> expired(int64_t now_ms, int limit) override;

  struct Impl;

 private:
  explicit SqliteShareStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace imgmeta::store
