// S3Client, S3Source and S3BlobStore against moto_server (S3 REST API over loopback).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "aws/adapters.hpp"
#include "aws/digest.hpp"
#include "aws/s3_blob_store.hpp"
#include "aws/s3_source.hpp"
#include "meta/extract.hpp"
#include "meta/json.hpp"
#include "moto_server.hpp"

namespace imgmeta::aws {
namespace {

using imgmeta::testing::moto;

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const std::string kCorpus = std::string(IMGMETA_SHARED_DIR) + "/corpus";

ClientConfig moto_config() {
  ClientConfig c;
  c.endpoint = moto().url();
  c.region = "us-east-1";
  c.credentials = {"testing", "testing", ""};
  return c;
}

std::shared_ptr<S3Client> bucket(const std::string& name) {
  auto c = std::make_shared<S3Client>(moto_config(), name);
  auto s = c->create_bucket();
  EXPECT_TRUE(s.ok()) << s.error().message;
  return c;
}

// A client request made the way a browser would, to a presigned URL.
Result<HttpResponse> send(const std::string& method, const std::string& url, const std::map<std::string, std::string>& headers,
                          const std::string& body = "") {
  HttpRequest r;
  r.method = method;
  r.url = url;
  for (const auto& [k, v] : headers) r.headers.push_back({k, v});
  r.body = body;
  static HttpClient http;
  return http.send(r);
}

TEST(MotoS3, PutHeadRangedGetAndDeleteAnObject) {
  auto s3 = bucket("imgs-basic");
  std::string body(120000, 'x');
  for (size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>(i * 7);
  auto etag = s3->put("uploads/u1/a b+c.bin", body, "image/png");
  ASSERT_TRUE(etag.ok()) << etag.error().message;
  EXPECT_EQ(etag->size(), 32u);

  auto head = s3->head("uploads/u1/a b+c.bin");
  ASSERT_TRUE(head.ok()) << head.error().message;
  EXPECT_EQ(head->size, 120000u);
  EXPECT_EQ(head->etag, *etag);
  EXPECT_EQ(head->content_type, "image/png");
  EXPECT_GT(head->last_modified_ms, 0);

  auto range = s3->get_range("uploads/u1/a b+c.bin", 119990, 100);
  ASSERT_TRUE(range.ok()) << range.error().message;
  EXPECT_EQ(range->bytes, body.substr(119990));
  EXPECT_EQ(range->total_size, 120000u);

  EXPECT_EQ(s3->get_range("uploads/u1/a b+c.bin", 200000, 10).error().code, meta::Errc::InvalidRange);
  EXPECT_EQ(s3->get_range("uploads/u1/a b+c.bin", 0, 10, "0123456789abcdef0123456789abcdef").error().code,
            meta::Errc::PreconditionFailed);

  ASSERT_TRUE(s3->remove("uploads/u1/a b+c.bin").ok());
  EXPECT_EQ(s3->head("uploads/u1/a b+c.bin").error().code, meta::Errc::NotFound);
  EXPECT_TRUE(s3->remove("uploads/u1/a b+c.bin").ok()) << "deleting a missing key is success";
}

TEST(MotoS3, MissingObjectIsNotFoundForGetToo) {
  auto s3 = bucket("imgs-missing");
  auto r = s3->get_range("nope", 0, 10);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, meta::Errc::NotFound);
  EXPECT_NE(r.error().message.find("S3.GetObject imgs-missing/nope"), std::string::npos) << r.error().message;
}

TEST(MotoS3, PresignedPutStoresTheBytesWithTheSignedContentType) {
  auto s3 = bucket("imgs-presign");
  S3BlobStore store(s3);
  std::string body = slurp(kCorpus + "/jpeg/exiftool_Canon.jpg");
  store::PutConditions c;
  c.size = body.size();
  c.content_type = "image/jpeg";
  c.sha256_hex = sha256_hex(body);
  auto p = store.presign_put("uploads/u1/01JAAAAAAAAAAAAAAAAAAAAAAA", c);
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->method, "PUT");
  EXPECT_NE(p->url.find("X-Amz-SignedHeaders=content-length%3Bcontent-type%3Bhost%3Bx-amz-checksum-sha256"), std::string::npos)
      << p->url;
  EXPECT_EQ(p->headers.at("Content-Type"), "image/jpeg");
  EXPECT_EQ(p->headers.at("x-amz-checksum-sha256"), sha256_base64(body));
  auto put = send("PUT", p->url, p->headers, body);
  ASSERT_TRUE(put.ok()) << put.error().message;
  EXPECT_EQ(put->status, 200) << put->body;

  auto info = store.head("uploads/u1/01JAAAAAAAAAAAAAAAAAAAAAAA");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->size, body.size());
  EXPECT_EQ(info->content_type, "image/jpeg");
  EXPECT_EQ(info->etag.size(), 32u);

  auto get = store.presign_get("uploads/u1/01JAAAAAAAAAAAAAAAAAAAAAAA", {std::chrono::seconds(60), "image/x-test", "attachment"});
  ASSERT_TRUE(get.ok());
  auto got = send("GET", get->url, get->headers);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->status, 200);
  EXPECT_EQ(got->body, body);
  // moto 5.2.1 ignores the response-* overrides (S3 applies them); check they are signed in.
  EXPECT_NE(get->url.find("response-content-disposition=attachment&response-content-type=image%2Fx-test&X-Amz-"),
            std::string::npos)
      << get->url;
}

TEST(MotoS3, PresignRefusesOutOfRangeConditions) {
  auto s3 = bucket("imgs-conditions");
  S3BlobStore store(s3);
  store::PutConditions c;
  c.size = 10;
  c.expiry = std::chrono::seconds(8 * 24 * 3600);
  EXPECT_EQ(store.presign_put("uploads/u/x", c).error().code, meta::Errc::InvalidArgument);
  c.expiry = std::chrono::seconds(60);
  c.sha256_hex = "abc";
  EXPECT_EQ(store.presign_put("uploads/u/x", c).error().code, meta::Errc::InvalidArgument);
  EXPECT_EQ(store.presign_put("../x", {}).error().code, meta::Errc::InvalidKey);
}

TEST(MotoS3, SourceReadsTheCorpusJpegInFewRangedGets) {
  auto s3 = bucket("imgs-source");
  std::string path = kCorpus + "/jpeg/mei_Apple_iPhone_5.jpg";
  std::string body = slurp(path);
  ASSERT_TRUE(s3->put("big.jpg", body, "image/jpeg").ok());

  auto src = S3Source::open(*s3, "big.jpg");
  ASSERT_TRUE(src.ok()) << src.error().message;
  auto md = meta::extract(**src);
  ASSERT_TRUE(md.ok()) << md.error().message;

  auto file = meta::FileSource::open(path);
  ASSERT_TRUE(file.ok());
  auto expected = meta::extract(*file);
  ASSERT_TRUE(expected.ok());
  EXPECT_EQ(meta::to_json(*md), meta::to_json(*expected));
  EXPECT_EQ((*src)->size(), body.size());
  EXPECT_LE((*src)->requests(), 3u);
  EXPECT_LT((*src)->bytes_fetched(), body.size() / 10) << "header bytes only";
}

TEST(MotoS3, SourceOfAnEmptyObjectHasSizeZero) {
  auto s3 = bucket("imgs-empty");
  ASSERT_TRUE(s3->put("empty", "", "application/octet-stream").ok());
  auto src = S3Source::open(*s3, "empty");
  ASSERT_TRUE(src.ok()) << src.error().message;
  EXPECT_EQ((*src)->size(), 0u);
}

TEST(MotoS3, SourceReadsFailOnceTheObjectChanged) {
  auto s3 = bucket("imgs-changed");
  ASSERT_TRUE(s3->put("k", std::string(200000, 'a'), "image/jpeg").ok());
  auto src = S3Source::open(*s3, "k");
  ASSERT_TRUE(src.ok());
  ASSERT_TRUE(s3->put("k", std::string(200000, 'b'), "image/jpeg").ok());
  std::vector<uint8_t> buf(100);
  auto r = (*src)->read_at(150000, buf);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, meta::Errc::PreconditionFailed);
}

TEST(MotoS3, MultipartUploadThroughPresignedPartUrls) {
  auto s3 = bucket("imgs-multipart");
  S3BlobStore store(s3, "tenant");
  const uint64_t part = store::kMinPartSize;
  std::string body(part + 1000, '\0');
  for (size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>(i % 251);
  store::PutConditions c;
  c.size = body.size();
  c.content_type = "image/tiff";
  auto id = store.create_multipart("uploads/u/01JMULTI", c);
  ASSERT_TRUE(id.ok()) << id.error().message;

  std::vector<store::PartInfo> parts;
  for (int n = 1; n <= 2; ++n) {
    uint64_t off = (n - 1) * part, len = std::min<uint64_t>(part, body.size() - off);
    auto p = store.presign_part("uploads/u/01JMULTI", *id, n, len, std::chrono::seconds(300));
    ASSERT_TRUE(p.ok()) << p.error().message;
    auto put = send("PUT", p->url, p->headers, body.substr(off, len));
    ASSERT_TRUE(put.ok());
    ASSERT_EQ(put->status, 200) << put->body;
    parts.push_back({n, *find_header(put->headers, "etag"), 0});
  }
  auto listed = store.list_parts("uploads/u/01JMULTI", *id);
  ASSERT_TRUE(listed.ok()) << listed.error().message;
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[1].size, 1000u);
  EXPECT_EQ((*listed)[0].etag, strip_etag_quotes(parts[0].etag));

  auto bad = parts;
  bad[1].etag = "00000000000000000000000000000000";
  EXPECT_EQ(store.complete_multipart("uploads/u/01JMULTI", *id, bad).error().code, meta::Errc::InvalidPart);

  auto done = store.complete_multipart("uploads/u/01JMULTI", *id, parts);
  ASSERT_TRUE(done.ok()) << done.error().message;
  EXPECT_EQ(done->size, body.size());
  EXPECT_EQ(done->content_type, "image/tiff");
  EXPECT_TRUE(done->etag.ends_with("-2")) << done->etag;
  EXPECT_EQ(s3->get("tenant/uploads/u/01JMULTI").value_or(""), body);
  EXPECT_EQ(store.list_parts("uploads/u/01JMULTI", *id).error().code, meta::Errc::NotFound);
}

TEST(MotoS3, AbortedMultipartUploadIsGone) {
  auto s3 = bucket("imgs-abort");
  S3BlobStore store(s3);
  auto id = store.create_multipart("uploads/u/01JABORT", {10, "image/png"});
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(store.abort_multipart("uploads/u/01JABORT", *id).ok());
  EXPECT_TRUE(store.abort_multipart("uploads/u/01JABORT", *id).ok()) << "idempotent";
  EXPECT_EQ(store.list_parts("uploads/u/01JABORT", *id).error().code, meta::Errc::NotFound);
}

TEST(MotoS3, CompletedObjectOfAnotherSizeThanPromisedIsDeleted) {
  auto s3 = bucket("imgs-short");
  S3BlobStore store(s3);
  auto id = store.create_multipart("uploads/u/01JSHORT", {5000, "image/png"});
  ASSERT_TRUE(id.ok());
  auto etag = s3->upload_part("uploads/u/01JSHORT", *id, 1, std::string(4000, 'z'));
  ASSERT_TRUE(etag.ok()) << etag.error().message;
  auto done = store.complete_multipart("uploads/u/01JSHORT", *id, {{1, *etag, 0}});
  ASSERT_FALSE(done.ok());
  EXPECT_EQ(done.error().code, meta::Errc::IncompleteBody);
  EXPECT_EQ(store.head("uploads/u/01JSHORT").error().code, meta::Errc::NotFound);
}

TEST(MotoS3, ServeAdaptersOpenFromTheirUris) {
  setenv("AWS_ACCESS_KEY_ID", "testing", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "testing", 1);
  AdapterSettings settings{"", "us-east-1", {{"", moto().url()}}};
  bucket("imgs-adapter");
  auto blobs = open_s3_blob_store("s3://imgs-adapter/tenant-a", settings);
  ASSERT_TRUE(blobs.ok()) << blobs.error().message;
  auto p = (*blobs)->presign_put("uploads/u/01JADAPTER", {3, "image/png"});
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_NE(p->url.find("/imgs-adapter/tenant-a/uploads/u/01JADAPTER?"), std::string::npos) << p->url;
  auto meta = open_dynamodb_store("dynamodb://imgmeta-adapter", settings);
  ASSERT_TRUE(meta.ok());
  EXPECT_EQ(open_dynamodb_store("dynamodb://", settings).error().code, meta::Errc::InvalidArgument);
  EXPECT_EQ(open_dynamodb_store("dynamodb://a/b", settings).error().code, meta::Errc::InvalidArgument);
  EXPECT_EQ(open_s3_blob_store("s3:///x", settings).error().code, meta::Errc::InvalidArgument);
  EXPECT_TRUE(open_cognito_verifier("cognito://us-east-1/us-east-1_abc?client=c", settings).ok());
  EXPECT_FALSE(open_cognito_verifier("cognito://us-east-1/us-east-1_abc", settings).ok());
}

}  // namespace
}  // namespace imgmeta::aws
