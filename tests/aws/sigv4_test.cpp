// Every SigV4 vector in shared/testdata/sigv4: the AWS suite (v4/, header and presigned
// variants) and the S3/DynamoDB service examples. Canonical request, string to sign,
// signature and the signed request are compared byte for byte.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <nlohmann/json.hpp>
#include <sstream>

#include "aws/digest.hpp"
#include "aws/sigv4.hpp"

namespace imgmeta::aws {
namespace {

namespace fs = std::filesystem;

const fs::path kRoot = fs::path(IMGMETA_SHARED_DIR) / "testdata" / "sigv4";

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// request.txt: request line, "Name:value" lines (a line starting with whitespace continues
// the previous value), blank line, body.
struct ParsedRequest {
  std::string method, target, path, query, body;
  Headers headers;
};

ParsedRequest parse_request(const std::string& text) {
  ParsedRequest r;
  size_t pos = 0;
  auto next_line = [&](std::string& line) {
    if (pos >= text.size()) return false;
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    line = text.substr(pos, nl - pos);
    pos = nl + 1;
    return true;
  };
  std::string line;
  next_line(line);
  size_t sp1 = line.find(' '), sp2 = line.rfind(' ');
  r.method = line.substr(0, sp1);
  r.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  size_t q = r.target.find('?');
  r.path = r.target.substr(0, q);
  if (q != std::string::npos) r.query = r.target.substr(q + 1);
  while (next_line(line)) {
    if (line.empty()) {
      r.body = pos < text.size() ? text.substr(pos) : "";
      break;
    }
    if (line[0] == ' ' || line[0] == '\t') {
      r.headers.back().value += "\n" + line;
      continue;
    }
    size_t colon = line.find(':');
    r.headers.push_back({line.substr(0, colon), line.substr(colon + 1)});
  }
  return r;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Header lines as a sorted multiset: names lowercased; in Authorization, the spaces AWS's
// examples sometimes leave out after commas are removed everywhere.
std::vector<std::string> header_set(const Headers& headers) {
  std::vector<std::string> out;
  for (const auto& h : headers) {
    std::string v = h.value;
    if (lower(h.name) == "authorization") {
      std::string squeezed;
      for (size_t i = 0; i < v.size(); ++i)
        if (!(v[i] == ' ' && i > 0 && v[i - 1] == ',')) squeezed += v[i];
      v = squeezed;
    }
    out.push_back(lower(h.name) + ":" + v);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> query_set(const std::string& q) {
  std::vector<std::string> out;
  std::stringstream ss(q);
  std::string item;
  while (std::getline(ss, item, '&')) out.push_back(item);
  std::sort(out.begin(), out.end());
  return out;
}

struct Case {
  std::string name;  // "v4/get-vanilla"
  fs::path dir;
};

// Every case folder holding "<variant>-signature.txt" (variant "header" or "query"), or all.
std::vector<Case> cases(const std::string& variant = "") {
  std::vector<Case> out;
  for (const char* set : {"v4", "service-examples"}) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(kRoot / set, ec))
      if (e.is_directory() && (variant.empty() || fs::exists(e.path() / (variant + "-signature.txt"))))
        out.push_back({std::string(set) + "/" + e.path().filename().string(), e.path()});
  }
  std::sort(out.begin(), out.end(), [](const Case& a, const Case& b) { return a.name < b.name; });
  return out;
}

struct VectorCase {
  Credentials credentials;
  SigningConfig config;
  ParsedRequest request;
  bool service_example = false;
};

int64_t parse_iso(const std::string& s) {  // "2015-08-30T12:36:00Z"
  std::tm tm{};
  strptime(s.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return static_cast<int64_t>(timegm(&tm));
}

VectorCase load(const Case& c, bool query) {
  VectorCase s;
  auto ctx = nlohmann::json::parse(slurp(c.dir / "context.json"));
  s.service_example = c.name.rfind("service-examples/", 0) == 0;
  s.credentials.access_key_id = ctx["credentials"]["access_key_id"];
  s.credentials.secret_access_key = ctx["credentials"]["secret_access_key"];
  s.credentials.session_token = ctx["credentials"].value("token", "");
  s.request = parse_request(slurp(c.dir / "request.txt"));
  auto& cfg = s.config;
  cfg.region = ctx["region"];
  cfg.service = ctx["service"];
  cfg.time = parse_iso(ctx["timestamp"]);
  cfg.normalize_path = ctx.value("normalize", true);
  cfg.double_uri_encode = ctx.value("double_uri_encode", true);
  cfg.expires = ctx.value("expiration_in_seconds", 3600);
  cfg.sign_session_token = !ctx.value("omit_session_token", false);
  std::string payload = ctx.value("payload_hash", "sha256-of-body");
  cfg.payload_hash = payload == "UNSIGNED-PAYLOAD" ? std::string(kUnsignedPayload) : sha256_hex(s.request.body);
  cfg.add_content_sha256 = !query && (ctx.value("sign_body", false) || cfg.service == "s3");
  return s;
}

class HeaderSigning : public ::testing::TestWithParam<Case> {};
class QuerySigning : public ::testing::TestWithParam<Case> {};

TEST_P(HeaderSigning, MatchesCanonicalRequestStringToSignSignatureAndSignedRequest) {
  const Case& c = GetParam();
  VectorCase s = load(c, false);
  SignableRequest req{s.request.method, s.request.path, s.request.query, s.request.headers};
  auto sig = sign_request(req, s.credentials, s.config);
  ASSERT_TRUE(sig.ok()) << sig.error().message;
  EXPECT_EQ(sig->canonical_request, slurp(c.dir / "header-canonical-request.txt"));
  EXPECT_EQ(sig->string_to_sign, slurp(c.dir / "header-string-to-sign.txt"));
  EXPECT_EQ(sig->signature, slurp(c.dir / "header-signature.txt"));

  ParsedRequest expected = parse_request(slurp(c.dir / "header-signed-request.txt"));
  EXPECT_EQ(req.path + (req.query.empty() ? "" : "?" + req.query), expected.target);
  EXPECT_EQ(header_set(req.headers), header_set(expected.headers));
}

TEST_P(QuerySigning, MatchesCanonicalRequestStringToSignSignatureAndSignedUrl) {
  const Case& c = GetParam();
  VectorCase s = load(c, true);
  SignableRequest req{s.request.method, s.request.path, s.request.query, s.request.headers};
  auto sig = presign_request(req, s.credentials, s.config);
  ASSERT_TRUE(sig.ok()) << sig.error().message;
  EXPECT_EQ(sig->canonical_request, slurp(c.dir / "query-canonical-request.txt"));
  EXPECT_EQ(sig->string_to_sign, slurp(c.dir / "query-string-to-sign.txt"));
  EXPECT_EQ(sig->signature, slurp(c.dir / "query-signature.txt"));

  ParsedRequest expected = parse_request(slurp(c.dir / "query-signed-request.txt"));
  EXPECT_EQ(req.path, expected.path);
  EXPECT_EQ(query_set(req.query), query_set(expected.query));
  EXPECT_EQ(header_set(req.headers), header_set(expected.headers));
}

// The presigned URLs of the suite verify with the same code path the local server uses,
// one second after they were signed, with the case's path rules. (post-sts-header-after
// appends an unsigned token; S3 would refuse such a URL, and so does verify_presigned.)
TEST_P(QuerySigning, PresignedUrlVerifiesOneSecondLater) {
  const Case& c = GetParam();
  VectorCase s = load(c, true);
  SignableRequest req{s.request.method, s.request.path, s.request.query, s.request.headers};
  ASSERT_TRUE(presign_request(req, s.credentials, s.config).ok());
  PresignedCheck check;
  check.region = s.config.region;
  check.service = s.config.service;
  check.now = s.config.time + 1;
  check.double_uri_encode = s.config.double_uri_encode;
  check.normalize_path = s.config.normalize_path;
  check.payload_hash = s.config.payload_hash;
  auto v = verify_presigned(req, s.credentials, check);
  if (!s.config.sign_session_token) {
    ASSERT_FALSE(v.ok());
    EXPECT_EQ(v.error().code, meta::Errc::SignatureDoesNotMatch);
    return;
  }
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(v->access_key_id, s.credentials.access_key_id);
  EXPECT_EQ(v->expires_at, s.config.time + s.config.expires);
}

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  std::string n;
  for (char ch : info.param.name) n += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
  return n;
}

INSTANTIATE_TEST_SUITE_P(Shared, HeaderSigning, ::testing::ValuesIn(cases("header")), case_name);
INSTANTIATE_TEST_SUITE_P(Shared, QuerySigning, ::testing::ValuesIn(cases("query")), case_name);

// 38 suite cases with both variants, 7 header-signed and 2 presigned service examples: a
// missing folder fails here rather than silently shrinking the parameterized tests.
TEST(SigV4VectorSet, HoldsTheWholeSuite) {
  auto all = cases();
  size_t v4 = std::count_if(all.begin(), all.end(), [](const Case& c) { return c.name.rfind("v4/", 0) == 0; });
  EXPECT_EQ(v4, 38u);
  EXPECT_EQ(all.size() - v4, 9u);
  EXPECT_EQ(cases("header").size(), 38u + 7u);
  EXPECT_EQ(cases("query").size(), 38u + 2u);
}

}  // namespace
}  // namespace imgmeta::aws

namespace imgmeta::aws {
namespace {

// AWS General Reference, "Examples of how to derive a signing key for Signature Version 4".
constexpr char kExampleSecret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr char kExampleKey[] = "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d";

TEST(SigningKey, MatchesThePublishedExample) {
  EXPECT_EQ(hex(reinterpret_cast<const uint8_t*>(signing_key(kExampleSecret, "20120215", "us-east-1", "iam").data()), 32),
            kExampleKey);
}

TEST(SigningKey, KeptKeysAreNeverServedForAnotherSecretDateRegionOrService) {
  auto key = [](std::string_view secret, std::string_view date, std::string_view region, std::string_view service) {
    std::string k = signing_key(secret, date, region, service);
    return hex(reinterpret_cast<const uint8_t*>(k.data()), k.size());
  };
  std::string example = key(kExampleSecret, "20120215", "us-east-1", "iam");
  std::set<std::string> others = {key("another secret", "20120215", "us-east-1", "iam"),
                                  key(kExampleSecret, "20120216", "us-east-1", "iam"),
                                  key(kExampleSecret, "20120215", "eu-west-1", "iam"),
                                  key(kExampleSecret, "20120215", "us-east-1", "s3"),
                                  key(kExampleSecret, "20120215", "us-east-1", "dynamodb")};
  EXPECT_EQ(others.size(), 5u);
  EXPECT_EQ(others.count(example), 0u);
  EXPECT_EQ(key(kExampleSecret, "20120215", "us-east-1", "iam"), kExampleKey);  // after five others: derived again
  EXPECT_EQ(key(kExampleSecret, "20120215", "us-east-1", "iam"), kExampleKey);  // and kept
}

}  // namespace
}  // namespace imgmeta::aws
