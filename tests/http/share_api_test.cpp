// ShareApi over the real local stores (directory blobs, SQLite) with a clock the test moves:
// what the recipient's JSON keeps, expiry, revocation, passwords and their rate limit.
#include "http/share_api.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "pipeline/event.hpp"
#include "store/directory_blob_store.hpp"
#include "store/sqlite_metadata_store.hpp"
#include "store/sqlite_share_store.hpp"

namespace imgmeta::http {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

const std::string kOwner = "owner-1";
const std::string kImage = "01HZX0000000000000000000A1";

TEST(ShareMetadata, WithoutLocationNoKeyNamesGpsOrALocation) {
  ordered_json md = {{"Make", "NIKON"}, {"GPSLatitude", 1.5}, {"GPSPosition", "1 2"}, {"gpsversionid", "x"},
                     {"City", "Paris"}, {"LocationCreatedCity", "x"}, {"Country", "FR"}, {"ImageWidth", 640}};
  auto out = share_metadata(md, /*location=*/false, /*metadata=*/true);
  EXPECT_EQ(out.dump(), R"({"Make":"NIKON","ImageWidth":640})");
  EXPECT_EQ(share_metadata(md, true, true).size(), md.size());
}

TEST(ShareMetadata, WithoutMetadataOnlyFileFacts) {
  ordered_json md = {{"FileType", "JPEG"}, {"MIMEType", "image/jpeg"}, {"Make", "NIKON"}, {"GPSLatitude", 1.5},
                     {"ImageWidth", 640}, {"ImageHeight", 480}, {"ImageDescription", "<b>"}};
  EXPECT_EQ(share_metadata(md, false, false).dump(),
            R"({"FileType":"JPEG","MIMEType":"image/jpeg","ImageWidth":640,"ImageHeight":480})");
  EXPECT_EQ(share_metadata(md, true, false).dump(), share_metadata(md, false, false).dump());
  EXPECT_TRUE(share_metadata(ordered_json::array(), true, true).empty());
}

class ShareApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("imgmeta-share-" + std::to_string(::getpid()) + "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    store::DirectoryBlobStoreOptions bo;
    bo.data_dir = dir_.string();
    bo.public_base_url = "http://127.0.0.1:9";
    bo.url_path_prefix = "/blobs/";
    blobs_ = store::DirectoryBlobStore::open(bo).value();
    metadata_ = store::SqliteMetadataStore::open({(dir_ / "metadata.db").string()}).value();
    shares_ = store::SqliteShareStore::open((dir_ / "metadata.db").string()).value();
    ShareOptions o;
    o.page_url = "https://site.example/share.html";
    o.password_cost = {1, 64 * 1024};
    o.wrong_passwords_per_link = 3;
    api_ = std::make_unique<ShareApi>(*shares_, *blobs_, *metadata_, o, [this] { return now_; });

    ASSERT_TRUE(blobs_->put_object(pipeline::object_key(kOwner, kImage), "not really a jpeg", "image/jpeg", "").ok());
    store::ImageRecord r;
    r.owner = kOwner;
    r.image_id = kImage;
    r.filename = "a.jpg";
    r.content_type = "image/jpeg";
    r.status = store::ImageStatus::Ready;
    r.sequencer = "01";
    r.uploaded_at_ms = now_;
    r.metadata_json = R"({"FileType":"JPEG","Make":"NIKON","GPSLatitude":1.5})";
    ASSERT_TRUE(metadata_->apply(r).value_or(false));
  }
  void TearDown() override {
    api_.reset();
    shares_.reset();
    metadata_.reset();
    blobs_.reset();
    std::filesystem::remove_all(dir_);
  }

  ApiRequest req(std::string body = {}, std::string password = {}) {
    ApiRequest r;
    r.method = "GET";
    r.body = std::move(body);
    r.remote_address = "10.0.0.1";
    if (!password.empty()) r.headers.emplace("X-Share-Password", password);
    return r;
  }
  // POST /api/shares; returns the token.
  std::string make(const std::string& extra = "", int expires_in = 120) {
    auto r = api_->create(req(R"({"imageIds":[")" + kImage + R"("],"expiresIn":)" + std::to_string(expires_in) + extra + "}"), kOwner);
    EXPECT_EQ(r.status, 201) << r.body;
    std::string url = json::parse(r.body)["url"];
    EXPECT_TRUE(url.starts_with("https://site.example/share.html#")) << url;
    return url.substr(url.find('#') + 1);
  }

  std::filesystem::path dir_;
  int64_t now_ = 1700000000000;
  std::unique_ptr<store::DirectoryBlobStore> blobs_;
  std::unique_ptr<store::SqliteMetadataStore> metadata_;
  std::unique_ptr<store::SqliteShareStore> shares_;
  std::unique_ptr<ShareApi> api_;
};

TEST_F(ShareApiTest, OpensUntilItExpiresThenIsGoneAndSwept) {
  std::string token = make();
  EXPECT_EQ(token.size(), 43u);
  auto open = api_->open(req(), token);
  ASSERT_EQ(open.status, 200) << open.body;
  auto body = json::parse(open.body);
  EXPECT_EQ(body["images"][0]["metadata"].dump(), R"({"FileType":"JPEG"})");
  EXPECT_EQ(body["images"][0]["filename"], "a.jpg");
  EXPECT_EQ(open.body.find(kOwner), std::string::npos);
  // The stored hash is not the token.
  EXPECT_EQ(shares_->get_by_token_hash(token).error().code, meta::Errc::NotFound);
  EXPECT_TRUE(shares_->get_by_token_hash(share_token_hash(token)).ok());

  now_ += 121 * 1000;
  auto gone = api_->open(req(), token);
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(shares_->get_by_token_hash(share_token_hash(token)).error().code, meta::Errc::NotFound);  // removed on lookup
  make();
  now_ += 121 * 1000;
  EXPECT_EQ(api_->sweep(10).value_or(-1), 1);
  EXPECT_EQ(api_->sweep(10).value_or(-1), 0);
}

TEST_F(ShareApiTest, RevokedAndUnknownAnswerTheSame404) {
  std::string token = make();
  auto list = json::parse(api_->list(req(), kOwner).body);
  ASSERT_EQ(list["items"].size(), 1u);
  std::string id = list["items"][0]["shareId"];
  EXPECT_EQ(api_->revoke("someone-else", id).status, 404);
  EXPECT_EQ(api_->revoke(kOwner, id).status, 204);
  auto revoked = api_->open(req(), token);
  auto unknown = api_->open(req(), std::string(43, 'A'));
  auto malformed = api_->open(req(), "../../etc/passwd");
  EXPECT_EQ(revoked.status, 404);
  EXPECT_EQ(revoked.body, unknown.body);
  EXPECT_EQ(revoked.body, malformed.body);
  EXPECT_EQ(api_->revoke(kOwner, id).status, 404);
}

TEST_F(ShareApiTest, WrongPasswordsAreLimitedPerLink) {
  std::string token = make(R"(,"password":"s3cret")", 3600);
  EXPECT_EQ(api_->open(req(), token).status, 401);
  EXPECT_EQ(api_->open(req({}, "s3cret"), token).status, 200);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(api_->open(req({}, "nope"), token).status, 401);
  auto limited = api_->open(req({}, "s3cret"), token);
  EXPECT_EQ(limited.status, 429);
  ASSERT_NE(limited.header("Retry-After"), nullptr);
  now_ += 16 * 60 * 1000;  // the window moves on
  EXPECT_EQ(api_->open(req({}, "s3cret"), token).status, 200);
}

TEST_F(ShareApiTest, RefusesAnotherOwnersImageAndBadBodies) {
  auto r = api_->create(req(R"({"imageIds":[")" + kImage + R"("]})"), "owner-2");
  EXPECT_EQ(r.status, 404);
  for (const char* bad : {"", "[]", R"({"imageIds":[]})", R"({"imageIds":["x"]})", R"({"imageIds":["01HZX0000000000000000000A1"],"expiresIn":59})",
                          R"({"imageIds":["01HZX0000000000000000000A1"],"includeLocation":"no"})"}) {
    EXPECT_EQ(api_->create(req(bad), kOwner).status, 400) << bad;
  }
  EXPECT_TRUE(shares_->list(kOwner)->empty());
}

}  // namespace
}  // namespace imgmeta::http
