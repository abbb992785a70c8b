// aws::HttpClient against a small HTTP/1.1 server run by each test on 127.0.0.1 (a free port
// the kernel picks): each test scripts what the server does on each connection, byte for
// byte, and checks what the client made of it. The https cases use a certificate made here
// with OpenSSL's API.
#include "aws/http_client.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace imgmeta::aws {
namespace {

using namespace std::chrono_literals;

// One accepted connection, plain or TLS, as the server's script sees it.
class Conn {
 public:
  Conn(int fd, SSL* ssl) : fd_(fd), ssl_(ssl) {}
  ~Conn() {
    if (ssl_) SSL_free(ssl_);
    ::close(fd_);
  }

  // The next request's header and Content-Length body; false when the client closed.
  bool read_request(std::string* head = nullptr, std::string* body = nullptr) {
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos)
      if (!fill()) return false;
    std::string h = buf_.substr(0, end + 4);
    buf_.erase(0, end + 4);
    size_t length = 0;
    std::string lower = h;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (auto p = lower.find("\r\ncontent-length:"); p != std::string::npos) length = std::stoul(lower.substr(p + 17));
    while (buf_.size() < length)
      if (!fill()) return false;
    if (body) *body = buf_.substr(0, length);
    buf_.erase(0, length);
    if (head) *head = h;
    return true;
  }
  void write(const std::string& bytes) {
    if (ssl_) SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size()));
    else (void)::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  }
  void respond(const std::string& body, const std::string& extra = "") {
    write("HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" + extra + "\r\n" + body);
  }

 private:
  bool fill() {
    char chunk[16384];
    int n = ssl_ ? SSL_read(ssl_, chunk, sizeof chunk) : static_cast<int>(::recv(fd_, chunk, sizeof chunk, 0));
    if (n <= 0) return false;
    buf_.append(chunk, static_cast<size_t>(n));
    return true;
  }
  int fd_;
  SSL* ssl_;
  std::string buf_;
};

// Accepts connections on 127.0.0.1 and runs `script(conn, index)` for each in its own thread
// (index counts connections from 0); the connection closes when the script returns.
class Server {
 public:
  using Script = std::function<void(Conn&, int index)>;
  explicit Server(Script script, SSL_CTX* tls = nullptr) : script_(std::move(script)), tls_(tls) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(fd_, 16), 0);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] {
      for (int i = 0;; ++i) {
        int c = ::accept(fd_, nullptr, nullptr);
        if (c < 0) return;
        accepted_++;
        workers_.emplace_back([this, c, i] {
          SSL* ssl = nullptr;
          if (tls_) {
            ssl = SSL_new(tls_);
            SSL_set_fd(ssl, c);
            if (SSL_accept(ssl) != 1) {
              Conn failed(c, ssl);
              return;
            }
          }
          Conn conn(c, ssl);
          script_(conn, i);
        });
      }
    });
  }
  ~Server() {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    acceptor_.join();
    for (auto& t : workers_) t.join();
  }
  std::string url(const std::string& scheme = "http") const {
    return scheme + "://127.0.0.1:" + std::to_string(port_);
  }
  int accepted() const { return accepted_.load(); }

 private:
  Script script_;
  SSL_CTX* tls_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<int> accepted_{0};
  std::thread acceptor_;
  std::vector<std::thread> workers_;
};

HttpRequest get(const std::string& url) {
  HttpRequest r;
  r.url = url;
  r.timeout = 5s;
  return r;
}

TEST(HttpClient, KeepAliveReusesOneConnection) {
  Server server([](Conn& c, int) {
    std::string head;
    for (int n = 1; c.read_request(&head); ++n) c.respond("answer " + std::to_string(n));
  });
  HttpClient client;
  for (int n = 1; n <= 3; ++n) {
    auto r = client.send(get(server.url() + "/x?n=" + std::to_string(n)));
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "answer " + std::to_string(n));
  }
  EXPECT_EQ(client.connections_opened(), 1u);
  EXPECT_EQ(server.accepted(), 1);
}

TEST(HttpClient, SendsHostPathQueryHeadersAndBody) {
  std::string seen_head, seen_body;
  Server server([&](Conn& c, int) {
    if (c.read_request(&seen_head, &seen_body)) c.respond("", "X-Answer: yes\r\n");
  });
  HttpClient client;
  HttpRequest req = get(server.url() + "/a/b%20c?x=1&y=2");
  req.method = "POST";
  req.headers = {{"X-Amz-Target", "DynamoDB_20120810.GetItem"}, {"x-empty", ""}};
  req.body = R"({"k":1})";
  auto r = client.send(req);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 200);
  ASSERT_NE(find_header(r->headers, "x-answer"), nullptr);
  EXPECT_EQ(*find_header(r->headers, "x-answer"), "yes");
  EXPECT_TRUE(seen_head.starts_with("POST /a/b%20c?x=1&y=2 HTTP/1.1\r\n")) << seen_head;
  int port = std::stoi(server.url().substr(server.url().rfind(':') + 1));
  EXPECT_NE(seen_head.find("\r\nHost: 127.0.0.1:" + std::to_string(port) + "\r\n"), std::string::npos) << seen_head;
  EXPECT_NE(seen_head.find("\r\nX-Amz-Target: DynamoDB_20120810.GetItem\r\n"), std::string::npos) << seen_head;
  EXPECT_NE(seen_head.find("\r\nContent-Length: 7\r\n"), std::string::npos) << seen_head;
  EXPECT_EQ(seen_head.find("Content-Type"), std::string::npos) << seen_head;  // nothing unsigned added
  EXPECT_EQ(seen_head.find("Expect"), std::string::npos) << seen_head;
  EXPECT_EQ(seen_body, R"({"k":1})");
}

TEST(HttpClient, NewConnectionWhenTheServerClosedTheIdleOne) {
  // Each connection answers one request (keep-alive, as far as the headers go) and closes.
  Server server([](Conn& c, int i) {
    if (c.read_request()) c.respond("conn " + std::to_string(i));
  });
  HttpClient client;
  auto first = client.send(get(server.url() + "/"));
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->body, "conn 0");
  std::this_thread::sleep_for(50ms);  // the server's FIN arrives
  HttpRequest post = get(server.url() + "/");
  post.method = "POST";  // not idempotent: works because the closed connection is never used
  auto second = client.send(post);
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(second->body, "conn 1");
  EXPECT_EQ(client.connections_opened(), 2u);
}

TEST(HttpClient, IdempotentRequestResentOnceWhenAKeptAliveConnectionDrops) {
  // The race a pool cannot see coming: the server takes the second request on the kept
  // connection and closes without an answer. GET goes again on a new connection; POST not.
  Server server([](Conn& c, int) {
    if (c.read_request()) c.respond("first");
    c.read_request();  // then closes
  });
  HttpClient client;
  ASSERT_TRUE(client.send(get(server.url() + "/")));
  auto again = client.send(get(server.url() + "/"));
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->body, "first");  // the new connection's first answer
  EXPECT_EQ(client.connections_opened(), 2u);

  HttpRequest post = get(server.url() + "/");
  post.method = "POST";
  auto refused = client.send(post);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, meta::Errc::Transport) << refused.error().message;
  EXPECT_EQ(client.connections_opened(), 2u);
}

TEST(HttpClient, TimeoutCoversTheWholeExchange) {
  std::atomic<bool> done{false};
  Server server([&](Conn& c, int) {
    c.read_request();
    c.write("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");  // and the rest never comes
    while (!done) std::this_thread::sleep_for(10ms);
  });
  HttpClient client;
  HttpRequest req = get(server.url() + "/");
  req.timeout = 300ms;
  auto start = std::chrono::steady_clock::now();
  auto r = client.send(req);
  auto took = std::chrono::steady_clock::now() - start;
  done = true;
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, meta::Errc::Timeout) << r.error().message;
  EXPECT_GE(took, 290ms);
  EXPECT_LT(took, 2s);
}

TEST(HttpClient, ConnectionRefusedIsATransportError) {
  int port;
  {
    Server gone([](Conn&, int) {});
    port = std::stoi(gone.url().substr(gone.url().rfind(':') + 1));
  }
  HttpClient client;
  auto r = client.send(get("http://127.0.0.1:" + std::to_string(port) + "/"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, meta::Errc::Transport) << r.error().message;
}

TEST(HttpClient, ResponseLargerThanTheCapFails) {
  Server server([](Conn& c, int) {
    while (c.read_request()) c.respond(std::string(5000, 'x'));
  });
  HttpClient client;
  HttpRequest req = get(server.url() + "/");
  req.max_response_bytes = 4999;
  auto r = client.send(req);
  ASSERT_FALSE(r) << r->status << " " << r->body.size();
  EXPECT_EQ(r.error().code, meta::Errc::ResponseTooLarge) << r.error().message;
  req.max_response_bytes = 5000;
  auto ok = client.send(req);
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->body.size(), 5000u);
}

TEST(HttpClient, ChunkedResponseIsJoinedAndTheConnectionKept) {
  Server server([](Conn& c, int) {
    while (c.read_request())
      c.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n1;ext=1\r\n,\r\n6\r\n world\r\n0\r\n\r\n");
  });
  HttpClient client;
  for (int i = 0; i < 2; ++i) {
    auto r = client.send(get(server.url() + "/"));
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->body, "hello, world");
  }
  EXPECT_EQ(client.connections_opened(), 1u);

  HttpRequest capped = get(server.url() + "/");
  capped.max_response_bytes = 8;  // no length up front: the cap applies as chunks arrive
  auto r = client.send(capped);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, meta::Errc::ResponseTooLarge) << r.error().message;
}

TEST(HttpClient, HeadReadsNoBodyAndKeepsTheConnection) {
  Server server([](Conn& c, int) {
    std::string head;
    while (c.read_request(&head)) {
      if (head.starts_with("HEAD")) c.write("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\nETag: \"e\"\r\n\r\n");
      else c.respond("body");
    }
  });
  HttpClient client;
  HttpRequest head = get(server.url() + "/");
  head.method = "HEAD";
  auto h = client.send(head);
  ASSERT_TRUE(h) << h.error().message;
  EXPECT_EQ(h->body, "");
  EXPECT_EQ(*find_header(h->headers, "content-length"), "1234");
  auto g = client.send(get(server.url() + "/"));
  ASSERT_TRUE(g) << g.error().message;
  EXPECT_EQ(g->body, "body");
  EXPECT_EQ(client.connections_opened(), 1u);
}

TEST(HttpClient, StreamedBodyIsSentPieceByPieceAndCanBeCancelled) {
  std::string received;
  Server server([&](Conn& c, int) {
    while (c.read_request(nullptr, &received)) c.respond("stored");
  });
  HttpClient client;
  const std::string data(200000, 'd');
  size_t offset = 0;
  std::vector<uint64_t> progress;
  HttpRequest put = get(server.url() + "/upload");
  put.method = "PUT";
  put.body_length = data.size();
  put.read_body = [&](char* buf, size_t n) -> meta::Result<size_t> {
    n = std::min(n, data.size() - offset);
    std::copy_n(data.data() + offset, n, buf);
    offset += n;
    return n;
  };
  put.on_body_sent = [&](uint64_t sent) {
    progress.push_back(sent);
    return true;
  };
  auto r = client.send(put);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->body, "stored");
  EXPECT_EQ(received, data);
  ASSERT_GT(progress.size(), 1u);
  EXPECT_EQ(progress.back(), data.size());

  offset = 0;
  put.on_body_sent = [](uint64_t) { return false; };
  auto cancelled = client.send(put);
  ASSERT_FALSE(cancelled);
  EXPECT_EQ(cancelled.error().code, meta::Errc::Cancelled);
}

// --- https ---

struct TestCertificate {
  std::string cert_pem, key_pem;
};

// A self-signed P-256 certificate for the given subjectAltName ("IP:127.0.0.1,DNS:localhost").
TestCertificate make_certificate(const std::string& san) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 3600);
  X509_set_pubkey(x, key);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("imgmeta test"), -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
  for (auto [nid, value] : {std::pair{NID_subject_alt_name, san}, std::pair{NID_basic_constraints, std::string("critical,CA:TRUE")}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
  }
  X509_sign(x, key, EVP_sha256());
  auto pem = [](auto write) {
    BIO* b = BIO_new(BIO_s_mem());
    write(b);
    char* data = nullptr;
    long n = BIO_get_mem_data(b, &data);
    std::string out(data, static_cast<size_t>(n));
    BIO_free(b);
    return out;
  };
  TestCertificate c;
  c.cert_pem = pem([&](BIO* b) { PEM_write_bio_X509(b, x); });
  c.key_pem = pem([&](BIO* b) { PEM_write_bio_PrivateKey(b, key, nullptr, nullptr, 0, nullptr, nullptr); });
  X509_free(x);
  EVP_PKEY_free(key);
  return c;
}

class TlsServerContext {
 public:
  explicit TlsServerContext(const TestCertificate& c) : ctx_(SSL_CTX_new(TLS_server_method())) {
    BIO* cb = BIO_new_mem_buf(c.cert_pem.data(), static_cast<int>(c.cert_pem.size()));
    X509* x = PEM_read_bio_X509(cb, nullptr, nullptr, nullptr);
    BIO* kb = BIO_new_mem_buf(c.key_pem.data(), static_cast<int>(c.key_pem.size()));
    EVP_PKEY* k = PEM_read_bio_PrivateKey(kb, nullptr, nullptr, nullptr);
    EXPECT_EQ(SSL_CTX_use_certificate(ctx_, x), 1);
    EXPECT_EQ(SSL_CTX_use_PrivateKey(ctx_, k), 1);
    X509_free(x);
    EVP_PKEY_free(k);
    BIO_free(cb);
    BIO_free(kb);
  }
  ~TlsServerContext() { SSL_CTX_free(ctx_); }
  SSL_CTX* get() { return ctx_; }

 private:
  SSL_CTX* ctx_;
};

std::string write_temp(const std::string& text) {
  auto path = std::filesystem::temp_directory_path() / ("imgmeta-ca-" + std::to_string(::getpid()) + "-" +
                                                        std::to_string(std::rand()) + ".pem");
  FILE* f = std::fopen(path.c_str(), "w");
  std::fwrite(text.data(), 1, text.size(), f);
  std::fclose(f);
  return path;
}

TEST(HttpClient, HttpsVerifiesTheServerAgainstTheTrustedCertificates) {
  TestCertificate cert = make_certificate("IP:127.0.0.1,DNS:localhost");
  TlsServerContext tls(cert);
  Server server(
      [](Conn& c, int) {
        while (c.read_request()) c.respond("secret");
      },
      tls.get());

  HttpClient system_store;  // the machine's CAs: a self-signed certificate is refused
  auto refused = system_store.send(get(server.url("https") + "/"));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, meta::Errc::Transport);
  EXPECT_NE(refused.error().message.find("certificate"), std::string::npos) << refused.error().message;

  std::string ca = write_temp(cert.cert_pem);
  HttpClient trusting({.ca_file = ca});
  for (int i = 0; i < 2; ++i) {
    auto r = trusting.send(get(server.url("https") + "/"));
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->body, "secret");
  }
  EXPECT_EQ(trusting.connections_opened(), 1u);
  std::filesystem::remove(ca);
}

TEST(HttpClient, HttpsRefusesATrustedCertificateForAnotherName) {
  TestCertificate cert = make_certificate("DNS:other.example");
  TlsServerContext tls(cert);
  Server server(
      [](Conn& c, int) {
        while (c.read_request()) c.respond("secret");
      },
      tls.get());
  std::string ca = write_temp(cert.cert_pem);
  HttpClient trusting({.ca_file = ca});
  auto r = trusting.send(get(server.url("https") + "/"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, meta::Errc::Transport) << r.error().message;
  std::filesystem::remove(ca);
}

}  // namespace
}  // namespace imgmeta::aws
