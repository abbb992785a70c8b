#include "cli/upload_put.hpp"

#include <curl/curl.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <mutex>

namespace imgmeta::cli {
namespace {

using meta::make_error;

struct Transfer {
  int fd = -1;
  uint64_t next = 0;  // file offset of the next byte to send
  uint64_t end = 0;
  int io_errno = 0;
  curl_off_t reported = 0;  // bytes already passed to on_progress
  const std::function<void(int64_t)>* on_progress = nullptr;
  const std::atomic<bool>* cancel = nullptr;
  PutReply* reply = nullptr;
};

size_t on_read(char* buffer, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t want = static_cast<size_t>(std::min<uint64_t>(size * count, t->end - t->next));
  if (want == 0) return 0;
  for (;;) {
    ssize_t n = ::pread(t->fd, buffer, want, static_cast<off_t>(t->next));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {  // an error, or the file shrank under us
      t->io_errno = n < 0 ? errno : EIO;
      return CURL_READFUNC_ABORT;
    }
    t->next += static_cast<uint64_t>(n);
    return static_cast<size_t>(n);
  }
}

int on_xfer(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t ulnow) {
  auto* t = static_cast<Transfer*>(user);
  if (ulnow > t->reported && t->on_progress && *t->on_progress) {
    (*t->on_progress)(static_cast<int64_t>(ulnow - t->reported));
    t->reported = ulnow;
  }
  return t->cancel && t->cancel->load() ? 1 : 0;  // non-zero aborts the transfer
}

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * count;
  if (t->reply->body.size() < 65536) t->reply->body.append(data, std::min(n, 65536 - t->reply->body.size()));
  return n;
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * count;
  std::string_view line(data, n);
  if (line.size() > 5 && (line[0] == 'E' || line[0] == 'e')) {
    std::string lower(line.substr(0, 5));
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (lower == "etag:") {
      std::string_view v = line.substr(5);
      while (!v.empty() && std::isspace(static_cast<unsigned char>(v.front()))) v.remove_prefix(1);
      while (!v.empty() && std::isspace(static_cast<unsigned char>(v.back()))) v.remove_suffix(1);
      t->reply->etag = std::string(v);
    }
  }
  return n;
}

}  // namespace

meta::Result<PutReply> put_range(const RangePut& put, const std::function<void(int64_t)>& on_progress) {
  static std::once_flag init;
  std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  PutReply reply;
  Transfer t;
  t.fd = ::open(put.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (t.fd < 0) return make_error(meta::Errc::Io, "cannot read " + put.path + ": " + std::strerror(errno));
  t.next = put.offset;
  t.end = put.offset + put.length;
  t.on_progress = &on_progress;
  t.cancel = put.cancel;
  t.reply = &reply;

  CURL* curl = curl_easy_init();
  if (!curl) {
    ::close(t.fd);
    return make_error(meta::Errc::Transport, "curl_easy_init failed");
  }
  curl_slist* headers = nullptr;
  for (const auto& h : put.headers) {
    std::string lower = h.name;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (lower == "content-length" || lower == "host" || lower == "connection") continue;
    headers = curl_slist_append(headers, (h.name + ": " + h.value).c_str());
  }
  // "Expect: 100-continue" would cost a round trip per PUT; presigned URLs refuse early anyway.
  headers = curl_slist_append(headers, "Expect:");
  curl_easy_setopt(curl, CURLOPT_URL, put.url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(put.length));
  curl_easy_setopt(curl, CURLOPT_READFUNCTION, on_read);
  curl_easy_setopt(curl, CURLOPT_READDATA, &t);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_xfer);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &t);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
  // No total timeout (a large part on a slow link takes what it takes); a stall of 60 s
  // below 1 byte/s ends the transfer instead.
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, 60L);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  for (const char* env : {"AWS_CA_BUNDLE", "SSL_CERT_FILE", "CURL_CA_BUNDLE"})
    if (const char* v = std::getenv(env); v && *v) {
      curl_easy_setopt(curl, CURLOPT_CAINFO, v);
      break;
    }

  CURLcode rc = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  ::close(t.fd);
  bool ok = rc == CURLE_OK && reply.status >= 200 && reply.status < 300;
  if (!ok && t.reported > 0 && on_progress) on_progress(-static_cast<int64_t>(t.reported));
  if (t.io_errno) return make_error(meta::Errc::Io, "cannot read " + put.path + " while sending it: " + std::strerror(t.io_errno));
  if (rc == CURLE_ABORTED_BY_CALLBACK) return make_error(meta::Errc::Cancelled, "interrupted");
  // A server may answer (409, 403) before reading the whole body and close: its answer counts.
  if (rc != CURLE_OK && reply.status >= 400) return reply;
  if (rc == CURLE_OPERATION_TIMEDOUT) return make_error(meta::Errc::Timeout, std::string("PUT: ") + curl_easy_strerror(rc));
  if (rc != CURLE_OK) return make_error(meta::Errc::Transport, std::string("PUT: ") + curl_easy_strerror(rc));
  return reply;
}

}  // namespace imgmeta::cli
