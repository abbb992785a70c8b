#include "store/sqlite_metadata_store.hpp"

#include <sqlite3.h>

#include <gtest/gtest.h>

#include "apply_extraction_cases.hpp"
#include "store/time.hpp"
#include "temp_dir.hpp"

namespace imgmeta::store {
namespace {

using testing::TempDir;

ImageRecord record(std::string id, std::string sequencer, ImageStatus status = ImageStatus::Ready) {
  ImageRecord r;
  r.owner = "alice";
  r.image_id = std::move(id);
  r.filename = "photo.jpg";
  r.content_type = "image/jpeg";
  r.size = 1234;
  r.sha256 = "aa";
  r.status = status;
  r.uploaded_at_ms = 1000;
  r.sequencer = std::move(sequencer);
  return r;
}

OutboxEvent event(std::string key, std::string sequencer) {
  return OutboxEvent{std::move(key), std::move(sequencer), "{\"Records\":[]}"};
}

struct Sqlite : ::testing::Test {
  TempDir dir;
  std::unique_ptr<SqliteMetadataStore> db = open_db();

  std::unique_ptr<SqliteMetadataStore> open_db() {
    auto s = SqliteMetadataStore::open({dir / "meta.db"});
    EXPECT_TRUE(s.ok()) << s.error().message;
    return s ? std::move(s).value() : nullptr;
  }

  std::vector<std::string> ids(const ImageQuery& q) {
    auto page = db->list(q);
    EXPECT_TRUE(page.ok()) << page.error().message;
    std::vector<std::string> out;
    if (page)
      for (auto& r : page->items) out.push_back(r.image_id);
    return out;
  }
};

TEST(Sequencers, CompareAfterLeftPaddingWithZeros) {
  EXPECT_EQ(compare_sequencers("0A", "A"), 0);
  EXPECT_LT(compare_sequencers("FF", "100"), 0);
  EXPECT_GT(compare_sequencers("0C0F6F405D6ED209E1", "0C0F6F405D6ED209E0"), 0);
  EXPECT_EQ(compare_sequencers("00643717f9f8b85354", "643717F9F8B85354"), 0);
  EXPECT_LT(compare_sequencers("", "1"), 0);
  EXPECT_EQ(sequencer_sort_key("a1"), "000000000000000000000000000000A1");
}

// apply_extraction: the cases both stores share (apply_extraction_cases.hpp).
namespace ax = imgmeta::testing::apply_extraction;
TEST_F(Sqlite, ApplyExtractionKeepsTheUploadsFields) { ax::applied_keeps_the_uploads_fields(*db, "alice"); }
TEST_F(Sqlite, ApplyExtractionOfTheSameOrANewerVersion) { ax::same_or_newer_version_applies(*db, "alice"); }
TEST_F(Sqlite, ApplyExtractionOfAnOlderVersionIsStale) { ax::older_version_is_stale(*db, "alice"); }
TEST_F(Sqlite, ApplyExtractionWithoutARecord) { ax::no_record_and_tombstones(*db, "alice"); }
TEST_F(Sqlite, ApplyExtractionNamesAnUnknownContentType) { ax::unknown_content_type_takes_the_extractors(*db, "alice"); }
TEST_F(Sqlite, ApplyExtractionClearsWhatItNoLongerFinds) { ax::fields_the_new_extraction_lacks_are_cleared(*db, "alice"); }
TEST_F(Sqlite, ApplyExtractionRefusesAPendingStatus) { ax::pending_is_no_extraction(*db, "alice"); }

// As apply() does here: a new extraction is rendered again.
TEST_F(Sqlite, ApplyExtractionClearsTheRenditions) {
  ASSERT_TRUE(db->apply(ax::pending("alice", "01AEA", "10")).value_or(false));
  ASSERT_EQ(*db->apply_extraction(ax::extraction("alice", "01AEA", "10")), ApplyOutcome::Applied);
  PreviewState p;
  p.status = PreviewStatus::Ready;
  p.sequencer = "10";
  ASSERT_TRUE(db->set_preview("alice", "01AEA", "10", p).value_or(false));
  ASSERT_EQ(db->preview_backlog(10)->size(), 0u);
  ASSERT_EQ(*db->apply_extraction(ax::extraction("alice", "01AEA", "10")), ApplyOutcome::Applied);
  EXPECT_TRUE(db->get("alice", "01AEA")->preview.sequencer.empty());
  EXPECT_EQ(db->preview_backlog(10)->size(), 1u);
}

TEST_F(Sqlite, AppliedRecordReadsBackWithEveryField) {
  ImageRecord r = record("01A", "10");
  r.etag = "5d41402abc4b2a76b9719d911017c592";
  r.error = "";
  r.taken_at_ms = 1500;
  r.updated_at_ms = 2000;
  r.metadata_json = "{\"Make\":\"Canon\"}";
  r.format = "JPEG";
  r.make = "Canon";
  r.model = "EOS 40D";
  r.has_gps = true;
  r.search_text = "photo.jpg canon";
  ASSERT_EQ(db->apply(r).value_or(false), true);
  auto got = db->get("alice", "01A");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->filename, "photo.jpg");
  EXPECT_EQ(got->content_type, "image/jpeg");
  EXPECT_EQ(got->size, 1234u);
  EXPECT_EQ(got->etag, r.etag);
  EXPECT_EQ(got->status, ImageStatus::Ready);
  EXPECT_EQ(got->uploaded_at_ms, 1000);
  EXPECT_EQ(got->taken_at_ms, std::optional<int64_t>(1500));
  EXPECT_EQ(got->updated_at_ms, 2000);
  EXPECT_EQ(got->sequencer, "10");
  EXPECT_EQ(got->metadata_json, "{\"Make\":\"Canon\"}");
  EXPECT_EQ(got->format, "JPEG");
  EXPECT_EQ(got->make, "Canon");
  EXPECT_EQ(got->model, "EOS 40D");
  EXPECT_TRUE(got->has_gps);
  EXPECT_EQ(got->search_text, "photo.jpg canon");
}

TEST_F(Sqlite, AnotherOwnersImageIsNotFound) {
  ASSERT_TRUE(db->apply(record("01A", "10")).ok());
  EXPECT_EQ(db->get("mallory", "01A").error().code, meta::Errc::NotFound);
  EXPECT_FALSE(db->remove("mallory", "01A", "FF").value_or(true));
  EXPECT_TRUE(db->get("alice", "01A").ok());
  EXPECT_EQ(ids({.owner = "mallory"}), std::vector<std::string>{});
}

TEST_F(Sqlite, NewerSequencerWins) {
  ASSERT_TRUE(db->apply(record("01A", "10", ImageStatus::Failed)).ok());
  EXPECT_TRUE(db->apply(record("01A", "11", ImageStatus::Ready)).value());
  EXPECT_EQ(db->get("alice", "01A")->status, ImageStatus::Ready);
}

TEST_F(Sqlite, OlderSequencerArrivingLateIsStale) {
  ASSERT_TRUE(db->apply(record("01A", "0C0F6F405D6ED209E1", ImageStatus::Ready)).ok());
  EXPECT_FALSE(db->apply(record("01A", "0C0F6F405D6ED209E0", ImageStatus::Failed)).value());
  EXPECT_EQ(db->get("alice", "01A")->status, ImageStatus::Ready);
}

TEST_F(Sqlite, ShorterButGreaterSequencerWinsAfterPadding) {
  ASSERT_TRUE(db->apply(record("01A", "0FF", ImageStatus::Failed)).ok());
  EXPECT_TRUE(db->apply(record("01A", "100", ImageStatus::Ready)).value());
  EXPECT_FALSE(db->apply(record("01A", "FE", ImageStatus::Failed)).value());
}

TEST_F(Sqlite, DuplicateWithTheSameSequencerRewrites) {
  ASSERT_TRUE(db->apply(record("01A", "10", ImageStatus::Ready)).ok());
  EXPECT_TRUE(db->apply(record("01A", "10", ImageStatus::Ready)).value());
}

TEST_F(Sqlite, PendingNeverReplacesAFinishedRecordOfTheSameVersion) {
  ASSERT_TRUE(db->apply(record("01A", "10", ImageStatus::Ready)).ok());
  EXPECT_FALSE(db->apply(record("01A", "10", ImageStatus::Pending)).value());
  EXPECT_EQ(db->get("alice", "01A")->status, ImageStatus::Ready);
}

TEST_F(Sqlite, RemoveLeavesATombstoneThatStopsAnOlderCreate) {
  ASSERT_TRUE(db->apply(record("01A", "10")).ok());
  EXPECT_TRUE(db->remove("alice", "01A", "12").value());
  EXPECT_EQ(db->get("alice", "01A").error().code, meta::Errc::NotFound);
  EXPECT_FALSE(db->apply(record("01A", "11")).value());  // the create that raced the delete
  EXPECT_EQ(db->get("alice", "01A").error().code, meta::Errc::NotFound);
}

TEST_F(Sqlite, DeleteArrivingBeforeItsCreateStillWins) {
  EXPECT_FALSE(db->remove("alice", "01A", "12").value());  // nothing to delete yet
  EXPECT_FALSE(db->apply(record("01A", "10")).value());
  EXPECT_EQ(db->get("alice", "01A").error().code, meta::Errc::NotFound);
}

TEST_F(Sqlite, CreateNewerThanTheTombstoneComesBack) {
  ASSERT_TRUE(db->remove("alice", "01A", "12").ok());
  EXPECT_TRUE(db->apply(record("01A", "13")).value());
  EXPECT_TRUE(db->get("alice", "01A").ok());
}

TEST_F(Sqlite, OlderDeleteLeavesTheNewerVersion) {
  ASSERT_TRUE(db->apply(record("01A", "20")).ok());
  EXPECT_FALSE(db->remove("alice", "01A", "15").value());
  EXPECT_TRUE(db->get("alice", "01A").ok());
}

TEST_F(Sqlite, UploadIntentRoundTripsAndConflicts) {
  UploadIntent i{"alice", "01A", "a.jpg", "image/jpeg", 10, "ab", 1, 2, "up", 5};
  ASSERT_TRUE(db->put_upload_intent(i).ok());
  EXPECT_EQ(db->put_upload_intent(i).error().code, meta::Errc::Conflict);
  auto got = db->get_upload_intent("alice", "01A");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->filename, "a.jpg");
  EXPECT_EQ(got->size, 10u);
  EXPECT_EQ(got->sha256, "ab");
  EXPECT_EQ(got->expires_at_ms, 2);
  EXPECT_EQ(got->multipart_upload_id, "up");
  EXPECT_EQ(got->part_size, 5u);
  EXPECT_EQ(db->get_upload_intent("bob", "01A").error().code, meta::Errc::NotFound);
  ASSERT_TRUE(db->remove_upload_intent("alice", "01A").ok());
  EXPECT_EQ(db->get_upload_intent("alice", "01A").error().code, meta::Errc::NotFound);
}

TEST_F(Sqlite, FindBySha256IsPerOwner) {
  ImageRecord r = record("01A", "10");
  r.sha256 = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";
  ASSERT_TRUE(db->apply(r).ok());
  EXPECT_EQ(db->find_by_sha256("alice", r.sha256).value(), std::optional<std::string>("01A"));
  EXPECT_EQ(db->find_by_sha256("bob", r.sha256).value(), std::nullopt);
  EXPECT_EQ(db->find_by_sha256("alice", "00").value(), std::nullopt);
}

// The duplicate check runs on every upload: it must seek the (owner, sha256) index, not read
// all of the owner's records in image_id order (what SQLite chose for `ORDER BY image_id`).
TEST_F(Sqlite, TheDuplicateLookupSeeksTheSha256Index) {
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open((dir / "meta.db").c_str(), &raw), SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(raw,
                               "EXPLAIN QUERY PLAN SELECT image_id FROM images WHERE owner = 'a' AND sha256 = 'b' "
                               "ORDER BY +image_id LIMIT 1",
                               -1, &s, nullptr),
            SQLITE_OK)
      << sqlite3_errmsg(raw);
  std::string plan;
  while (sqlite3_step(s) == SQLITE_ROW) plan += std::string(reinterpret_cast<const char*>(sqlite3_column_text(s, 3))) + "\n";
  sqlite3_finalize(s);
  sqlite3_close(raw);
  EXPECT_NE(plan.find("INDEX images_by_sha256 (owner=? AND sha256=?)"), std::string::npos) << plan;
}

// --- list ---

struct Listing : Sqlite {
  void SetUp() override {
    // id, uploaded, taken, format, make, model, gps, status, search
    add("01A", 100, 5000, "JPEG", "Canon", "EOS 40D", true, ImageStatus::Ready, "beach.jpg canon");
    add("01B", 200, std::nullopt, "PNG", "", "", false, ImageStatus::Ready, "diagram.png");
    add("01C", 300, 7000, "JPEG", "NIKON CORPORATION", "NIKON D70", false, ImageStatus::Ready, "mountain.jpg");
    add("01D", 400, 6000, "HEIC", "Apple", "iPhone 12", true, ImageStatus::Ready, "img_0001.heic 50%_off");
    add("01E", 500, std::nullopt, "", "", "", false, ImageStatus::Failed, "broken.jpg");
  }
  void add(std::string id, int64_t uploaded, std::optional<int64_t> taken, std::string format, std::string make,
           std::string model, bool gps, ImageStatus status, std::string search) {
    ImageRecord r = record(std::move(id), "10", status);
    r.uploaded_at_ms = uploaded;
    r.taken_at_ms = taken;
    r.format = std::move(format);
    r.make = std::move(make);
    r.model = std::move(model);
    r.has_gps = gps;
    r.search_text = std::move(search);
    ASSERT_TRUE(db->apply(r).ok());
  }
};

TEST_F(Listing, NewestUploadFirst) {
  EXPECT_EQ(ids({.owner = "alice"}), (std::vector<std::string>{"01E", "01D", "01C", "01B", "01A"}));
}

TEST_F(Listing, SortByTakenPutsUndatedLast) {
  EXPECT_EQ(ids({.owner = "alice", .sort = SortOrder::Taken}),
            (std::vector<std::string>{"01C", "01D", "01A", "01E", "01B"}));
}

TEST_F(Listing, FormatMakeModelMatchWithoutCase) {
  EXPECT_EQ(ids({.owner = "alice", .format = "jpeg"}), (std::vector<std::string>{"01C", "01A"}));
  EXPECT_EQ(ids({.owner = "alice", .make = "canon"}), (std::vector<std::string>{"01A"}));
  EXPECT_EQ(ids({.owner = "alice", .model = "iphone 12"}), (std::vector<std::string>{"01D"}));
}

TEST_F(Listing, MakeAndModelAreCaseInsensitiveSubstrings) {
  EXPECT_EQ(ids({.owner = "alice", .make = "nikon"}), (std::vector<std::string>{"01C"}));
  EXPECT_EQ(ids({.owner = "alice", .model = "IPHONE"}), (std::vector<std::string>{"01D"}));
  EXPECT_EQ(ids({.owner = "alice", .model = "d7"}), (std::vector<std::string>{"01C"}));
  EXPECT_EQ(ids({.owner = "alice", .make = "%"}), std::vector<std::string>{});
}

TEST_F(Listing, FormatAliasesFindTheirFileTypes) {
  add("01F", 600, std::nullopt, "Extended WEBP", "", "", false, ImageStatus::Ready, "flower.webp");
  add("01G", 700, std::nullopt, "WEBP", "", "", false, ImageStatus::Ready, "plain.webp");
  add("01H", 800, std::nullopt, "HEIF", "", "", false, ImageStatus::Ready, "x.heif");
  EXPECT_EQ(ids({.owner = "alice", .format = "jpg"}), (std::vector<std::string>{"01C", "01A"}));
  EXPECT_EQ(ids({.owner = "alice", .format = "WEBP"}), (std::vector<std::string>{"01G", "01F"}));
  EXPECT_EQ(ids({.owner = "alice", .format = "heif"}), (std::vector<std::string>{"01H", "01D"}));
  EXPECT_EQ(ids({.owner = "alice", .format = "heic"}), (std::vector<std::string>{"01H", "01D"}));
  EXPECT_EQ(ids({.owner = "alice", .format = " Png "}), (std::vector<std::string>{"01B"}));
}

TEST_F(Listing, LensMatchesTheLensRecordedInTheMetadata) {
  ImageRecord r = record("01F", "10");
  r.uploaded_at_ms = 600;
  r.metadata_json = R"({"LensModel":"EF-S 18-55mm f/3.5-5.6 IS"})";
  ASSERT_TRUE(db->apply(r).ok());
  r = record("01G", "10");
  r.uploaded_at_ms = 700;
  r.metadata_json = R"({"LensID":"AF-S Nikkor 50mm f/1.8G"})";
  ASSERT_TRUE(db->apply(r).ok());
  EXPECT_EQ(ids({.owner = "alice", .lens = "ef-s"}), (std::vector<std::string>{"01F"}));
  EXPECT_EQ(ids({.owner = "alice", .lens = "NIKKOR"}), (std::vector<std::string>{"01G"}));
  EXPECT_EQ(ids({.owner = "alice", .lens = "mm f/"}), (std::vector<std::string>{"01G", "01F"}));
}

TEST_F(Listing, TakenRangeIsInclusiveAndSkipsUndated) {
  EXPECT_EQ(ids({.owner = "alice", .taken_from_ms = 5000, .taken_to_ms = 6000}),
            (std::vector<std::string>{"01D", "01A"}));
}

TEST_F(Listing, GpsAndStatusFilters) {
  EXPECT_EQ(ids({.owner = "alice", .has_gps = true}), (std::vector<std::string>{"01D", "01A"}));
  EXPECT_EQ(ids({.owner = "alice", .has_gps = false}), (std::vector<std::string>{"01E", "01C", "01B"}));
  EXPECT_EQ(ids({.owner = "alice", .status = ImageStatus::Failed}), (std::vector<std::string>{"01E"}));
}

TEST_F(Listing, QueryIsACaseInsensitiveSubstringWithLikeCharactersTakenLiterally) {
  EXPECT_EQ(ids({.owner = "alice", .q = "CANON"}), (std::vector<std::string>{"01A"}));
  EXPECT_EQ(ids({.owner = "alice", .q = "50%"}), (std::vector<std::string>{"01D"}));
  EXPECT_EQ(ids({.owner = "alice", .q = "_"}), (std::vector<std::string>{"01D"}));
}

TEST_F(Listing, CursorWalksEveryPageOnce) {
  for (SortOrder sort : {SortOrder::Uploaded, SortOrder::Taken}) {
    std::vector<std::string> seen;
    ImageQuery q{.owner = "alice", .limit = 2, .sort = sort};
    for (int page = 0; page < 10; ++page) {
      auto p = db->list(q);
      ASSERT_TRUE(p.ok()) << p.error().message;
      for (auto& r : p->items) seen.push_back(r.image_id);
      if (p->next_cursor.empty()) break;
      q.cursor = p->next_cursor;
    }
    auto all = ids({.owner = "alice", .sort = sort});
    EXPECT_EQ(seen, all);
  }
}

TEST_F(Listing, MalformedCursorIsInvalidArgument) {
  EXPECT_EQ(db->list({.owner = "alice", .cursor = "zz"}).error().code, meta::Errc::InvalidArgument);
  auto p = db->list({.owner = "alice", .limit = 1});
  EXPECT_EQ(db->list({.owner = "alice", .cursor = p->next_cursor, .sort = SortOrder::Taken}).error().code,
            meta::Errc::InvalidArgument);
  EXPECT_EQ(db->list({.owner = "alice", .limit = 0}).error().code, meta::Errc::InvalidArgument);
}

TEST_F(Listing, CursorWithAnOverflowingValueIsInvalidArgument) {
  // fuzz_list_cursor found std::stoll throwing on a 20-digit value ("u|33333333333333333333|x").
  auto hex = [](std::string_view s) {
    std::string out;
    for (unsigned char c : s) {
      out += "0123456789abcdef"[c >> 4];
      out += "0123456789abcdef"[c & 15];
    }
    return out;
  };
  for (const char* raw : {"u|33333333333333333333|01A", "t|-99999999999999999999|01A", "u|+5|01A", "u||01A"})
    EXPECT_EQ(db->list({.owner = "alice", .cursor = hex(raw)}).error().code, meta::Errc::InvalidArgument) << raw;
  EXPECT_TRUE(db->list({.owner = "alice", .cursor = hex("u|9223372036854775807|01A")}).ok());
}

// --- outbox ---

TEST_F(Sqlite, CommitUploadWritesPendingQueuesTheEventAndDropsTheIntentTogether) {
  ASSERT_TRUE(db->put_upload_intent({"alice", "01A", "a.jpg", "image/jpeg", 5, "", 1, 2, "", 0}).ok());
  EXPECT_TRUE(db->commit_upload(record("01A", "10", ImageStatus::Pending), event("uploads/alice/01A", "10")).value());
  EXPECT_EQ(db->get("alice", "01A")->status, ImageStatus::Pending);
  EXPECT_EQ(db->get_upload_intent("alice", "01A").error().code, meta::Errc::NotFound);
  EXPECT_EQ(db->outbox_stats()->queued, 1);
}

TEST_F(Sqlite, StaleCommitUploadQueuesNothing) {
  ASSERT_TRUE(db->remove("alice", "01A", "20").ok());
  EXPECT_FALSE(db->commit_upload(record("01A", "10", ImageStatus::Pending), event("uploads/alice/01A", "10")).value());
  EXPECT_EQ(db->outbox_stats()->queued, 0);
}

TEST_F(Sqlite, CommitDeleteRemovesAndQueuesTogether) {
  ASSERT_TRUE(db->apply(record("01A", "10")).ok());
  EXPECT_TRUE(db->commit_delete("alice", "01A", event("uploads/alice/01A", "11")).value());
  EXPECT_EQ(db->get("alice", "01A").error().code, meta::Errc::NotFound);
  EXPECT_EQ(db->outbox_stats()->queued, 1);
  EXPECT_FALSE(db->commit_delete("alice", "01A", event("uploads/alice/01A", "12")).value());
  EXPECT_EQ(db->outbox_stats()->queued, 1);
}

TEST_F(Sqlite, ClaimLeasesTheOldestDueRowOnce) {
  ASSERT_TRUE(db->enqueue(event("k1", "1")).ok());
  ASSERT_TRUE(db->enqueue(event("k2", "2")).ok());
  int64_t now = now_ms();
  auto a = db->claim(now, 1000);
  auto b = db->claim(now, 1000);
  auto c = db->claim(now, 1000);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ((*a)->key, "k1");
  EXPECT_EQ((*a)->attempts, 1);
  EXPECT_EQ((*a)->state, OutboxState::Leased);
  EXPECT_EQ((*b)->key, "k2");
  EXPECT_FALSE(c->has_value());
  EXPECT_EQ(db->outbox_stats()->leased, 2);
}

TEST_F(Sqlite, ExpiredLeaseIsClaimedAgain) {
  ASSERT_TRUE(db->enqueue(event("k1", "1")).ok());
  int64_t now = now_ms();
  ASSERT_TRUE(db->claim(now, 1000)->has_value());
  EXPECT_FALSE(db->claim(now + 999, 1000)->has_value());
  auto again = db->claim(now + 1001, 1000);
  ASSERT_TRUE(again->has_value());
  EXPECT_TRUE((*again)->reclaimed);
  EXPECT_EQ((*again)->attempts, 2);
}

TEST_F(Sqlite, RetryWaitsUntilItsTimeAndKeepsTheError) {
  ASSERT_TRUE(db->enqueue(event("k1", "1")).ok());
  int64_t now = now_ms();
  auto row = db->claim(now, 1000);
  ASSERT_TRUE(db->retry((*row)->id, now + 500, "disk on fire").ok());
  EXPECT_FALSE(db->claim(now + 499, 1000)->has_value());
  EXPECT_EQ(db->next_due_ms().value(), std::optional<int64_t>(now + 500));
  auto again = db->claim(now + 500, 1000);
  ASSERT_TRUE(again->has_value());
  EXPECT_EQ((*again)->last_error, "disk on fire");
  EXPECT_EQ((*again)->attempts, 2);
}

TEST_F(Sqlite, FinishDeletesAndFailKeepsTheRowAside) {
  ASSERT_TRUE(db->enqueue(event("k1", "1")).ok());
  ASSERT_TRUE(db->enqueue(event("k2", "2")).ok());
  int64_t now = now_ms();
  auto a = db->claim(now, 1000);
  auto b = db->claim(now, 1000);
  ASSERT_TRUE(db->finish((*a)->id).ok());
  ASSERT_TRUE(db->fail((*b)->id, "gave up").ok());
  auto st = db->outbox_stats();
  EXPECT_EQ(st->queued + st->leased, 0);
  EXPECT_EQ(st->failed, 1);
  auto failed = db->failed_events();
  ASSERT_EQ(failed->size(), 1u);
  EXPECT_EQ((*failed)[0].key, "k2");
  EXPECT_EQ((*failed)[0].last_error, "gave up");
  EXPECT_FALSE(db->claim(now + 1000000, 1000)->has_value());
}

TEST_F(Sqlite, ClaimedButUnfinishedRowSurvivesAReopenAndIsReleased) {
  ASSERT_TRUE(db->enqueue(event("k1", "1")).ok());
  ASSERT_TRUE(db->claim(now_ms(), 60000)->has_value());
  db.reset();  // the process dies holding the lease
  db = open_db();
  EXPECT_EQ(db->outbox_stats()->leased, 1);
  EXPECT_FALSE(db->claim(now_ms(), 60000)->has_value());  // the lease still runs
  EXPECT_EQ(db->release_leases().value(), 1);
  auto row = db->claim(now_ms(), 60000);
  ASSERT_TRUE(row->has_value());
  EXPECT_EQ((*row)->key, "k1");
  EXPECT_EQ((*row)->attempts, 2);
}

TEST_F(Sqlite, MaxSequencerLooksEverywhere) {
  EXPECT_EQ(db->max_sequencer().value(), "");
  ASSERT_TRUE(db->apply(record("01A", "0000000000000010")).ok());
  ASSERT_TRUE(db->remove("alice", "01B", "00000000000000A0").ok());
  ASSERT_TRUE(db->enqueue(event("k", "0000000000000020")).ok());
  EXPECT_EQ(db->max_sequencer().value(), "00000000000000A0");
}

TEST_F(Sqlite, DatabaseIsInWalMode) {
  EXPECT_TRUE(std::filesystem::exists(dir / "meta.db-wal"));
}

// Durable writes commit, then sync the WAL through a descriptor of the store's own: with the
// WAL file gone from the directory (SQLite writes on through its open descriptor) the sync
// cannot be done, and every write a client would be promised reports it instead of succeeding.
TEST_F(Sqlite, DurableWritesFailWhenTheWalCannotBeSynced) {
  ASSERT_TRUE(std::filesystem::remove(dir / "meta.db-wal"));
  UploadIntent intent;
  intent.owner = "alice";
  intent.image_id = "01A";
  intent.filename = "photo.jpg";
  auto put = db->put_upload_intent(intent);
  ASSERT_FALSE(put.ok());
  EXPECT_NE(put.error().message.find("meta.db-wal"), std::string::npos) << put.error().message;
  EXPECT_FALSE(db->commit_upload(record("01A", "0000000000000010", ImageStatus::Pending), event("k", "0000000000000010")).ok());
  auto group = db->commit_uploads({{record("01B", "0000000000000011", ImageStatus::Pending), event("k2", "0000000000000011")}});
  ASSERT_EQ(group.size(), 1u);
  EXPECT_FALSE(group[0].ok());
  EXPECT_FALSE(db->enqueue(event("k", "0000000000000012")).ok());
  // The pipeline's own writes are not synced and go on.
  EXPECT_TRUE(db->claim(store::now_ms(), 1000).ok());
}

TEST(SqliteMemory, DurableWritesNeedNoWal) {
  auto db = SqliteMetadataStore::open({":memory:"});
  ASSERT_TRUE(db.ok()) << db.error().message;
  UploadIntent intent;
  intent.owner = "alice";
  intent.image_id = "01A";
  intent.filename = "photo.jpg";
  EXPECT_TRUE((*db)->put_upload_intent(intent).ok());
  auto committed = (*db)->commit_upload(record("01A", "0000000000000010", ImageStatus::Pending), event("k", "0000000000000010"));
  ASSERT_TRUE(committed.ok()) << committed.error().message;
  EXPECT_TRUE(*committed);
}

}  // namespace
}  // namespace imgmeta::store
