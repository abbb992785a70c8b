// A small HTTP client over libcurl: one request in, status + headers + body out, with
// connect and total timeouts and a cap on the response size. Thread-safe: each call borrows
// an easy handle from a pool, so connections are kept alive between calls of one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

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
};

struct HttpResponse {
  long status = 0;
  Headers headers;  // names as received
  std::string body;
};

// Transport failures (no HTTP status) carry code "Transport"; a timeout "Timeout".
class HttpClient {
 public:
  HttpClient();
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  Result<HttpResponse> send(const HttpRequest& request);

 private:
  void* acquire();
  void release(void* handle);
  std::mutex mu_;
  std::vector<void*> idle_;  // CURL* handles
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
