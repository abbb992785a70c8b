// The trash on DynamoMetadataStore against moto_server: trash/restore, the listings'
// exclusion, the sparse byTrashed index (listing and the purge's Scan), apply() keeping
// trashedAt, and a tombstone leaving the trash.
#include <gtest/gtest.h>

#include <atomic>
#include <set>

#include "aws/dynamo_metadata_store.hpp"
#include "moto_server.hpp"

namespace imgmeta::aws {
namespace {

using imgmeta::testing::moto;
using store::ImageRecord;
using store::ImageStatus;

std::unique_ptr<DynamoMetadataStore> fresh_trash_store() {
  static std::atomic<int> n{0};
  std::string table = "imgmeta-trash-" + std::to_string(n++);
  ClientConfig c;
  c.endpoint = moto().url();
  c.region = "us-east-1";
  c.credentials = {"testing", "testing", ""};
  auto client = std::make_shared<DynamoClient>(c);
  auto created = client->call("CreateTable", DynamoMetadataStore::create_table_request(table), table);
  EXPECT_TRUE(created.ok()) << created.error().message;
  return std::make_unique<DynamoMetadataStore>(client, table);
}

const std::string kAlice = "3cc59f9b-d362-4c37-9128-b724f3035a34";
const std::string kBob = "7b1e3c55-2f0a-4d1e-9d7e-0c3c2a1b9f00";

ImageRecord image(const std::string& owner, const std::string& id, int64_t uploaded_at, const std::string& seq = "0A") {
  ImageRecord r;
  r.owner = owner;
  r.image_id = id;
  r.filename = id + ".jpg";
  r.content_type = "image/jpeg";
  r.size = 1000;
  r.status = ImageStatus::Ready;
  r.uploaded_at_ms = uploaded_at;
  r.updated_at_ms = uploaded_at;
  r.sequencer = seq;
  r.metadata_json = R"({"FileType":"JPEG"})";
  r.format = "JPEG";
  r.has_gps = true;
  r.lat = 10.0;
  r.lon = 20.0;
  return r;
}

std::vector<std::string> listed(DynamoMetadataStore& s, store::ImageQuery q = {}) {
  q.owner = kAlice;
  auto page = s.list(q);
  EXPECT_TRUE(page.ok()) << page.error().message;
  std::vector<std::string> out;
  if (page)
    for (auto& r : page->items) out.push_back(r.image_id);
  return out;
}

std::vector<std::string> trashed(DynamoMetadataStore& s, const std::string& owner = kAlice) {
  auto page = s.list_trash({owner, 100, ""});
  EXPECT_TRUE(page.ok()) << page.error().message;
  std::vector<std::string> out;
  if (page)
    for (auto& r : page->items) out.push_back(r.image_id);
  return out;
}

using V = std::vector<std::string>;

TEST(MotoDynamoTrash, TrashedImageLeavesTheListingsAndGetStillAnswersIt) {
  auto s = fresh_trash_store();
  ASSERT_TRUE(s->apply(image(kAlice, "01A", 1700000000000)).value_or(false));
  ASSERT_TRUE(s->apply(image(kAlice, "01B", 1700000001000)).value_or(false));
  auto t = s->trash(kAlice, "01A", 1700000500000);
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ(t->trashed_at_ms, 1700000500000);
  EXPECT_EQ(t->filename, "01A.jpg");
  EXPECT_EQ(listed(*s), V{"01B"});
  store::ImageQuery by_taken;
  by_taken.sort = store::SortOrder::Taken;
  EXPECT_EQ(listed(*s, by_taken), V{"01B"});
  store::ImageQuery filtered;
  filtered.format = "jpeg";
  filtered.bbox = store::BoundingBox{};
  EXPECT_EQ(listed(*s, filtered), V{"01B"});
  EXPECT_EQ(s->get(kAlice, "01A")->trashed_at_ms, 1700000500000);
  EXPECT_EQ(trashed(*s), V{"01A"});
  // Idempotent: the first time stays.
  EXPECT_EQ(s->trash(kAlice, "01A", 1700000900000)->trashed_at_ms, 1700000500000);
}

TEST(MotoDynamoTrash, PagesOfTheListingStayFullWhenTrashedImagesAreSkipped) {
  auto s = fresh_trash_store();
  for (int i = 0; i < 8; ++i) ASSERT_TRUE(s->apply(image(kAlice, "0" + std::to_string(i), 1700000000000 + i)).value_or(false));
  for (const char* id : {"07", "06", "04"}) ASSERT_TRUE(s->trash(kAlice, id, 1700000500000).ok());
  store::ImageQuery q;
  q.owner = kAlice;
  q.limit = 2;
  V all;
  for (int pages = 0; pages < 10; ++pages) {
    auto p = s->list(q);
    ASSERT_TRUE(p.ok()) << p.error().message;
    for (auto& r : p->items) all.push_back(r.image_id);
    if (p->next_cursor.empty()) break;
    q.cursor = p->next_cursor;
  }
  EXPECT_EQ(all, (V{"05", "03", "02", "01", "00"}));
}

TEST(MotoDynamoTrash, MissingTombstonedOrForeignImagesAreNotFound) {
  auto s = fresh_trash_store();
  ASSERT_TRUE(s->apply(image(kAlice, "01A", 1700000000000)).value_or(false));
  EXPECT_EQ(s->trash(kBob, "01A", 1).error().code, meta::Errc::NotFound);
  EXPECT_EQ(s->trash(kAlice, "01Z", 1).error().code, meta::Errc::NotFound);
  EXPECT_EQ(s->restore(kAlice, "01A").error().code, meta::Errc::NotFound);  // not in the trash
  ASSERT_TRUE(s->remove(kAlice, "01A", "0B").value_or(false));
  EXPECT_EQ(s->trash(kAlice, "01A", 1).error().code, meta::Errc::NotFound);  // a tombstone is no image
}

TEST(MotoDynamoTrash, RestoreBringsTheImageBack) {
  auto s = fresh_trash_store();
  ASSERT_TRUE(s->apply(image(kAlice, "01A", 1700000000000)).value_or(false));
  ASSERT_TRUE(s->trash(kAlice, "01A", 1700000500000).ok());
  EXPECT_EQ(s->restore(kBob, "01A").error().code, meta::Errc::NotFound);
  auto back = s->restore(kAlice, "01A");
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_FALSE(back->trashed_at_ms.has_value());
  EXPECT_EQ(listed(*s), V{"01A"});
  EXPECT_TRUE(trashed(*s).empty());
}

TEST(MotoDynamoTrash, ApplyKeepsTrashedAtLikeThePreviewAttributes) {
  auto s = fresh_trash_store();
  ASSERT_TRUE(s->apply(image(kAlice, "01A", 1700000000000, "0A")).value_or(false));
  ASSERT_TRUE(s->trash(kAlice, "01A", 1700000500000).ok());
  ASSERT_TRUE(s->apply(image(kAlice, "01A", 1700000000000, "0A")).value_or(false));  // re-extraction
  ASSERT_TRUE(s->apply(image(kAlice, "01A", 1700000000000, "0C")).value_or(false));  // newer version
  EXPECT_EQ(s->get(kAlice, "01A")->trashed_at_ms, 1700000500000);
  EXPECT_TRUE(listed(*s).empty());
  EXPECT_EQ(trashed(*s), V{"01A"});
}

TEST(MotoDynamoTrash, TrashListsNewestTrashedFirstInPagesPerOwner) {
  auto s = fresh_trash_store();
  for (int i = 0; i < 5; ++i) {
    std::string id = "0" + std::to_string(i);
    ASSERT_TRUE(s->apply(image(kAlice, id, 1700000000000 + i)).value_or(false));
    ASSERT_TRUE(s->trash(kAlice, id, 1700000500000 - i * 1000).ok());  // 00 trashed last
  }
  ASSERT_TRUE(s->apply(image(kBob, "0B", 1700000000000)).value_or(false));
  ASSERT_TRUE(s->trash(kBob, "0B", 1700000500000).ok());
  store::TrashQuery q{kAlice, 2, ""};
  V all;
  for (int pages = 0; pages < 10; ++pages) {
    auto p = s->list_trash(q);
    ASSERT_TRUE(p.ok()) << p.error().message;
    for (auto& r : p->items) {
      all.push_back(r.image_id);
      EXPECT_TRUE(r.trashed_at_ms.has_value());
    }
    if (p->next_cursor.empty()) break;
    q.cursor = p->next_cursor;
  }
  EXPECT_EQ(all, (V{"00", "01", "02", "03", "04"}));
  EXPECT_EQ(trashed(*s, kBob), V{"0B"});
  // Another owner's cursor, or a listing's, is refused.
  auto alice_page = s->list_trash({kAlice, 1, ""});
  EXPECT_EQ(s->list_trash({kBob, 1, alice_page->next_cursor}).error().code, meta::Errc::InvalidArgument);
}

TEST(MotoDynamoTrash, ExpiredTrashScansEveryOwnerUpToTheCutoff) {
  auto s = fresh_trash_store();
  ASSERT_TRUE(s->apply(image(kAlice, "01A", 1700000000000)).value_or(false));
  ASSERT_TRUE(s->apply(image(kBob, "01B", 1700000000000)).value_or(false));
  ASSERT_TRUE(s->apply(image(kBob, "01C", 1700000000000)).value_or(false));
  ASSERT_TRUE(s->apply(image(kBob, "01D", 1700000000000)).value_or(false));  // not trashed
  ASSERT_TRUE(s->trash(kAlice, "01A", 1000).ok());
  ASSERT_TRUE(s->trash(kBob, "01B", 2000).ok());
  ASSERT_TRUE(s->trash(kBob, "01C", 9000).ok());
  auto expired = s->expired_trash(2000, 100);
  ASSERT_TRUE(expired.ok()) << expired.error().message;
  std::set<std::pair<std::string, std::string>> got;
  for (auto& t : *expired) got.insert({t.owner, t.image_id});
  EXPECT_EQ(got, (std::set<std::pair<std::string, std::string>>{{kAlice, "01A"}, {kBob, "01B"}}));
  EXPECT_EQ(s->expired_trash(100000, 1)->size(), 1u);
  EXPECT_TRUE(s->expired_trash(500, 100)->empty());
  // A deleted image (tombstone) leaves the index.
  ASSERT_TRUE(s->remove(kAlice, "01A", "0B").value_or(false));
  EXPECT_EQ(s->expired_trash(2000, 100)->size(), 1u);
  EXPECT_TRUE(trashed(*s).empty());
}

}  // namespace
}  // namespace imgmeta::aws
