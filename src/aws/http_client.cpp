#include "aws/http_client.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <map>
#include <mutex>
#include <utility>
#include <vector>
#include <openssl/x509.h>

#include "meta/ascii.hpp"

namespace imgmeta::aws {

using meta::make_error;

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using error_code = boost::system::error_code;

namespace {

constexpr size_t kMaxHeaderBytes = 64 * 1024;
constexpr size_t kUploadPiece = 64 * 1024;
constexpr size_t kReadBuffer = 64 * 1024;
// How long a server that stopped reading a body gets to send the answer it closed after
// (a 403 or 409 before the whole upload arrived).
constexpr std::chrono::seconds kEarlyAnswerWait{5};

// A non-blocking TCP socket (a plain descriptor: no reactor registration, since nothing here
// is asynchronous) whose reads and writes wait in poll() for at most the time left before a
// deadline, and at most the stall limit for one wait. Beast's synchronous algorithms, and
// asio::ssl's, run over it with the timeouts that blocking sockets lack. The executor is
// only there because asio::ssl::stream wants one; it is never run.
class TimedSocket {
 public:
  using executor_type = asio::io_context::executor_type;
  using lowest_layer_type = TimedSocket;

  explicit TimedSocket(asio::io_context& ioc) : executor_(ioc.get_executor()) {}
  TimedSocket(TimedSocket&& other) noexcept
      : executor_(other.executor_), fd_(std::exchange(other.fd_, -1)), deadline_(other.deadline_),
        stall_(other.stall_), answer_pending_(other.answer_pending_) {}
  TimedSocket& operator=(TimedSocket&&) = delete;
  ~TimedSocket() { close(); }

  executor_type get_executor() { return executor_; }
  lowest_layer_type& lowest_layer() { return *this; }
  const lowest_layer_type& lowest_layer() const { return *this; }
  int fd() const { return fd_; }
  void reset(int fd) {
    close();
    fd_ = fd;
  }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  void set_limits(Clock::time_point deadline, std::chrono::milliseconds stall) {
    deadline_ = deadline;
    stall_ = stall;
  }

  template <class MutableBuffers>
  size_t read_some(const MutableBuffers& buffers, error_code& ec) {
    ec = {};
    iovec iov[kMaxIov];
    int count = gather(buffers, iov);
    if (count == 0) return 0;
    // Right after a request the answer is not there yet: wait first rather than read in
    // vain (one system call fewer per exchange).
    if (answer_pending_ && !wait(POLLIN, ec)) return 0;
    for (;;) {
      ssize_t n = ::readv(fd_, iov, count);
      if (n > 0) {
        answer_pending_ = false;
        return static_cast<size_t>(n);
      }
      if (n == 0) {
        ec = asio::error::eof;
        return 0;
      }
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        ec = error_code(errno, boost::system::system_category());
        return 0;
      }
      if (!wait(POLLIN, ec)) return 0;
    }
  }
  template <class MutableBuffers>
  size_t read_some(const MutableBuffers& buffers) {
    error_code ec;
    size_t n = read_some(buffers, ec);
    if (ec) throw boost::system::system_error(ec);
    return n;
  }
  template <class ConstBuffers>
  size_t write_some(const ConstBuffers& buffers, error_code& ec) {
    ec = {};
    iovec iov[kMaxIov];
    int count = gather(buffers, iov);
    if (count == 0) return 0;
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = static_cast<size_t>(count);
    for (;;) {
      ssize_t n = ::sendmsg(fd_, &msg, MSG_NOSIGNAL);  // a peer gone is an error, not SIGPIPE
      if (n >= 0) {
        answer_pending_ = true;
        return static_cast<size_t>(n);
      }
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        ec = error_code(errno, boost::system::system_category());
        return 0;
      }
      if (!wait(POLLOUT, ec)) return 0;
    }
  }
  template <class ConstBuffers>
  size_t write_some(const ConstBuffers& buffers) {
    error_code ec;
    size_t n = write_some(buffers, ec);
    if (ec) throw boost::system::system_error(ec);
    return n;
  }

  // Waits until the socket is ready for `events`; false with ec set on timeout or failure.
  // revents, when given, receives what poll reported.
  bool wait(short events, error_code& ec, short* revents = nullptr) {
    for (;;) {
      int timeout_ms = -1;
      Clock::time_point limit = deadline_;
      if (stall_.count() > 0) limit = std::min(limit, Clock::now() + stall_);
      if (limit != Clock::time_point::max()) {
        auto left = std::chrono::ceil<std::chrono::milliseconds>(limit - Clock::now()).count();
        if (left <= 0) {
          ec = asio::error::timed_out;
          return false;
        }
        timeout_ms = static_cast<int>(std::min<int64_t>(left, 1 << 30));
      }
      pollfd p{fd_, events, 0};
      int r = ::poll(&p, 1, timeout_ms);
      if (r > 0) {  // ready, or an error the next read/write reports
        if (revents) *revents = p.revents;
        return true;
      }
      if (r == 0) {
        ec = asio::error::timed_out;
        return false;
      }
      if (errno != EINTR) {
        ec = error_code(errno, boost::system::system_category());
        return false;
      }
    }
  }

 private:
  static constexpr int kMaxIov = 16;
  template <class Buffers>
  static int gather(const Buffers& buffers, iovec* iov) {
    int count = 0;
    for (auto it = asio::buffer_sequence_begin(buffers); it != asio::buffer_sequence_end(buffers) && count < kMaxIov; ++it) {
      auto b = *it;
      if (b.size() == 0) continue;
      iov[count].iov_base = const_cast<void*>(static_cast<const void*>(b.data()));
      iov[count].iov_len = b.size();
      ++count;
    }
    return count;
  }

  executor_type executor_;
  int fd_ = -1;
  Clock::time_point deadline_ = Clock::time_point::max();
  std::chrono::milliseconds stall_{0};
  bool answer_pending_ = false;
};

using TlsStream = ssl::stream<TimedSocket>;

// Where a request goes: the pool's key, what to connect to, and what to send.
struct Target {
  bool https = false;
  std::string host;  // without IPv6 brackets: for the resolver, SNI and the certificate check
  int port = 0;
  std::string authority;  // the Host header
  std::string target;     // path and query as sent
  std::string key;        // "https://host:443"
};

Result<Target> target_of(const std::string& url) {
  auto u = parse_url(url);
  if (!u) return u.error();
  Target t;
  t.https = u->scheme == "https";
  t.host = u->host;
  if (t.host.size() >= 2 && t.host.front() == '[' && t.host.back() == ']') t.host = t.host.substr(1, t.host.size() - 2);
  t.port = u->port;
  t.authority = u->authority;
  size_t start = url.find("://") + 3;
  size_t slash = url.find_first_of("/?#", start);
  t.target = slash == std::string::npos ? "/" : url.substr(slash, url.find('#', slash) - slash);
  if (t.target.empty() || t.target.front() != '/') t.target.insert(0, "/");
  t.key = u->scheme + "://" + t.host + ":" + std::to_string(t.port);
  return t;
}

bool idempotent(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "PUT" || method == "DELETE" || method == "OPTIONS";
}

// Amazon Linux keeps its CA bundle where Debian's OpenSSL (shipped in the Lambda package)
// does not look; the first of these that exists is loaded when OpenSSL's own directory is
// missing.
constexpr const char* kCaBundles[] = {"/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt",
                                      "/etc/ssl/certs/ca-bundle.crt", "/etc/ssl/cert.pem"};

std::string tls_context_error(const std::string& what, const error_code& ec) {
  return "TLS set-up: " + what + ": " + ec.message();
}

}  // namespace

struct HttpConnection {
  explicit HttpConnection(asio::io_context& ioc) : plain(ioc) { buffer.reserve(kReadBuffer); }
  TimedSocket plain;               // http, and the TCP connection under tls before the handshake
  std::unique_ptr<TlsStream> tls;  // https
  beast::flat_buffer buffer;       // Beast reads as much as its free space: one read per 64 KiB
  bool reused = false;

  TimedSocket& timed() { return tls ? tls->next_layer() : plain; }
  int fd() { return timed().fd(); }
};

struct HttpClient::Pool {
  HttpClientOptions options;
  asio::io_context ioc;  // the executor asio::ssl wants, and the resolver's; never run (all I/O is synchronous)
  std::mutex mu;
  std::map<std::string, std::vector<std::unique_ptr<HttpConnection>>> idle;
  std::atomic<uint64_t> opened{0};
  std::once_flag tls_once;
  std::unique_ptr<ssl::context> tls;
  std::string tls_error;

  // The TLS context, made on the first https connection (loading a CA bundle costs a few
  // milliseconds that an http-only process never pays).
  ssl::context* tls_context() {
    std::call_once(tls_once, [this] {
      auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
      ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                       ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
      ctx->set_verify_mode(ssl::verify_peer);
      error_code ec;
      std::string file = options.ca_file;
      if (file.empty())
        if (const char* v = std::getenv("AWS_CA_BUNDLE"); v && *v) file = v;
      if (!file.empty()) {
        ctx->load_verify_file(file, ec);
        if (ec) tls_error = tls_context_error("CA file " + file, ec);
      } else {
        // SSL_CERT_FILE and SSL_CERT_DIR are honoured here (OpenSSL reads them).
        ctx->set_default_verify_paths(ec);
        if (ec) tls_error = tls_context_error("default CA paths", ec);
        if (!std::getenv("SSL_CERT_FILE") && !std::getenv("SSL_CERT_DIR") && access(X509_get_default_cert_dir(), R_OK) != 0)
          for (const char* p : kCaBundles)
            if (access(p, R_OK) == 0) {
              ec = {};
              ctx->load_verify_file(p, ec);
              tls_error = ec ? tls_context_error(std::string("CA file ") + p, ec) : std::string();
              break;
            }
      }
      if (tls_error.empty()) tls = std::move(ctx);
    });
    return tls.get();
  }

  std::unique_ptr<HttpConnection> take(const std::string& key) {
    std::lock_guard lock(mu);
    auto it = idle.find(key);
    while (it != idle.end() && !it->second.empty()) {
      auto c = std::move(it->second.back());
      it->second.pop_back();
      // A kept-alive connection the server has since closed (or written to) reads as
      // readable: not worth sending on.
      pollfd p{c->fd(), POLLIN, 0};
      if (::poll(&p, 1, 0) == 0) {
        c->reused = true;
        return c;
      }
    }
    return nullptr;
  }

  void give_back(const std::string& key, std::unique_ptr<HttpConnection> c) {
    std::lock_guard lock(mu);
    auto& list = idle[key];
    if (list.size() < options.max_idle_per_origin) list.push_back(std::move(c));
  }
};

namespace {

// Opens a TCP connection to one of host's addresses, each attempt bounded by `deadline`. An
// IP address is used as it is; names go through the resolver.
error_code connect_tcp(TimedSocket& s, asio::io_context& ioc, const Target& t, Clock::time_point deadline, bool no_delay) {
  error_code ec;
  std::vector<tcp::endpoint> endpoints;
  if (auto ip = asio::ip::make_address(t.host, ec); !ec) {
    endpoints.emplace_back(ip, static_cast<unsigned short>(t.port));
  } else {
    ec = {};
    tcp::resolver resolver(ioc);
    auto results = resolver.resolve(t.host, std::to_string(t.port), tcp::resolver::numeric_service, ec);
    if (ec) return ec;
    for (const auto& entry : results) endpoints.push_back(entry.endpoint());
    if (endpoints.empty()) return asio::error::host_not_found;
  }
  for (const auto& ep : endpoints) {
    int fd = ::socket(ep.protocol().family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
    if (fd < 0) {
      ec = error_code(errno, boost::system::system_category());
      continue;
    }
    s.reset(fd);
    if (no_delay) {  // a header then body pieces: Nagle would hold the header back
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    s.set_limits(deadline, std::chrono::milliseconds(0));
    ec = {};
    if (::connect(fd, ep.data(), static_cast<socklen_t>(ep.size())) != 0) {
      if (errno != EINPROGRESS && errno != EINTR) {
        ec = error_code(errno, boost::system::system_category());
        continue;
      }
      short revents = 0;
      if (!s.wait(POLLOUT, ec, &revents)) continue;
      if (revents & (POLLERR | POLLHUP)) {  // refused or unreachable: SO_ERROR says which
        int err = ECONNREFUSED;
        socklen_t len = sizeof err;
        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
        ec = error_code(err ? err : ECONNREFUSED, boost::system::system_category());
        continue;
      }
    }
    return {};
  }
  s.close();
  return ec;
}

bool is_ip_literal(const std::string& host) {
  error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

enum class Failure { None, Transport, Timeout, TooLarge, Cancelled, Body };

struct Outcome {
  Failure failure = Failure::None;
  error_code ec;
  meta::Error body_error;       // Failure::Body: what read_body returned
  bool nothing_received = false;  // failed before any byte of an answer: safe to resend
  bool reusable = false;
};

template <class Message>
void add_headers(Message& msg, const HttpRequest& req, const Target& t, bool& close_after) {
  msg.version(11);
  msg.method_string(req.method);
  msg.target(t.target);
  if (!find_header(req.headers, "Host")) msg.set(bhttp::field::host, t.authority);
  for (const auto& h : req.headers) {
    if (meta::iequals(h.name, "Content-Length") || meta::iequals(h.name, "Transfer-Encoding")) continue;
    if (meta::iequals(h.name, "Connection") && meta::iequals(h.value, "close")) close_after = true;
    msg.insert(h.name, h.value);
  }
  uint64_t length = req.read_body ? req.body_length : req.body.size();
  // As curl did: a length on every PUT and POST, and on any other request with a body.
  if (length > 0 || req.read_body || req.method == "PUT" || req.method == "POST" || req.method == "PATCH")
    msg.content_length(length);
}

// Sends the request; a streamed body goes piece by piece after the header.
template <class Stream>
error_code write_request(Stream& stream, const HttpRequest& req, const Target& t, bool& close_after, Outcome& o) {
  error_code ec;
  if (!req.read_body) {
    // Header and body leave in one gathered write.
    bhttp::request<bhttp::span_body<const char>> msg;
    add_headers(msg, req, t, close_after);
    msg.body() = beast::span<const char>(req.body.data(), req.body.size());
    bhttp::write(stream, msg, ec);
    return ec;
  }
  bhttp::request<bhttp::empty_body> msg;
  add_headers(msg, req, t, close_after);
  bhttp::request_serializer<bhttp::empty_body> sr{msg};
  bhttp::write_header(stream, sr, ec);
  if (ec) return ec;
  const uint64_t length = req.body_length;
  std::vector<char> piece(static_cast<size_t>(std::min<uint64_t>(kUploadPiece, std::max<uint64_t>(length, 1))));
  uint64_t sent = 0;
  while (sent < length) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(piece.size(), length - sent));
    auto got = req.read_body(piece.data(), want);
    if (!got || *got == 0) {
      o.failure = Failure::Body;
      o.body_error = got ? make_error(meta::Errc::Io, "the body ended after " + std::to_string(sent) + " of " +
                                                          std::to_string(length) + " bytes")
                         : got.error();
      return {};
    }
    size_t n = std::min(*got, want);
    asio::write(stream, asio::buffer(piece.data(), n), ec);
    if (ec) return ec;
    sent += n;
    if (req.on_body_sent && !req.on_body_sent(sent)) {
      o.failure = Failure::Cancelled;
      return {};
    }
  }
  return {};
}

template <class Stream>
Outcome exchange(Stream& stream, HttpConnection& c, const HttpRequest& req, const Target& t, Clock::time_point deadline,
                 HttpResponse& out) {
  Outcome o;
  bool close_after = false;
  error_code ec = write_request(stream, req, t, close_after, o);
  if (o.failure != Failure::None) return o;
  const bool write_failed = static_cast<bool>(ec);
  if (write_failed) {
    if (ec == asio::error::timed_out) {
      o.failure = Failure::Timeout;
      o.ec = ec;
      return o;
    }
    // The server may have answered and closed before reading the whole body (a refusal):
    // its answer is the one to report. Otherwise the write's error is.
    c.timed().set_limits(std::min(deadline, Clock::now() + kEarlyAnswerWait), std::chrono::milliseconds(0));
  }
  const bool head = req.method == "HEAD";
  error_code write_ec = ec;
  for (;;) {
    bhttp::response_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(kMaxHeaderBytes));
    parser.body_limit(req.max_response_bytes);
    if (head) parser.skip(true);
    ec = {};
    bhttp::read_header(stream, c.buffer, parser, ec);
    // Beast 1.74 checks body_limit against chunks and bodies read to EOF but not against a
    // response's Content-Length: checked here, before any of the body is read.
    if (!ec && !head && parser.content_length() && *parser.content_length() > req.max_response_bytes)
      ec = bhttp::error::body_limit;
    if (!ec && !parser.is_done()) bhttp::read(stream, c.buffer, parser, ec);
    if (ec) {
      if (write_failed) {
        o.failure = Failure::Transport;
        o.ec = write_ec;
        o.nothing_received = !parser.got_some();
        return o;
      }
      o.ec = ec;
      o.nothing_received = !parser.got_some();
      if (ec == asio::error::timed_out) o.failure = Failure::Timeout;
      else if (ec == bhttp::error::body_limit) o.failure = Failure::TooLarge;
      else o.failure = Failure::Transport;
      return o;
    }
    auto& res = parser.get();
    unsigned status = res.result_int();
    if (status >= 100 && status < 200 && status != 101) continue;  // 100 Continue and friends
    out.status = static_cast<long>(status);
    out.headers.clear();
    out.headers.reserve(static_cast<size_t>(std::distance(res.begin(), res.end())));
    for (const auto& f : res) out.headers.push_back({std::string(f.name_string()), std::string(f.value())});
    out.body = std::move(res.body());
    o.reusable = !write_failed && !close_after && res.keep_alive() && !parser.need_eof() && c.buffer.size() == 0;
    return o;
  }
}

}  // namespace

HttpClient::HttpClient(HttpClientOptions options) : pool_(std::make_unique<Pool>()) {
  pool_->options = std::move(options);
}

HttpClient::~HttpClient() = default;

uint64_t HttpClient::connections_opened() const { return pool_->opened.load(); }

Result<HttpResponse> HttpClient::send(const HttpRequest& request) {
  auto what = [&] { return "HTTP " + request.method + " " + request.url + ": "; };
  auto t = target_of(request.url);
  if (!t) return make_error(meta::Errc::Transport, what() + t.error().message);
  const Clock::time_point start = Clock::now();
  const Clock::time_point deadline = request.timeout.count() > 0 ? start + request.timeout : Clock::time_point::max();
  const bool may_resend = idempotent(request.method) && !request.read_body;

  for (int attempt = 0;; ++attempt) {
    std::unique_ptr<HttpConnection> c = attempt == 0 ? pool_->take(t->key) : nullptr;
    if (!c) {
      c = std::make_unique<HttpConnection>(pool_->ioc);
      Clock::time_point connect_by = std::min(deadline, Clock::now() + request.connect_timeout);
      if (request.connect_timeout.count() <= 0) connect_by = deadline;
      error_code ec = connect_tcp(c->plain, pool_->ioc, *t, connect_by, static_cast<bool>(request.read_body));
      if (ec) {
        if (ec == asio::error::timed_out)
          return make_error(meta::Errc::Timeout, what() + "connect to " + t->authority + " timed out");
        return make_error(meta::Errc::Transport, what() + "connect to " + t->authority + ": " + ec.message());
      }
      pool_->opened++;
      if (t->https) {
        ssl::context* ctx = pool_->tls_context();
        if (!ctx) return make_error(meta::Errc::Transport, what() + pool_->tls_error);
        c->tls = std::make_unique<TlsStream>(std::move(c->plain), *ctx);
        SSL* ssl_handle = c->tls->native_handle();
        if (!is_ip_literal(t->host) && !SSL_set_tlsext_host_name(ssl_handle, t->host.c_str()))
          return make_error(meta::Errc::Transport, what() + "TLS: cannot set the server name");
        c->tls->set_verify_mode(ssl::verify_peer);
        c->tls->set_verify_callback(ssl::host_name_verification(t->host));
        c->tls->next_layer().set_limits(connect_by, std::chrono::milliseconds(0));
        c->tls->handshake(ssl::stream_base::client, ec);
        if (ec) {
          if (ec == asio::error::timed_out)
            return make_error(meta::Errc::Timeout, what() + "TLS handshake with " + t->authority + " timed out");
          std::string reason = ec.message();
          long verify = SSL_get_verify_result(ssl_handle);
          if (verify != X509_V_OK) reason += " (" + std::string(X509_verify_cert_error_string(verify)) + ")";
          return make_error(meta::Errc::Transport, what() + "TLS handshake with " + t->authority + ": " + reason);
        }
      }
    }
    c->timed().set_limits(deadline, request.stall_timeout);

    HttpResponse response;
    Outcome o = c->tls ? exchange(*c->tls, *c, request, *t, deadline, response)
                        : exchange(c->plain, *c, request, *t, deadline, response);
    switch (o.failure) {
      case Failure::None:
        if (o.reusable) pool_->give_back(t->key, std::move(c));
        return response;
      case Failure::Body:
        return make_error(o.body_error, what() + o.body_error.message);
      case Failure::Cancelled:
        return make_error(meta::Errc::Cancelled, what() + "cancelled");
      case Failure::TooLarge:
        return make_error(meta::Errc::ResponseTooLarge,
                          what() + "response larger than " + std::to_string(request.max_response_bytes) + " bytes");
      case Failure::Timeout:
        return make_error(meta::Errc::Timeout, what() + "timed out after " +
                                                  std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count()) +
                                                  " ms");
      case Failure::Transport:
        // A kept-alive connection the server closed while we were sending: once more on a new
        // one, when the request may be sent twice.
        if (c->reused && o.nothing_received && may_resend && attempt == 0) continue;
        return make_error(meta::Errc::Transport, what() + o.ec.message());
    }
  }
}

Result<Url> parse_url(std::string_view text) {
  Url u;
  size_t sep = text.find("://");
  if (sep == std::string_view::npos) return make_error(meta::Errc::InvalidArgument, "URL '" + std::string(text) + "': no scheme");
  u.scheme = meta::ascii_lower(text.substr(0, sep));
  if (u.scheme != "http" && u.scheme != "https")
    return make_error(meta::Errc::InvalidArgument, "URL '" + std::string(text) + "': scheme must be http or https");
  std::string_view rest = text.substr(sep + 3);
  size_t slash = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, slash);
  std::string_view tail = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  if (authority.empty() || authority.find('@') != std::string_view::npos)
    return make_error(meta::Errc::InvalidArgument, "URL '" + std::string(text) + "': bad host");
  size_t colon = authority.rfind(':');
  bool bracketed = authority.front() == '[';
  if (colon != std::string_view::npos && (!bracketed || colon > authority.find(']'))) {
    u.host = std::string(authority.substr(0, colon));
    std::string_view port = authority.substr(colon + 1);
    if (port.empty() || port.size() > 5 || !std::all_of(port.begin(), port.end(), ::isdigit))
      return make_error(meta::Errc::InvalidArgument, "URL '" + std::string(text) + "': bad port");
    u.port = std::stoi(std::string(port));
  } else {
    u.host = std::string(authority);
    u.port = u.scheme == "https" ? 443 : 80;
  }
  bool default_port = (u.scheme == "https" && u.port == 443) || (u.scheme == "http" && u.port == 80);
  u.authority = default_port ? u.host : u.host + ":" + std::to_string(u.port);
  size_t q = tail.find('?');
  u.path = std::string(tail.substr(0, q));
  if (q != std::string_view::npos) u.query = std::string(tail.substr(q + 1));
  while (!u.path.empty() && u.path.back() == '/') u.path.pop_back();
  return u;
}

}  // namespace imgmeta::aws
