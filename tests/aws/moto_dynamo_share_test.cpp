// DynamoShareStore against moto_server: the table layout create_table_request (and the
// CloudFormation template) declares, lookups by token hash, the owner's list through the
// byOwner index, revoke scoped to the owner, and the sweep's scan for expired links.
#include <gtest/gtest.h>

#include <atomic>

#include "aws/dynamo_share_store.hpp"
#include "moto_server.hpp"

namespace imgmeta::aws {
namespace {

using imgmeta::testing::moto;
using store::ShareRecord;

std::unique_ptr<DynamoShareStore> fresh_shares() {
  static std::atomic<int> n{0};
  std::string table = "imgmeta-shares-" + std::to_string(n++);
  ClientConfig c;
  c.endpoint = moto().url();
  c.region = "us-east-1";
  c.credentials = {"testing", "testing", ""};
  auto client = std::make_shared<DynamoClient>(c);
  auto created = client->call("CreateTable", DynamoShareStore::create_table_request(table), table);
  EXPECT_TRUE(created.ok()) << created.error().message;
  return std::make_unique<DynamoShareStore>(client, table);
}

ShareRecord share(const std::string& id, const std::string& owner, int64_t expires, char hash = 'a') {
  ShareRecord s;
  s.share_id = id;
  s.token_hash = std::string(63, hash) + id.back();
  s.owner = owner;
  s.created_at_ms = 1700000000000;
  s.expires_at_ms = expires;
  s.include_metadata = true;
  s.items = {{"01HZX0000000000000000000A1", "x <y>.jpg", "shares/" + id + "/01HZX0000000000000000000A1", "image/jpeg", "", ""}};
  return s;
}

TEST(MotoDynamoShares, PutThenReadByTokenAndByOwner) {
  auto s = fresh_shares();
  ShareRecord in = share("01HZX00000000000000000000S1", "alice", 1800000000000);
  in.password_hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA";
  ASSERT_TRUE(s->put(in).ok());
  auto got = s->get_by_token_hash(in.token_hash);
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->share_id, in.share_id);
  EXPECT_EQ(got->owner, "alice");
  EXPECT_EQ(got->expires_at_ms, 1800000000000);
  EXPECT_EQ(got->password_hash, in.password_hash);
  EXPECT_FALSE(got->include_location);
  EXPECT_TRUE(got->include_metadata);
  ASSERT_EQ(got->items.size(), 1u);
  EXPECT_EQ(got->items[0].filename, "x <y>.jpg");
  auto mine = s->get("alice", in.share_id);
  ASSERT_TRUE(mine.ok()) << mine.error().message;
  EXPECT_EQ(mine->token_hash, in.token_hash);
  EXPECT_EQ(s->get_by_token_hash(std::string(64, 'f')).error().code, meta::Errc::NotFound);
  EXPECT_EQ(s->put(in).error().code, meta::Errc::Conflict);
}

TEST(MotoDynamoShares, AnotherOwnerNeitherSeesNorRevokes) {
  auto s = fresh_shares();
  ShareRecord in = share("01HZX00000000000000000000S1", "alice", 1800000000000);
  ASSERT_TRUE(s->put(in).ok());
  EXPECT_EQ(s->get("bob", in.share_id).error().code, meta::Errc::NotFound);
  EXPECT_TRUE(s->list("bob")->empty());
  auto removed = s->remove("bob", in.share_id);
  ASSERT_TRUE(removed.ok());
  EXPECT_FALSE(*removed);
  EXPECT_TRUE(s->get_by_token_hash(in.token_hash).ok());
}

TEST(MotoDynamoShares, ListsNewestFirstAndRevokes) {
  auto s = fresh_shares();
  ASSERT_TRUE(s->put(share("01HZX00000000000000000000S1", "alice", 1800000000000)).ok());
  ASSERT_TRUE(s->put(share("01HZX00000000000000000000S2", "alice", 1800000000000)).ok());
  ASSERT_TRUE(s->put(share("01HZX00000000000000000000S3", "bob", 1800000000000)).ok());
  auto list = s->list("alice");
  ASSERT_TRUE(list.ok()) << list.error().message;
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].share_id, "01HZX00000000000000000000S2");
  auto removed = s->remove("alice", "01HZX00000000000000000000S2");
  ASSERT_TRUE(removed.ok());
  EXPECT_TRUE(*removed);
  EXPECT_EQ(s->get_by_token_hash(share("01HZX00000000000000000000S2", "alice", 0).token_hash).error().code, meta::Errc::NotFound);
  EXPECT_EQ(s->list("alice")->size(), 1u);
}

TEST(MotoDynamoShares, ExpiredFindsOnlyThePast) {
  auto s = fresh_shares();
  ASSERT_TRUE(s->put(share("01HZX00000000000000000000S1", "alice", 1000)).ok());
  ASSERT_TRUE(s->put(share("01HZX00000000000000000000S2", "bob", 2000)).ok());
  ASSERT_TRUE(s->put(share("01HZX00000000000000000000S3", "alice", 9000)).ok());
  auto gone = s->expired(5000, 10);
  ASSERT_TRUE(gone.ok()) << gone.error().message;
  EXPECT_EQ(gone->size(), 2u);
  EXPECT_EQ(s->expired(5000, 1)->size(), 1u);
}

}  // namespace
}  // namespace imgmeta::aws
