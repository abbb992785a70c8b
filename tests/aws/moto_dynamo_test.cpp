// DynamoMetadataStore against moto_server: sequencer-ordered writes, tombstones, intents,
// the duplicate finder, and list() with every filter and pagination.
#include <gtest/gtest.h>

#include <atomic>

#include "../store/apply_extraction_cases.hpp"
#include "aws/dynamo_metadata_store.hpp"
#include "moto_server.hpp"

namespace imgmeta::aws {
namespace {

using imgmeta::testing::moto;
using store::ImageRecord;
using store::ImageStatus;

std::shared_ptr<DynamoClient> dynamo() {
  ClientConfig c;
  c.endpoint = moto().url();
  c.region = "us-east-1";
  c.credentials = {"testing", "testing", ""};
  return std::make_shared<DynamoClient>(c);
}

// A fresh table per test (moto keeps state for the whole binary).
std::unique_ptr<DynamoMetadataStore> fresh_store() {
  static std::atomic<int> n{0};
  std::string table = "imgmeta-" + std::to_string(n++);
  auto client = dynamo();
  auto created = client->call("CreateTable", DynamoMetadataStore::create_table_request(table), table);
  EXPECT_TRUE(created.ok()) << created.error().message;
  return std::make_unique<DynamoMetadataStore>(client, table);
}

const std::string kOwner = "3cc59f9b-d362-4c37-9128-b724f3035a34";

ImageRecord rec(const std::string& id, const std::string& seq, ImageStatus status = ImageStatus::Ready) {
  ImageRecord r;
  r.owner = kOwner;
  r.image_id = id;
  r.filename = id + ".jpg";
  r.content_type = "image/jpeg";
  r.size = 1000;
  r.status = status;
  r.uploaded_at_ms = 1700000000000;
  r.updated_at_ms = 1700000000000;
  r.sequencer = seq;
  r.metadata_json = R"({"FileType":"JPEG"})";
  r.format = "JPEG";
  return r;
}

// apply_extraction: the cases both stores share (tests/store/apply_extraction_cases.hpp).
namespace ax = imgmeta::testing::apply_extraction;
TEST(MotoDynamo, ApplyExtractionKeepsTheUploadsFields) { ax::applied_keeps_the_uploads_fields(*fresh_store(), kOwner); }
TEST(MotoDynamo, ApplyExtractionOfTheSameOrANewerVersion) { ax::same_or_newer_version_applies(*fresh_store(), kOwner); }
TEST(MotoDynamo, ApplyExtractionOfAnOlderVersionIsStale) { ax::older_version_is_stale(*fresh_store(), kOwner); }
TEST(MotoDynamo, ApplyExtractionWithoutARecord) { ax::no_record_and_tombstones(*fresh_store(), kOwner); }
TEST(MotoDynamo, ApplyExtractionNamesAnUnknownContentType) {
  ax::unknown_content_type_takes_the_extractors(*fresh_store(), kOwner);
}
TEST(MotoDynamo, ApplyExtractionClearsWhatItNoLongerFinds) {
  ax::fields_the_new_extraction_lacks_are_cleared(*fresh_store(), kOwner);
}
TEST(MotoDynamo, ApplyExtractionRefusesAPendingStatus) { ax::pending_is_no_extraction(*fresh_store(), kOwner); }

// The Lambda's common case is one UpdateItem, and so are stale and no-record answers (the
// old item comes back with the failed condition).
TEST(MotoDynamo, ApplyExtractionCostsOneRequest) {
  auto s = fresh_store();
  ASSERT_TRUE(s->apply(ax::pending(kOwner, "01AF1", "10")).value_or(false));
  auto requests = [&] { return s->client().client().stats().requests.load(); };
  auto before = requests();
  EXPECT_EQ(*s->apply_extraction(ax::extraction(kOwner, "01AF1", "20")), store::ApplyOutcome::Applied);
  EXPECT_EQ(requests() - before, 1u);
  before = requests();
  EXPECT_EQ(*s->apply_extraction(ax::extraction(kOwner, "01AF1", "15")), store::ApplyOutcome::Stale);
  EXPECT_EQ(requests() - before, 1u);
  before = requests();
  EXPECT_EQ(*s->apply_extraction(ax::extraction(kOwner, "01AF2", "15")), store::ApplyOutcome::NoRecord);
  EXPECT_EQ(requests() - before, 1u);
  // The preview function's attributes survive, as they survive apply().
  store::PreviewState p;
  p.status = store::PreviewStatus::Ready;
  ASSERT_TRUE(s->set_preview(kOwner, "01AF1", "20", p).value_or(false));
  EXPECT_EQ(*s->apply_extraction(ax::extraction(kOwner, "01AF1", "20")), store::ApplyOutcome::Applied);
  EXPECT_EQ(s->get(kOwner, "01AF1")->preview.sequencer, "20");
}

Json raw_item(DynamoMetadataStore& s, const std::string& sort_key) {
  Json req{{"TableName", s.table()}, {"Key", {{"owner", ddb::S(kOwner)}, {"imageId", ddb::S(sort_key)}}}, {"ConsistentRead", true}};
  auto r = s.client().call("GetItem", req);
  EXPECT_TRUE(r.ok()) << r.error().message;
  return r && r->contains("Item") ? (*r)["Item"] : Json();
}

store::UploadIntent intent(const std::string& id, const std::string& content_type = "image/png") {
  return store::UploadIntent{kOwner, id, "Beach Day.PNG", content_type, 1234, std::string(64, 'c'),
                             1700000000000, 1700000900000, "", 0};
}

// The Lambda-first case (a single PUT: only the intent exists) is one UpdateItem too: the
// intent lives on the image's item and becomes the record.
TEST(MotoDynamo, AnIntentBecomesTheRecordInOneRequest) {
  auto s = fresh_store();
  ASSERT_TRUE(s->put_upload_intent(intent("01AG1")).ok());
  EXPECT_FALSE(s->find_by_sha256(kOwner, std::string(64, 'c'))->has_value()) << "an intent is no duplicate";
  auto e = ax::extraction(kOwner, "01AG1", "0C0F6F405D6ED209E1");
  e.uploaded_at_ms = 1700000003000;
  auto before = s->client().client().stats().requests.load();
  EXPECT_EQ(*s->apply_extraction(e), store::ApplyOutcome::Applied);
  EXPECT_EQ(s->client().client().stats().requests.load() - before, 1u);
  auto got = s->get(kOwner, "01AG1");
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->filename, "Beach Day.PNG");
  EXPECT_EQ(got->content_type, "image/png");
  EXPECT_EQ(got->sha256, std::string(64, 'c'));
  EXPECT_EQ(got->uploaded_at_ms, 1700000003000);
  EXPECT_EQ(got->size, 2000u);
  EXPECT_EQ(got->status, ImageStatus::Ready);
  EXPECT_EQ(got->search_text, "beach day.png png canon eos 40d ef 50mm");
  Json item = raw_item(*s, "01AG1");
  for (const char* gone : {"ttl", "createdAt", "expiresAt", "uploadId", "partSize"}) EXPECT_FALSE(item.contains(gone)) << gone;
  EXPECT_EQ(ddb::get_s(item, "byUploaded").value_or(""), "1700000003000#01AG1");
  EXPECT_EQ(s->find_by_sha256(kOwner, std::string(64, 'c'))->value_or(""), "01AG1");
  EXPECT_EQ(ax::count(*s, kOwner, "beach"), 1u);
  EXPECT_EQ(ax::count(*s, kOwner, "canon"), 1u);
  EXPECT_EQ(s->get_upload_intent(kOwner, "01AG1").error().code, meta::Errc::NotFound);
  ASSERT_TRUE(s->remove_upload_intent(kOwner, "01AG1").ok());
  EXPECT_TRUE(s->get(kOwner, "01AG1").ok()) << "removing the intent leaves the record";
  // Later extractions keep the upload's fields.
  auto again = ax::extraction(kOwner, "01AG1", "0C0F6F405D6ED209F0");
  again.uploaded_at_ms = 1800000000000;
  EXPECT_EQ(*s->apply_extraction(again), store::ApplyOutcome::Applied);
  EXPECT_EQ(s->get(kOwner, "01AG1")->uploaded_at_ms, 1700000003000);
}

// An intent whose type the browser could not name: the record is built by the caller.
TEST(MotoDynamo, AnIntentOfAnUnnamedTypeIsLeftToTheCaller) {
  auto s = fresh_store();
  ASSERT_TRUE(s->put_upload_intent(intent("01AG2", "application/octet-stream")).ok());
  auto e = ax::extraction(kOwner, "01AG2", "20");
  EXPECT_EQ(*s->apply_extraction(e), store::ApplyOutcome::NoRecord);
  auto in = s->get_upload_intent(kOwner, "01AG2");
  ASSERT_TRUE(in.ok()) << "untouched";
  // What the handler then writes (pending_record + merge_extraction) goes over the intent.
  ImageRecord full = ax::pending(kOwner, "01AG2", "20");
  full.content_type = in->content_type;
  store::merge_extraction(full, e);
  ASSERT_TRUE(s->apply(full).value_or(false));
  EXPECT_EQ(s->get(kOwner, "01AG2")->content_type, "image/png");
  EXPECT_FALSE(raw_item(*s, "01AG2").contains("ttl"));
}

// The API's multipart completion (a pending record at sequencer "0") and a delete both go
// over an intent; an older create after the delete stays out.
TEST(MotoDynamo, ApplyAndRemoveGoOverAnIntent) {
  auto s = fresh_store();
  ASSERT_TRUE(s->put_upload_intent(intent("01AG3")).ok());
  auto pending = ax::pending(kOwner, "01AG3", "0");
  ASSERT_TRUE(s->apply(pending).value_or(false));
  EXPECT_EQ(s->get(kOwner, "01AG3")->status, ImageStatus::Pending);
  EXPECT_FALSE(raw_item(*s, "01AG3").contains("ttl"));
  EXPECT_EQ(*s->apply_extraction(ax::extraction(kOwner, "01AG3", "20")), store::ApplyOutcome::Applied);

  ASSERT_TRUE(s->put_upload_intent(intent("01AG4")).ok());
  ASSERT_TRUE(s->remove(kOwner, "01AG4", "30").ok());
  EXPECT_EQ(ddb::get_s(raw_item(*s, "01AG4"), "kind").value_or(""), "tombstone");
  EXPECT_EQ(*s->apply_extraction(ax::extraction(kOwner, "01AG4", "20")), store::ApplyOutcome::Stale);
}

// Intents written before they moved onto the image's item are still found and removed.
TEST(MotoDynamo, IntentsAtTheOldKeyAreStillRead) {
  auto s = fresh_store();
  Json req{{"TableName", s->table()},
           {"Item", {{"owner", ddb::S(kOwner)}, {"imageId", ddb::S("intent#01AG5")}, {"kind", ddb::S("intent")},
                     {"filename", ddb::S("old.jpg")}, {"contentType", ddb::S("image/jpeg")}, {"size", ddb::N(int64_t{5})},
                     {"sha256", ddb::S("")}, {"createdAt", ddb::N(int64_t{1})}, {"expiresAt", ddb::N(int64_t{2})},
                     {"uploadId", ddb::S("")}, {"partSize", ddb::N(int64_t{0})}}}};
  ASSERT_TRUE(s->client().call("PutItem", req).ok());
  auto got = s->get_upload_intent(kOwner, "01AG5");
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->filename, "old.jpg");
  EXPECT_EQ(*s->apply_extraction(ax::extraction(kOwner, "01AG5", "20")), store::ApplyOutcome::NoRecord);
  ASSERT_TRUE(s->remove_upload_intent(kOwner, "01AG5").ok());
  EXPECT_EQ(s->get_upload_intent(kOwner, "01AG5").error().code, meta::Errc::NotFound);
}

// An item written before nameText existed: the extraction is merged with the old item that
// the failed condition returns, so its file name stays searchable.
TEST(MotoDynamo, ApplyExtractionOntoAnItemWithoutNameText) {
  auto s = fresh_store();
  ASSERT_TRUE(s->apply(ax::pending(kOwner, "01AF3", "10")).value_or(false));
  Json req{{"TableName", s->table()},
           {"Key", {{"owner", ddb::S(kOwner)}, {"imageId", ddb::S("01AF3")}}},
           {"UpdateExpression", "REMOVE nameText"}};
  ASSERT_TRUE(s->client().call("UpdateItem", req).ok());
  EXPECT_EQ(*s->apply_extraction(ax::extraction(kOwner, "01AF3", "20")), store::ApplyOutcome::Applied);
  auto got = s->get(kOwner, "01AF3");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->search_text, "holiday photo.jpg png canon eos 40d ef 50mm");
  EXPECT_EQ(got->status, ImageStatus::Ready);
  EXPECT_EQ(ax::count(*s, kOwner, "holiday"), 1u);
  EXPECT_EQ(*s->apply_extraction(ax::extraction(kOwner, "01AF3", "30")), store::ApplyOutcome::Applied);
  EXPECT_EQ(ax::count(*s, kOwner, "holiday"), 1u);
  EXPECT_EQ(ax::count(*s, kOwner, "40d"), 1u);
}

// apply_extraction() keeps the file name's words and the metadata's apart; a phrase that
// runs from the end of the name into the first words still finds the image, and only there.
TEST(MotoDynamo, APhraseSpanningTheFileNameAndTheMetadataMatches) {
  auto s = fresh_store();
  ASSERT_TRUE(s->apply(ax::pending(kOwner, "01AF4", "10")).value_or(false));
  EXPECT_EQ(*s->apply_extraction(ax::extraction(kOwner, "01AF4", "20")), store::ApplyOutcome::Applied);
  ASSERT_FALSE(raw_item(*s, "01AF4").contains("searchText")) << "the one-request update's layout";
  EXPECT_EQ(s->get(kOwner, "01AF4")->search_text, "holiday photo.jpg png canon eos 40d ef 50mm");
  for (const char* phrase : {"photo.jpg png", "jpg png canon", "Holiday Photo.JPG PNG", "holiday photo", "eos 40d",
                             "holiday photo.jpg png canon eos 40d ef 50mm", " png", "photo.jpg "})
    EXPECT_EQ(ax::count(*s, kOwner, phrase), 1u) << phrase;
  for (const char* phrase : {"photo.jpg canon", "holiday png", "photo.jpg  png", "50mm holiday", "jpg png nikon"})
    EXPECT_EQ(ax::count(*s, kOwner, phrase), 0u) << phrase;
}

TEST(MotoDynamo, ApplyWritesThenGetReadsBack) {
  auto s = fresh_store();
  auto r = rec("01JA", "0A");
  r.taken_at_ms = 1356000000000;
  r.has_gps = true;
  ASSERT_TRUE(s->apply(r).value_or(false));
  auto got = s->get(kOwner, "01JA");
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->filename, "01JA.jpg");
  EXPECT_EQ(got->taken_at_ms, 1356000000000);
  EXPECT_TRUE(got->has_gps);
  EXPECT_EQ(got->metadata_json, R"({"FileType":"JPEG"})");
}

TEST(MotoDynamo, OlderSequencerLosesAndNewerWins) {
  auto s = fresh_store();
  ASSERT_TRUE(s->apply(rec("01JB", "0C0F6F405D6ED209E1")).value_or(false));
  auto older = rec("01JB", "0C0F6F405D6ED209E0");
  older.filename = "older.jpg";
  EXPECT_FALSE(s->apply(older).value_or(true));
  auto newer = rec("01JB", "0C0F6F405D6ED209F0");
  newer.filename = "newer.jpg";
  EXPECT_TRUE(s->apply(newer).value_or(false));
  EXPECT_EQ(s->get(kOwner, "01JB")->filename, "newer.jpg");
}

TEST(MotoDynamo, SequencersCompareAfterLeftPadding) {
  auto s = fresh_store();
  ASSERT_TRUE(s->apply(rec("01JC", "FF")).value_or(false));
  EXPECT_TRUE(s->apply(rec("01JC", "100")).value_or(false)) << "0x100 is newer than 0xFF";
}

TEST(MotoDynamo, DuplicateEventRewritesButPendingNeverReplacesFinished) {
  auto s = fresh_store();
  ASSERT_TRUE(s->apply(rec("01JD", "0A", ImageStatus::Pending)).value_or(false));
  EXPECT_TRUE(s->apply(rec("01JD", "0A", ImageStatus::Pending)).value_or(false));
  EXPECT_TRUE(s->apply(rec("01JD", "0A", ImageStatus::Ready)).value_or(false));
  EXPECT_TRUE(s->apply(rec("01JD", "0A", ImageStatus::Ready)).value_or(false)) << "a duplicate ready event";
  EXPECT_FALSE(s->apply(rec("01JD", "0A", ImageStatus::Pending)).value_or(true));
  EXPECT_EQ(s->get(kOwner, "01JD")->status, ImageStatus::Ready);
}

TEST(MotoDynamo, RemoveLeavesATombstoneThatBlocksOlderCreates) {
  auto s = fresh_store();
  ASSERT_TRUE(s->apply(rec("01JE", "10")).value_or(false));
  auto removed = s->remove(kOwner, "01JE", "20");
  ASSERT_TRUE(removed.ok()) << removed.error().message;
  EXPECT_TRUE(*removed);
  EXPECT_EQ(s->get(kOwner, "01JE").error().code, meta::Errc::NotFound);
  EXPECT_FALSE(s->apply(rec("01JE", "15")).value_or(true)) << "older create arriving late";
  EXPECT_FALSE(s->apply(rec("01JE", "20")).value_or(true)) << "same sequencer as the delete";
  EXPECT_FALSE(s->remove(kOwner, "01JE", "20").value_or(true)) << "no record left to delete";
  EXPECT_TRUE(s->apply(rec("01JE", "30")).value_or(false)) << "a newer upload of the key";
  EXPECT_EQ(s->get(kOwner, "01JE")->sequencer, "30");
}

TEST(MotoDynamo, RemoveOlderThanTheRecordKeepsIt) {
  auto s = fresh_store();
  ASSERT_TRUE(s->apply(rec("01JF", "30")).value_or(false));
  EXPECT_FALSE(s->remove(kOwner, "01JF", "20").value_or(true));
  EXPECT_TRUE(s->get(kOwner, "01JF").ok());
}

TEST(MotoDynamo, DeleteBeforeCreateStillEndsDeleted) {
  auto s = fresh_store();
  EXPECT_FALSE(s->remove(kOwner, "01JG", "20").value_or(true));
  EXPECT_FALSE(s->apply(rec("01JG", "10")).value_or(true));
  EXPECT_EQ(s->get(kOwner, "01JG").error().code, meta::Errc::NotFound);
}

TEST(MotoDynamo, AnotherOwnerSeesNothing) {
  auto s = fresh_store();
  ASSERT_TRUE(s->apply(rec("01JH", "10")).value_or(false));
  EXPECT_EQ(s->get("someone-else", "01JH").error().code, meta::Errc::NotFound);
  store::ImageQuery q;
  q.owner = "someone-else";
  EXPECT_TRUE(s->list(q)->items.empty());
}

TEST(MotoDynamo, UploadIntentsAreUniqueAndSeparateFromRecords) {
  auto s = fresh_store();
  store::UploadIntent in{kOwner, "01JI", "cat.png", "image/png", 1234, "ab", 1, 2, "", 0};
  ASSERT_TRUE(s->put_upload_intent(in).ok());
  EXPECT_EQ(s->put_upload_intent(in).error().code, meta::Errc::Conflict);
  auto got = s->get_upload_intent(kOwner, "01JI");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->filename, "cat.png");
  EXPECT_EQ(got->size, 1234u);
  EXPECT_EQ(s->get(kOwner, "01JI").error().code, meta::Errc::NotFound) << "an intent is not a record";
  store::ImageQuery q;
  q.owner = kOwner;
  EXPECT_TRUE(s->list(q)->items.empty());
  ASSERT_TRUE(s->remove_upload_intent(kOwner, "01JI").ok());
  EXPECT_TRUE(s->remove_upload_intent(kOwner, "01JI").ok());
  EXPECT_EQ(s->get_upload_intent(kOwner, "01JI").error().code, meta::Errc::NotFound);
}

TEST(MotoDynamo, FindsARecordBySha256) {
  auto s = fresh_store();
  auto r = rec("01JJ", "10");
  r.sha256 = std::string(64, 'a');
  ASSERT_TRUE(s->apply(r).value_or(false));
  auto found = s->find_by_sha256(kOwner, std::string(64, 'A'));
  ASSERT_TRUE(found.ok()) << found.error().message;
  EXPECT_EQ(found->value_or(""), "01JJ");
  EXPECT_FALSE(s->find_by_sha256(kOwner, std::string(64, 'b'))->has_value());
  EXPECT_FALSE(s->find_by_sha256("other", std::string(64, 'a'))->has_value());
}

TEST(MotoDynamo, AnItemOverTheLimitIsStoredTrimmed) {
  auto s = fresh_store();
  auto r = rec("01JK", "10");
  r.metadata_json = R"({"FileType":"JPEG","XMP":")" + std::string(450000, 'x') + R"("})";
  ASSERT_TRUE(s->apply(r).value_or(false));
  auto got = s->get(kOwner, "01JK");
  ASSERT_TRUE(got.ok());
  EXPECT_NE(got->metadata_json.find(R"("MetadataTruncated":true)"), std::string::npos);
  EXPECT_LT(got->metadata_json.size(), 1000u);
}

// Ten images: uploaded at t0+i, taken at t1-i for even i, JPEG for i<6 else PNG, GPS for i%3==0.
std::unique_ptr<DynamoMetadataStore> gallery() {
  auto s = fresh_store();
  for (int i = 0; i < 10; ++i) {
    auto r = rec("01JL" + std::to_string(i), "10");
    r.uploaded_at_ms = 1700000000000 + i;
    if (i % 2 == 0) r.taken_at_ms = 1600000000000 - i;
    r.format = i < 6 ? "JPEG" : "PNG";
    r.make = i < 3 ? "Canon" : "Apple";
    r.model = i < 3 ? "EOS 5D" : "iPhone 5";
    r.has_gps = i % 3 == 0;
    r.search_text = "photo number " + std::to_string(i);
    r.status = i == 9 ? ImageStatus::Failed : ImageStatus::Ready;
    EXPECT_TRUE(s->apply(r).value_or(false));
  }
  return s;
}

std::vector<std::string> ids(const store::ImagePage& p) {
  std::vector<std::string> out;
  for (const auto& r : p.items) out.push_back(r.image_id.substr(4));
  return out;
}

using V = std::vector<std::string>;

TEST(MotoDynamo, ListsNewestUploadFirstInPages) {
  auto s = gallery();
  store::ImageQuery q;
  q.owner = kOwner;
  q.limit = 4;
  std::vector<std::string> all;
  int pages = 0;
  do {
    auto p = s->list(q);
    ASSERT_TRUE(p.ok()) << p.error().message;
    for (auto& id : ids(*p)) all.push_back(id);
    q.cursor = p->next_cursor;
    ++pages;
  } while (!q.cursor.empty() && pages < 10);
  EXPECT_EQ(all, (V{"9", "8", "7", "6", "5", "4", "3", "2", "1", "0"}));
  EXPECT_EQ(pages, 3);
}

TEST(MotoDynamo, LastFullPageHasNoCursor) {
  auto s = gallery();
  store::ImageQuery q;
  q.owner = kOwner;
  q.limit = 10;
  EXPECT_EQ(s->list(q)->next_cursor, "");
}

TEST(MotoDynamo, SortsByTakenWithUndatedLast) {
  auto s = gallery();
  store::ImageQuery q;
  q.owner = kOwner;
  q.sort = store::SortOrder::Taken;
  EXPECT_EQ(ids(*s->list(q)), (V{"0", "2", "4", "6", "8", "9", "7", "5", "3", "1"}));
}

TEST(MotoDynamo, FiltersCombineWithAnd) {
  auto s = gallery();
  store::ImageQuery q;
  q.owner = kOwner;
  q.format = "jpeg";
  q.has_gps = true;
  EXPECT_EQ(ids(*s->list(q)), (V{"3", "0"}));
  q = {};
  q.owner = kOwner;
  q.make = "CANON";
  q.model = "eos 5d";
  EXPECT_EQ(ids(*s->list(q)), (V{"2", "1", "0"}));
  q = {};
  q.owner = kOwner;
  q.q = "NUMBER 7";
  EXPECT_EQ(ids(*s->list(q)), (V{"7"}));
  q = {};
  q.owner = kOwner;
  q.status = ImageStatus::Failed;
  EXPECT_EQ(ids(*s->list(q)), (V{"9"}));
}

TEST(MotoDynamo, MakeModelLensAndFormatAreCaseInsensitiveSubstringsWithAliases) {
  auto s = fresh_store();
  auto put = [&](const std::string& id, int64_t at, std::string format, std::string make, std::string model,
                 std::string metadata) {
    auto r = rec(id, "10");
    r.uploaded_at_ms = 1700000000000 + at;
    r.format = std::move(format);
    r.make = std::move(make);
    r.model = std::move(model);
    r.metadata_json = std::move(metadata);
    EXPECT_TRUE(s->apply(r).value_or(false));
  };
  put("01JM1", 1, "JPEG", "NIKON CORPORATION", "NIKON D70", R"({"LensModel":"AF-S Nikkor 18-70mm"})");
  put("01JM2", 2, "JPEG", "Apple", "iPhone 7", R"({"LensModel":"iPhone 7 back camera"})");
  put("01JM3", 3, "Extended WEBP", "", "", "{}");
  put("01JM4", 4, "HEIC", "Apple", "iPhone 12", "{}");
  auto list = [&](auto set) {
    store::ImageQuery q;
    q.owner = kOwner;
    set(q);
    return ids(*s->list(q));
  };
  EXPECT_EQ(list([](auto& q) { q.make = "nikon"; }), (V{"1"}));
  EXPECT_EQ(list([](auto& q) { q.model = "IPHONE"; }), (V{"4", "2"}));
  EXPECT_EQ(list([](auto& q) { q.lens = "nikkor"; }), (V{"1"}));
  EXPECT_EQ(list([](auto& q) { q.format = "jpg"; }), (V{"2", "1"}));
  EXPECT_EQ(list([](auto& q) { q.format = "WEBP"; }), (V{"3"}));
  EXPECT_EQ(list([](auto& q) { q.format = "heif"; }), (V{"4"}));
}

TEST(MotoDynamo, FiltersTakenRangeInBothSortOrders) {
  auto s = gallery();
  store::ImageQuery q;
  q.owner = kOwner;
  q.taken_from_ms = 1600000000000 - 6;
  q.taken_to_ms = 1600000000000 - 2;
  EXPECT_EQ(ids(*s->list(q)), (V{"6", "4", "2"}));
  q.sort = store::SortOrder::Taken;
  EXPECT_EQ(ids(*s->list(q)), (V{"2", "4", "6"}));
}

TEST(MotoDynamo, PaginatesAFilteredList) {
  auto s = gallery();
  store::ImageQuery q;
  q.owner = kOwner;
  q.format = "JPEG";
  q.limit = 4;
  auto p1 = s->list(q);
  ASSERT_TRUE(p1.ok());
  EXPECT_EQ(ids(*p1), (V{"5", "4", "3", "2"}));
  ASSERT_FALSE(p1->next_cursor.empty());
  q.cursor = p1->next_cursor;
  auto p2 = s->list(q);
  EXPECT_EQ(ids(*p2), (V{"1", "0"}));
  EXPECT_EQ(p2->next_cursor, "");
}

TEST(MotoDynamo, RefusesForeignOrBrokenCursors) {
  auto s = gallery();
  store::ImageQuery q;
  q.owner = kOwner;
  q.limit = 2;
  std::string cursor = s->list(q)->next_cursor;
  store::ImageQuery other = q;
  other.owner = "someone-else";
  other.cursor = cursor;
  EXPECT_EQ(s->list(other).error().code, meta::Errc::InvalidArgument);
  q.cursor = cursor;
  q.sort = store::SortOrder::Taken;
  EXPECT_EQ(s->list(q).error().code, meta::Errc::InvalidArgument);
  q.cursor = "not-a-cursor";
  EXPECT_EQ(s->list(q).error().code, meta::Errc::InvalidArgument);
  q.cursor.clear();
  q.limit = 0;
  EXPECT_EQ(s->list(q).error().code, meta::Errc::InvalidArgument);
}

}  // namespace
}  // namespace imgmeta::aws
