// The preview step over the local stores, with a stand-in renderer (the real one has its
// own tests in tests/preview): what is stored where, what the record says, and the URLs.
#include "pipeline/preview_step.hpp"

#include <gtest/gtest.h>

#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>

#include "../store/temp_dir.hpp"
#include "pipeline/handler.hpp"
#include "pipeline/preview_workers.hpp"
#include "store/directory_blob_store.hpp"
#include "store/sqlite_metadata_store.hpp"

namespace imgmeta::pipeline {
namespace {

using store::ImageStatus;
using store::PreviewStatus;

constexpr const char* kOwner = "alice";
constexpr const char* kId = "01JD3XJ8Y8ZK5W3V1Q2R4T6Y8A";
const std::string kKey = std::string("uploads/alice/") + kId;

// Answers with fixed bytes, or with the error it is given; counts its calls.
class FakeRenderer final : public preview::Renderer {
 public:
  std::optional<meta::Error> fail;
  std::atomic<int> calls{0};
  std::atomic<int> last_nice{-100};  // the calling thread's nice value
  Result<preview::Renditions> render(meta::Source& source, const preview::Options& options) override {
    ++calls;
    errno = 0;
    last_nice = getpriority(PRIO_PROCESS, static_cast<id_t>(gettid()));
    if (fail) return *fail;
    std::vector<uint8_t> first(4);
    EXPECT_TRUE(source.read_at(0, first).ok());
    preview::Renditions r;
    r.thumbnail = {"RIFF-thumb", options.thumbnail_edge, options.thumbnail_edge * 3 / 4};
    r.preview = {"RIFF-preview", options.preview_edge, options.preview_edge * 3 / 4};
    r.origin = "decoded";
    return r;
  }
};

struct PreviewStep : ::testing::Test {
  testing::TempDir dir;
  std::unique_ptr<store::DirectoryBlobStore> blobs;
  std::unique_ptr<store::SqliteMetadataStore> db;
  FakeRenderer renderer;
  preview::Options options;

  void SetUp() override {
    store::DirectoryBlobStoreOptions o;
    o.data_dir = dir.path();
    o.secret = "s";
    o.public_base_url = "http://127.0.0.1:1";
    o.url_path_prefix = "/blobs/";
    blobs = std::move(store::DirectoryBlobStore::open(o)).value();
    db = std::move(store::SqliteMetadataStore::open({dir / "meta.db"})).value();
  }

  void put(const std::string& key, const std::string& bytes) {
    auto w = blobs->begin_put(key, {bytes.size(), "image/jpeg", std::nullopt});
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->write(bytes).ok());
    ASSERT_TRUE((*w)->commit().ok());
  }

  void record(ImageStatus status, const std::string& sequencer = "10") {
    store::ImageRecord r;
    r.owner = kOwner;
    r.image_id = kId;
    r.filename = "a.jpg";
    r.status = status;
    r.sequencer = sequencer;
    r.uploaded_at_ms = 1;
    ASSERT_TRUE(db->apply(r).ok());
  }

  PreviewOutcome run(const std::string& sequencer = "10") {
    auto r = make_previews(kOwner, kId, sequencer, *blobs, *db, &renderer, options);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r ? *r : PreviewOutcome{};
  }

  store::ImageRecord stored() { return std::move(db->get(kOwner, kId)).value(); }
  bool exists(const std::string& key) { return blobs->head(key).ok(); }
};

TEST_F(PreviewStep, ReadyImageGetsBothRenditionsBesideTheOriginalNotUnderUploads) {
  put(kKey, "\xff\xd8\xff\xe0 jpeg bytes");
  record(ImageStatus::Ready);
  EXPECT_EQ(store::effective_preview_status(stored()), PreviewStatus::Pending);

  auto out = run();
  EXPECT_EQ(out.action, PreviewAction::Rendered);
  EXPECT_EQ(rendition_key(kOwner, kId, kThumbnailName), "previews/alice/01JD3XJ8Y8ZK5W3V1Q2R4T6Y8A/thumb.webp");
  auto thumb = blobs->head(rendition_key(kOwner, kId, kThumbnailName));
  ASSERT_TRUE(thumb.ok());
  EXPECT_EQ(thumb->content_type, "image/webp");
  EXPECT_EQ(thumb->size, 10u);
  EXPECT_TRUE(exists(rendition_key(kOwner, kId, kPreviewName)));

  auto rec = stored();
  EXPECT_EQ(store::effective_preview_status(rec), PreviewStatus::Ready);
  EXPECT_EQ(rec.preview.thumb_width, 400);
  EXPECT_EQ(rec.preview.thumb_height, 300);
  EXPECT_EQ(rec.preview.preview_width, 1600);
  EXPECT_EQ(rec.preview.origin, "decoded");
  EXPECT_EQ(rec.preview.sequencer, "10");
  EXPECT_GT(out.bytes_read, 0u);
}

TEST_F(PreviewStep, UrlsStayTheSameAcrossListingsOfOneDayAndChangeTheNext) {
  put(kKey, "bytes");
  record(ImageStatus::Ready);
  run();
  auto rec = stored();
  const int64_t version = std::stoll(rec.preview.version);
  const int64_t later = version + 60, much_later = version + 3 * 86400;
  auto a = rendition_url(rec, kThumbnailName, *blobs, later);
  auto b = rendition_url(rec, kThumbnailName, *blobs, later + 1);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(*a, *b);
  EXPECT_NE(a->find("previews/alice/"), std::string::npos);
  EXPECT_NE(*rendition_url(rec, kPreviewName, *blobs, later), *a);
  auto next_day = rendition_url(rec, kThumbnailName, *blobs, much_later);
  ASSERT_TRUE(next_day);
  EXPECT_NE(*next_day, *a);
  // The URL handed out now is one the store accepts (signed, not expired).
  auto live = rendition_url(rec, kThumbnailName, *blobs, std::time(nullptr));
  ASSERT_TRUE(live);
  std::string target = live->substr(live->find("/blobs/"));
  auto q = target.find('?');
  store::IncomingRequest req{"GET", target.substr(0, q), target.substr(q + 1), {{"Host", "127.0.0.1:1"}}};
  auto ok = blobs->verify(req);
  EXPECT_TRUE(ok.ok()) << ok.error().message;
}

TEST_F(PreviewStep, NoUrlUntilRenderedNorForImagesThatAreNotReady) {
  put(kKey, "bytes");
  record(ImageStatus::Ready);
  EXPECT_FALSE(rendition_url(stored(), kThumbnailName, *blobs, 1000));
  record(ImageStatus::Failed, "11");
  EXPECT_EQ(store::effective_preview_status(stored()), PreviewStatus::Unsupported);
  EXPECT_EQ(run("11").action, PreviewAction::Skipped);
  EXPECT_EQ(renderer.calls, 0);
}

TEST_F(PreviewStep, RendererRefusalIsRecordedAndTheImageStaysReady) {
  put(kKey, "bytes");
  record(ImageStatus::Ready);
  renderer.fail = meta::make_error(meta::Errc::Unsupported, "no decoder for JPEG XL here");
  auto out = run();
  EXPECT_EQ(out.action, PreviewAction::Recorded);
  auto rec = stored();
  EXPECT_EQ(rec.status, ImageStatus::Ready);
  EXPECT_EQ(store::effective_preview_status(rec), PreviewStatus::Unsupported);
  EXPECT_EQ(rec.preview.error, "no decoder for JPEG XL here");
  EXPECT_FALSE(exists(rendition_key(kOwner, kId, kThumbnailName)));

  renderer.fail = meta::make_error(meta::Errc::TooLarge, "60000 x 60000 pixels is over the limit");
  record(ImageStatus::Ready, "12");
  run("12");
  EXPECT_EQ(store::effective_preview_status(stored()), PreviewStatus::Failed);
}

TEST_F(PreviewStep, NoRendererRecordsWhyEveryImageHasNone) {
  put(kKey, "bytes");
  record(ImageStatus::Ready);
  auto out = make_previews(kOwner, kId, "10", *blobs, *db, nullptr, options, "libvips is missing");
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(stored().preview.error, "libvips is missing");
  EXPECT_EQ(store::effective_preview_status(stored()), PreviewStatus::Failed);
}

TEST_F(PreviewStep, WaitsForTheRecordOfItsVersionAndLetsNewerVersionsWin) {
  put(kKey, "bytes");
  EXPECT_EQ(run("10").action, PreviewAction::NotYet);  // not extracted yet
  record(ImageStatus::Pending, "10");
  EXPECT_EQ(run("10").action, PreviewAction::NotYet);
  record(ImageStatus::Ready, "0F");
  EXPECT_EQ(run("10").action, PreviewAction::NotYet);  // the record is of an older version
  record(ImageStatus::Ready, "20");
  EXPECT_EQ(run("10").action, PreviewAction::Skipped);  // a newer version decides
  EXPECT_EQ(renderer.calls, 0);
  EXPECT_EQ(run("20").action, PreviewAction::Rendered);
}

TEST_F(PreviewStep, SetPreviewOnlyWritesTheVersionItWasMadeFrom) {
  record(ImageStatus::Ready, "10");
  store::PreviewState p;
  p.status = PreviewStatus::Ready;
  auto other = db->set_preview(kOwner, kId, "11", p);
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(*other);
  auto missing = db->set_preview(kOwner, "01JD3XJ8Y8ZK5W3V1Q2R4T6Y8B", "10", p);
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(*missing);
  EXPECT_TRUE(*db->set_preview(kOwner, kId, "10", p));
}

TEST_F(PreviewStep, ReextractionAsksForNewRenditionsAndDeletionRemovesThem) {
  put(kKey, "bytes");
  record(ImageStatus::Ready);
  run();
  ASSERT_TRUE(db->preview_backlog(10)->empty());
  record(ImageStatus::Ready);  // the handler rewrites the record on a re-extraction
  auto backlog = db->preview_backlog(10);
  ASSERT_TRUE(backlog.ok());
  ASSERT_EQ(backlog->size(), 1u);
  EXPECT_EQ((*backlog)[0].sequencer, "10");

  EventRecord del;
  del.event_name = "ObjectRemoved:Delete";
  del.bucket = "b";
  del.key = kKey;
  del.sequencer = "30";
  HandlerOptions ho;
  ho.remove_bytes_on_delete = true;
  ASSERT_TRUE(handle(del, *blobs, *db, ho).ok());
  EXPECT_FALSE(exists(rendition_key(kOwner, kId, kThumbnailName)));
  EXPECT_FALSE(exists(rendition_key(kOwner, kId, kPreviewName)));
  EXPECT_FALSE(exists(kKey));
}

TEST_F(PreviewStep, WorkersFinishTheBacklogAStartFindsAfterACrash) {
  // Two ready images whose renditions a crash never made.
  put(kKey, "bytes");
  record(ImageStatus::Ready);
  const std::string id2 = "01JD3XJ8Y8ZK5W3V1Q2R4T6Y8C";
  put("uploads/alice/" + id2, "bytes2");
  store::ImageRecord r2;
  r2.owner = kOwner;
  r2.image_id = id2;
  r2.status = ImageStatus::Ready;
  r2.sequencer = "10";
  ASSERT_TRUE(db->apply(r2).ok());

  Metrics metrics;
  PreviewWorkers workers(*db, *blobs, &renderer, "", {}, metrics);
  auto n = workers.drain();
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 2u);
  EXPECT_EQ(metrics.previews_ready.load(), 2u);
  EXPECT_TRUE(db->preview_backlog(10)->empty());
  EXPECT_EQ(store::effective_preview_status(*db->get(kOwner, id2)), PreviewStatus::Ready);

  // And the threads do the same when woken.
  record(ImageStatus::Ready, "40");
  workers.start();
  workers.wake();
  for (int i = 0; i < 200 && !db->preview_backlog(10)->empty(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  workers.stop();
  EXPECT_TRUE(db->preview_backlog(10)->empty());
  EXPECT_EQ(renderer.calls, 3);
  // Rendering is background work: the worker thread runs below the server's priority, and
  // the test's own thread keeps its nice value.
  EXPECT_GE(renderer.last_nice.load(), PreviewWorkerOptions{}.nice);
  EXPECT_LT(getpriority(PRIO_PROCESS, static_cast<id_t>(gettid())), PreviewWorkerOptions{}.nice);
}

}  // namespace
}  // namespace imgmeta::pipeline
