#include "aws/http_client.hpp"

#include <curl/curl.h>

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <mutex>

#include "meta/ascii.hpp"

namespace imgmeta::aws {

using meta::make_error;

namespace {

std::once_flag g_curl_init;

// libcurl's compiled-in CA path is Debian's; the Lambda runs on Amazon Linux 2023, whose
// bundle lives elsewhere. AWS_CA_BUNDLE / SSL_CERT_FILE win, then the first file found.
const std::string& ca_bundle() {
  static const std::string path = [] {
    for (const char* env : {"AWS_CA_BUNDLE", "SSL_CERT_FILE", "CURL_CA_BUNDLE"})
      if (const char* v = std::getenv(env); v && *v) return std::string(v);
    for (const char* p : {"/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt",
                          "/etc/ssl/certs/ca-bundle.crt", "/etc/ssl/cert.pem"})
      if (access(p, R_OK) == 0) return std::string(p);
    return std::string();
  }();
  return path;
}

struct Exchange {
  HttpResponse* response;
  size_t max_bytes;
  bool too_large = false;
};

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* ex = static_cast<Exchange*>(user);
  size_t n = size * count;
  if (n > ex->max_bytes - std::min(ex->max_bytes, ex->response->body.size())) {
    ex->too_large = true;
    return 0;  // aborts the transfer
  }
  ex->response->body.append(data, n);
  return n;
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* ex = static_cast<Exchange*>(user);
  size_t n = size * count;
  std::string_view line(data, n);
  if (line.starts_with("HTTP/")) {  // a new response (after 100 Continue or a redirect)
    ex->response->headers.clear();
    return n;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return n;
  auto trim = [](std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
  };
  ex->response->headers.push_back({std::string(trim(line.substr(0, colon))), std::string(trim(line.substr(colon + 1)))});
  return n;
}

}  // namespace

HttpClient::HttpClient() {
  std::call_once(g_curl_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

HttpClient::~HttpClient() {
  for (void* h : idle_) curl_easy_cleanup(static_cast<CURL*>(h));
}

void* HttpClient::acquire() {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      void* h = idle_.back();
      idle_.pop_back();
      return h;
    }
  }
  return curl_easy_init();
}

void HttpClient::release(void* handle) {
  std::lock_guard lock(mu_);
  if (idle_.size() < 16) idle_.push_back(handle);
  else curl_easy_cleanup(static_cast<CURL*>(handle));
}

Result<HttpResponse> HttpClient::send(const HttpRequest& request) {
  CURL* curl = static_cast<CURL*>(acquire());
  if (!curl) return make_error(meta::Errc::Transport, "HTTP " + request.method + " " + request.url + ": curl_easy_init failed");
  curl_easy_reset(curl);  // keeps the connection cache

  HttpResponse response;
  Exchange ex{&response, request.max_response_bytes};
  curl_slist* headers = nullptr;
  bool has_content_type = false;
  for (const auto& h : request.headers) {
    std::string line = h.name + ": " + h.value;
    if (h.value.empty()) line = h.name + ";";  // curl's syntax for an empty header
    headers = curl_slist_append(headers, line.c_str());
    if (meta::iequals(h.name, "content-type")) has_content_type = true;
  }
  // Headers curl would add on its own are left out: they are not signed, and "Expect:
  // 100-continue" costs a round trip on every PUT.
  headers = curl_slist_append(headers, "Expect:");
  if (!has_content_type) headers = curl_slist_append(headers, "Content-Type:");
  headers = curl_slist_append(headers, "Accept:");

  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &ex);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &ex);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(request.connect_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  if (!ca_bundle().empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, ca_bundle().c_str());
  if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (request.method == "GET") {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    if (!request.body.empty() || request.method == "PUT" || request.method == "POST") {
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    }
  }

  CURLcode rc = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  if (rc != CURLE_OK) {
    curl_easy_cleanup(curl);  // a failed connection is not worth keeping
    std::string what = "HTTP " + request.method + " " + request.url + ": ";
    if (ex.too_large)
      return make_error(meta::Errc::ResponseTooLarge, what + "response larger than " + std::to_string(request.max_response_bytes) + " bytes");
    if (rc == CURLE_OPERATION_TIMEDOUT) return make_error(meta::Errc::Timeout, what + curl_easy_strerror(rc));
    return make_error(meta::Errc::Transport, what + curl_easy_strerror(rc));
  }
  release(curl);
  response.status = status;
  return response;
}

Result<Url> parse_url(std::string_view text) {
  Url u;
  size_t sep = text.find("://");
  if (sep == std::string_view::npos) return make_error(meta::Errc::InvalidArgument, "URL '" + std::string(text) + "': no scheme");
  u.scheme = std::string(text.substr(0, sep));
  std::transform(u.scheme.begin(), u.scheme.end(), u.scheme.begin(), [](unsigned char c) { return std::tolower(c); });
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
