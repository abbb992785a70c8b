#include "store/directory_blob_store.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "aws/digest.hpp"
#include "aws/sigv4.hpp"
#include "meta/ascii.hpp"
#include "store/file_sync.hpp"
#include "store/time.hpp"
#include "meta/json_text.hpp"

namespace imgmeta::store {
namespace {

using meta::make_error;

// S3 user guide, "Naming Amazon S3 objects": the safe characters of object keys.
bool is_safe_key_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '!' || c == '-' ||
         c == '_' || c == '.' || c == '*' || c == '\'' || c == '(' || c == ')';
}

constexpr size_t kMaxKeyLength = 1024;             // S3's limit, bytes
constexpr size_t kCopyBuffer = 1 << 20;            // multipart join
constexpr uint64_t kMaxObjectSize = 5ull << 40;    // S3: 5 TiB
constexpr uint64_t kMaxPartSize = 5ull << 30;      // S3: 5 GiB
constexpr std::string_view kTempPrefix = ".tmp-";  // never a key segment (keys cannot start with '.')
constexpr std::string_view kChecksumHeader = "x-amz-checksum-sha256";
constexpr const char* kInfoXattr = "user.imgmeta.object";  // an object's Sidecar, as JSON
constexpr size_t kMaxInfoBytes = 4096;                       // far above any Sidecar's JSON

std::string errno_text(int e) { return std::strerror(e); }

std::string random_hex(size_t bytes) {
  std::string raw(bytes, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes));
  return aws::hex(reinterpret_cast<const uint8_t*>(raw.data()), raw.size());
}

bool is_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::string strip_quotes(std::string_view s) {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return meta::ascii_lower(s);
}

Status mkdirs(const std::string& path) {
  std::string cur;
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    cur = path.substr(0, j);
    if (!cur.empty() && ::mkdir(cur.c_str(), 0755) != 0 && errno != EEXIST)
      return make_error("mkdir " + cur + ": " + errno_text(errno));
    i = j + 1;
  }
  return meta::ok_status();
}

Status write_all(int fd, const uint8_t* data, size_t size, const std::string& path) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return make_error("write " + path + ": " + errno_text(errno));
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  return meta::ok_status();
}

Result<std::string> read_small_file(const std::string& path, size_t cap = 64 * 1024) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    return make_error(e == ENOENT ? meta::Errc::NotFound : meta::Errc::None, "open " + path + ": " + errno_text(e));
  }
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      ::close(fd);
      return make_error("read " + path + ": " + errno_text(e));
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > cap) {
      ::close(fd);
      return make_error(path + ": larger than " + std::to_string(cap) + " bytes");
    }
  }
  ::close(fd);
  return out;
}

// Writes a small file atomically (temp, rename), with an fsync of its bytes when durable.
// The caller fsyncs the directory when the rename must survive a crash.
Status write_small_file(const std::string& dir, const std::string& name, std::string_view content,
                        bool durable = true) {
  std::string tmp = dir + "/" + std::string(kTempPrefix) + random_hex(8);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return make_error("create " + tmp + ": " + errno_text(errno));
  Status s = write_all(fd, reinterpret_cast<const uint8_t*>(content.data()), content.size(), tmp);
  if (s && durable && ::fsync(fd) != 0) s = make_error("fsync " + tmp + ": " + errno_text(errno));
  ::close(fd);
  if (s && ::rename(tmp.c_str(), (dir + "/" + name).c_str()) != 0)
    s = make_error("rename " + tmp + " to " + name + ": " + errno_text(errno));
  if (!s) ::unlink(tmp.c_str());
  return s;
}

std::pair<std::string, std::string> split_path(const std::string& path) {
  size_t slash = path.rfind('/');
  return {path.substr(0, slash), path.substr(slash + 1)};
}

std::string sidecar_path(const std::string& object_path) {
  auto [dir, name] = split_path(object_path);
  return dir + "/." + name + ".meta";
}

void remove_tree(const std::string& path) {
  DIR* d = ::opendir(path.c_str());
  if (d) {
    while (dirent* e = ::readdir(d)) {
      std::string name = e->d_name;
      if (name == "." || name == "..") continue;
      std::string child = path + "/" + name;
      struct stat st {};
      if (::lstat(child.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) remove_tree(child);
      else ::unlink(child.c_str());
    }
    ::closedir(d);
  }
  ::rmdir(path.c_str());
}

// The sidecar: what a HEAD answers besides the size.
struct Sidecar {
  uint64_t size = 0;
  std::string etag;
  std::string content_type;
  std::string sha256;
};

std::string sidecar_json(const Sidecar& s) {
  nlohmann::json j = {{"size", s.size}, {"etag", s.etag}, {"contentType", s.content_type}, {"sha256", s.sha256}};
  return meta::json_text(j);
}

std::optional<Sidecar> parse_sidecar(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  Sidecar s;
  auto it = j.find("size");
  if (it == j.end() || !it->is_number_unsigned()) return std::nullopt;
  s.size = it->get<uint64_t>();
  for (auto [name, field] : {std::pair{"etag", &s.etag}, std::pair{"contentType", &s.content_type},
                             std::pair{"sha256", &s.sha256}}) {
    auto f = j.find(name);
    if (f != j.end() && f->is_string()) *field = f->get<std::string>();
  }
  return s;
}

// An object's Sidecar: from its extended attribute, else from its sidecar file (objects
// written on a file system without user attributes, or before they were used).
std::optional<Sidecar> read_object_info(const std::string& object_path) {
  char buf[kMaxInfoBytes];
  ssize_t n = ::getxattr(object_path.c_str(), kInfoXattr, buf, sizeof buf);
  if (n > 0) return parse_sidecar(std::string(buf, static_cast<size_t>(n)));
  auto text = read_small_file(sidecar_path(object_path));
  return text ? parse_sidecar(*text) : std::nullopt;
}

// Streaming SHA-256, and MD5 when the ETag is S3's (OpenSSL EVP).
class Digests {
 public:
  explicit Digests(bool md5 = true) : md5_(md5 ? EVP_MD_CTX_new() : nullptr), sha_(EVP_MD_CTX_new()) {
    if (md5_) EVP_DigestInit_ex(md5_, EVP_md5(), nullptr);
    EVP_DigestInit_ex(sha_, EVP_sha256(), nullptr);
  }
  ~Digests() {
    EVP_MD_CTX_free(md5_);
    EVP_MD_CTX_free(sha_);
  }
  Digests(const Digests&) = delete;
  Digests& operator=(const Digests&) = delete;
  void update(const uint8_t* data, size_t size) {
    if (md5_) EVP_DigestUpdate(md5_, data, size);
    EVP_DigestUpdate(sha_, data, size);
  }
  // {md5 raw (empty without MD5), sha256 raw}
  std::pair<std::string, std::string> finish() {
    unsigned char md5[EVP_MAX_MD_SIZE], sha[EVP_MAX_MD_SIZE];
    unsigned int n1 = 0, n2 = 0;
    if (md5_) EVP_DigestFinal_ex(md5_, md5, &n1);
    EVP_DigestFinal_ex(sha_, sha, &n2);
    return {std::string(reinterpret_cast<char*>(md5), n1), std::string(reinterpret_cast<char*>(sha), n2)};
  }

 private:
  EVP_MD_CTX* md5_;
  EVP_MD_CTX* sha_;
};

std::string md5_raw(std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), out, &n, EVP_md5(), nullptr);
  return std::string(reinterpret_cast<char*>(out), n);
}

std::string hex_of(const std::string& raw) { return aws::hex(reinterpret_cast<const uint8_t*>(raw.data()), raw.size()); }

// The ETag of one PUT's bytes: S3's (the MD5), or the first 128 bits of the SHA-256 when the
// store was opened with etag_from_sha256 (equally strong, and the MD5 pass is saved).
std::string etag_of(const std::pair<std::string, std::string>& digests) {
  const auto& [md5, sha] = digests;
  return md5.empty() ? hex_of(sha.substr(0, 16)) : hex_of(md5);
}

// The one write path: temp file in the destination directory, digests on the way, checks,
// fsync, sidecar, rename, fsync of the directory.
class FileWriter final : public BlobWriter {
 public:
  struct Target {
    std::string final_path;
    uint64_t size = 0;
    std::string content_type;
    std::optional<std::string> sha256_hex;
    std::string label;  // for errors: "key uploads/u/x" or "part 3 of upload ..."
    bool etag_from_sha256 = false;
    bool info_in_xattr = true;
  };

  static Result<std::unique_ptr<FileWriter>> create(Target target) {
    auto [dir, name] = split_path(target.final_path);
    std::string tmp = dir + "/" + std::string(kTempPrefix) + random_hex(8);
    // The directory usually exists (one per owner): create it only when the open says it
    // does not, rather than a mkdir per level on every upload.
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0 && errno == ENOENT) {
      TRY(mkdirs(dir));
      fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    }
    if (fd < 0) return make_error("put " + target.label + ": create " + tmp + ": " + errno_text(errno));
    return std::unique_ptr<FileWriter>(new FileWriter(std::move(target), std::move(dir), std::move(tmp), fd));
  }

  ~FileWriter() override { discard(); }

  Status write(std::span<const uint8_t> bytes) override {
    if (fd_ < 0) return make_error("put " + t_.label + ": write after commit or failure");
    if (bytes.size() > t_.size - written_) {
      discard();
      return make_error(meta::Errc::IncompleteBody, "put " + t_.label + ": more than the promised " + std::to_string(t_.size) +
                                              " bytes");
    }
    digests_.update(bytes.data(), bytes.size());
    if (auto s = write_all(fd_, bytes.data(), bytes.size(), tmp_); !s) {
      discard();
      return s.error();
    }
    written_ += bytes.size();
    return meta::ok_status();
  }

  Result<std::string> body_sha256() override {
    if (fd_ < 0) return make_error("put " + t_.label + ": digest after commit or failure");
    if (written_ != t_.size)
      return make_error(meta::Errc::IncompleteBody, "put " + t_.label + ": " + std::to_string(written_) +
                                              " bytes received, promised " + std::to_string(t_.size));
    return hex_of(finished_digests().second);
  }

  Result<ObjectInfo> commit() override {
    if (fd_ < 0) return make_error("put " + t_.label + ": commit after commit or failure");
    if (written_ != t_.size) {
      discard();
      return make_error(meta::Errc::IncompleteBody, "put " + t_.label + ": " + std::to_string(written_) +
                                              " bytes received, promised " + std::to_string(t_.size));
    }
    const std::string& sha = finished_digests().second;
    std::string sha_hex = hex_of(sha);
    if (t_.sha256_hex && !aws::equal_constant_time(*t_.sha256_hex, sha_hex)) {
      discard();
      return make_error(meta::Errc::BadDigest, "put " + t_.label + ": SHA-256 of the body is " + sha_hex + ", promised " +
                                         *t_.sha256_hex);
    }
    Sidecar side{t_.size, etag_override_.empty() ? etag_of(finished_digests()) : etag_override_,
                 t_.content_type.empty() ? "application/octet-stream" : t_.content_type, sha_hex};
    std::string info = sidecar_json(side);
    // In the file's own attribute the information is made durable by the fsync below and
    // arrives with the rename: no second file to create. Where the file system has no user
    // attributes (ENOTSUP) or refuses this one, the sidecar file below holds it.
    bool in_xattr = t_.info_in_xattr && ::fsetxattr(fd_, kInfoXattr, info.data(), info.size(), 0) == 0;
    if (::fsync(fd_) != 0) {
      int e = errno;
      discard();
      return make_error("put " + t_.label + ": fsync " + tmp_ + ": " + errno_text(e));
    }
    ::close(fd_);
    fd_ = -1;
    auto [dir, name] = split_path(t_.final_path);
    // The sidecar lands first: a crash between the renames leaves a sidecar without an
    // object (removed at start-up), never an object without its sidecar. Its bytes are not
    // fsynced: a sidecar lost or torn by a power cut no longer matches the object, and head()
    // then recomputes the ETag from the bytes - one fsync less on every upload.
    if (!in_xattr) {
      if (auto s = write_small_file(dir, "." + name + ".meta", info, false); !s) {
        ::unlink(tmp_.c_str());
        return make_error("put " + t_.label + ": " + s.error().message);
      }
    }
    if (::rename(tmp_.c_str(), t_.final_path.c_str()) != 0) {
      int e = errno;
      ::unlink(tmp_.c_str());
      return make_error("put " + t_.label + ": rename to " + t_.final_path + ": " + errno_text(e));
    }
    TRY(fsync_directory(dir));
    return ObjectInfo{side.size, side.etag, side.content_type, now_ms(), side.sha256};
  }

  uint64_t written() const override { return written_; }
  void set_etag(std::string etag) { etag_override_ = std::move(etag); }

 private:
  FileWriter(Target t, std::string dir, std::string tmp, int fd)
      : t_(std::move(t)), tmp_(std::move(tmp)), fd_(fd), digests_(!t_.etag_from_sha256) {
    (void)dir;
  }

  void discard() {
    if (fd_ >= 0) {
      ::close(fd_);
      fd_ = -1;
      ::unlink(tmp_.c_str());
    }
  }

  // {md5 raw, sha256 raw}, finalised once (body_sha256 and commit both read them).
  const std::pair<std::string, std::string>& finished_digests() {
    if (!finished_) finished_ = digests_.finish();
    return *finished_;
  }

  Target t_;
  std::string tmp_;
  int fd_;
  uint64_t written_ = 0;
  std::string etag_override_;
  Digests digests_;
  std::optional<std::pair<std::string, std::string>> finished_;
};

// The object as a meta::Source: pread on the file (the HEAD is the stat in open()).
class FileObjectSource final : public meta::Source {
 public:
  explicit FileObjectSource(meta::FileSource file) : file_(std::move(file)) {}
  uint64_t size() const override { return file_.size(); }
  Result<size_t> read_at(uint64_t offset, std::span<uint8_t> out) override { return file_.read_at(offset, out); }

 private:
  meta::FileSource file_;
};

struct UploadManifest {
  std::string key;
  uint64_t size = 0;
  std::string content_type;
  std::string sha256;
  int64_t created_at_ms = 0;
};

}  // namespace

struct DirectoryBlobStore::Impl {
  DirectoryBlobStoreOptions options;
  std::string blobs_dir;
  std::string multipart_dir;
  int lock_fd = -1;
  aws::Credentials credentials;
  std::string origin;     // scheme://authority
  std::string authority;  // host[:port], the signed Host header
  std::string base_path;  // path part of public_base_url, without a trailing '/'

  int64_t now() const { return options.clock ? options.clock() : now_ms(); }

  Result<std::string> object_path(const std::string& key) const {
    if (!is_valid_key(key)) return make_error(meta::Errc::InvalidKey, "object key '" + key.substr(0, 200) + "' is not acceptable");
    return blobs_dir + "/" + key;
  }

  Result<std::string> upload_dir(const std::string& upload_id) const {
    if (upload_id.size() != 32 || !is_hex(upload_id))
      return make_error(meta::Errc::NotFound, "multipart upload '" + upload_id.substr(0, 64) + "' does not exist");
    return multipart_dir + "/" + upload_id;
  }

  Result<UploadManifest> load_upload(const std::string& key, const std::string& upload_id) const {
    std::string dir = TRY(upload_dir(upload_id));
    auto text = read_small_file(dir + "/upload.json");
    if (!text) {
      if (text.error().code == meta::Errc::NotFound)
        return make_error(meta::Errc::NotFound, "multipart upload " + upload_id + " does not exist");
      return text.error();
    }
    auto j = nlohmann::json::parse(*text, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("key") || !j["key"].is_string() || !j.contains("size") ||
        !j["size"].is_number_unsigned())
      return make_error("multipart upload " + upload_id + ": corrupt upload.json");
    UploadManifest m;
    m.key = j["key"].get<std::string>();
    m.size = j["size"].get<uint64_t>();
    if (j.contains("contentType") && j["contentType"].is_string()) m.content_type = j["contentType"].get<std::string>();
    if (j.contains("sha256") && j["sha256"].is_string()) m.sha256 = j["sha256"].get<std::string>();
    if (j.contains("createdAt") && j["createdAt"].is_number_integer()) m.created_at_ms = j["createdAt"].get<int64_t>();
    if (m.key != key) return make_error(meta::Errc::NotFound, "multipart upload " + upload_id + " is not for key " + key);
    return m;
  }

  static std::string part_name(int part_number) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "part-%05d", part_number);
    return buf;
  }

  // Presigns method on path (already wire-encoded) with the given query and extra signed headers.
  Result<PresignedRequest> presign(const std::string& method, const std::string& key, std::string query,
                                   aws::Headers headers, std::chrono::seconds expiry, int64_t signed_at_s = 0) const {
    if (expiry.count() < 1 || expiry.count() > 604800)
      return make_error(meta::Errc::InvalidArgument, "presign " + key + ": expiry " + std::to_string(expiry.count()) +
                                               " s outside 1..604800");
    aws::SignableRequest req;
    req.method = method;
    req.path = base_path + options.url_path_prefix + aws::uri_encode_path(key);
    req.query = std::move(query);
    PresignedRequest out;
    out.method = method;
    for (const auto& h : headers) out.headers[h.name] = h.value;
    headers.push_back({"host", authority});
    req.headers = std::move(headers);
    aws::SigningConfig config;
    config.region = options.region;
    config.service = "s3";
    config.time = signed_at_s ? signed_at_s : now() / 1000;
    config.double_uri_encode = false;
    config.normalize_path = false;
    config.payload_hash = std::string(aws::kUnsignedPayload);
    config.expires = expiry.count();
    auto sig = aws::presign_request(req, credentials, config);
    if (!sig) return sig.error();
    out.url = origin + req.path + "?" + req.query;
    out.expires_at_ms = config.time * 1000 + expiry.count() * 1000;
    // Content-Length is signed for PUTs but set by the client's HTTP stack, not by hand.
    out.headers.erase("content-length");
    return out;
  }

  void cleanup_dir(const std::string& dir, CleanupReport& report, int depth) {
    if (depth > 64) return;
    DIR* d = ::opendir(dir.c_str());
    if (!d) return;
    std::vector<std::string> names;
    while (dirent* e = ::readdir(d)) names.emplace_back(e->d_name);
    ::closedir(d);
    for (const auto& name : names) {
      if (name == "." || name == "..") continue;
      std::string path = dir + "/" + name;
      struct stat st {};
      if (::lstat(path.c_str(), &st) != 0) continue;
      if (S_ISDIR(st.st_mode)) {
        cleanup_dir(path, report, depth + 1);
      } else if (name.starts_with(kTempPrefix)) {
        ::unlink(path.c_str());
        ++report.temp_files;
      } else if (name.size() > 6 && name[0] == '.' && name.ends_with(".meta")) {
        std::string object = dir + "/" + name.substr(1, name.size() - 6);
        struct stat ost {};
        if (::stat(object.c_str(), &ost) != 0) {
          ::unlink(path.c_str());
          ++report.orphan_sidecars;
        }
      }
    }
  }

  void cleanup_multipart(CleanupReport& report) {
    DIR* d = ::opendir(multipart_dir.c_str());
    if (!d) return;
    std::vector<std::string> names;
    while (dirent* e = ::readdir(d)) names.emplace_back(e->d_name);
    ::closedir(d);
    int64_t cutoff = now() - std::chrono::duration_cast<std::chrono::milliseconds>(options.multipart_max_age).count();
    for (const auto& name : names) {
      if (name == "." || name == "..") continue;
      std::string dir = multipart_dir + "/" + name;
      cleanup_dir(dir, report, 1);  // temp files of interrupted part PUTs
      auto text = read_small_file(dir + "/upload.json");
      auto j = text ? nlohmann::json::parse(*text, nullptr, false) : nlohmann::json();
      bool keep = j.is_object() && j.contains("createdAt") && j["createdAt"].is_number_integer() &&
                  j["createdAt"].get<int64_t>() >= cutoff;
      if (!keep) {
        remove_tree(dir);
        ++report.expired_uploads;
      }
    }
  }
};

bool DirectoryBlobStore::is_valid_key(std::string_view key) {
  if (key.empty() || key.size() > kMaxKeyLength) return false;
  size_t start = 0;
  while (start <= key.size()) {
    size_t end = key.find('/', start);
    if (end == std::string_view::npos) end = key.size();
    std::string_view seg = key.substr(start, end - start);
    if (seg.empty() || seg[0] == '.') return false;
    if (!std::all_of(seg.begin(), seg.end(), is_safe_key_char)) return false;
    start = end + 1;
  }
  return true;
}

DirectoryBlobStore::DirectoryBlobStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

DirectoryBlobStore::~DirectoryBlobStore() {
  if (impl_ && impl_->lock_fd >= 0) ::close(impl_->lock_fd);  // releases the flock
}

Result<std::unique_ptr<DirectoryBlobStore>> DirectoryBlobStore::open(DirectoryBlobStoreOptions options) {
  if (options.data_dir.empty()) return make_error(meta::Errc::InvalidArgument, "directory blob store: no data directory");
  while (options.data_dir.size() > 1 && options.data_dir.back() == '/') options.data_dir.pop_back();
  auto impl = std::make_unique<Impl>();
  impl->blobs_dir = options.data_dir + "/blobs";
  impl->multipart_dir = options.data_dir + "/multipart";
  TRY(mkdirs(impl->blobs_dir));
  TRY(mkdirs(impl->multipart_dir));

  std::string lock_path = options.data_dir + "/blobs.lock";
  impl->lock_fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (impl->lock_fd < 0) return make_error("open " + lock_path + ": " + errno_text(errno));
  if (::flock(impl->lock_fd, LOCK_EX | LOCK_NB) != 0) {
    int e = errno;
    ::close(impl->lock_fd);
    return make_error(e == EWOULDBLOCK ? meta::Errc::Busy : meta::Errc::None, "lock " + lock_path + ": " +
                                                          (e == EWOULDBLOCK ? std::string("another process uses this data directory")
                                                                            : errno_text(e)));
  }

  if (options.secret.empty()) {
    std::string keys = options.data_dir + "/keys";
    TRY(mkdirs(keys));
    std::string key_path = keys + "/presign.key";
    auto existing = read_small_file(key_path);
    if (existing && existing->size() >= 64) {
      options.secret = existing->substr(0, 64);
    } else {
      std::string secret = random_hex(32);
      // 0600: the key signs upload URLs.
      std::string tmp = keys + "/" + std::string(kTempPrefix) + random_hex(8);
      int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
      if (fd < 0) return make_error("create " + tmp + ": " + errno_text(errno));
      Status s = write_all(fd, reinterpret_cast<const uint8_t*>(secret.data()), secret.size(), tmp);
      if (s && ::fsync(fd) != 0) s = make_error("fsync " + tmp + ": " + errno_text(errno));
      ::close(fd);
      if (s && ::rename(tmp.c_str(), key_path.c_str()) != 0) s = make_error("rename " + tmp + ": " + errno_text(errno));
      if (!s) {
        ::unlink(tmp.c_str());
        return s.error();
      }
      TRY(fsync_directory(keys));
      options.secret = secret;
    }
  }
  impl->credentials = aws::Credentials{options.access_key_id, options.secret, ""};

  // public_base_url: scheme://authority[/path]
  const std::string& base = options.public_base_url;
  size_t scheme_end = base.find("://");
  if (scheme_end == std::string::npos) return make_error(meta::Errc::InvalidArgument, "public base URL '" + base + "' has no scheme");
  size_t path_start = base.find('/', scheme_end + 3);
  impl->authority = base.substr(scheme_end + 3, path_start == std::string::npos ? std::string::npos : path_start - scheme_end - 3);
  impl->origin = base.substr(0, path_start);
  impl->base_path = path_start == std::string::npos ? "" : base.substr(path_start);
  while (!impl->base_path.empty() && impl->base_path.back() == '/') impl->base_path.pop_back();
  if (impl->authority.empty()) return make_error(meta::Errc::InvalidArgument, "public base URL '" + base + "' has no host");
  if (options.url_path_prefix.empty() || options.url_path_prefix.front() != '/') options.url_path_prefix.insert(0, "/");
  if (options.url_path_prefix.back() != '/') options.url_path_prefix += '/';
  impl->options = std::move(options);

  CleanupReport report;
  impl->cleanup_dir(impl->blobs_dir, report, 0);
  impl->cleanup_multipart(report);
  std::unique_ptr<DirectoryBlobStore> store(new DirectoryBlobStore(std::move(impl)));
  store->cleanup_ = report;
  return store;
}

Result<ObjectInfo> DirectoryBlobStore::head(const std::string& key) {
  std::string path = TRY(impl_->object_path(key));
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    int e = errno;
    if (e == ENOENT || e == ENOTDIR || S_ISDIR(st.st_mode)) return make_error(meta::Errc::NotFound, "head " + key + ": no such object");
    return make_error("head " + key + ": " + errno_text(e));
  }
  ObjectInfo info;
  info.size = static_cast<uint64_t>(st.st_size);
  info.last_modified_ms = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
  std::optional<Sidecar> side = read_object_info(path);
  if (side && side->size == info.size) {
    info.etag = side->etag;
    info.content_type = side->content_type;
    info.sha256_hex = side->sha256;
    return info;
  }
  // The information is missing or belongs to another version: a crash between the two
  // renames of a sidecar overwrite, or a copy of the data directory that dropped extended
  // attributes. Compute it from the bytes, and keep it in the attribute of the file just
  // read, so that only the first HEAD pays.
  auto file = meta::FileSource::open(path);
  if (!file) return file.error();
  info.size = file->size();  // of the file read, which an overwrite may have replaced since the stat
  Digests d(!impl_->options.etag_from_sha256);
  std::vector<uint8_t> buf(kCopyBuffer);
  for (uint64_t off = 0; off < info.size;) {
    size_t n = TRY(file->read_at(off, buf));
    if (n == 0) break;
    d.update(buf.data(), n);
    off += n;
  }
  auto digests = d.finish();
  info.etag = etag_of(digests);
  info.sha256_hex = hex_of(digests.second);
  info.content_type = "application/octet-stream";
  if (impl_->options.object_info_in_xattr) {
    std::string text = sidecar_json({info.size, info.etag, info.content_type, info.sha256_hex});
    (void)::fsetxattr(file->fd(), kInfoXattr, text.data(), text.size(), 0);  // best effort: next time again
  }
  return info;
}

Result<std::unique_ptr<meta::Source>> DirectoryBlobStore::open(const std::string& key) {
  std::string path = TRY(impl_->object_path(key));
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 && (errno == ENOENT || errno == ENOTDIR))
    return make_error(meta::Errc::NotFound, "open " + key + ": no such object");
  auto file = meta::FileSource::open(path);
  if (!file) return make_error("open " + key + ": " + file.error().message);
  return std::unique_ptr<meta::Source>(new FileObjectSource(std::move(file).value()));
}

Status DirectoryBlobStore::remove(const std::string& key) {
  std::string path = TRY(impl_->object_path(key));
  if (::unlink(path.c_str()) != 0 && errno != ENOENT && errno != ENOTDIR)
    return make_error("remove " + key + ": " + errno_text(errno));
  if (::unlink(sidecar_path(path).c_str()) != 0 && errno != ENOENT && errno != ENOTDIR)
    return make_error("remove " + key + " (sidecar): " + errno_text(errno));
  auto dir = split_path(path).first;
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) TRY(fsync_directory(dir));
  return meta::ok_status();
}

Result<PresignedRequest> DirectoryBlobStore::presign_put(const std::string& key, const PutConditions& c) {
  TRY(impl_->object_path(key));
  if (c.size > kMaxObjectSize) return make_error(meta::Errc::InvalidArgument, "presign PUT " + key + ": size over 5 TiB");
  if (c.sha256_hex && (c.sha256_hex->size() != 64 || !is_hex(*c.sha256_hex)))
    return make_error(meta::Errc::InvalidArgument, "presign PUT " + key + ": sha256 is not 64 lowercase hex digits");
  aws::Headers headers;
  headers.push_back({"content-length", std::to_string(c.size)});
  headers.push_back({"content-type", c.content_type.empty() ? "application/octet-stream" : c.content_type});
  if (c.sha256_hex) {
    std::string raw(32, '\0');
    for (size_t i = 0; i < 32; ++i) raw[i] = static_cast<char>(std::stoi(c.sha256_hex->substr(2 * i, 2), nullptr, 16));
    headers.push_back({std::string(kChecksumHeader), aws::base64_encode(raw)});
  }
  return impl_->presign("PUT", key, "", std::move(headers), c.expiry);
}

Result<PresignedRequest> DirectoryBlobStore::presign_get(const std::string& key, const GetOptions& o) {
  TRY(impl_->object_path(key));
  std::string query;
  auto add = [&](std::string_view name, const std::string& value) {
    if (value.empty()) return;
    if (!query.empty()) query += '&';
    query.append(name).append("=").append(aws::uri_encode(value));
  };
  add("response-content-disposition", o.response_content_disposition);
  add("response-content-type", o.response_content_type);
  return impl_->presign("GET", key, query, {}, o.expiry, o.signed_at_s);
}

Result<std::string> DirectoryBlobStore::create_multipart(const std::string& key, const PutConditions& c) {
  TRY(impl_->object_path(key));
  if (c.size == 0 || c.size > kMaxObjectSize)
    return make_error(meta::Errc::InvalidArgument, "create multipart " + key + ": size outside 1 byte .. 5 TiB");
  if (c.sha256_hex && (c.sha256_hex->size() != 64 || !is_hex(*c.sha256_hex)))
    return make_error(meta::Errc::InvalidArgument, "create multipart " + key + ": sha256 is not 64 lowercase hex digits");
  std::string id = random_hex(16);
  std::string dir = impl_->multipart_dir + "/" + id;
  TRY(mkdirs(dir));
  nlohmann::json j = {{"key", key},
                      {"size", c.size},
                      {"contentType", c.content_type.empty() ? "application/octet-stream" : c.content_type},
                      {"sha256", c.sha256_hex.value_or("")},
                      {"createdAt", impl_->now()}};
  if (auto s = write_small_file(dir, "upload.json", meta::json_text(j)); !s) {
    remove_tree(dir);
    return s.error();
  }
  TRY(fsync_directory(dir));
  TRY(fsync_directory(impl_->multipart_dir));
  return id;
}

Result<PresignedRequest> DirectoryBlobStore::presign_part(const std::string& key, const std::string& upload_id,
                                                          int part_number, uint64_t part_size,
                                                          std::chrono::seconds expiry) {
  UploadManifest m = TRY(impl_->load_upload(key, upload_id));
  if (part_number < 1 || part_number > kMaxParts)
    return make_error(meta::Errc::InvalidArgument, "presign part " + std::to_string(part_number) + " of " + key +
                                             ": part numbers are 1..10000");
  if (part_size == 0 || part_size > kMaxPartSize || part_size > m.size)
    return make_error(meta::Errc::InvalidArgument, "presign part " + std::to_string(part_number) + " of " + key + ": size " +
                                             std::to_string(part_size) + " outside 1 byte .. min(5 GiB, object size)");
  aws::Headers headers;
  headers.push_back({"content-length", std::to_string(part_size)});
  std::string query = "partNumber=" + std::to_string(part_number) + "&uploadId=" + upload_id;
  return impl_->presign("PUT", key, query, std::move(headers), expiry);
}

Result<std::vector<PartInfo>> DirectoryBlobStore::list_parts(const std::string& key, const std::string& upload_id) {
  TRY(impl_->load_upload(key, upload_id));
  std::string dir = TRY(impl_->upload_dir(upload_id));
  DIR* d = ::opendir(dir.c_str());
  if (!d) return make_error("list parts of " + upload_id + ": " + errno_text(errno));
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d)) names.emplace_back(e->d_name);
  ::closedir(d);
  std::vector<PartInfo> parts;
  for (const auto& name : names) {
    if (!name.starts_with("part-") || name.size() != 10) continue;
    int n = std::atoi(name.c_str() + 5);
    if (n < 1 || n > kMaxParts) continue;
    auto side = read_object_info(dir + "/" + name);  // none: the part is not complete
    struct stat st {};
    if (!side || ::stat((dir + "/" + name).c_str(), &st) != 0 || static_cast<uint64_t>(st.st_size) != side->size)
      continue;
    parts.push_back(PartInfo{n, side->etag, side->size});
  }
  std::sort(parts.begin(), parts.end(), [](const PartInfo& a, const PartInfo& b) { return a.part_number < b.part_number; });
  return parts;
}

Result<ObjectInfo> DirectoryBlobStore::complete_multipart(const std::string& key, const std::string& upload_id,
                                                          const std::vector<PartInfo>& parts) {
  std::string op = "complete multipart " + upload_id + " of " + key;
  UploadManifest m = TRY(impl_->load_upload(key, upload_id));
  std::string final_path = TRY(impl_->object_path(key));
  if (parts.empty()) return make_error(meta::Errc::InvalidPart, op + ": no parts");
  std::vector<PartInfo> stored = TRY(list_parts(key, upload_id));
  std::string dir = TRY(impl_->upload_dir(upload_id));
  std::string md5s;
  uint64_t total = 0;
  for (size_t i = 0; i < parts.size(); ++i) {
    const PartInfo& p = parts[i];
    if (i > 0 && p.part_number <= parts[i - 1].part_number)
      return make_error(meta::Errc::InvalidPartOrder, op + ": part numbers must ascend");
    auto it = std::find_if(stored.begin(), stored.end(), [&](const PartInfo& s) { return s.part_number == p.part_number; });
    if (it == stored.end()) return make_error(meta::Errc::InvalidPart, op + ": part " + std::to_string(p.part_number) + " is not stored");
    if (strip_quotes(p.etag) != it->etag)
      return make_error(meta::Errc::InvalidPart, op + ": part " + std::to_string(p.part_number) + " has ETag " + it->etag +
                                           ", not " + p.etag);
    if (i + 1 < parts.size() && it->size < kMinPartSize)
      return make_error(meta::Errc::EntityTooSmall, op + ": part " + std::to_string(p.part_number) + " is " +
                                              std::to_string(it->size) + " bytes, under the 5 MiB minimum");
    for (size_t k = 0; k + 1 < it->etag.size(); k += 2)
      md5s += static_cast<char>(std::stoi(it->etag.substr(k, 2), nullptr, 16));
    total += it->size;
  }
  if (total != m.size) {
    TRY(abort_multipart(key, upload_id));
    return make_error(meta::Errc::IncompleteBody, op + ": parts hold " + std::to_string(total) + " bytes, promised " +
                                            std::to_string(m.size) + "; upload aborted");
  }
  FileWriter::Target target{final_path, m.size, m.content_type,
                            m.sha256.empty() ? std::nullopt : std::optional<std::string>(m.sha256), "key " + key,
                            impl_->options.etag_from_sha256, impl_->options.object_info_in_xattr};
  auto writer = TRY(FileWriter::create(std::move(target)));
  // S3's multipart ETag: MD5 of the concatenated binary part MD5s, "-", the part count.
  writer->set_etag(hex_of(md5_raw(md5s)) + "-" + std::to_string(parts.size()));
  std::vector<uint8_t> buf(kCopyBuffer);
  for (const PartInfo& p : parts) {
    std::string part_path = dir + "/" + Impl::part_name(p.part_number);
    auto file = meta::FileSource::open(part_path);
    if (!file) return make_error(op + ": " + file.error().message);
    for (uint64_t off = 0; off < file->size();) {
      size_t n = TRY(file->read_at(off, buf));
      if (n == 0) return make_error(op + ": part " + std::to_string(p.part_number) + " shrank while reading");
      TRY(writer->write(std::span<const uint8_t>(buf.data(), n)));
      off += n;
    }
  }
  auto info = writer->commit();
  if (!info) {
    if (info.error().code == meta::Errc::BadDigest) TRY(abort_multipart(key, upload_id));
    return make_error(info.error(), op + ": " + info.error().message);
  }
  TRY(abort_multipart(key, upload_id));  // the parts are joined: drop them
  return info;
}

Status DirectoryBlobStore::abort_multipart(const std::string& key, const std::string& upload_id) {
  auto m = impl_->load_upload(key, upload_id);
  if (!m) return m.error().code == meta::Errc::NotFound ? meta::ok_status() : Status(m.error());
  std::string dir = TRY(impl_->upload_dir(upload_id));
  // upload.json goes first: a crash half-way leaves a directory the start-up clean-up removes.
  ::unlink((dir + "/upload.json").c_str());
  remove_tree(dir);
  TRY(fsync_directory(impl_->multipart_dir));
  return meta::ok_status();
}

Result<AuthorizedRequest> DirectoryBlobStore::verify(const IncomingRequest& in) const {
  aws::SignableRequest req;
  req.method = in.method;
  req.path = in.path;
  req.query = in.query;
  for (const auto& [name, value] : in.headers) req.headers.push_back({name, value});
  std::string op = "verify " + in.method + " " + in.path.substr(0, 300);
  std::string prefix = impl_->base_path + impl_->options.url_path_prefix;
  if (!in.path.starts_with(prefix)) return make_error(meta::Errc::InvalidKey, op + ": not under " + prefix);
  std::string key = aws::uri_decode(std::string_view(in.path).substr(prefix.size()));
  if (!is_valid_key(key)) return make_error(meta::Errc::InvalidKey, op + ": key is not acceptable");

  aws::PresignedCheck check;
  check.region = impl_->options.region;
  check.service = "s3";
  check.now = impl_->now() / 1000;
  auto verified = aws::verify_presigned(req, impl_->credentials, check);
  if (!verified) return verified.error();

  AuthorizedRequest out;
  out.method = in.method;
  out.key = key;
  out.expires_at_ms = verified->expires_at * 1000;
  auto is_signed = [&](std::string_view name) {
    return std::find(verified->signed_headers.begin(), verified->signed_headers.end(), name) !=
           verified->signed_headers.end();
  };
  // Query parameters other than X-Amz-* are covered by the signature (canonical query).
  for (size_t pos = 0; pos <= in.query.size();) {
    size_t amp = in.query.find('&', pos);
    if (amp == std::string::npos) amp = in.query.size();
    std::string_view pair = std::string_view(in.query).substr(pos, amp - pos);
    size_t eq = pair.find('=');
    std::string name = aws::uri_decode(pair.substr(0, eq));
    std::string value = eq == std::string_view::npos ? "" : aws::uri_decode(pair.substr(eq + 1));
    if (name == "uploadId") out.upload_id = value;
    if (name == "partNumber") {
      if (value.empty() || value.size() > 5 || !std::all_of(value.begin(), value.end(), ::isdigit))
        return make_error(meta::Errc::InvalidArgument, op + ": malformed partNumber");
      out.part_number = std::stoi(value);
    }
    pos = amp + 1;
  }
  if (out.upload_id.empty() != (out.part_number == 0))
    return make_error(meta::Errc::InvalidArgument, op + ": partNumber and uploadId go together");

  if (in.method == "PUT") {
    // A PUT URL binds the size: Content-Length must be signed (and so present and equal).
    if (!is_signed("content-length")) return make_error(meta::Errc::AccessDenied, op + ": Content-Length is not signed");
    const std::string* len = aws::find_header(req.headers, "content-length");
    if (!len || len->empty() || len->size() > 19 || !std::all_of(len->begin(), len->end(), ::isdigit))
      return make_error(meta::Errc::AuthorizationQueryParametersError, op + ": malformed Content-Length");
    out.size = std::stoull(*len);
    if (out.part_number == 0) {
      if (!is_signed("content-type")) return make_error(meta::Errc::AccessDenied, op + ": Content-Type is not signed");
      out.content_type = *aws::find_header(req.headers, "content-type");
    }
    if (is_signed(kChecksumHeader)) {
      auto raw = aws::base64_decode(*aws::find_header(req.headers, kChecksumHeader));
      if (!raw || raw->size() != 32) return make_error(meta::Errc::InvalidDigest, op + ": malformed x-amz-checksum-sha256");
      out.sha256_hex = hex_of(*raw);
    }
  } else if (in.method != "GET" && in.method != "HEAD") {
    return make_error(meta::Errc::AccessDenied, op + ": method not allowed by a presigned URL here");
  }
  return out;
}

Result<std::unique_ptr<BlobWriter>> DirectoryBlobStore::begin_put(const AuthorizedRequest& r) {
  if (r.method != "PUT") return make_error(meta::Errc::AccessDenied, "put " + r.key + ": the URL is not for a PUT");
  if (r.part_number == 0) {
    PutConditions c{r.size, r.content_type, r.sha256_hex};
    return begin_put(r.key, c);
  }
  TRY(impl_->load_upload(r.key, r.upload_id));
  if (r.part_number < 1 || r.part_number > kMaxParts || r.size > kMaxPartSize)
    return make_error(meta::Errc::InvalidArgument, "put part " + std::to_string(r.part_number) + " of " + r.key +
                                             ": part number or size out of range");
  std::string dir = TRY(impl_->upload_dir(r.upload_id));
  FileWriter::Target t{dir + "/" + Impl::part_name(r.part_number), r.size, "application/octet-stream", r.sha256_hex,
                       "part " + std::to_string(r.part_number) + " of upload " + r.upload_id,
                       impl_->options.etag_from_sha256, impl_->options.object_info_in_xattr};
  auto w = TRY(FileWriter::create(std::move(t)));
  return std::unique_ptr<BlobWriter>(std::move(w));
}

Result<std::unique_ptr<BlobWriter>> DirectoryBlobStore::begin_put(const std::string& key, const PutConditions& c) {
  std::string path = TRY(impl_->object_path(key));
  if (c.size > kMaxObjectSize) return make_error(meta::Errc::InvalidArgument, "put " + key + ": size over 5 TiB");
  FileWriter::Target t{path, c.size, c.content_type, c.sha256_hex, "key " + key, impl_->options.etag_from_sha256,
                       impl_->options.object_info_in_xattr};
  auto w = TRY(FileWriter::create(std::move(t)));
  return std::unique_ptr<BlobWriter>(std::move(w));
}

Result<std::string> DirectoryBlobStore::path_of(const std::string& key) const { return impl_->object_path(key); }

Result<std::vector<std::string>> DirectoryBlobStore::list_keys(const std::string& prefix) const {
  std::vector<std::string> keys;
  // Walk from the deepest directory the prefix names.
  std::string dir_part = prefix.substr(0, prefix.rfind('/') == std::string::npos ? 0 : prefix.rfind('/'));
  std::vector<std::pair<std::string, int>> stack{{dir_part, 0}};
  while (!stack.empty()) {
    auto [rel, depth] = stack.back();
    stack.pop_back();
    std::string abs = impl_->blobs_dir + (rel.empty() ? "" : "/" + rel);
    DIR* d = ::opendir(abs.c_str());
    if (!d) {
      if (errno == ENOENT || errno == ENOTDIR) continue;
      return make_error("list " + abs + ": " + errno_text(errno));
    }
    while (dirent* e = ::readdir(d)) {
      std::string name = e->d_name;
      if (name.empty() || name[0] == '.') continue;  // ".", "..", sidecars, temp files
      std::string child = rel.empty() ? name : rel + "/" + name;
      struct stat st {};
      if (::lstat((abs + "/" + name).c_str(), &st) != 0) continue;
      if (S_ISDIR(st.st_mode)) {
        if (depth < 64) stack.emplace_back(child, depth + 1);
      } else if (S_ISREG(st.st_mode) && child.starts_with(prefix)) {
        keys.push_back(child);
      }
    }
    ::closedir(d);
  }
  std::sort(keys.begin(), keys.end());
  return keys;
}

}  // namespace imgmeta::store

namespace imgmeta::store {

Result<ObjectInfo> DirectoryBlobStore::put_object(const std::string& key, std::string_view bytes,
                                                  const std::string& content_type, const std::string&) {
  PutConditions c;
  c.size = bytes.size();
  c.content_type = content_type;
  auto writer = TRY(begin_put(key, c));
  TRY(writer->write(bytes));
  return writer->commit();
}

}  // namespace imgmeta::store
