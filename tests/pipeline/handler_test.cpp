#include "pipeline/handler.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "../store/temp_dir.hpp"
#include "meta/extract.hpp"
#include "store/directory_blob_store.hpp"
#include "pipeline/uploads.hpp"
#include "store/sqlite_metadata_store.hpp"

namespace imgmeta::pipeline {
namespace {

using store::ImageStatus;

constexpr const char* kOwner = "alice";
constexpr const char* kId = "01JD3XJ8Y8ZK5W3V1Q2R4T6Y8A";
const std::string kKey = std::string("uploads/alice/") + kId;

std::string corpus(const std::string& rel) { return testing::read_file(std::string(IMGMETA_SHARED_DIR) + "/corpus/" + rel); }

struct Handler : ::testing::Test {
  testing::TempDir dir;
  std::unique_ptr<store::DirectoryBlobStore> blobs;
  std::unique_ptr<store::SqliteMetadataStore> db;
  HandlerOptions options;

  void SetUp() override {
    store::DirectoryBlobStoreOptions o;
    o.data_dir = dir.path();
    o.secret = "s";
    blobs = std::move(store::DirectoryBlobStore::open(o)).value();
    db = std::move(store::SqliteMetadataStore::open({dir / "meta.db"})).value();
  }

  void put(const std::string& key, const std::string& bytes, const std::string& type = "image/jpeg") {
    auto w = blobs->begin_put(key, {bytes.size(), type, std::nullopt});
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->write(bytes).ok());
    ASSERT_TRUE((*w)->commit().ok());
  }

  void intend(const std::string& filename) {
    ASSERT_TRUE(db->put_upload_intent({kOwner, kId, filename, "image/jpeg", 0, "", 1, 2, "", 0}).ok());
  }

  static EventRecord created(const std::string& sequencer, const std::string& key = kKey) {
    EventRecord e;
    e.event_name = "ObjectCreated:Put";
    e.event_time = "2024-11-25T02:00:00.000Z";
    e.bucket = "b";
    e.key = key;
    e.sequencer = sequencer;
    return e;
  }

  static EventRecord removed(const std::string& sequencer) {
    EventRecord e = created(sequencer);
    e.event_name = "ObjectRemoved:Delete";
    return e;
  }

  Outcome run(const EventRecord& e) {
    auto r = handle(e, *blobs, *db, options);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r ? *r : Outcome{};
  }

  store::ImageRecord stored() {
    auto r = db->get(kOwner, kId);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r ? *r : store::ImageRecord{};
  }
};

TEST_F(Handler, JpegWithExifEndsReadyWithItsFilterFields) {
  put(kKey, corpus("jpeg/ianare_Canon_40D.jpg"));
  intend("Canon 40D.jpg");
  Outcome o = run(created("10"));
  EXPECT_EQ(o.action, Action::Extracted);
  EXPECT_EQ(o.status, ImageStatus::Ready);
  EXPECT_EQ(o.owner, kOwner);
  EXPECT_EQ(o.image_id, kId);
  store::ImageRecord r = stored();
  EXPECT_EQ(r.status, ImageStatus::Ready);
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.filename, "Canon 40D.jpg");
  EXPECT_EQ(r.content_type, "image/jpeg");
  EXPECT_EQ(r.size, 7958u);
  EXPECT_EQ(r.sequencer, "10");
  EXPECT_EQ(r.format, "JPEG");
  EXPECT_EQ(r.make, "Canon");
  EXPECT_EQ(r.model, "Canon EOS 40D");
  EXPECT_FALSE(r.has_gps);
  // DateTimeOriginal 2008:05:30 15:56:01 without an offset, read as UTC.
  EXPECT_EQ(r.taken_at_ms, std::optional<int64_t>(1212162961000));
  EXPECT_NE(r.metadata_json.find("\"Make\":\"Canon\""), std::string::npos);
  EXPECT_NE(r.search_text.find("canon eos 40d"), std::string::npos) << r.search_text;
  EXPECT_EQ(r.uploaded_at_ms, 1732500000000);  // the event's time
}

TEST_F(Handler, AnUnnamedTypeBecomesTheExtractorsMimeType) {
  // The browser could not name the file's type: the pending record says octet-stream (the
  // upload service's rule), the extraction says what it is.
  put(kKey, corpus("jpeg/ianare_Canon_40D.jpg"), "application/octet-stream");
  ASSERT_TRUE(db->put_upload_intent({kOwner, kId, "photo", "application/octet-stream", 0, "", 1, 2, "", 0}).ok());
  run(created("10"));
  EXPECT_EQ(stored().content_type, "image/jpeg");
}

TEST_F(Handler, GpsCoordinatesSetHasGps) {
  put(kKey, corpus("jpeg/exiftool_GPS.jpg"));
  run(created("10"));
  EXPECT_TRUE(stored().has_gps);
}

TEST_F(Handler, LargePhotoIsReadInRangesNeverWhole) {
  std::string bytes = corpus("jpeg/mei_Apple_iPhone_5.jpg");
  ASSERT_GT(bytes.size(), 2000000u);
  put(kKey, bytes);
  Outcome o = run(created("10"));
  EXPECT_EQ(o.status, ImageStatus::Ready);
  EXPECT_EQ(o.object_size, bytes.size());
  EXPECT_GT(o.bytes_read, 0u);
  EXPECT_LT(o.bytes_read, bytes.size() / 10);
}

TEST_F(Handler, TextFileIsUnsupported) {
  put(kKey, "just some words, not an image\n", "text/plain");
  Outcome o = run(created("10"));
  EXPECT_EQ(o.status, ImageStatus::Unsupported);
  EXPECT_EQ(stored().status, ImageStatus::Unsupported);
  EXPECT_EQ(stored().error, "not a supported image format");
  EXPECT_EQ(stored().content_type, "text/plain");  // as stored with the object, no intent
}

TEST_F(Handler, MalformedImageIsFailedWithTheReason) {
  put(kKey, corpus("malformed/exiv2_POC1"), "image/tiff");
  Outcome o = run(created("10"));
  EXPECT_EQ(o.status, ImageStatus::Failed);
  EXPECT_EQ(stored().status, ImageStatus::Failed);
  EXPECT_NE(stored().error.find("IFD0"), std::string::npos) << stored().error;
}

TEST_F(Handler, EmptyObjectIsFailed) {
  put(kKey, "");
  run(created("10"));
  EXPECT_EQ(stored().status, ImageStatus::Failed);
  EXPECT_EQ(stored().error, "empty object (0 bytes)");
}

TEST_F(Handler, ObjectOverTheSizeLimitIsFailedUnread) {
  options.max_object_size = 1000;
  put(kKey, corpus("jpeg/ianare_Canon_40D.jpg"));
  Outcome o = run(created("10"));
  EXPECT_EQ(o.bytes_read, 0u);
  EXPECT_EQ(stored().status, ImageStatus::Failed);
  EXPECT_EQ(stored().error, "object of 7958 bytes is over the limit of 1000");
}

TEST_F(Handler, DuplicateEventLeavesTheSameState) {
  put(kKey, corpus("jpeg/ianare_Canon_40D.jpg"));
  run(created("10"));
  store::ImageRecord first = stored();
  Outcome again = run(created("10"));
  EXPECT_EQ(again.action, Action::Extracted);
  store::ImageRecord second = stored();
  EXPECT_EQ(second.status, first.status);
  EXPECT_EQ(second.metadata_json, first.metadata_json);
  EXPECT_EQ(second.sequencer, first.sequencer);
}

TEST_F(Handler, CreateThenDeleteRemovesTheRecord) {
  put(kKey, corpus("jpeg/ianare_Canon_40D.jpg"));
  run(created("10"));
  ASSERT_TRUE(blobs->remove(kKey).ok());
  EXPECT_EQ(run(removed("11")).action, Action::Removed);
  EXPECT_EQ(db->get(kOwner, kId).error().code, meta::Errc::NotFound);
}

TEST_F(Handler, DeleteArrivingBeforeItsCreateWinsTheRace) {
  put(kKey, corpus("jpeg/ianare_Canon_40D.jpg"));  // the object still exists when the late create runs
  EXPECT_EQ(run(removed("11")).action, Action::Removed);
  EXPECT_EQ(run(created("10")).action, Action::Stale);
  EXPECT_EQ(db->get(kOwner, kId).error().code, meta::Errc::NotFound);
}

TEST_F(Handler, OlderCreateArrivingLateIsStale) {
  put(kKey, corpus("jpeg/ianare_Canon_40D.jpg"));
  run(created("0C0F6F405D6ED209E1"));
  EXPECT_EQ(run(created("0C0F6F405D6ED209E0")).action, Action::Stale);
  EXPECT_EQ(stored().sequencer, "0C0F6F405D6ED209E1");
}

TEST_F(Handler, OlderDeleteDoesNotRemoveANewerVersion) {
  put(kKey, corpus("jpeg/ianare_Canon_40D.jpg"));
  run(created("20"));
  options.remove_bytes_on_delete = true;
  EXPECT_EQ(run(removed("15")).action, Action::Stale);
  EXPECT_TRUE(db->get(kOwner, kId).ok());
  EXPECT_TRUE(blobs->head(kKey).ok());
}

TEST_F(Handler, CreateForAVanishedObjectRemovesItsPendingRecord) {
  store::ImageRecord pending;
  pending.owner = kOwner;
  pending.image_id = kId;
  pending.sequencer = "10";
  ASSERT_TRUE(db->apply(pending).ok());
  EXPECT_EQ(run(created("10")).action, Action::Missing);
  EXPECT_EQ(db->get(kOwner, kId).error().code, meta::Errc::NotFound);
}

TEST_F(Handler, LocalDeleteAlsoRemovesTheBytes) {
  put(kKey, corpus("jpeg/ianare_Canon_40D.jpg"));
  run(created("10"));
  options.remove_bytes_on_delete = true;
  EXPECT_EQ(run(removed("11")).action, Action::Removed);
  EXPECT_EQ(blobs->head(kKey).error().code, meta::Errc::NotFound);
}

TEST_F(Handler, ReextractionWithTheSameSequencerReplacesAFailure) {
  put(kKey, corpus("jpeg/ianare_Canon_40D.jpg"));
  store::ImageRecord failed;
  failed.owner = kOwner;
  failed.image_id = kId;
  failed.filename = "kept.jpg";
  failed.status = ImageStatus::Failed;
  failed.error = "extractor 0.1 gave up";
  failed.sequencer = "10";
  ASSERT_TRUE(db->apply(failed).ok());
  EXPECT_EQ(run(created("10")).action, Action::Extracted);
  EXPECT_EQ(stored().status, ImageStatus::Ready);
  EXPECT_EQ(stored().error, "");
  EXPECT_EQ(stored().filename, "kept.jpg");
}

TEST_F(Handler, KeysOutsideTheContractAreIgnored) {
  put("other/thing", "x");
  EXPECT_EQ(run(created("10", "other/thing")).action, Action::Ignored);
  EXPECT_EQ(run(created("10", "uploads/alice/not-a-ulid")).action, Action::Ignored);
}

TEST_F(Handler, UnreadableObjectIsAnErrorToRetryNotAFailedImage) {
  // A directory where the file should be: the store cannot read it (an I/O failure).
  std::filesystem::create_directories(dir / ("blobs/" + kKey));
  auto r = handle(created("10"), *blobs, *db, options);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(db->get(kOwner, kId).error().code, meta::Errc::NotFound);
}

TEST_F(Handler, MotoEventWithoutSequencerOrdersByEventTime) {
  put(kKey, corpus("jpeg/ianare_Canon_40D.jpg"));
  EventRecord later = created("");
  later.event_time = "2026-11-24T23:14:57.734692";
  EventRecord earlier = created("");
  earlier.event_time = "2026-11-24T23:14:49.755845";
  EXPECT_EQ(run(later).action, Action::Extracted);
  EXPECT_EQ(run(earlier).action, Action::Stale);
}

// A store where another delivery of the same event turns the upload intent into the record
// right after this one's apply_extraction found none (DynamoDB keeps the intent on the
// record's item, so the intent is then gone): the handler must write onto that record, not
// over it with one built without the intent.
class RacingStore final : public store::MetadataStore {
 public:
  explicit RacingStore(store::SqliteMetadataStore& inner) : in_(inner) {}
  Status put_upload_intent(const store::UploadIntent& i) override { return in_.put_upload_intent(i); }
  Result<store::UploadIntent> get_upload_intent(const std::string& o, const std::string& id) override {
    return in_.get_upload_intent(o, id);
  }
  Status remove_upload_intent(const std::string& o, const std::string& id) override { return in_.remove_upload_intent(o, id); }
  Result<std::optional<std::string>> find_by_sha256(const std::string& o, const std::string& h) override {
    return in_.find_by_sha256(o, h);
  }
  Result<bool> apply(const store::ImageRecord& r) override { return in_.apply(r); }
  Result<store::ApplyOutcome> apply_extraction(const store::ImageRecord& r) override {
    if (raced_++ == 0) {
      auto first = in_.apply_extraction(r);
      EXPECT_EQ(first.value_or(store::ApplyOutcome::Applied), store::ApplyOutcome::NoRecord);
      // The other delivery: the record from the intent, which goes.
      auto intent = in_.get_upload_intent(r.owner, r.image_id);
      EXPECT_TRUE(intent.ok());
      store::ImageRecord full = pending_record(*intent, {}, 1);
      store::merge_extraction(full, r);
      EXPECT_TRUE(in_.apply(full).value_or(false));
      EXPECT_TRUE(in_.remove_upload_intent(r.owner, r.image_id).ok());
      return first;
    }
    return in_.apply_extraction(r);
  }
  Result<bool> remove(const std::string& o, const std::string& id, const std::string& s) override {
    return in_.remove(o, id, s);
  }
  Result<store::ImageRecord> get(const std::string& o, const std::string& id) override { return in_.get(o, id); }
  Result<store::ImagePage> list(const store::ImageQuery& q) override { return in_.list(q); }
  Result<bool> set_preview(const std::string& o, const std::string& id, const std::string& s,
                           const store::PreviewState& p) override {
    return in_.set_preview(o, id, s, p);
  }
  Result<store::ImageRecord> trash(const std::string& o, const std::string& id, int64_t at) override {
    return in_.trash(o, id, at);
  }
  Result<store::ImageRecord> restore(const std::string& o, const std::string& id) override { return in_.restore(o, id); }
  Result<store::ImagePage> list_trash(const store::TrashQuery& q) override { return in_.list_trash(q); }
  Result<std::vector<store::TrashedImage>> expired_trash(int64_t cutoff, int limit) override {
    return in_.expired_trash(cutoff, limit);
  }

 private:
  store::SqliteMetadataStore& in_;
  int raced_ = 0;
};

TEST_F(Handler, AnIntentTurnedIntoTheRecordMeanwhileIsWrittenOntoNotOver) {
  put(kKey, corpus("jpeg/ianare_Canon_40D.jpg"));
  intend("Beach.jpg");
  RacingStore racing(*db);
  auto o = handle(created("10"), *blobs, racing, options);
  ASSERT_TRUE(o.ok()) << o.error().message;
  EXPECT_EQ(o->action, Action::Extracted);
  auto r = stored();
  EXPECT_EQ(r.filename, "Beach.jpg") << "not the image id of a record built without the intent";
  EXPECT_EQ(r.status, ImageStatus::Ready);
  EXPECT_EQ(r.make, "Canon");
  EXPECT_NE(r.search_text.find("beach.jpg jpeg canon"), std::string::npos) << r.search_text;
}

// The lens the handler hands the stores is what lens_of() reads back from the metadata JSON
// it wrote, for every file of the corpus (the DynamoDB adapter uses it to skip that parse).
TEST(FillFromMetadata, LensIsWhatTheJsonSays) {
  namespace fs = std::filesystem;
  size_t files = 0, with_lens = 0;
  for (const auto& entry : fs::recursive_directory_iterator(std::string(IMGMETA_SHARED_DIR) + "/corpus")) {
    if (!entry.is_regular_file()) continue;
    auto source = meta::FileSource::open(entry.path().string());
    ASSERT_TRUE(source) << entry.path();
    auto md = meta::extract(*source);
    if (!md) continue;
    store::ImageRecord r;
    fill_from_metadata(*md, r);
    ++files;
    std::string expected = store::lens_of(r.metadata_json);
    if (!r.lens) continue;  // not UTF-8: left to lens_of()
    EXPECT_EQ(*r.lens, expected) << entry.path();
    with_lens += !expected.empty();
  }
  EXPECT_GT(files, 250u);
  EXPECT_GT(with_lens, 10u);
}

}  // namespace
}  // namespace imgmeta::pipeline
