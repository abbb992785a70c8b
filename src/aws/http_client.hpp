// A small synchronous HTTP/1.1 client over Boost.Beast and Asio (OpenSSL for https): one
// request in, status + headers + body out, with a connect timeout, a timeout on the whole
// exchange and a cap on the response size. Thread-safe: connections are kept alive in a pool
// per (scheme, host, port) and any thread may reuse one. https verifies the peer against the
// system's CA store (or the file HttpClientOptions names), with SNI and host name checks.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "aws/sigv4.hpp"
#include "meta/result.hpp"

namespace imgmeta::aws {

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  Headers headers;
  std::string body;
  std::chrono::milliseconds timeout{30000};          // the whole exchange; 0 = none
  std::chrono::milliseconds connect_timeout{3000};
  size_t max_response_bytes = 64u * 1024 * 1024;      // larger bodies fail the call

  // A streamed body instead of `body` (uploads of files): body_length bytes, asked for piece
  // by piece from read_body, which fills at most `size` bytes of `buffer` and returns how many
  // it wrote (at least one), or an error that ends the call.
  uint64_t body_length = 0;
  std::function<meta::Result<size_t>(char* buffer, size_t size)> read_body;
  // Told the body's bytes sent so far after each piece; returning false ends the call
  // ("Cancelled").
  std::function<bool(uint64_t sent)> on_body_sent;
  // No byte sent or received for this long ends the call ("Timeout"); 0 = none. For
  // transfers whose length has no sensible whole-exchange timeout.
  std::chrono::milliseconds stall_timeout{0};
};

struct HttpResponse {
  long status = 0;
  Headers headers;  // names as received
  std::string body;
};

struct HttpClientOptions {
  // PEM file of the certificates to trust for https instead of the system's store (tests).
  std::string ca_file;
  size_t max_idle_per_origin = 16;  // kept-alive connections per (scheme, host, port)
};

struct HttpConnection;  // one kept-alive socket (or TLS stream), private to http_client.cpp

// Transport failures (no HTTP status) carry code "Transport"; a timeout "Timeout"; a body over
// max_response_bytes "ResponseTooLarge".
class HttpClient {
 public:
  explicit HttpClient(HttpClientOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  Result<HttpResponse> send(const HttpRequest& request);

  // Connections opened so far (tests check that keep-alive reuses them).
  uint64_t connections_opened() const;

 private:
  struct Pool;
  std::unique_ptr<Pool> pool_;
};

// Parts of an http(s) URL: "http://127.0.0.1:5000/base" -> scheme, host "127.0.0.1",
// port 5000, authority "127.0.0.1:5000" (the Host header), path "/base".
struct Url {
  std::string scheme;
  std::string host;
  int port = 0;
  std::string authority;
  std::string path;  // no trailing '/'; "" for the root
  std::string query;
  std::string origin() const { return scheme + "://" + authority; }
};
Result<Url> parse_url(std::string_view text);

}  // namespace imgmeta::aws
