// The trash on the SQLite store: trash/restore/list_trash/expired_trash, the listings'
// exclusion, apply() keeping trashedAt, and the schema migration from version 3.
#include <sqlite3.h>

#include <gtest/gtest.h>

#include "store/sqlite_metadata_store.hpp"
#include "temp_dir.hpp"

namespace imgmeta::store {
namespace {

using testing::TempDir;

ImageRecord image(std::string owner, std::string id, int64_t uploaded_at, std::string sequencer = "10") {
  ImageRecord r;
  r.owner = std::move(owner);
  r.image_id = std::move(id);
  r.filename = "photo.jpg";
  r.content_type = "image/jpeg";
  r.size = 10;
  r.status = ImageStatus::Ready;
  r.uploaded_at_ms = uploaded_at;
  r.sequencer = std::move(sequencer);
  r.has_gps = true;
  r.lat = 48.0;
  r.lon = 2.0;
  r.format = "JPEG";
  return r;
}

struct Trash : ::testing::Test {
  TempDir dir;
  std::unique_ptr<SqliteMetadataStore> db = open_db();

  std::unique_ptr<SqliteMetadataStore> open_db() {
    auto s = SqliteMetadataStore::open({dir / "meta.db"});
    EXPECT_TRUE(s.ok()) << s.error().message;
    return s ? std::move(s).value() : nullptr;
  }
  std::vector<std::string> listed(ImageQuery q = {}) {
    if (q.owner.empty()) q.owner = "alice";
    auto page = db->list(q);
    EXPECT_TRUE(page.ok()) << page.error().message;
    std::vector<std::string> out;
    if (page)
      for (auto& r : page->items) out.push_back(r.image_id);
    return out;
  }
  std::vector<std::string> trashed(const std::string& owner = "alice") {
    auto page = db->list_trash({owner, 100, ""});
    EXPECT_TRUE(page.ok()) << page.error().message;
    std::vector<std::string> out;
    if (page)
      for (auto& r : page->items) out.push_back(r.image_id);
    return out;
  }
};

TEST_F(Trash, TrashedImageLeavesTheListingsButGetStillAnswersIt) {
  ASSERT_TRUE(db->apply(image("alice", "01A", 1000)).value_or(false));
  ASSERT_TRUE(db->apply(image("alice", "01B", 2000)).value_or(false));
  auto t = db->trash("alice", "01A", 5000);
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ(t->trashed_at_ms, 5000);
  EXPECT_EQ(listed(), std::vector<std::string>{"01B"});
  ImageQuery located;
  located.bbox = BoundingBox{};
  EXPECT_EQ(listed(located), std::vector<std::string>{"01B"});
  ImageQuery by_taken;
  by_taken.sort = SortOrder::Taken;
  EXPECT_EQ(listed(by_taken), std::vector<std::string>{"01B"});
  auto got = db->get("alice", "01A");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->trashed_at_ms, 5000);
  EXPECT_FALSE(db->get("alice", "01B")->trashed_at_ms.has_value());
  EXPECT_EQ(trashed(), std::vector<std::string>{"01A"});
}

TEST_F(Trash, TrashingTwiceKeepsTheFirstTime) {
  ASSERT_TRUE(db->apply(image("alice", "01A", 1000)).value_or(false));
  ASSERT_TRUE(db->trash("alice", "01A", 5000).ok());
  auto again = db->trash("alice", "01A", 9000);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->trashed_at_ms, 5000);
}

TEST_F(Trash, MissingOrAnotherOwnersImageIsNotFound) {
  ASSERT_TRUE(db->apply(image("alice", "01A", 1000)).value_or(false));
  EXPECT_EQ(db->trash("bob", "01A", 5000).error().code, meta::Errc::NotFound);
  EXPECT_EQ(db->trash("alice", "01Z", 5000).error().code, meta::Errc::NotFound);
  ASSERT_TRUE(db->trash("alice", "01A", 5000).ok());
  EXPECT_EQ(db->restore("bob", "01A").error().code, meta::Errc::NotFound);
  EXPECT_TRUE(trashed("bob").empty());
  EXPECT_EQ(db->expired_trash(9000, 10)->size(), 1u);
}

TEST_F(Trash, RestoreBringsItBackAndOnlyATrashedImageCanBeRestored) {
  ASSERT_TRUE(db->apply(image("alice", "01A", 1000)).value_or(false));
  EXPECT_EQ(db->restore("alice", "01A").error().code, meta::Errc::NotFound);  // not in the trash
  ASSERT_TRUE(db->trash("alice", "01A", 5000).ok());
  auto back = db->restore("alice", "01A");
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_FALSE(back->trashed_at_ms.has_value());
  EXPECT_EQ(listed(), std::vector<std::string>{"01A"});
  EXPECT_TRUE(trashed().empty());
}

TEST_F(Trash, ApplyOfANewVersionOrAReextractionKeepsTrashedAt) {
  ASSERT_TRUE(db->apply(image("alice", "01A", 1000, "10")).value_or(false));
  ASSERT_TRUE(db->trash("alice", "01A", 5000).ok());
  ASSERT_TRUE(db->apply(image("alice", "01A", 1000, "10")).value_or(false));  // same version, rewritten
  ASSERT_TRUE(db->apply(image("alice", "01A", 1000, "20")).value_or(false));  // newer version
  EXPECT_EQ(db->get("alice", "01A")->trashed_at_ms, 5000);
  EXPECT_TRUE(listed().empty());
  // A record written while trashed does not take trashedAt from the caller either.
  ImageRecord r = image("alice", "01B", 1000);
  r.trashed_at_ms = 42;
  ASSERT_TRUE(db->apply(r).value_or(false));
  EXPECT_FALSE(db->get("alice", "01B")->trashed_at_ms.has_value());
}

TEST_F(Trash, ListingIsNewestTrashedFirstAndPaginates) {
  for (int i = 0; i < 5; ++i) {
    std::string id = "01" + std::string(1, static_cast<char>('A' + i));
    ASSERT_TRUE(db->apply(image("alice", id, 1000 + i)).value_or(false));
    ASSERT_TRUE(db->trash("alice", id, 10000 - i * 10).ok());  // 01A trashed last
  }
  std::vector<std::string> seen;
  TrashQuery q{"alice", 2, ""};
  for (int pages = 0; pages < 10; ++pages) {
    auto page = db->list_trash(q);
    ASSERT_TRUE(page.ok()) << page.error().message;
    EXPECT_LE(page->items.size(), 2u);
    for (auto& r : page->items) seen.push_back(r.image_id);
    if (page->next_cursor.empty()) break;
    q.cursor = page->next_cursor;
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"01A", "01B", "01C", "01D", "01E"}));
  EXPECT_EQ(db->list_trash({"alice", 2, "zz"}).error().code, meta::Errc::InvalidArgument);
  // A cursor of the image listing is not one of the trash's.
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(db->apply(image("alice", "02" + std::to_string(i), 50 + i)).value_or(false));
  ImageQuery iq;
  iq.owner = "alice";
  iq.limit = 1;
  auto page = db->list(iq);
  ASSERT_FALSE(page->next_cursor.empty());
  EXPECT_EQ(db->list_trash({"alice", 2, page->next_cursor}).error().code, meta::Errc::InvalidArgument);
}

TEST_F(Trash, ExpiredTrashFindsOnlyImagesTrashedUpToTheCutoffOfEveryOwner) {
  ASSERT_TRUE(db->apply(image("alice", "01A", 1000)).value_or(false));
  ASSERT_TRUE(db->apply(image("bob", "01B", 1000)).value_or(false));
  ASSERT_TRUE(db->apply(image("bob", "01C", 1000)).value_or(false));
  ASSERT_TRUE(db->apply(image("bob", "01D", 1000)).value_or(false));  // not trashed
  ASSERT_TRUE(db->trash("alice", "01A", 100).ok());
  ASSERT_TRUE(db->trash("bob", "01B", 200).ok());
  ASSERT_TRUE(db->trash("bob", "01C", 900).ok());
  auto expired = db->expired_trash(200, 10);
  ASSERT_TRUE(expired.ok());
  ASSERT_EQ(expired->size(), 2u);
  EXPECT_EQ((*expired)[0].owner, "alice");
  EXPECT_EQ((*expired)[0].image_id, "01A");
  EXPECT_EQ((*expired)[1].owner, "bob");
  EXPECT_EQ((*expired)[1].trashed_at_ms, 200);
  EXPECT_EQ(db->expired_trash(10000, 1)->size(), 1u);
  EXPECT_TRUE(db->expired_trash(50, 10)->empty());
}

TEST_F(Trash, PermanentRemoveTakesTheRecordOutOfTheTrash) {
  ASSERT_TRUE(db->apply(image("alice", "01A", 1000)).value_or(false));
  ASSERT_TRUE(db->trash("alice", "01A", 100).ok());
  ASSERT_TRUE(db->remove("alice", "01A", "10").value_or(false));
  EXPECT_TRUE(trashed().empty());
  EXPECT_TRUE(db->expired_trash(1000, 10)->empty());
}

TEST_F(Trash, NormalListingUsesItsIndexAndTheTrashItsOwn) {
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open((dir / "meta.db").c_str(), &raw), SQLITE_OK);
  auto plan = [&](const std::string& sql) {
    std::string out;
    sqlite3_stmt* s = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(raw, ("EXPLAIN QUERY PLAN " + sql).c_str(), -1, &s, nullptr), SQLITE_OK) << sqlite3_errmsg(raw);
    while (s && sqlite3_step(s) == SQLITE_ROW) out += std::string(reinterpret_cast<const char*>(sqlite3_column_text(s, 3))) + "\n";
    sqlite3_finalize(s);
    return out;
  };
  std::string list = plan("SELECT image_id FROM images WHERE owner = 'a' AND trashed_at IS NULL ORDER BY uploaded_at DESC, image_id DESC LIMIT 51");
  EXPECT_NE(list.find("images_by_uploaded"), std::string::npos) << list;
  EXPECT_EQ(list.find("TEMP B-TREE"), std::string::npos) << list;
  std::string trash = plan("SELECT image_id FROM images WHERE owner = 'a' AND trashed_at IS NOT NULL ORDER BY trashed_at DESC, image_id DESC LIMIT 51");
  EXPECT_NE(trash.find("images_trash"), std::string::npos) << trash;
  EXPECT_EQ(trash.find("images_trash_expiry"), std::string::npos) << trash;
  EXPECT_EQ(trash.find("TEMP B-TREE"), std::string::npos) << trash;
  std::string expiry = plan("SELECT owner, image_id FROM images WHERE trashed_at IS NOT NULL AND trashed_at <= 5 ORDER BY trashed_at LIMIT 10");
  EXPECT_NE(expiry.find("images_trash_expiry"), std::string::npos) << expiry;
  // The map's page (ImageQuery::location_only, as the store words it) reads the index alone.
  std::string map = plan(
      "SELECT image_id, uploaded_at, taken_at, lat, lon FROM images WHERE owner = 'a' AND trashed_at IS NULL "
      "AND lat IS NOT NULL AND lat BETWEEN -90 AND 90 AND lon BETWEEN -180 AND 180 "
      "AND (uploaded_at < 5 OR (uploaded_at = 5 AND image_id < 'x')) ORDER BY uploaded_at DESC, image_id DESC LIMIT 10001");
  EXPECT_NE(map.find("COVERING INDEX images_map"), std::string::npos) << map;
  EXPECT_EQ(map.find("TEMP B-TREE"), std::string::npos) << map;
  sqlite3_close(raw);
}

TEST_F(Trash, AVersion3DatabaseIsMigratedWithItsRecords) {
  ASSERT_TRUE(db->apply(image("alice", "01A", 1000)).value_or(false));
  db.reset();
  // Back to what version 3 had: no trash column or indexes.
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open((dir / "meta.db").c_str(), &raw), SQLITE_OK);
  char* err = nullptr;
  ASSERT_EQ(sqlite3_exec(raw,
                         "DROP INDEX images_trash; DROP INDEX images_trash_expiry; DROP INDEX images_map; "
                         "CREATE INDEX images_by_location ON images (owner, uploaded_at DESC, image_id DESC) "
                         "WHERE lat IS NOT NULL; "
                         "ALTER TABLE images DROP COLUMN trashed_at; PRAGMA user_version = 3;",
                         nullptr, nullptr, &err),
            SQLITE_OK)
      << (err ? err : "");
  sqlite3_close(raw);
  db = open_db();
  ASSERT_TRUE(db);
  EXPECT_EQ(listed(), std::vector<std::string>{"01A"});
  ASSERT_TRUE(db->trash("alice", "01A", 5000).ok());
  EXPECT_TRUE(listed().empty());
  EXPECT_EQ(trashed(), std::vector<std::string>{"01A"});
}

}  // namespace
}  // namespace imgmeta::store
