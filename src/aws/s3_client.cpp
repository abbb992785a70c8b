#include "aws/s3_client.hpp"

#include <algorithm>
#include <cctype>
#include <ctime>

#include "aws/xml.hpp"
#include "meta/ascii.hpp"

namespace imgmeta::aws {

using meta::make_error;

namespace {

constexpr size_t kMaxKeyBytes = 1024;  // S3 User Guide, "Naming Amazon S3 objects"

bool dns_compatible(const std::string& bucket) {
  if (bucket.size() < 3 || bucket.size() > 63) return false;
  return std::all_of(bucket.begin(), bucket.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
         }) &&
         bucket.front() != '-' && bucket.back() != '-';
}

ClientConfig s3_config(const AwsSettings& settings) {
  ClientConfig c;
  c.endpoint = endpoint_for(settings, "s3");
  c.region = settings.region;
  c.signing_service = "s3";
  c.credentials = settings.credentials;
  return c;
}

// NoSuchKey / NoSuchUpload and a bodiless 404 all mean "NotFound" to callers.
Error normalize(Error e) {
  if (e.code == meta::Errc::NoSuchKey || e.code == meta::Errc::NoSuchUpload || e.code == meta::Errc::NoSuchVersion) e.code = meta::Errc::NotFound;
  return e;
}

S3ObjectHead head_from(const HttpResponse& r) {
  S3ObjectHead h;
  if (const auto* v = find_header(r.headers, "content-length")) h.size = std::strtoull(v->c_str(), nullptr, 10);
  if (const auto* v = find_header(r.headers, "etag")) h.etag = strip_etag_quotes(*v);
  if (const auto* v = find_header(r.headers, "content-type")) h.content_type = *v;
  if (h.content_type.empty()) h.content_type = "application/octet-stream";
  if (const auto* v = find_header(r.headers, "last-modified")) h.last_modified_ms = parse_http_date_ms(*v);
  h.headers = r.headers;
  return h;
}

// "bytes 0-65535/120000" (RFC 7233 section 4.2).
bool parse_content_range(std::string_view v, uint64_t& first, uint64_t& last, uint64_t& total) {
  if (!v.starts_with("bytes ")) return false;
  v.remove_prefix(6);
  size_t dash = v.find('-'), slash = v.find('/');
  if (dash == std::string_view::npos || slash == std::string_view::npos || dash > slash) return false;
  auto num = [](std::string_view s, uint64_t& out) {
    if (s.empty() || s.size() > 19) return false;
    out = 0;
    for (char c : s) {
      if (c < '0' || c > '9') return false;
      out = out * 10 + static_cast<uint64_t>(c - '0');
    }
    return true;
  };
  return num(v.substr(0, dash), first) && num(v.substr(dash + 1, slash - dash - 1), last) &&
         num(v.substr(slash + 1), total) && first <= last && last < total;
}

}  // namespace

std::string strip_etag_quotes(std::string_view etag) {
  if (etag.starts_with("W/")) etag.remove_prefix(2);
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') etag = etag.substr(1, etag.size() - 2);
  return std::string(etag);
}

int64_t parse_http_date_ms(std::string_view date) {
  std::tm tm{};
  std::string s(date);
  const char* end = strptime(s.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (!end) return 0;
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

S3Client::S3Client(const AwsSettings& settings, std::string bucket, std::shared_ptr<HttpClient> http,
                   S3Addressing addressing)
    : S3Client(s3_config(settings), std::move(bucket), std::move(http), addressing) {}

S3Client::S3Client(ClientConfig config, std::string bucket, std::shared_ptr<HttpClient> http, S3Addressing addressing)
    : bucket_(std::move(bucket)) {
  config.signing_service = "s3";
  bool virtual_hosted = addressing == S3Addressing::VirtualHosted ||
                        (addressing == S3Addressing::Auto && is_aws_endpoint(config.endpoint) && dns_compatible(bucket_));
  if (virtual_hosted) {
    auto sep = config.endpoint.find("://");
    if (sep != std::string::npos) config.endpoint.insert(sep + 3, bucket_ + ".");
    path_style_ = false;
  }
  client_ = std::make_unique<AwsClient>(std::move(config), std::move(http));
}

std::string S3Client::object_path(const std::string& key) const {
  std::string encoded = uri_encode_path(key);
  return path_style_ ? "/" + uri_encode_path(bucket_) + "/" + encoded : "/" + encoded;
}

Status S3Client::check_key(const std::string& op, const std::string& key) const {
  if (key.empty() || key.size() > kMaxKeyBytes)
    return make_error(meta::Errc::InvalidKey, op + " " + bucket_ + ": key must be 1..1024 bytes, got " + std::to_string(key.size()));
  return meta::ok_status();
}

Status S3Client::create_bucket() {
  AwsRequest r{"S3.CreateBucket", bucket_, "PUT", path_style_ ? "/" + uri_encode_path(bucket_) : "/"};
  r.s3 = true;
  if (client_->config().region != "us-east-1")
    r.body = "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><LocationConstraint>" +
             xml_escape(client_->config().region) + "</LocationConstraint></CreateBucketConfiguration>";
  auto resp = client_->call(r);
  if (!resp && resp.error().code != meta::Errc::BucketAlreadyOwnedByYou) return resp.error();
  return meta::ok_status();
}

Result<S3ObjectHead> S3Client::head(const std::string& key) {
  if (auto s = check_key("S3.HeadObject", key); !s) return s.error();
  AwsRequest r{"S3.HeadObject", bucket_ + "/" + key, "HEAD", object_path(key)};
  r.s3 = true;
  auto resp = client_->call(r);
  if (!resp) return normalize(resp.error());
  return head_from(*resp);
}

Result<S3Range> S3Client::get_range(const std::string& key, uint64_t offset, uint64_t length, const std::string& if_match) {
  std::string what = bucket_ + "/" + key + " bytes " + std::to_string(offset) + "+" + std::to_string(length);
  if (auto s = check_key("S3.GetObject", key); !s) return s.error();
  if (length == 0 || offset > UINT64_MAX - length) return make_error(meta::Errc::InvalidArgument, "S3.GetObject " + what + ": empty or overflowing range");
  AwsRequest r{"S3.GetObject", what, "GET", object_path(key)};
  r.s3 = true;
  // RFC 7233 section 2.1: byte positions are inclusive.
  r.headers.push_back({"Range", "bytes=" + std::to_string(offset) + "-" + std::to_string(offset + length - 1)});
  if (!if_match.empty()) r.headers.push_back({"If-Match", "\"" + if_match + "\""});
  r.max_response_bytes = length > SIZE_MAX - 4096 ? SIZE_MAX : static_cast<size_t>(length) + 4096;
  auto resp = client_->call(r);
  if (!resp) return normalize(resp.error());
  S3Range out;
  out.head = head_from(*resp);
  if (resp->status == 206) {
    const auto* cr = find_header(resp->headers, "content-range");
    uint64_t first = 0, last = 0;
    if (!cr || !parse_content_range(*cr, first, last, out.total_size) || first != offset ||
        resp->body.size() != last - first + 1 || resp->body.size() > length)
      return make_error(meta::Errc::InvalidResponse, "S3.GetObject " + what + ": Content-Range '" + (cr ? *cr : "") +
                                               "' does not match the request or the body");
    out.bytes = std::move(resp->body);
  } else {
    // 200: the server sent the whole object (no range support); keep the requested slice.
    out.total_size = resp->body.size();
    if (offset >= resp->body.size())
      return make_error(meta::Errc::InvalidRange, "S3.GetObject " + what + ": offset past the end (" + std::to_string(resp->body.size()) + " bytes)");
    out.bytes = resp->body.substr(static_cast<size_t>(offset), static_cast<size_t>(std::min<uint64_t>(length, resp->body.size() - offset)));
  }
  out.head.size = out.total_size;
  return out;
}

Result<std::string> S3Client::get(const std::string& key) {
  if (auto s = check_key("S3.GetObject", key); !s) return s.error();
  AwsRequest r{"S3.GetObject", bucket_ + "/" + key, "GET", object_path(key)};
  r.s3 = true;
  auto resp = client_->call(r);
  if (!resp) return normalize(resp.error());
  return std::move(resp->body);
}

Result<std::string> S3Client::put(const std::string& key, const std::string& body, const std::string& content_type,
                                  const Headers& extra) {
  if (auto s = check_key("S3.PutObject", key); !s) return s.error();
  AwsRequest r{"S3.PutObject", bucket_ + "/" + key, "PUT", object_path(key)};
  r.s3 = true;
  r.body = body;
  if (!content_type.empty()) r.headers.push_back({"Content-Type", content_type});
  for (const auto& h : extra) r.headers.push_back(h);
  auto resp = client_->call(r);
  if (!resp) return normalize(resp.error());
  const auto* etag = find_header(resp->headers, "etag");
  return etag ? strip_etag_quotes(*etag) : std::string();
}

Status S3Client::remove(const std::string& key) {
  if (auto s = check_key("S3.DeleteObject", key); !s) return s.error();
  AwsRequest r{"S3.DeleteObject", bucket_ + "/" + key, "DELETE", object_path(key)};
  r.s3 = true;
  auto resp = client_->call(r);
  if (!resp && normalize(resp.error()).code != meta::Errc::NotFound) return resp.error();
  return meta::ok_status();
}

Status S3Client::copy(const std::string& source_key, const std::string& dest_key, const std::string& content_type,
                      const Headers& metadata) {
  std::string what = bucket_ + "/" + source_key + " -> " + dest_key;
  if (auto s = check_key("S3.CopyObject", source_key); !s) return s.error();
  if (auto s = check_key("S3.CopyObject", dest_key); !s) return s.error();
  AwsRequest r{"S3.CopyObject", what, "PUT", object_path(dest_key)};
  r.s3 = true;
  // S3 API Reference, CopyObject: x-amz-copy-source is "bucket/key", URL-encoded.
  r.headers.push_back({"x-amz-copy-source", uri_encode_path(bucket_ + "/" + source_key)});
  r.headers.push_back({"x-amz-metadata-directive", "REPLACE"});
  if (!content_type.empty()) r.headers.push_back({"Content-Type", content_type});
  for (const auto& h : metadata) r.headers.push_back(h);
  auto resp = client_->call(r);
  if (!resp) return normalize(resp.error());
  // Like CompleteMultipartUpload, a 200 may carry an error document.
  auto doc = parse_xml(resp->body);
  if (doc && (*doc)->name == "Error") {
    std::string code = (*doc)->child_text("Code");
    return normalize(meta::make_service_error(code, "S3.CopyObject " + what + ": HTTP 200 " + code + ": " + (*doc)->child_text("Message")));
  }
  return meta::ok_status();
}

Result<S3Presigned> S3Client::presign(const std::string& method, const std::string& key, std::string query,
                                      const S3PresignOptions& options) {
  std::string op = "S3.Presign" + method + " " + bucket_ + "/" + key;
  if (auto s = check_key("S3.Presign" + method, key); !s) return s.error();
  const Url& ep = client_->endpoint();
  if (ep.host.empty()) return make_error(meta::Errc::InvalidArgument, op + ": bad endpoint '" + client_->config().endpoint + "'");
  SignableRequest req;
  req.method = method;
  req.path = ep.path + object_path(key);
  req.query = std::move(query);
  req.headers.push_back({"Host", ep.authority});
  if (options.content_length) req.headers.push_back({"Content-Length", std::to_string(*options.content_length)});
  if (!options.content_type.empty()) req.headers.push_back({"Content-Type", options.content_type});
  if (!options.content_md5.empty()) req.headers.push_back({"Content-MD5", options.content_md5});
  if (!options.checksum_sha256.empty()) req.headers.push_back({"x-amz-checksum-sha256", options.checksum_sha256});
  int64_t now = options.now_s ? options.now_s : unix_now_s();
  SigningConfig cfg = SigningConfig::s3(client_->config().region, now, std::string(kUnsignedPayload));
  cfg.expires = options.expires_s;
  auto sig = presign_request(req, client_->config().credentials, cfg);
  if (!sig) return make_error(meta::Errc::InvalidArgument, op + ": " + sig.error().message);
  S3Presigned out;
  out.method = method;
  out.url = ep.origin() + req.path + "?" + req.query;
  for (auto& h : req.headers) {
    if (!meta::iequals(h.name, "host") && !meta::iequals(h.name, "content-length")) out.headers.push_back(std::move(h));
  }
  out.expires_at_s = now + options.expires_s;
  return out;
}

Result<S3Presigned> S3Client::presign_put(const std::string& key, const S3PresignOptions& options) {
  return presign("PUT", key, "", options);
}

Result<S3Presigned> S3Client::presign_get(const std::string& key, const S3PresignOptions& options) {
  std::string query;
  // S3 API Reference, GetObject: response-* parameters override the response headers.
  if (!options.response_content_disposition.empty())
    query += "response-content-disposition=" + uri_encode(options.response_content_disposition);
  if (!options.response_content_type.empty())
    query += std::string(query.empty() ? "" : "&") + "response-content-type=" + uri_encode(options.response_content_type);
  S3PresignOptions o = options;
  o.content_length.reset();
  o.content_type.clear();
  o.content_md5.clear();
  o.checksum_sha256.clear();
  return presign("GET", key, query, o);
}

Result<std::string> S3Client::create_multipart(const std::string& key, const std::string& content_type, const Headers& extra) {
  std::string what = bucket_ + "/" + key;
  if (auto s = check_key("S3.CreateMultipartUpload", key); !s) return s.error();
  AwsRequest r{"S3.CreateMultipartUpload", what, "POST", object_path(key), "uploads="};
  r.s3 = true;
  if (!content_type.empty()) r.headers.push_back({"Content-Type", content_type});
  for (const auto& h : extra) r.headers.push_back(h);
  auto resp = client_->call(r);
  if (!resp) return resp.error();
  auto doc = parse_xml(resp->body);
  if (!doc) return make_error(meta::Errc::InvalidResponse, "S3.CreateMultipartUpload " + what + ": " + doc.error().message);
  std::string id = (*doc)->child_text("UploadId");
  if (id.empty()) return make_error(meta::Errc::InvalidResponse, "S3.CreateMultipartUpload " + what + ": no UploadId");
  return id;
}

Result<S3Presigned> S3Client::presign_part(const std::string& key, const std::string& upload_id, int part_number,
                                           const S3PresignOptions& options) {
  S3PresignOptions o = options;
  o.content_type.clear();  // parts carry no content type; the upload has it
  return presign("PUT", key, "partNumber=" + std::to_string(part_number) + "&uploadId=" + uri_encode(upload_id), o);
}

Result<std::string> S3Client::upload_part(const std::string& key, const std::string& upload_id, int part_number,
                                          const std::string& body) {
  std::string what = bucket_ + "/" + key + " part " + std::to_string(part_number);
  AwsRequest r{"S3.UploadPart", what, "PUT", object_path(key),
               "partNumber=" + std::to_string(part_number) + "&uploadId=" + uri_encode(upload_id)};
  r.s3 = true;
  r.body = body;
  auto resp = client_->call(r);
  if (!resp) return normalize(resp.error());
  const auto* etag = find_header(resp->headers, "etag");
  return etag ? strip_etag_quotes(*etag) : std::string();
}

Status S3Client::complete_multipart(const std::string& key, const std::string& upload_id, const std::vector<S3Part>& parts) {
  std::string what = bucket_ + "/" + key;
  AwsRequest r{"S3.CompleteMultipartUpload", what, "POST", object_path(key), "uploadId=" + uri_encode(upload_id)};
  r.s3 = true;
  r.headers.push_back({"Content-Type", "application/xml"});
  r.body = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">";
  for (const auto& p : parts)
    r.body += "<Part><PartNumber>" + std::to_string(p.part_number) + "</PartNumber><ETag>\"" + xml_escape(p.etag) +
              "\"</ETag></Part>";
  r.body += "</CompleteMultipartUpload>";
  auto resp = client_->call(r);
  if (!resp) return normalize(resp.error());
  // S3 API Reference, CompleteMultipartUpload: "a 200 OK response can contain either a
  // success or an error" - the error arrives in the body after processing started.
  auto doc = parse_xml(resp->body);
  if (doc && (*doc)->name == "Error") {
    std::string code = (*doc)->child_text("Code");
    return normalize(meta::make_service_error(code, "S3.CompleteMultipartUpload " + what + ": HTTP 200 " + code + ": " +
                                          (*doc)->child_text("Message")));
  }
  return meta::ok_status();
}

Status S3Client::abort_multipart(const std::string& key, const std::string& upload_id) {
  AwsRequest r{"S3.AbortMultipartUpload", bucket_ + "/" + key, "DELETE", object_path(key), "uploadId=" + uri_encode(upload_id)};
  r.s3 = true;
  auto resp = client_->call(r);
  if (!resp && normalize(resp.error()).code != meta::Errc::NotFound) return resp.error();
  return meta::ok_status();
}

Result<std::vector<S3Part>> S3Client::list_parts(const std::string& key, const std::string& upload_id) {
  std::string what = bucket_ + "/" + key;
  std::vector<S3Part> parts;
  std::string marker;
  for (int page = 0; page < 20; ++page) {  // 10000 parts at 1000 a page at most
    std::string query = "uploadId=" + uri_encode(upload_id);
    if (!marker.empty()) query = "part-number-marker=" + uri_encode(marker) + "&" + query;
    AwsRequest r{"S3.ListParts", what, "GET", object_path(key), query};
    r.s3 = true;
    auto resp = client_->call(r);
    if (!resp) return normalize(resp.error());
    auto doc = parse_xml(resp->body);
    if (!doc) return make_error(meta::Errc::InvalidResponse, "S3.ListParts " + what + ": " + doc.error().message);
    for (const XmlElement* p : (*doc)->all("Part")) {
      S3Part part;
      part.part_number = std::atoi(p->child_text("PartNumber").c_str());
      part.etag = strip_etag_quotes(p->child_text("ETag"));
      part.size = std::strtoull(p->child_text("Size").c_str(), nullptr, 10);
      parts.push_back(std::move(part));
    }
    if ((*doc)->child_text("IsTruncated") != "true") return parts;
    std::string next = (*doc)->child_text("NextPartNumberMarker");
    if (next.empty() || next == marker) return make_error(meta::Errc::InvalidResponse, "S3.ListParts " + what + ": truncated without a new marker");
    marker = next;
  }
  return make_error(meta::Errc::InvalidResponse, "S3.ListParts " + what + ": more than 20 pages");
}

}  // namespace imgmeta::aws
