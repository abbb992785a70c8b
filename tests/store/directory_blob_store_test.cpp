#include "store/directory_blob_store.hpp"

#include <gtest/gtest.h>
#include <sys/xattr.h>

#include <filesystem>

#include "temp_dir.hpp"

namespace imgmeta::store {
namespace {

using testing::files_under;
using testing::TempDir;

constexpr const char* kKey = "uploads/u1/01JD3XJ8Y8ZK5W3V1Q2R4T6Y8A";
// md5("hello"), sha256("hello") and its base64 form.
constexpr const char* kHelloMd5 = "5d41402abc4b2a76b9719d911017c592";
constexpr const char* kHelloSha256 = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";
constexpr const char* kHelloSha256Base64 = "LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=";

struct Fixture : ::testing::Test {
  TempDir dir;
  int64_t now = 1732500000000;  // 2024-11-25T02:00:00Z
  bool info_in_xattr = true;
  std::unique_ptr<DirectoryBlobStore> store = open_store();

  std::unique_ptr<DirectoryBlobStore> open_store() {
    DirectoryBlobStoreOptions o;
    o.data_dir = dir.path();
    o.public_base_url = "http://127.0.0.1:8080";
    o.secret = "test-secret";
    o.clock = [this] { return now; };
    o.object_info_in_xattr = info_in_xattr;
    auto s = DirectoryBlobStore::open(o);
    EXPECT_TRUE(s.ok()) << s.error().message;
    return s ? std::move(s).value() : nullptr;
  }

  Result<ObjectInfo> put(const std::string& key, const std::string& body, PutConditions c) {
    auto w = store->begin_put(key, c);
    if (!w) return w.error();
    if (auto s = (*w)->write(body); !s) return s.error();
    return (*w)->commit();
  }

  std::string blobs() const { return dir / "blobs"; }

  // HEAD of kKey after "hello" was put with this content type.
  void expect_hello_head(const std::string& content_type) {
    auto head = store->head(kKey);
    ASSERT_TRUE(head.ok()) << head.error().message;
    EXPECT_EQ(head->size, 5u);
    EXPECT_EQ(head->etag, kHelloMd5);
    EXPECT_EQ(head->content_type, content_type);
    EXPECT_EQ(head->sha256_hex, kHelloSha256);
  }
};

// The same store keeping object information in sidecar files, as on a file system without
// user extended attributes.
struct SidecarFixture : Fixture {
  SidecarFixture() {
    info_in_xattr = false;
    store.reset();
    store = open_store();
  }
};

std::string object_xattr(const std::string& path) {
  char buf[4096];
  ssize_t n = ::getxattr(path.c_str(), "user.imgmeta.object", buf, sizeof buf);
  return n < 0 ? std::string() : std::string(buf, static_cast<size_t>(n));
}

// The request a client makes with a presigned URL.
IncomingRequest request_for(const PresignedRequest& p, std::vector<std::pair<std::string, std::string>> headers) {
  IncomingRequest r;
  r.method = p.method;
  std::string rest = p.url.substr(p.url.find("://") + 3);
  std::string host = rest.substr(0, rest.find('/'));
  std::string path_query = rest.substr(rest.find('/'));
  size_t q = path_query.find('?');
  r.path = path_query.substr(0, q);
  r.query = q == std::string::npos ? "" : path_query.substr(q + 1);
  r.headers = {{"Host", host}};
  for (auto& h : headers) r.headers.push_back(h);
  return r;
}

TEST_F(Fixture, PutThenHeadReportsSizeMd5EtagAndContentType) {
  auto info = put(kKey, "hello", {5, "image/jpeg", std::nullopt});
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->etag, kHelloMd5);
  auto head = store->head(kKey);
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->size, 5u);
  EXPECT_EQ(head->etag, kHelloMd5);
  EXPECT_EQ(head->content_type, "image/jpeg");
  EXPECT_EQ(head->sha256_hex, kHelloSha256);
  EXPECT_EQ(info->sha256_hex, kHelloSha256);
  EXPECT_EQ(testing::read_file(blobs() + "/" + kKey), "hello");
}

TEST_F(Fixture, OpenReadsRangesOfTheObject) {
  ASSERT_TRUE(put(kKey, "hello", {5, "text/plain", std::nullopt}).ok());
  auto src = store->open(kKey);
  ASSERT_TRUE(src.ok());
  EXPECT_EQ((*src)->size(), 5u);
  uint8_t buf[3];
  auto n = (*src)->read_at(2, buf);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 3u);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(buf), 3), "llo");
}

TEST_F(Fixture, MissingKeyIsNotFound) {
  EXPECT_EQ(store->head(kKey).error().code, meta::Errc::NotFound);
  EXPECT_EQ(store->open(kKey).error().code, meta::Errc::NotFound);
}

TEST_F(Fixture, RemoveIsIdempotentAndLeavesNothing) {
  ASSERT_TRUE(put(kKey, "hello", {5, "image/png", std::nullopt}).ok());
  EXPECT_TRUE(store->remove(kKey).ok());
  EXPECT_TRUE(store->remove(kKey).ok());
  EXPECT_EQ(store->head(kKey).error().code, meta::Errc::NotFound);
  EXPECT_EQ(files_under(blobs()), std::vector<std::string>{});
}

TEST_F(Fixture, RejectsKeysThatEscapeOrHide) {
  for (std::string key : std::vector<std::string>{"", "../etc/passwd", "uploads/../x", "uploads//x", "/abs", "uploads/.hidden", "a b",
                          std::string(1025, 'a')}) {
    EXPECT_EQ(store->head(key).error().code, meta::Errc::InvalidKey) << key;
    EXPECT_EQ(store->begin_put(key, {1, "x", std::nullopt}).error().code, meta::Errc::InvalidKey) << key;
  }
}

TEST_F(Fixture, ShortBodyLeavesNothing) {
  auto w = store->begin_put(kKey, {10, "image/jpeg", std::nullopt});
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->write("hello").ok());
  auto r = (*w)->commit();
  EXPECT_EQ(r.error().code, meta::Errc::IncompleteBody);
  EXPECT_EQ(files_under(blobs()), std::vector<std::string>{});
}

TEST_F(Fixture, LongBodyFailsAtTheFirstExtraByteAndLeavesNothing) {
  auto w = store->begin_put(kKey, {4, "image/jpeg", std::nullopt});
  ASSERT_TRUE(w.ok());
  EXPECT_EQ((*w)->write("hello").error().code, meta::Errc::IncompleteBody);
  EXPECT_FALSE((*w)->commit().ok());
  EXPECT_EQ(files_under(blobs()), std::vector<std::string>{});
}

TEST_F(Fixture, ChecksumMismatchLeavesNothing) {
  auto r = put(kKey, "hellO", {5, "image/jpeg", std::string(kHelloSha256)});
  EXPECT_EQ(r.error().code, meta::Errc::BadDigest);
  EXPECT_EQ(files_under(blobs()), std::vector<std::string>{});
}

TEST_F(Fixture, MatchingChecksumIsAccepted) {
  EXPECT_TRUE(put(kKey, "hello", {5, "image/jpeg", std::string(kHelloSha256)}).ok());
}

TEST_F(Fixture, AbandonedWriterLeavesNothing) {
  {
    auto w = store->begin_put(kKey, {5, "image/jpeg", std::nullopt});
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->write("hel").ok());
  }
  EXPECT_EQ(files_under(blobs()), std::vector<std::string>{});
}

TEST_F(Fixture, ObjectInfoIsAnAttributeOfTheObjectsFileWithNoSidecar) {
  ASSERT_TRUE(put(kKey, "hello", {5, "image/jpeg", std::nullopt}).ok());
  EXPECT_EQ(files_under(blobs()), std::vector<std::string>{kKey});
  std::string info = object_xattr(blobs() + "/" + kKey);
  EXPECT_NE(info.find(kHelloMd5), std::string::npos) << info;
  EXPECT_NE(info.find("image/jpeg"), std::string::npos) << info;
  store.reset();
  store = open_store();
  expect_hello_head("image/jpeg");
}

TEST_F(Fixture, HeadRecomputesAndKeepsTheInfoACopyWithoutAttributesDropped) {
  ASSERT_TRUE(put(kKey, "hello", {5, "image/jpeg", std::nullopt}).ok());
  const std::string path = blobs() + "/" + kKey;
  ASSERT_EQ(::removexattr(path.c_str(), "user.imgmeta.object"), 0);
  expect_hello_head("application/octet-stream");  // the type went with the attribute
  // The recomputed information is the file's attribute again: the next HEAD reads it.
  std::string info = object_xattr(path);
  EXPECT_NE(info.find(kHelloMd5), std::string::npos) << info;
  EXPECT_NE(info.find(kHelloSha256), std::string::npos) << info;
  expect_hello_head("application/octet-stream");
  EXPECT_EQ(files_under(blobs()), std::vector<std::string>{kKey});
}

TEST_F(SidecarFixture, WithoutAttributesASidecarHoldsTheObjectInfo) {
  ASSERT_TRUE(put(kKey, "hello", {5, "image/jpeg", std::nullopt}).ok());
  EXPECT_EQ(files_under(blobs()), (std::vector<std::string>{"uploads/u1/.01JD3XJ8Y8ZK5W3V1Q2R4T6Y8A.meta", kKey}));
  EXPECT_EQ(object_xattr(blobs() + "/" + kKey), "");
  expect_hello_head("image/jpeg");
  EXPECT_TRUE(store->remove(kKey).ok());
  EXPECT_EQ(files_under(blobs()), std::vector<std::string>{});
}

TEST_F(SidecarFixture, ObjectsWithASidecarStayReadableOnceAttributesAreUsed) {
  ASSERT_TRUE(put(kKey, "hello", {5, "image/webp", std::nullopt}).ok());
  info_in_xattr = true;
  store.reset();
  store = open_store();
  expect_hello_head("image/webp");
  // Overwritten, the object's attribute wins over the older sidecar; removal takes both.
  ASSERT_TRUE(put(kKey, "hello", {5, "image/png", std::nullopt}).ok());
  EXPECT_EQ(store->head(kKey)->content_type, "image/png");
  EXPECT_TRUE(store->remove(kKey).ok());
  EXPECT_EQ(files_under(blobs()), std::vector<std::string>{});
}

TEST_F(SidecarFixture, StartupRemovesTempFilesAndOrphanSidecarsOfACrash) {
  ASSERT_TRUE(put(kKey, "hello", {5, "image/jpeg", std::nullopt}).ok());
  store.reset();
  testing::write_file(blobs() + "/uploads/u1/.tmp-0123456789abcdef", "half an upload");
  testing::write_file(blobs() + "/uploads/u1/.01JD3XJ8Y8ZK5W3V1Q2R4T6Y8B.meta", "{\"size\":1}");
  store = open_store();
  EXPECT_EQ(store->startup_cleanup().temp_files, 1u);
  EXPECT_EQ(store->startup_cleanup().orphan_sidecars, 1u);
  EXPECT_EQ(files_under(blobs()), (std::vector<std::string>{"uploads/u1/.01JD3XJ8Y8ZK5W3V1Q2R4T6Y8A.meta",
                                                            "uploads/u1/01JD3XJ8Y8ZK5W3V1Q2R4T6Y8A"}));
}

TEST_F(SidecarFixture, HeadRecomputesEtagWhenTheSidecarWasLostInAPowerCut) {
  ASSERT_TRUE(put(kKey, "hello", {5, "image/jpeg", std::nullopt}).ok());
  testing::write_file(blobs() + "/uploads/u1/.01JD3XJ8Y8ZK5W3V1Q2R4T6Y8A.meta", "");  // torn
  auto head = store->head(kKey);
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->etag, kHelloMd5);
  EXPECT_EQ(head->sha256_hex, kHelloSha256);
  EXPECT_EQ(head->content_type, "application/octet-stream");
}

TEST_F(Fixture, SecondOpenOfTheSameDirectoryIsRefused) {
  DirectoryBlobStoreOptions o;
  o.data_dir = dir.path();
  o.secret = "x";
  EXPECT_EQ(DirectoryBlobStore::open(o).error().code, meta::Errc::Busy);
}

TEST_F(Fixture, ListKeysFindsObjectsUnderAPrefixButNotSidecars) {
  ASSERT_TRUE(put("uploads/u1/01JD3XJ8Y8ZK5W3V1Q2R4T6Y8A", "a", {1, "x", std::nullopt}).ok());
  ASSERT_TRUE(put("uploads/u2/01JD3XJ8Y8ZK5W3V1Q2R4T6Y8B", "b", {1, "x", std::nullopt}).ok());
  ASSERT_TRUE(put("other/01JD3XJ8Y8ZK5W3V1Q2R4T6Y8C", "c", {1, "x", std::nullopt}).ok());
  auto keys = store->list_keys("uploads/");
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(*keys, (std::vector<std::string>{"uploads/u1/01JD3XJ8Y8ZK5W3V1Q2R4T6Y8A",
                                             "uploads/u2/01JD3XJ8Y8ZK5W3V1Q2R4T6Y8B"}));
}

TEST_F(Fixture, GeneratedSigningKeySurvivesARestart) {
  TempDir other;
  DirectoryBlobStoreOptions o;
  o.data_dir = other.path();
  o.clock = [this] { return now; };
  auto first = DirectoryBlobStore::open(o);
  ASSERT_TRUE(first.ok());
  auto url = (*first)->presign_put(kKey, {5, "image/jpeg", std::nullopt});
  ASSERT_TRUE(url.ok());
  first->reset();
  auto second = DirectoryBlobStore::open(o);
  ASSERT_TRUE(second.ok());
  auto req = request_for(*url, {{"Content-Length", "5"}, {"Content-Type", "image/jpeg"}});
  EXPECT_TRUE((*second)->verify(req).ok());
  EXPECT_EQ(std::filesystem::status(other / "keys/presign.key").permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

// --- presigned URLs ---

TEST_F(Fixture, PresignedPutUrlIsS3Shaped) {
  auto p = store->presign_put(kKey, {5, "image/jpeg", std::string(kHelloSha256)});
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->method, "PUT");
  EXPECT_TRUE(p->url.starts_with("http://127.0.0.1:8080/blobs/uploads/u1/01JD3XJ8Y8ZK5W3V1Q2R4T6Y8A?")) << p->url;
  for (const char* param : {"X-Amz-Algorithm=AWS4-HMAC-SHA256", "X-Amz-Credential=imgmeta-local%2F20241125%2Flocal%2Fs3%2Faws4_request",
                            "X-Amz-Date=20241125T020000Z", "X-Amz-Expires=900",
                            "X-Amz-SignedHeaders=content-length%3Bcontent-type%3Bhost%3Bx-amz-checksum-sha256",
                            "X-Amz-Signature="})
    EXPECT_NE(p->url.find(param), std::string::npos) << param << " in " << p->url;
  EXPECT_EQ(p->headers, (std::map<std::string, std::string>{{"content-type", "image/jpeg"},
                                                            {"x-amz-checksum-sha256", kHelloSha256Base64}}));
  EXPECT_EQ(p->expires_at_ms, now + 900 * 1000);
}

TEST_F(Fixture, VerifiedPutAuthorisesKeySizeTypeAndChecksum) {
  auto p = store->presign_put(kKey, {5, "image/jpeg", std::string(kHelloSha256)});
  ASSERT_TRUE(p.ok());
  auto ok = store->verify(request_for(*p, {{"Content-Length", "5"}, {"Content-Type", "image/jpeg"},
                                           {"x-amz-checksum-sha256", kHelloSha256Base64}}));
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->key, kKey);
  EXPECT_EQ(ok->size, 5u);
  EXPECT_EQ(ok->content_type, "image/jpeg");
  EXPECT_EQ(ok->sha256_hex, std::optional<std::string>(kHelloSha256));
  auto w = store->begin_put(*ok);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->write("hello").ok());
  EXPECT_TRUE((*w)->commit().ok());
  EXPECT_EQ(store->head(kKey)->content_type, "image/jpeg");
}

TEST_F(Fixture, PutWithAnotherSizeIsRefused) {
  auto p = store->presign_put(kKey, {5, "image/jpeg", std::nullopt});
  auto r = store->verify(request_for(*p, {{"Content-Length", "6"}, {"Content-Type", "image/jpeg"}}));
  EXPECT_EQ(r.error().code, meta::Errc::SignatureDoesNotMatch);
}

TEST_F(Fixture, PutWithAnotherContentTypeIsRefused) {
  auto p = store->presign_put(kKey, {5, "image/jpeg", std::nullopt});
  auto r = store->verify(request_for(*p, {{"Content-Length", "5"}, {"Content-Type", "text/html"}}));
  EXPECT_EQ(r.error().code, meta::Errc::SignatureDoesNotMatch);
}

TEST_F(Fixture, PutWithoutTheSignedChecksumIsRefused) {
  auto p = store->presign_put(kKey, {5, "image/jpeg", std::string(kHelloSha256)});
  auto r = store->verify(request_for(*p, {{"Content-Length", "5"}, {"Content-Type", "image/jpeg"}}));
  EXPECT_FALSE(r.ok());
}

TEST_F(Fixture, UrlReusedForAnotherKeyIsRefused) {
  auto p = store->presign_put(kKey, {5, "image/jpeg", std::nullopt});
  auto req = request_for(*p, {{"Content-Length", "5"}, {"Content-Type", "image/jpeg"}});
  req.path = "/blobs/uploads/u2/01JD3XJ8Y8ZK5W3V1Q2R4T6Y8A";  // another owner's key
  EXPECT_EQ(store->verify(req).error().code, meta::Errc::SignatureDoesNotMatch);
}

TEST_F(Fixture, TamperedSignatureIsRefused) {
  auto p = store->presign_put(kKey, {5, "image/jpeg", std::nullopt});
  auto req = request_for(*p, {{"Content-Length", "5"}, {"Content-Type", "image/jpeg"}});
  char& last = req.query.back();
  last = last == '0' ? '1' : '0';
  EXPECT_EQ(store->verify(req).error().code, meta::Errc::SignatureDoesNotMatch);
}

TEST_F(Fixture, ExpiredUrlIsRefused) {
  auto p = store->presign_put(kKey, {5, "image/jpeg", std::nullopt, std::chrono::seconds(60)});
  auto req = request_for(*p, {{"Content-Length", "5"}, {"Content-Type", "image/jpeg"}});
  now += 61 * 1000;
  EXPECT_EQ(store->verify(req).error().code, meta::Errc::AccessDenied);
}

TEST_F(Fixture, GetUrlCannotBeUsedToPut) {
  auto p = store->presign_get(kKey, {});
  ASSERT_TRUE(p.ok());
  auto req = request_for(*p, {{"Content-Length", "5"}, {"Content-Type", "image/jpeg"}});
  req.method = "PUT";
  EXPECT_FALSE(store->verify(req).ok());
  req.method = "GET";
  auto ok = store->verify(req);
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->key, kKey);
}

// --- multipart ---

constexpr uint64_t kPart = 5 * 1024 * 1024;

struct Multipart : Fixture {
  std::string part1 = std::string(kPart, 'a');
  std::string part2 = "tail";
  // sha256(part1 + part2); multipart ETag md5(md5(part1) || md5(part2)) "-2"; md5(part1).
  const char* whole_sha256 = "d15a55813872a596ca56a0d2119230fbce8dc3c0ccb36fde29fd36b6d764bb7f";
  const char* etag = "30dcfd3901d1c613b7fb532281748544-2";
  const char* part1_md5 = "79b281060d337b9b2b84ccf390adcf74";

  Result<PartInfo> put_part(const std::string& id, int n, const std::string& body) {
    auto url = store->presign_part(kKey, id, n, body.size(), std::chrono::seconds(600));
    if (!url) return url.error();
    auto auth = store->verify(request_for(*url, {{"Content-Length", std::to_string(body.size())}}));
    if (!auth) return auth.error();
    auto w = store->begin_put(*auth);
    if (!w) return w.error();
    TRY((*w)->write(body));
    auto info = TRY((*w)->commit());
    return PartInfo{n, "\"" + info.etag + "\"", info.size};
  }
};

TEST_F(Multipart, PartsJoinIntoTheObjectWithS3sMultipartEtag) {
  auto id = store->create_multipart(kKey, {kPart + 4, "image/tiff", std::string(whole_sha256)});
  ASSERT_TRUE(id.ok()) << id.error().message;
  auto p1 = put_part(*id, 1, part1);
  auto p2 = put_part(*id, 2, part2);
  ASSERT_TRUE(p1.ok()) << p1.error().message;
  ASSERT_TRUE(p2.ok()) << p2.error().message;
  EXPECT_EQ(p1->etag, std::string("\"") + part1_md5 + "\"");
  auto info = store->complete_multipart(kKey, *id, {*p1, *p2});
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->etag, etag);
  EXPECT_EQ(info->size, kPart + 4);
  EXPECT_EQ(store->head(kKey)->etag, etag);
  EXPECT_EQ(store->head(kKey)->content_type, "image/tiff");
  EXPECT_EQ(files_under(dir / "multipart"), std::vector<std::string>{});
  EXPECT_EQ(store->list_parts(kKey, *id).error().code, meta::Errc::NotFound);
}

struct MultipartSidecar : Multipart {
  MultipartSidecar() {
    info_in_xattr = false;
    store.reset();
    store = open_store();
  }
};

void resume_after_a_restart(Multipart& t) {
  auto& store = t.store;
  auto id = store->create_multipart(kKey, {kPart + 4, "image/tiff", std::nullopt});
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(t.put_part(*id, 1, t.part1).ok());
  store.reset();
  store = t.open_store();
  auto parts = store->list_parts(kKey, *id);
  ASSERT_TRUE(parts.ok()) << parts.error().message;
  ASSERT_EQ(parts->size(), 1u);
  EXPECT_EQ((*parts)[0].part_number, 1);
  EXPECT_EQ((*parts)[0].etag, t.part1_md5);
  EXPECT_EQ((*parts)[0].size, kPart);
  auto p2 = t.put_part(*id, 2, t.part2);
  ASSERT_TRUE(p2.ok());
  EXPECT_TRUE(store->complete_multipart(kKey, *id, {(*parts)[0], *p2}).ok());
  EXPECT_EQ(store->head(kKey)->content_type, "image/tiff");
}

TEST_F(MultipartSidecar, AnInterruptedUploadResumesFromTheStoredPartsAfterARestart) { resume_after_a_restart(*this); }

TEST_F(Multipart, AnInterruptedUploadResumesFromTheStoredPartsAfterARestart) {
  resume_after_a_restart(*this);
}

TEST_F(Multipart, WrongPartEtagIsInvalidPart) {
  auto id = store->create_multipart(kKey, {kPart + 4, "image/tiff", std::nullopt});
  auto p1 = put_part(*id, 1, part1);
  auto p2 = put_part(*id, 2, part2);
  p2->etag = kHelloMd5;
  EXPECT_EQ(store->complete_multipart(kKey, *id, {*p1, *p2}).error().code, meta::Errc::InvalidPart);
  EXPECT_EQ(store->head(kKey).error().code, meta::Errc::NotFound);
}

TEST_F(Multipart, SmallPartBeforeTheLastIsEntityTooSmall) {
  auto id = store->create_multipart(kKey, {8, "image/tiff", std::nullopt});
  auto p1 = put_part(*id, 1, "tail");
  auto p2 = put_part(*id, 2, "tail");
  EXPECT_EQ(store->complete_multipart(kKey, *id, {*p1, *p2}).error().code, meta::Errc::EntityTooSmall);
}

TEST_F(Multipart, WholeThatDiffersFromThePromisedChecksumIsBadDigestAndAborts) {
  auto id = store->create_multipart(kKey, {kPart + 4, "image/tiff", std::string(kHelloSha256)});
  auto p1 = put_part(*id, 1, part1);
  auto p2 = put_part(*id, 2, part2);
  EXPECT_EQ(store->complete_multipart(kKey, *id, {*p1, *p2}).error().code, meta::Errc::BadDigest);
  EXPECT_EQ(store->head(kKey).error().code, meta::Errc::NotFound);
  EXPECT_EQ(files_under(dir / "multipart"), std::vector<std::string>{});
  EXPECT_EQ(files_under(blobs()), std::vector<std::string>{});
}

TEST_F(Multipart, AbortDropsThePartsAndIsIdempotent) {
  auto id = store->create_multipart(kKey, {kPart + 4, "image/tiff", std::nullopt});
  ASSERT_TRUE(put_part(*id, 1, part1).ok());
  EXPECT_TRUE(store->abort_multipart(kKey, *id).ok());
  EXPECT_TRUE(store->abort_multipart(kKey, *id).ok());
  EXPECT_EQ(store->list_parts(kKey, *id).error().code, meta::Errc::NotFound);
  EXPECT_EQ(files_under(dir / "multipart"), std::vector<std::string>{});
}

TEST_F(Multipart, UploadIdOfAnotherKeyIsNotFound) {
  auto id = store->create_multipart(kKey, {kPart + 4, "image/tiff", std::nullopt});
  EXPECT_EQ(store->list_parts("uploads/u2/01JD3XJ8Y8ZK5W3V1Q2R4T6Y8A", *id).error().code, meta::Errc::NotFound);
  EXPECT_EQ(store->presign_part("uploads/u2/01JD3XJ8Y8ZK5W3V1Q2R4T6Y8A", *id, 1, 4, std::chrono::seconds(60)).error().code,
            meta::Errc::NotFound);
}

TEST_F(Multipart, StaleUnfinishedUploadsAreAbortedAtStartup) {
  auto id = store->create_multipart(kKey, {kPart + 4, "image/tiff", std::nullopt});
  ASSERT_TRUE(id.ok());
  store.reset();
  now += int64_t{8} * 24 * 3600 * 1000;  // past the default week
  store = open_store();
  EXPECT_EQ(store->startup_cleanup().expired_uploads, 1u);
  EXPECT_EQ(store->list_parts(kKey, *id).error().code, meta::Errc::NotFound);
}

}  // namespace
}  // namespace imgmeta::store
