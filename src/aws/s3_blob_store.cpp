#include "aws/s3_blob_store.hpp"

#include <algorithm>

#include "aws/digest.hpp"
#include "aws/s3_source.hpp"

namespace imgmeta::aws {

using meta::make_error;

namespace {

constexpr int64_t kMaxExpiry = 7 * 24 * 3600;        // SigV4 presigned URLs: 7 days at most
constexpr uint64_t kMaxPartSize = 5ull << 30;        // S3: 5 GiB a part
constexpr uint64_t kMaxObjectSize = 5ull << 40;      // S3: 5 TiB an object
constexpr char kSizeMeta[] = "x-amz-meta-imgmeta-size";

std::optional<std::string> hex_to_bytes(std::string_view hex) {
  if (hex.size() % 2) return std::nullopt;
  std::string out;
  auto v = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = v(hex[i]), lo = v(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
  }
  return out;
}

store::ObjectInfo info_from(const S3ObjectHead& h) {
  store::ObjectInfo info;
  info.size = h.size;
  info.etag = h.etag;
  info.content_type = h.content_type;
  info.last_modified_ms = h.last_modified_ms;
  return info;
}

store::PresignedRequest to_store(S3Presigned p) {
  store::PresignedRequest r;
  r.url = std::move(p.url);
  r.method = std::move(p.method);
  for (auto& h : p.headers) r.headers[h.name] = std::move(h.value);
  r.expires_at_ms = p.expires_at_s * 1000;
  return r;
}

Status check_expiry(const std::string& op, std::chrono::seconds expiry) {
  if (expiry.count() < 1 || expiry.count() > kMaxExpiry)
    return make_error(meta::Errc::InvalidArgument, op + ": expiry " + std::to_string(expiry.count()) + " s outside 1 s .. 7 days");
  return meta::ok_status();
}

}  // namespace

Result<S3Uri> parse_s3_uri(std::string_view uri) {
  if (!uri.starts_with("s3://")) return make_error(meta::Errc::InvalidArgument, "blob store '" + std::string(uri) + "': expected s3://bucket[/prefix]");
  uri.remove_prefix(5);
  S3Uri out;
  size_t slash = uri.find('/');
  out.bucket = std::string(uri.substr(0, slash));
  if (slash != std::string_view::npos) out.prefix = std::string(uri.substr(slash + 1));
  if (out.bucket.empty()) return make_error(meta::Errc::InvalidArgument, "blob store 's3://': no bucket");
  return out;
}

S3BlobStore::S3BlobStore(std::shared_ptr<S3Client> client, std::string prefix)
    : client_(std::move(client)), prefix_(std::move(prefix)) {
  if (!prefix_.empty() && prefix_.back() != '/') prefix_ += '/';
}

Result<std::string> S3BlobStore::full_key(const std::string& op, const std::string& key) const {
  // S3 allows any UTF-8 key; the store refuses what cannot be a contract key or would
  // escape the prefix in a path-based reading.
  if (key.empty() || key.size() + prefix_.size() > 1024 || key.front() == '/' || key.find("..") != std::string::npos ||
      key.find('\0') != std::string::npos)
    return make_error(meta::Errc::InvalidKey, op + ": key '" + key + "' is not acceptable");
  return prefix_ + key;
}

Result<store::ObjectInfo> S3BlobStore::head(const std::string& key) {
  auto k = full_key("S3BlobStore.head", key);
  if (!k) return k.error();
  auto h = client_->head(*k);
  if (!h) return h.error();
  return info_from(*h);
}

Result<std::unique_ptr<meta::Source>> S3BlobStore::open(const std::string& key) {
  auto k = full_key("S3BlobStore.open", key);
  if (!k) return k.error();
  auto src = S3Source::open(*client_, *k);
  if (!src) return src.error();
  return std::unique_ptr<meta::Source>(std::move(src).value());
}

Status S3BlobStore::remove(const std::string& key) {
  auto k = full_key("S3BlobStore.remove", key);
  if (!k) return k.error();
  return client_->remove(*k);
}

Result<store::PresignedRequest> S3BlobStore::presign_put(const std::string& key, const store::PutConditions& c) {
  std::string op = "S3BlobStore.presign_put " + key;
  auto k = full_key(op, key);
  if (!k) return k.error();
  if (auto s = check_expiry(op, c.expiry); !s) return s.error();
  if (c.size > kMaxPartSize) return make_error(meta::Errc::InvalidArgument, op + ": a single PUT takes at most 5 GiB");
  S3PresignOptions o;
  o.expires_s = c.expiry.count();
  o.content_length = c.size;
  o.content_type = c.content_type;
  if (c.sha256_hex) {
    auto raw = hex_to_bytes(*c.sha256_hex);
    if (!raw || raw->size() != 32) return make_error(meta::Errc::InvalidArgument, op + ": sha256 must be 64 hex digits");
    o.checksum_sha256 = base64_encode(*raw);
  }
  auto p = client_->presign_put(*k, o);
  if (!p) return p.error();
  return to_store(std::move(p).value());
}

Result<store::PresignedRequest> S3BlobStore::presign_get(const std::string& key, const store::GetOptions& options) {
  std::string op = "S3BlobStore.presign_get " + key;
  auto k = full_key(op, key);
  if (!k) return k.error();
  if (auto s = check_expiry(op, options.expiry); !s) return s.error();
  S3PresignOptions o;
  o.expires_s = options.expiry.count();
  o.response_content_type = options.response_content_type;
  o.response_content_disposition = options.response_content_disposition;
  o.now_s = options.signed_at_s;
  auto p = client_->presign_get(*k, o);
  if (!p) return p.error();
  return to_store(std::move(p).value());
}

Result<store::ObjectInfo> S3BlobStore::put_object(const std::string& key, std::string_view bytes,
                                                  const std::string& content_type, const std::string& cache_control) {
  std::string op = "S3BlobStore.put_object " + key;
  auto k = full_key(op, key);
  if (!k) return k.error();
  Headers extra;
  if (!cache_control.empty()) extra.push_back({"Cache-Control", cache_control});
  auto etag = client_->put(*k, std::string(bytes), content_type, extra);
  if (!etag) return etag.error();
  store::ObjectInfo info;
  info.size = bytes.size();
  info.etag = *etag;
  info.content_type = content_type;
  return info;
}

Result<std::string> S3BlobStore::create_multipart(const std::string& key, const store::PutConditions& c) {
  std::string op = "S3BlobStore.create_multipart " + key;
  auto k = full_key(op, key);
  if (!k) return k.error();
  if (c.size == 0 || c.size > kMaxObjectSize) return make_error(meta::Errc::InvalidArgument, op + ": size outside 1 byte .. 5 TiB");
  Headers extra{{kSizeMeta, std::to_string(c.size)}};
  if (c.sha256_hex) extra.push_back({"x-amz-meta-imgmeta-sha256", *c.sha256_hex});
  return client_->create_multipart(*k, c.content_type, extra);
}

Result<store::PresignedRequest> S3BlobStore::presign_part(const std::string& key, const std::string& upload_id,
                                                          int part_number, uint64_t part_size, std::chrono::seconds expiry) {
  std::string op = "S3BlobStore.presign_part " + key + " part " + std::to_string(part_number);
  auto k = full_key(op, key);
  if (!k) return k.error();
  if (auto s = check_expiry(op, expiry); !s) return s.error();
  if (part_number < 1 || part_number > store::kMaxParts) return make_error(meta::Errc::InvalidArgument, op + ": part number outside 1..10000");
  if (part_size == 0 || part_size > kMaxPartSize) return make_error(meta::Errc::InvalidArgument, op + ": part size outside 1 byte .. 5 GiB");
  if (upload_id.empty()) return make_error(meta::Errc::NotFound, op + ": no upload id");
  S3PresignOptions o;
  o.expires_s = expiry.count();
  o.content_length = part_size;
  auto p = client_->presign_part(*k, upload_id, part_number, o);
  if (!p) return p.error();
  return to_store(std::move(p).value());
}

Result<store::ObjectInfo> S3BlobStore::complete_multipart(const std::string& key, const std::string& upload_id,
                                                          const std::vector<store::PartInfo>& parts) {
  std::string op = "S3BlobStore.complete_multipart " + key;
  auto k = full_key(op, key);
  if (!k) return k.error();
  if (parts.empty()) return make_error(meta::Errc::InvalidPart, op + ": no parts");
  std::vector<S3Part> s3parts;
  for (const auto& p : parts) {
    if (!s3parts.empty() && p.part_number <= s3parts.back().part_number)
      return make_error(meta::Errc::InvalidPart, op + ": part numbers must ascend");
    s3parts.push_back({p.part_number, strip_etag_quotes(p.etag), 0});
  }
  if (auto s = client_->complete_multipart(*k, upload_id, s3parts); !s) {
    Error e = s.error();
    if (e.code == meta::Errc::InvalidPartOrder || e.code == meta::Errc::EntityTooSmall) e.code = meta::Errc::InvalidPart;
    return e;
  }
  auto h = client_->head(*k);
  if (!h) return h.error();
  if (const auto* promised = find_header(h->headers, kSizeMeta); promised && std::to_string(h->size) != *promised) {
    auto removed = client_->remove(*k);
    return make_error(meta::Errc::IncompleteBody, op + ": completed object has " + std::to_string(h->size) + " bytes, " + *promised +
                                            " were promised" + (removed ? "; object deleted" : "; deleting it failed too"));
  }
  return info_from(*h);
}

Status S3BlobStore::abort_multipart(const std::string& key, const std::string& upload_id) {
  auto k = full_key("S3BlobStore.abort_multipart", key);
  if (!k) return k.error();
  return client_->abort_multipart(*k, upload_id);
}

Result<std::vector<store::PartInfo>> S3BlobStore::list_parts(const std::string& key, const std::string& upload_id) {
  auto k = full_key("S3BlobStore.list_parts", key);
  if (!k) return k.error();
  auto parts = client_->list_parts(*k, upload_id);
  if (!parts) return parts.error();
  std::vector<store::PartInfo> out;
  for (const auto& p : *parts) out.push_back({p.part_number, p.etag, p.size});
  return out;
}

}  // namespace imgmeta::aws
