#include "store/sqlite_share_store.hpp"

#include <gtest/gtest.h>

#include "store/sqlite_metadata_store.hpp"
#include "temp_dir.hpp"

namespace imgmeta::store {
namespace {

using testing::TempDir;

ShareRecord share(std::string id, std::string owner, int64_t created, int64_t expires) {
  ShareRecord s;
  s.share_id = std::move(id);
  s.token_hash = std::string(63, 'a') + s.share_id.back();
  s.owner = std::move(owner);
  s.created_at_ms = created;
  s.expires_at_ms = expires;
  s.include_location = true;
  s.items = {{"01HZX0000000000000000000A1", "beach <b>.jpg", "shares/x/01HZX0000000000000000000A1", "image/jpeg",
              "shares/x/thumbs/a.webp", ""}};
  return s;
}

struct SqliteShares : ::testing::Test {
  TempDir dir;
  std::unique_ptr<SqliteShareStore> db = open_db();

  std::unique_ptr<SqliteShareStore> open_db() {
    auto s = SqliteShareStore::open(dir / "meta.db");
    EXPECT_TRUE(s.ok()) << s.error().message;
    return s ? std::move(s).value() : nullptr;
  }
};

TEST_F(SqliteShares, RoundTripsByTokenHashAndOwner) {
  ShareRecord s = share("01HZX00000000000000000000S1", "alice", 1000, 5000);
  s.password_hash = "$argon2id$v=19$m=19456,t=2,p=1$x$y";
  ASSERT_TRUE(db->put(s).ok());
  auto by_token = db->get_by_token_hash(s.token_hash);
  ASSERT_TRUE(by_token.ok()) << by_token.error().message;
  EXPECT_EQ(by_token->share_id, s.share_id);
  EXPECT_EQ(by_token->owner, "alice");
  EXPECT_EQ(by_token->password_hash, s.password_hash);
  EXPECT_TRUE(by_token->include_location);
  EXPECT_FALSE(by_token->include_metadata);
  ASSERT_EQ(by_token->items.size(), 1u);
  EXPECT_EQ(by_token->items[0].filename, "beach <b>.jpg");
  EXPECT_EQ(by_token->items[0].thumbnail_key, "shares/x/thumbs/a.webp");
  EXPECT_TRUE(by_token->items[0].preview_key.empty());
  auto by_owner = db->get("alice", s.share_id);
  ASSERT_TRUE(by_owner.ok());
  EXPECT_EQ(by_owner->token_hash, s.token_hash);
}

TEST_F(SqliteShares, AnotherOwnerSeesNothing) {
  ShareRecord s = share("01HZX00000000000000000000S1", "alice", 1000, 5000);
  ASSERT_TRUE(db->put(s).ok());
  EXPECT_EQ(db->get("bob", s.share_id).error().code, meta::Errc::NotFound);
  EXPECT_TRUE(db->list("bob")->empty());
  auto removed = db->remove("bob", s.share_id);
  ASSERT_TRUE(removed.ok());
  EXPECT_FALSE(*removed);
  EXPECT_TRUE(db->get_by_token_hash(s.token_hash).ok());
}

TEST_F(SqliteShares, DuplicateTokenOrIdIsAConflict) {
  ShareRecord s = share("01HZX00000000000000000000S1", "alice", 1000, 5000);
  ASSERT_TRUE(db->put(s).ok());
  EXPECT_EQ(db->put(s).error().code, meta::Errc::Conflict);
  ShareRecord same_token = share("01HZX00000000000000000000S2", "alice", 1000, 5000);
  same_token.token_hash = s.token_hash;
  EXPECT_EQ(db->put(same_token).error().code, meta::Errc::Conflict);
  ShareRecord bad = s;
  bad.token_hash = "short";
  EXPECT_EQ(db->put(bad).error().code, meta::Errc::InvalidArgument);
}

TEST_F(SqliteShares, ListsNewestFirstAndRemoves) {
  ASSERT_TRUE(db->put(share("01HZX00000000000000000000S1", "alice", 1000, 9000)).ok());
  ASSERT_TRUE(db->put(share("01HZX00000000000000000000S2", "alice", 2000, 9000)).ok());
  ASSERT_TRUE(db->put(share("01HZX00000000000000000000S3", "bob", 3000, 9000)).ok());
  auto list = db->list("alice");
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].share_id, "01HZX00000000000000000000S2");
  EXPECT_EQ((*list)[1].share_id, "01HZX00000000000000000000S1");
  auto removed = db->remove("alice", "01HZX00000000000000000000S2");
  ASSERT_TRUE(removed.ok());
  EXPECT_TRUE(*removed);
  EXPECT_EQ(db->list("alice")->size(), 1u);
  EXPECT_FALSE(*db->remove("alice", "01HZX00000000000000000000S2"));
}

TEST_F(SqliteShares, ExpiredFindsOnlyThePast) {
  ASSERT_TRUE(db->put(share("01HZX00000000000000000000S1", "alice", 1000, 2000)).ok());
  ASSERT_TRUE(db->put(share("01HZX00000000000000000000S2", "bob", 1000, 3000)).ok());
  ASSERT_TRUE(db->put(share("01HZX00000000000000000000S3", "alice", 1000, 9000)).ok());
  auto gone = db->expired(3000, 10);
  ASSERT_TRUE(gone.ok());
  ASSERT_EQ(gone->size(), 2u);
  EXPECT_EQ((*gone)[0].share_id, "01HZX00000000000000000000S1");
  EXPECT_EQ(db->expired(3000, 1)->size(), 1u);
  EXPECT_EQ(db->expired(3000, 0).error().code, meta::Errc::InvalidArgument);
}

// The table lives beside the metadata store's in one file, and both open in either order.
TEST_F(SqliteShares, SharesTheMetadataDatabaseFile) {
  auto meta = SqliteMetadataStore::open({dir / "meta.db"});
  ASSERT_TRUE(meta.ok()) << meta.error().message;
  ASSERT_TRUE(db->put(share("01HZX00000000000000000000S1", "alice", 1000, 9000)).ok());
  db.reset();
  auto again = SqliteShareStore::open(dir / "meta.db");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)->list("alice")->size(), 1u);
}

TEST_F(SqliteShares, CorruptItemsAreAnErrorNotACrash) {
  EXPECT_FALSE(items_from_json("{").ok());
  EXPECT_FALSE(items_from_json("[1]").ok());
  auto empty = items_from_json("[{}]");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->size(), 1u);
}

}  // namespace
}  // namespace imgmeta::store
