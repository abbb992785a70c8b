#include "cli/upload_put.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "aws/http_client.hpp"
#include "meta/ascii.hpp"

namespace imgmeta::cli {
namespace {

using meta::make_error;

// One client for the whole run: the --jobs transfers share its kept-alive connections.
aws::HttpClient& client() {
  static aws::HttpClient http;
  return http;
}

}  // namespace

meta::Result<PutReply> put_range(const RangePut& put, const std::function<void(int64_t)>& on_progress) {
  int fd = ::open(put.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return make_error(meta::Errc::Io, "cannot read " + put.path + ": " + std::strerror(errno));
  uint64_t next = put.offset;
  int io_errno = 0;
  uint64_t reported = 0;  // bytes already passed to on_progress

  aws::HttpRequest req;
  req.method = "PUT";
  req.url = put.url;
  for (const auto& h : put.headers)
    if (!meta::iequals(h.name, "content-length") && !meta::iequals(h.name, "host") && !meta::iequals(h.name, "connection"))
      req.headers.push_back(h);
  req.body_length = put.length;
  req.read_body = [&](char* buffer, size_t size) -> meta::Result<size_t> {
    for (;;) {
      ssize_t n = ::pread(fd, buffer, size, static_cast<off_t>(next));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {  // an error, or the file shrank under us
        io_errno = n < 0 ? errno : EIO;
        return make_error(meta::Errc::Io, "cannot read " + put.path + " while sending it: " + std::strerror(io_errno));
      }
      next += static_cast<uint64_t>(n);
      return static_cast<size_t>(n);
    }
  };
  req.on_body_sent = [&](uint64_t sent) {
    if (sent > reported && on_progress) {
      on_progress(static_cast<int64_t>(sent - reported));
      reported = sent;
    }
    return !(put.cancel && put.cancel->load());
  };
  req.connect_timeout = std::chrono::milliseconds(10000);
  // No total timeout (a large part on a slow link takes what it takes); 60 s without a byte
  // moving ends the transfer instead.
  req.timeout = std::chrono::milliseconds(0);
  req.stall_timeout = std::chrono::milliseconds(60000);
  req.max_response_bytes = 1024 * 1024;

  auto resp = client().send(req);
  ::close(fd);
  bool ok = resp && resp->status >= 200 && resp->status < 300;
  if (!ok && reported > 0 && on_progress) on_progress(-static_cast<int64_t>(reported));
  if (!resp) {
    const auto code = resp.error().code;
    if (io_errno) return make_error(meta::Errc::Io, "cannot read " + put.path + " while sending it: " + std::strerror(io_errno));
    if (code == meta::Errc::Cancelled) return make_error(meta::Errc::Cancelled, "interrupted");
    // The client's message names the URL, whose query is a signature: left out.
    std::string message = resp.error().message;
    if (std::string prefix = "HTTP PUT " + put.url + ": "; message.starts_with(prefix)) message.erase(0, prefix.size());
    return make_error(code == meta::Errc::Timeout ? meta::Errc::Timeout : meta::Errc::Transport, "PUT: " + message);
  }
  PutReply reply;
  reply.status = resp->status;
  if (const auto* etag = aws::find_header(resp->headers, "ETag")) reply.etag = *etag;
  reply.body = resp->body.substr(0, 65536);
  return reply;
}

}  // namespace imgmeta::cli
