#include "http/api.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "pipeline/handler.hpp"
#include "pipeline/outbox.hpp"
#include "store/directory_blob_store.hpp"
#include "store/sqlite_metadata_store.hpp"

namespace imgmeta::http {
namespace {

using nlohmann::json;

// The real local stack in a temp directory: accounts, blob store, SQLite, outbox (not
// started: events stay queued, which these tests do not need to run).
class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("imgmeta-api-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    store::DirectoryBlobStoreOptions bo;
    bo.data_dir = dir_.string();
    blobs_ = store::DirectoryBlobStore::open(bo).value();
    metadata_ = store::SqliteMetadataStore::open({(dir_ / "metadata.db").string()}).value();
    auth::AccountSettings as;
    as.password_cost = {1, 64 * 1024};
    accounts_ = auth::AccountService::open((dir_ / "auth").string(), as).value();
    outbox_ = std::make_unique<pipeline::Outbox>(*metadata_, *blobs_, pipeline::HandlerOptions{}, pipeline::WorkerOptions{},
                                                 metrics_);
    ApiDeps deps{accounts_.get(), &accounts_->tokens(), blobs_.get(), metadata_.get(), outbox_.get(), {}};
    ApiOptions options;
    options.max_upload_size = 1000;
    api_ = std::make_unique<Api>(deps, options);
    auto account = accounts_->sign_up("tester", "correct horse", "127.0.0.1", api_->now_ms());
    ASSERT_TRUE(account.ok());
    user_id_ = account->user_id;
    token_ = accounts_->sign_in("tester", "correct horse", "127.0.0.1", api_->now_ms())->access_token;
  }
  void TearDown() override {
    api_.reset();
    outbox_.reset();
    accounts_.reset();
    metadata_.reset();
    blobs_.reset();
    std::filesystem::remove_all(dir_);
  }

  ApiResponse call(std::string method, std::string path, std::string body = {}, bool with_token = true) {
    ApiRequest r;
    r.method = std::move(method);
    r.path = std::move(path);
    r.body = std::move(body);
    r.remote_address = "127.0.0.1";
    r.request_id = "req-1";
    if (with_token) r.headers.emplace("authorization", "Bearer " + token_);
    return api_->handle(r);
  }
  static std::string code(const ApiResponse& r) { return json::parse(r.body)["error"]["code"]; }

  std::filesystem::path dir_;
  std::unique_ptr<store::DirectoryBlobStore> blobs_;
  std::unique_ptr<store::SqliteMetadataStore> metadata_;
  std::unique_ptr<auth::AccountService> accounts_;
  pipeline::Metrics metrics_;
  std::unique_ptr<pipeline::Outbox> outbox_;
  std::unique_ptr<Api> api_;
  std::string user_id_, token_;
};

TEST_F(ApiTest, ErrorsAreJsonWithCodeMessageAndRequestId) {
  auto r = call("GET", "/api/nothing");
  EXPECT_EQ(r.status, 404);
  auto body = json::parse(r.body);
  EXPECT_EQ(body["error"]["code"], "NotFound");
  EXPECT_TRUE(body["error"]["message"].is_string());
  EXPECT_EQ(body["requestId"], "req-1");
  EXPECT_EQ(*r.header("content-type"), "application/json");
}

TEST_F(ApiTest, MissingTokenIs401WithChallenge) {
  auto r = call("GET", "/api/images", {}, false);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(code(r), "Unauthorized");
  EXPECT_NE(r.header("WWW-Authenticate"), nullptr);
}

TEST_F(ApiTest, HeaderNamesAreCaseInsensitive) { EXPECT_EQ(call("GET", "/api/me").status, 200); }

TEST_F(ApiTest, PrincipalFromTheTransportIsUsedWithoutAHeader) {
  ApiRequest r;
  r.method = "GET";
  r.path = "/api/images";
  r.principal = auth::Principal{user_id_, "tester"};
  auto resp = api_->handle(r);
  EXPECT_EQ(resp.status, 200);
  EXPECT_EQ(resp.subject, user_id_);
}

TEST_F(ApiTest, WrongMethodIs405WithAllow) {
  auto r = call("PUT", "/api/images");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(*r.header("Allow"), "GET");
}

TEST_F(ApiTest, RouteNameIsThePatternNotThePath) {
  auto r = call("GET", "/api/images/01ARZ3NDEKTSV4RRFFQ69G5FAV");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.route, "/api/images/{imageId}");
}

TEST_F(ApiTest, IdThatIsNotAUlidIs404NotAStoreQuery) {
  EXPECT_EQ(call("GET", "/api/images/..%2f..").status, 404);
  EXPECT_EQ(call("GET", "/api/images/' OR 1=1 --").status, 404);
}

TEST_F(ApiTest, UploadLimits) {
  EXPECT_EQ(code(call("POST", "/api/uploads", R"({"filename":"a.jpg","contentType":"image/jpeg","size":0})")), "InvalidSize");
  EXPECT_EQ(call("POST", "/api/uploads", R"({"filename":"a.jpg","contentType":"image/jpeg","size":1001})").status, 413);
  EXPECT_EQ(call("POST", "/api/uploads", R"({"filename":"a.jpg","contentType":"text/html","size":10})").status, 415);
  EXPECT_EQ(call("POST", "/api/uploads", R"({"filename":"a.jpg","contentType":"image/jpeg","size":-5})").status, 400);
  EXPECT_EQ(call("POST", "/api/uploads", R"({"filename":"a.jpg","contentType":"image/jpeg"})").status, 400);
  EXPECT_EQ(call("POST", "/api/uploads", "[]").status, 400);
}

TEST_F(ApiTest, UploadTicketIsBoundToTheUsersKey) {
  auto r = call("POST", "/api/uploads", R"({"filename":"a.jpg","contentType":"image/jpeg","size":10})");
  ASSERT_EQ(r.status, 201) << r.body;
  auto body = json::parse(r.body);
  EXPECT_EQ(body["key"], "uploads/" + user_id_ + "/" + body["imageId"].get<std::string>());
  EXPECT_EQ(body["method"], "PUT");
  EXPECT_NE(body["url"].get<std::string>().find("/blobs/uploads/" + user_id_ + "/"), std::string::npos);
}

// Records as the handler leaves them, written straight to the store (no extraction needed).
class ListFilterTest : public ApiTest {
 protected:
  void put(const std::string& id, int64_t uploaded, std::string format, std::string make, std::string model,
           std::string metadata = "{}") {
    store::ImageRecord r;
    r.owner = user_id_;
    r.image_id = id;
    r.filename = id + ".img";
    r.content_type = "image/jpeg";
    r.status = store::ImageStatus::Ready;
    r.sequencer = "10";
    r.uploaded_at_ms = uploaded;
    r.format = std::move(format);
    r.make = std::move(make);
    r.model = std::move(model);
    r.metadata_json = std::move(metadata);
    ASSERT_TRUE(metadata_->apply(r).ok());
  }
  std::vector<std::string> names(std::multimap<std::string, std::string> query) {
    ApiRequest r;
    r.method = "GET";
    r.path = "/api/images";
    r.query = std::move(query);
    r.remote_address = "127.0.0.1";
    r.headers.emplace("authorization", "Bearer " + token_);
    auto resp = api_->handle(r);
    EXPECT_EQ(resp.status, 200) << resp.body;
    std::vector<std::string> out;
    const json body = json::parse(resp.body);
    for (const auto& i : body["items"]) out.push_back(i["imageId"].get<std::string>().substr(24));
    return out;
  }
  void SetUp() override {
    ApiTest::SetUp();
    put("01JD0000000000000000000001", 100, "JPEG", "NIKON CORPORATION", "NIKON D70", R"({"LensModel":"AF-S Nikkor 18-70mm"})");
    put("01JD0000000000000000000002", 200, "JPEG", "Apple", "iPhone 7", R"({"LensModel":"iPhone 7 back camera 3.99mm f/1.8"})");
    put("01JD0000000000000000000003", 300, "Extended WEBP", "", "");
    put("01JD0000000000000000000004", 400, "HEIC", "Apple", "iPhone 12");
  }
};

TEST_F(ListFilterTest, MakeModelAndLensAreCaseInsensitiveSubstrings) {
  EXPECT_EQ(names({{"make", "nikon"}}), (std::vector<std::string>{"01"}));
  EXPECT_EQ(names({{"model", "iphone"}}), (std::vector<std::string>{"04", "02"}));
  EXPECT_EQ(names({{"lens", "NIKKOR"}}), (std::vector<std::string>{"01"}));
  EXPECT_EQ(names({{"make", "apple"}, {"model", "7"}}), (std::vector<std::string>{"02"}));
}

TEST_F(ListFilterTest, FormatAliases) {
  EXPECT_EQ(names({{"format", "jpg"}}), (std::vector<std::string>{"02", "01"}));
  EXPECT_EQ(names({{"format", "WEBP"}}), (std::vector<std::string>{"03"}));
  EXPECT_EQ(names({{"format", "heif"}}), (std::vector<std::string>{"04"}));
}

TEST_F(ListFilterTest, FacetsCountTheUsersOwnValuesMostFrequentFirst) {
  auto r = call("GET", "/api/facets");
  ASSERT_EQ(r.status, 200) << r.body;
  auto body = json::parse(r.body);
  EXPECT_EQ(body["format"][0], json({{"value", "JPEG"}, {"count", 2}}));
  EXPECT_EQ(body["format"].size(), 3u);
  EXPECT_EQ(body["make"][0], json({{"value", "Apple"}, {"count", 2}}));
  EXPECT_EQ(body["model"].size(), 3u);
  EXPECT_EQ(body["lens"].size(), 2u);
  EXPECT_EQ(call("GET", "/api/facets", "", false).status, 401);
  EXPECT_EQ(call("POST", "/api/facets").status, 405);
}

TEST_F(ApiTest, FacetsOfAnEmptyLibraryAreEmptyLists) {
  auto r = call("GET", "/api/facets");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body), json::parse(R"({"format":[],"make":[],"model":[],"lens":[]})"));
}

TEST(HasGps, NeedsBothCoordinatesFiniteAndInRange) {
  auto has_gps = [](std::initializer_list<std::pair<const char*, meta::Value>> fields) {
    meta::Metadata md;
    for (const auto& [k, v] : fields) md.set(k, v);
    store::ImageRecord r;
    pipeline::fill_from_metadata(md, r);
    return r.has_gps;
  };
  EXPECT_TRUE(has_gps({{"GPSLatitude", 54.98}, {"GPSLongitude", -1.91}}));
  EXPECT_TRUE(has_gps({{"GPSLatitude", 0.0}, {"GPSLongitude", 0.0}}));
  EXPECT_FALSE(has_gps({{"GPSAltitude", 12.5}}));
  EXPECT_FALSE(has_gps({{"GPSLatitude", 54.98}, {"GPSAltitude", 12.5}}));
  EXPECT_FALSE(has_gps({{"GPSLatitude", 91.0}, {"GPSLongitude", 10.0}}));
  EXPECT_FALSE(has_gps({{"GPSLatitude", 10.0}, {"GPSLongitude", -180.5}}));
  EXPECT_FALSE(has_gps({{"GPSLatitude", std::nan("")}, {"GPSLongitude", 1.0}}));
  EXPECT_FALSE(has_gps({{"GPSLatitude", std::string("54 deg N")}, {"GPSLongitude", 1.0}}));
}

TEST(AcceptedContentTypes, ImagesYesScriptsNo) {
  for (const char* t : {"image/jpeg", "IMAGE/PNG", "image/heic", "image/avif; foo=bar", "application/octet-stream"})
    EXPECT_TRUE(pipeline::is_accepted_content_type(t)) << t;
  for (const char* t : {"text/html", "image/svg+xml", "application/javascript", "", "image/"})
    EXPECT_FALSE(pipeline::is_accepted_content_type(t)) << t;
}

// object_response: the content route's conditional and range handling (RFC 9110).
class ObjectResponseTest : public ::testing::Test {
 protected:
  ApiResponse get(std::initializer_list<std::pair<const char*, const char*>> headers) {
    ApiRequest r;
    for (auto& [k, v] : headers) r.headers.emplace(k, v);
    return object_response(r, "abc", "image/png", "a.png", [&]() -> Result<std::shared_ptr<meta::Source>> {
      return std::shared_ptr<meta::Source>(std::make_shared<meta::MemorySource>(bytes_));
    });
  }
  std::vector<uint8_t> bytes_ = std::vector<uint8_t>(100, 7);
};

TEST_F(ObjectResponseTest, WholeObjectWithValidators) {
  auto r = get({});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.stream->length, 100u);
  EXPECT_EQ(*r.header("ETag"), "\"abc\"");
  EXPECT_EQ(*r.header("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(*r.header("Content-Type"), "image/png");
}

TEST_F(ObjectResponseTest, Ranges) {
  auto r = get({{"Range", "bytes=10-19"}});
  EXPECT_EQ(r.status, 206);
  EXPECT_EQ(r.stream->offset, 10u);
  EXPECT_EQ(r.stream->length, 10u);
  EXPECT_EQ(*r.header("Content-Range"), "bytes 10-19/100");
  r = get({{"Range", "bytes=-30"}});
  EXPECT_EQ(r.stream->offset, 70u);
  r = get({{"Range", "bytes=95-500"}});
  EXPECT_EQ(*r.header("Content-Range"), "bytes 95-99/100");
  EXPECT_EQ(get({{"Range", "bytes=100-"}}).status, 416);
  EXPECT_EQ(get({{"Range", "bytes=-0"}}).status, 416);
}

TEST_F(ObjectResponseTest, UnusableRangesServeTheWhole) {
  for (const char* h : {"bytes=0-1,5-6", "bytes=9-2", "items=0-1", "bytes=x-y", "bytes=-"})
    EXPECT_EQ(get({{"Range", h}}).status, 200) << h;
}

TEST_F(ObjectResponseTest, IfRangeWithAnotherEtagServesTheWhole) {
  EXPECT_EQ(get({{"Range", "bytes=0-1"}, {"If-Range", "\"old\""}}).status, 200);
  EXPECT_EQ(get({{"Range", "bytes=0-1"}, {"If-Range", "\"abc\""}}).status, 206);
}

TEST_F(ObjectResponseTest, IfNoneMatchIs304WithoutOpening) {
  ApiRequest r;
  r.headers.emplace("If-None-Match", "\"abc\"");
  bool opened = false;
  auto resp = object_response(r, "abc", "image/png", "a.png", [&]() -> Result<std::shared_ptr<meta::Source>> {
    opened = true;
    return meta::make_error(meta::Errc::NotFound, "x");
  });
  EXPECT_EQ(resp.status, 304);
  EXPECT_FALSE(opened);
}

}  // namespace
}  // namespace imgmeta::http
