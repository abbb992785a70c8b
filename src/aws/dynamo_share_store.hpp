// DynamoShareStore: the ShareStore interface (store/share_store.hpp) on its own DynamoDB
// table (`SHARES_TABLE` in the API Lambda).
//
// Table: partition key `tokenHash` (S) - the public route's lookup is one GetItem - and a
// global secondary index `byOwner` (partition key `owner`, sort key `shareId`, ALL) for the
// owner's list and revoke. TTL on `ttl` (expiresAt in Unix seconds): DynamoDB deletes
// expired items itself, within a day or two, so every read still checks `expiresAt`.
// Attributes: shareId, owner, createdAt, expiresAt (ms), passwordHash, includeLocation,
// includeMetadata (BOOL), items (the JSON array of store::items_to_json).
#pragma once

#include <memory>
#include <string>

#include "aws/dynamodb_client.hpp"
#include "store/share_store.hpp"

namespace imgmeta::aws {

class DynamoShareStore final : public store::ShareStore {
 public:
  DynamoShareStore(std::shared_ptr<DynamoClient> client, std::string table);

  meta::Status put(const store::ShareRecord& share) override;
  meta::Result<store::ShareRecord> get_by_token_hash(const std::string& token_hash) override;
  meta::Result<store::ShareRecord> get(const std::string& owner, const std::string& share_id) override;
  meta::Result<std::vector<store::ShareRecord>> list(const std::string& owner) override;
  meta::Result<bool> remove(const std::string& owner, const std::string& share_id) override;
  // A Scan with a filter: fine for the occasional sweep of a small table.
  meta::Result<std::vector<store::ShareRecord>> expired(int64_t now_ms, int limit) override;

  const std::string& table() const { return table_; }
  // The CreateTable request for this layout (tests, deploy/local); the CloudFormation
  // template declares the same keys and index.
  static Json create_table_request(const std::string& table);

 private:
  std::shared_ptr<DynamoClient> client_;
  std::string table_;
};

}  // namespace imgmeta::aws
