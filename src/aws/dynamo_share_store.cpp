#include "aws/dynamo_share_store.hpp"

namespace imgmeta::aws {
namespace {

using meta::make_error;

constexpr char kOwnerIndex[] = "byOwner";

Json to_item(const store::ShareRecord& s) {
  return Json{{"tokenHash", ddb::S(s.token_hash)},
              {"shareId", ddb::S(s.share_id)},
              {"owner", ddb::S(s.owner)},
              {"createdAt", ddb::N(s.created_at_ms)},
              {"expiresAt", ddb::N(s.expires_at_ms)},
              {"ttl", ddb::N(s.expires_at_ms / 1000 + 1)},
              {"passwordHash", ddb::S(s.password_hash)},
              {"includeLocation", ddb::BOOL(s.include_location)},
              {"includeMetadata", ddb::BOOL(s.include_metadata)},
              {"items", ddb::S(store::items_to_json(s.items))}};
}

meta::Result<store::ShareRecord> from_item(const Json& item) {
  store::ShareRecord s;
  auto token = ddb::get_s(item, "tokenHash");
  auto id = ddb::get_s(item, "shareId");
  auto owner = ddb::get_s(item, "owner");
  auto items = ddb::get_s(item, "items");
  if (!token || !id || !owner || !items) return make_error("share item: tokenHash, shareId, owner or items missing");
  s.token_hash = *token;
  s.share_id = *id;
  s.owner = *owner;
  s.created_at_ms = ddb::get_n(item, "createdAt").value_or(0);
  s.expires_at_ms = ddb::get_n(item, "expiresAt").value_or(0);
  s.password_hash = ddb::get_s(item, "passwordHash").value_or("");
  s.include_location = ddb::get_bool(item, "includeLocation").value_or(false);
  s.include_metadata = ddb::get_bool(item, "includeMetadata").value_or(false);
  s.items = TRY(store::items_from_json(*items));
  return s;
}

}  // namespace

DynamoShareStore::DynamoShareStore(std::shared_ptr<DynamoClient> client, std::string table)
    : client_(std::move(client)), table_(std::move(table)) {}

Json DynamoShareStore::create_table_request(const std::string& table) {
  return Json{{"TableName", table},
              {"BillingMode", "PAY_PER_REQUEST"},
              {"AttributeDefinitions",
               Json::array({{{"AttributeName", "tokenHash"}, {"AttributeType", "S"}},
                            {{"AttributeName", "owner"}, {"AttributeType", "S"}},
                            {{"AttributeName", "shareId"}, {"AttributeType", "S"}}})},
              {"KeySchema", Json::array({{{"AttributeName", "tokenHash"}, {"KeyType", "HASH"}}})},
              {"GlobalSecondaryIndexes",
               Json::array({{{"IndexName", kOwnerIndex},
                             {"KeySchema", Json::array({{{"AttributeName", "owner"}, {"KeyType", "HASH"}},
                                                        {{"AttributeName", "shareId"}, {"KeyType", "RANGE"}}})},
                             {"Projection", {{"ProjectionType", "ALL"}}}}})}};
}

meta::Status DynamoShareStore::put(const store::ShareRecord& s) {
  if (s.share_id.empty() || s.owner.empty() || s.token_hash.size() != 64)
    return make_error(meta::Errc::InvalidArgument, "put share: share id, owner and a 64-digit token hash are required");
  Json req{{"TableName", table_},
           {"Item", to_item(s)},
           {"ConditionExpression", "attribute_not_exists(tokenHash)"}};
  auto r = client_->call("PutItem", req, table_);
  if (!r) {
    if (r.error().code == meta::Errc::ConditionalCheckFailedException) return make_error(meta::Errc::Conflict, "put share: token taken");
    return r.error();
  }
  return meta::ok_status();
}

meta::Result<store::ShareRecord> DynamoShareStore::get_by_token_hash(const std::string& token_hash) {
  Json req{{"TableName", table_}, {"Key", {{"tokenHash", ddb::S(token_hash)}}}, {"ConsistentRead", true}};
  auto r = TRY(client_->call("GetItem", req, table_));
  if (!r.contains("Item")) return make_error(meta::Errc::NotFound, "no such share");
  return from_item(r["Item"]);
}

meta::Result<store::ShareRecord> DynamoShareStore::get(const std::string& owner, const std::string& share_id) {
  Json req{{"TableName", table_},
           {"IndexName", kOwnerIndex},
           {"KeyConditionExpression", "#o = :o AND shareId = :s"},
           {"ExpressionAttributeNames", {{"#o", "owner"}}},
           {"ExpressionAttributeValues", {{":o", ddb::S(owner)}, {":s", ddb::S(share_id)}}}};
  auto r = TRY(client_->call("Query", req, table_));
  if (!r.contains("Items") || !r["Items"].is_array() || r["Items"].empty()) return make_error(meta::Errc::NotFound, "no such share");
  return from_item(r["Items"][0]);
}

meta::Result<std::vector<store::ShareRecord>> DynamoShareStore::list(const std::string& owner) {
  std::vector<store::ShareRecord> out;
  Json req{{"TableName", table_},
           {"IndexName", kOwnerIndex},
           {"KeyConditionExpression", "#o = :o"},
           {"ExpressionAttributeNames", {{"#o", "owner"}}},
           {"ExpressionAttributeValues", {{":o", ddb::S(owner)}}},
           {"ScanIndexForward", false}};  // shareIds are ULIDs: newest first
  for (;;) {
    auto r = TRY(client_->call("Query", req, table_));
    if (r.contains("Items") && r["Items"].is_array())
      for (const auto& item : r["Items"]) {
        out.push_back(TRY(from_item(item)));
        if (out.size() >= static_cast<size_t>(store::kMaxSharesListed)) return out;
      }
    if (!r.contains("LastEvaluatedKey")) break;
    req["ExclusiveStartKey"] = r["LastEvaluatedKey"];
  }
  return out;
}

meta::Result<bool> DynamoShareStore::remove(const std::string& owner, const std::string& share_id) {
  auto share = get(owner, share_id);
  if (!share) {
    if (share.error().code == meta::Errc::NotFound) return false;
    return share.error();
  }
  Json req{{"TableName", table_},
           {"Key", {{"tokenHash", ddb::S(share->token_hash)}}},
           {"ConditionExpression", "#o = :o"},
           {"ExpressionAttributeNames", {{"#o", "owner"}}},
           {"ExpressionAttributeValues", {{":o", ddb::S(owner)}}}};
  auto r = client_->call("DeleteItem", req, table_);
  if (!r) {
    if (r.error().code == meta::Errc::ConditionalCheckFailedException) return false;
    return r.error();
  }
  return true;
}

meta::Result<std::vector<store::ShareRecord>> DynamoShareStore::expired(int64_t now_ms, int limit) {
  if (limit < 1) return make_error(meta::Errc::InvalidArgument, "expired shares: limit must be at least 1");
  std::vector<store::ShareRecord> out;
  Json req{{"TableName", table_},
           {"FilterExpression", "expiresAt <= :t"},
           {"ExpressionAttributeValues", {{":t", ddb::N(now_ms)}}}};
  for (;;) {
    auto r = TRY(client_->call("Scan", req, table_));
    if (r.contains("Items") && r["Items"].is_array())
      for (const auto& item : r["Items"]) {
        out.push_back(TRY(from_item(item)));
        if (out.size() >= static_cast<size_t>(limit)) return out;
      }
    if (!r.contains("LastEvaluatedKey")) break;
    req["ExclusiveStartKey"] = r["LastEvaluatedKey"];
  }
  return out;
}

}  // namespace imgmeta::aws
