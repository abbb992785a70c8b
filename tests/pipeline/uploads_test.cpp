// The upload service (pipeline/uploads.hpp): the request checks, the one pending-record rule
// every path uses, and the local PUT acceptance over a real directory store and outbox.
#include "pipeline/uploads.hpp"

#include <gtest/gtest.h>

#include "../store/temp_dir.hpp"
#include "pipeline/event.hpp"
#include "pipeline/outbox.hpp"
#include "pipeline/ulid.hpp"
#include "store/time.hpp"

namespace imgmeta::pipeline {
namespace {

constexpr const char* kOwner = "alice";
constexpr uint64_t kMax = 1000;

UploadRequest request(std::string filename, std::string type, uint64_t size, std::string sha = "") {
  return UploadRequest{std::move(filename), std::move(type), size, std::move(sha)};
}

std::string code_of(UploadRequest r) {
  auto st = check_upload_request(r, kMax);
  return st ? "" : std::string(st.error().code_name());
}

TEST(UploadRequest, ValidRequestIsMadeCanonical) {
  auto r = request("IMG_0001.JPG", " Image/JPEG ; charset=binary", 10, std::string(64, 'A'));
  ASSERT_TRUE(check_upload_request(r, kMax).ok());
  EXPECT_EQ(r.content_type, "image/jpeg");
  EXPECT_EQ(r.sha256, std::string(64, 'a'));
  EXPECT_EQ(r.filename, "IMG_0001.JPG");
}

TEST(UploadRequest, EachRefusalHasItsCode) {
  EXPECT_EQ(code_of(request("", "image/jpeg", 10)), "InvalidRequest");
  EXPECT_EQ(code_of(request(std::string(256, 'x'), "image/jpeg", 10)), "InvalidRequest");
  EXPECT_EQ(code_of(request("a\nb.jpg", "image/jpeg", 10)), "InvalidRequest");
  EXPECT_EQ(code_of(request("\xff\xfe.jpg", "image/jpeg", 10)), "InvalidRequest");
  EXPECT_EQ(code_of(request("a.jpg", "image/jpeg", 0)), "InvalidSize");
  EXPECT_EQ(code_of(request("a.jpg", "image/jpeg", kMax + 1)), "PayloadTooLarge");
  EXPECT_EQ(code_of(request("a.svg", "image/svg+xml", 10)), "UnsupportedMediaType");
  EXPECT_EQ(code_of(request("a.html", "text/html", 10)), "UnsupportedMediaType");
  EXPECT_EQ(code_of(request("a.jpg", "image/jpeg", 10, "abc")), "InvalidRequest");
  EXPECT_EQ(code_of(request("a.jpg", "image/jpeg", 10, std::string(64, 'g'))), "InvalidRequest");
  EXPECT_EQ(code_of(request(std::string(255, 'x'), "application/octet-stream", kMax)), "");
}

TEST(PendingRecord, OneRuleForTheContentType) {
  store::UploadIntent intent{kOwner, "01J0000000000000000000000A", "Photo.HEIC", "image/heic", 5, "", 0, 0, "", 0};
  store::ObjectInfo object{5, "etag", "application/octet-stream", 1234, ""};
  // The declared type wins over what the object was stored with ...
  EXPECT_EQ(pending_record(intent, object, 99).content_type, "image/heic");
  // ... the object's when nothing was declared ...
  intent.content_type.clear();
  object.content_type = "Image/PNG";
  EXPECT_EQ(pending_record(intent, object, 99).content_type, "image/png");
  // ... and application/octet-stream when neither says.
  object.content_type.clear();
  EXPECT_EQ(pending_record(intent, object, 99).content_type, "application/octet-stream");
}

TEST(PendingRecord, FieldsComeFromTheIntentAndTheObject) {
  store::UploadIntent intent{kOwner, "01J0000000000000000000000A", "Holiday PHOTO.jpg", "image/jpeg", 5,
                             std::string(64, 'b'), 0, 0, "", 0};
  store::ObjectInfo object{7, "etag7", "image/jpeg", 0, std::string(64, 'c')};
  auto r = pending_record(intent, object, 4242);
  EXPECT_EQ(r.owner, kOwner);
  EXPECT_EQ(r.image_id, intent.image_id);
  EXPECT_EQ(r.filename, "Holiday PHOTO.jpg");
  EXPECT_EQ(r.search_text, "holiday photo.jpg");
  EXPECT_EQ(r.size, 7u);
  EXPECT_EQ(r.etag, "etag7");
  EXPECT_EQ(r.sha256, intent.sha256);  // what the client declared (and the store verified)
  EXPECT_EQ(r.status, store::ImageStatus::Pending);
  EXPECT_EQ(r.uploaded_at_ms, 4242);  // no Last-Modified: now
  EXPECT_EQ(r.updated_at_ms, 4242);
  object.last_modified_ms = 1000;
  EXPECT_EQ(pending_record(intent, object, 4242).uploaded_at_ms, 1000);
  // Without an intent's name or digest: the image id and the object's digest.
  intent.filename.clear();
  intent.sha256.clear();
  r = pending_record(intent, object, 1);
  EXPECT_EQ(r.filename, intent.image_id);
  EXPECT_EQ(r.sha256, object.sha256_hex);
}

struct AcceptPutTest : ::testing::Test {
  testing::TempDir dir;
  std::unique_ptr<store::DirectoryBlobStore> blobs;
  std::unique_ptr<store::SqliteMetadataStore> db;
  Metrics metrics;
  std::unique_ptr<Outbox> outbox;

  void SetUp() override {
    store::DirectoryBlobStoreOptions o;
    o.data_dir = dir.path();
    o.secret = "s";
    blobs = std::move(store::DirectoryBlobStore::open(o)).value();
    db = std::move(store::SqliteMetadataStore::open({dir / "meta.db"})).value();
    outbox = std::make_unique<Outbox>(*db, *blobs, HandlerOptions{}, WorkerOptions{}, metrics);
  }

  store::UploadIntent open_upload(const std::string& bytes, const std::string& sha = "") {
    store::UploadIntent intent{kOwner, new_ulid(), "a.jpg", "image/jpeg", bytes.size(), sha, store::now_ms(),
                               store::now_ms() + 900000, "", 0};
    EXPECT_TRUE(db->put_upload_intent(intent).ok());
    return intent;
  }

  Result<AcceptedPut> put(const store::UploadIntent& intent, const std::string& bytes) {
    auto w = blobs->begin_put(object_key(intent.owner, intent.image_id), {bytes.size(), "image/jpeg", std::nullopt});
    EXPECT_TRUE(w.ok());
    EXPECT_TRUE((*w)->write(bytes).ok());
    return accept_put(*db, *outbox, intent, **w, /*is_part=*/false);
  }
};

TEST_F(AcceptPutTest, AWholeUploadIsCommittedAndRecordedPending) {
  auto intent = open_upload("first bytes");
  auto a = put(intent, "first bytes");
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_FALSE(a->duplicate_of);
  ASSERT_TRUE(a->record);
  EXPECT_EQ(a->record->status, store::ImageStatus::Pending);
  EXPECT_EQ(a->sha256.size(), 64u);
  auto stored = db->get(kOwner, intent.image_id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->sha256, a->sha256);
  EXPECT_EQ(stored->content_type, "image/jpeg");
  EXPECT_TRUE(blobs->head(object_key(kOwner, intent.image_id)).ok());
}

TEST_F(AcceptPutTest, TheSameBytesAgainAreADuplicateAndLeaveNothing) {
  auto first = open_upload("same bytes");
  ASSERT_TRUE(put(first, "same bytes").ok());
  auto second = open_upload("same bytes");
  auto a = put(second, "same bytes");
  ASSERT_TRUE(a.ok()) << a.error().message;
  ASSERT_TRUE(a->duplicate_of);
  EXPECT_EQ(*a->duplicate_of, first.image_id);
  EXPECT_FALSE(a->record);
  EXPECT_EQ(db->get(kOwner, second.image_id).error().code, meta::Errc::NotFound);
  EXPECT_EQ(db->get_upload_intent(kOwner, second.image_id).error().code, meta::Errc::NotFound);
  EXPECT_FALSE(blobs->head(object_key(kOwner, second.image_id)).ok());
}

TEST_F(AcceptPutTest, AShortBodyIsRefusedWithTheWritersCode) {
  auto intent = open_upload("twelve bytes");
  auto w = blobs->begin_put(object_key(kOwner, intent.image_id), {12, "image/jpeg", std::nullopt});
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->write(std::string_view("twelve")).ok());
  auto a = accept_put(*db, *outbox, intent, **w, false);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().code, meta::Errc::IncompleteBody);
  EXPECT_EQ(db->get(kOwner, intent.image_id).error().code, meta::Errc::NotFound);
}

TEST(FindDuplicate, NoDigestNoDuplicate) {
  testing::TempDir dir;
  auto db = std::move(store::SqliteMetadataStore::open({dir / "meta.db"})).value();
  auto d = find_duplicate(*db, kOwner, "");
  ASSERT_TRUE(d.ok());
  EXPECT_FALSE(*d);
}

}  // namespace
}  // namespace imgmeta::pipeline
