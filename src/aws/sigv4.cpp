#include "aws/sigv4.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <ctime>
#include <map>

#include "aws/digest.hpp"
#include "meta/ascii.hpp"

namespace imgmeta::aws {

using meta::make_error;

namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kTerminator = "aws4_request";
constexpr int64_t kMaxPresignExpires = 7 * 24 * 3600;  // S3: at most 604800 seconds

using meta::iequals;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

// SigV4 "Trimall": leading/trailing whitespace removed, inner runs collapsed to one space
// (folded multi-line values included).
std::string trim_all(std::string_view v) {
  std::string out;
  bool pending_space = false;
  for (char c : v) {
    if (is_space(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out += c;
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> parse_query(std::string_view wire_query) {
  std::vector<std::pair<std::string, std::string>> params;
  size_t pos = 0;
  while (pos <= wire_query.size()) {
    size_t amp = wire_query.find('&', pos);
    if (amp == std::string_view::npos) amp = wire_query.size();
    std::string_view piece = wire_query.substr(pos, amp - pos);
    if (!piece.empty()) {
      size_t eq = piece.find('=');
      if (eq == std::string_view::npos) params.emplace_back(uri_decode(piece), "");
      else params.emplace_back(uri_decode(piece.substr(0, eq)), uri_decode(piece.substr(eq + 1)));
    }
    pos = amp + 1;
  }
  return params;
}

std::string credential_scope(std::string_view date, const std::string& region, const std::string& service) {
  std::string scope(date);
  scope += '/';
  scope += region;
  scope += '/';
  scope += service;
  scope += '/';
  scope += kTerminator;
  return scope;
}

std::string make_canonical_request(std::string_view method, std::string_view uri, std::string_view query,
                                   std::string_view headers_block, std::string_view signed_headers,
                                   std::string_view payload_hash) {
  std::string cr;
  cr.reserve(method.size() + uri.size() + query.size() + headers_block.size() + signed_headers.size() + 80);
  cr.append(method).append("\n");
  cr.append(uri).append("\n");
  cr.append(query).append("\n");
  cr.append(headers_block).append("\n");
  cr.append(signed_headers).append("\n");
  cr.append(payload_hash);
  return cr;
}

std::string make_string_to_sign(std::string_view date_time, std::string_view scope, std::string_view canonical_request) {
  std::string sts(kAlgorithm);
  sts.append("\n").append(date_time).append("\n").append(scope).append("\n").append(sha256_hex(canonical_request));
  return sts;
}

Status check_config(const Credentials& credentials, const SigningConfig& config, std::string_view op) {
  if (!credentials.valid())
    return make_error(std::string(op) + ": no credentials (access key id and secret are required)");
  if (config.region.empty() || config.service.empty())
    return make_error(std::string(op) + ": region and service are required");
  return meta::ok_status();
}

std::string effective_payload_hash(const SigningConfig& config) {
  return config.payload_hash.empty() ? sha256_hex("") : config.payload_hash;
}

}  // namespace

const std::string* find_header(const Headers& headers, std::string_view name) {
  for (const auto& h : headers)
    if (iequals(h.name, name)) return &h.value;
  return nullptr;
}

void set_header(Headers& headers, std::string_view name, std::string value) {
  for (auto& h : headers)
    if (iequals(h.name, name)) {
      h.value = std::move(value);
      return;
    }
  headers.push_back({std::string(name), std::move(value)});
}

SigningConfig SigningConfig::s3(std::string region, int64_t time, std::string payload_hash) {
  SigningConfig c;
  c.region = std::move(region);
  c.service = "s3";
  c.time = time;
  c.double_uri_encode = false;
  c.normalize_path = false;
  c.payload_hash = std::move(payload_hash);
  c.add_content_sha256 = true;
  return c;
}

SigningConfig SigningConfig::json_service(std::string service, std::string region, int64_t time,
                                          std::string_view body) {
  SigningConfig c;
  c.region = std::move(region);
  c.service = std::move(service);
  c.time = time;
  c.payload_hash = sha256_hex(body);
  return c;
}

std::string uri_encode(std::string_view s, bool encode_slash) {
  return meta::percent_encode(s, [&](char c) { return meta::is_unreserved(c) || (c == '/' && !encode_slash); });
}

std::string uri_decode(std::string_view s) {
  auto hexval = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int hi = hexval(s[i + 1]), lo = hexval(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

// RFC 3986 section 5.2.4 (remove_dot_segments), plus collapsing of empty segments as the
// SigV4 suite's "normalized" cases expect ("//example//" -> "/example/").
std::string normalize_path(std::string_view path) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  std::string_view last;
  while (pos <= path.size()) {
    size_t slash = path.find('/', pos);
    if (slash == std::string_view::npos) slash = path.size();
    std::string_view seg = path.substr(pos, slash - pos);
    last = seg;
    if (seg == "..") {
      if (!out.empty()) out.pop_back();
    } else if (!seg.empty() && seg != ".") {
      out.push_back(seg);
    }
    pos = slash + 1;
  }
  std::string result = "/";
  for (size_t i = 0; i < out.size(); ++i) {
    if (i) result += '/';
    result.append(out[i]);
  }
  bool trailing = last.empty() || last == "." || last == "..";
  if (trailing && !out.empty()) result += '/';
  return result;
}

std::string canonical_uri(std::string_view wire_path, bool double_uri_encode, bool normalize) {
  std::string path = wire_path.empty() ? std::string("/") : std::string(wire_path);
  if (normalize) path = normalize_path(path);
  if (double_uri_encode) path = uri_encode(path, false);
  return path;
}

std::string canonical_query(std::string_view wire_query) {
  auto params = parse_query(wire_query);
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(params.size());
  for (auto& [k, v] : params) encoded.emplace_back(uri_encode(k), uri_encode(v));
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [k, v] : encoded) {
    if (!out.empty()) out += '&';
    out += k;
    out += '=';
    out += v;
  }
  return out;
}

std::pair<std::string, std::string> canonical_headers(const Headers& headers) {
  std::map<std::string, std::string> merged;  // sorted by lowercase name
  for (const auto& h : headers) {
    std::string name = meta::ascii_lower(h.name);
    std::string value = trim_all(h.value);
    auto [it, inserted] = merged.try_emplace(name, value);
    if (!inserted) it->second.append(",").append(value);
  }
  std::string block, names;
  for (const auto& [name, value] : merged) {
    block.append(name).append(":").append(value).append("\n");
    if (!names.empty()) names += ';';
    names += name;
  }
  return {block, names};
}

std::string amz_date(int64_t time) {
  std::time_t t = static_cast<std::time_t>(time);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::string signing_key(std::string_view secret, std::string_view date, std::string_view region,
                        std::string_view service) {
  // The key changes once a day per (secret, region, service), and deriving it is four
  // HMACs: each thread keeps the last few it derived.
  struct Cached {
    std::string secret, date, region, service, key;
  };
  thread_local std::array<Cached, 4> cache;
  thread_local size_t next_slot = 0;
  for (const auto& c : cache)
    if (!c.key.empty() && c.date == date && c.service == service && c.region == region && c.secret == secret) return c.key;
  std::string k = "AWS4";
  k.append(secret);
  Sha256 k_date = hmac_sha256(k, date);
  Sha256 k_region = hmac_sha256(as_chars(k_date), region);
  Sha256 k_service = hmac_sha256(as_chars(k_region), service);
  Sha256 k_signing = hmac_sha256(as_chars(k_service), kTerminator);
  Cached& slot = cache[next_slot++ % cache.size()];
  slot = {std::string(secret), std::string(date), std::string(region), std::string(service), std::string(as_chars(k_signing))};
  return slot.key;
}

Result<Signature> sign_request(SignableRequest& req, const Credentials& credentials, const SigningConfig& config) {
  if (auto s = check_config(credentials, config, "SigV4 sign " + req.method + " " + req.path); !s) return s.error();
  if (!find_header(req.headers, "host")) return make_error("SigV4 sign " + req.method + " " + req.path + ": no Host header");
  std::string date_time = amz_date(config.time);
  if (const auto* existing = find_header(req.headers, "x-amz-date")) date_time = *existing;
  else req.headers.push_back({"X-Amz-Date", date_time});
  std::string payload = effective_payload_hash(config);
  if (!credentials.session_token.empty() && config.sign_session_token)
    set_header(req.headers, "X-Amz-Security-Token", credentials.session_token);
  if (config.add_content_sha256 && !find_header(req.headers, "x-amz-content-sha256"))
    req.headers.push_back({"X-Amz-Content-SHA256", payload});

  Signature sig;
  auto [block, names] = canonical_headers(req.headers);
  sig.signed_headers = names;
  std::string date = date_time.substr(0, 8);
  std::string scope = credential_scope(date, config.region, config.service);
  sig.canonical_request = make_canonical_request(req.method, canonical_uri(req.path, config.double_uri_encode, config.normalize_path),
                                                 canonical_query(req.query), block, names, payload);
  sig.string_to_sign = make_string_to_sign(date_time, scope, sig.canonical_request);
  std::string key = signing_key(credentials.secret_access_key, date, config.region, config.service);
  sig.signature = hex(hmac_sha256(key, sig.string_to_sign));
  sig.authorization = std::string(kAlgorithm) + " Credential=" + credentials.access_key_id + "/" + scope +
                      ", SignedHeaders=" + names + ", Signature=" + sig.signature;
  if (!credentials.session_token.empty() && !config.sign_session_token)
    set_header(req.headers, "X-Amz-Security-Token", credentials.session_token);
  set_header(req.headers, "Authorization", sig.authorization);
  return sig;
}

Result<Signature> presign_request(SignableRequest& req, const Credentials& credentials, const SigningConfig& config) {
  std::string op = "SigV4 presign " + req.method + " " + req.path;
  if (auto s = check_config(credentials, config, op); !s) return s.error();
  if (!find_header(req.headers, "host")) return make_error(op + ": no Host header");
  if (config.expires < 1 || config.expires > kMaxPresignExpires)
    return make_error(op + ": expiry " + std::to_string(config.expires) + " s outside 1..604800");
  std::string date_time = amz_date(config.time);
  std::string date = date_time.substr(0, 8);
  std::string scope = credential_scope(date, config.region, config.service);
  auto [block, names] = canonical_headers(req.headers);

  std::string query = req.query;
  auto add = [&](std::string_view name, std::string_view value) {
    if (!query.empty()) query += '&';
    query.append(name).append("=").append(uri_encode(value));
  };
  add("X-Amz-Algorithm", kAlgorithm);
  add("X-Amz-Credential", credentials.access_key_id + "/" + scope);
  add("X-Amz-Date", date_time);
  add("X-Amz-SignedHeaders", names);
  add("X-Amz-Expires", std::to_string(config.expires));
  if (!credentials.session_token.empty() && config.sign_session_token) add("X-Amz-Security-Token", credentials.session_token);

  Signature sig;
  sig.signed_headers = names;
  sig.canonical_request = make_canonical_request(req.method, canonical_uri(req.path, config.double_uri_encode, config.normalize_path),
                                                 canonical_query(query), block, names, effective_payload_hash(config));
  sig.string_to_sign = make_string_to_sign(date_time, scope, sig.canonical_request);
  std::string key = signing_key(credentials.secret_access_key, date, config.region, config.service);
  sig.signature = hex(hmac_sha256(key, sig.string_to_sign));
  if (!credentials.session_token.empty() && !config.sign_session_token) add("X-Amz-Security-Token", credentials.session_token);
  add("X-Amz-Signature", sig.signature);
  req.query = std::move(query);
  return sig;
}

namespace {

// Parses "20150830T123600Z" into seconds since the epoch.
bool parse_amz_date(std::string_view s, int64_t& out) {
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z') return false;
  for (size_t i = 0; i < 15; ++i)
    if (i != 8 && !std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  auto num = [&](size_t off, size_t len) {
    int v = 0;
    for (size_t i = off; i < off + len; ++i) v = v * 10 + (s[i] - '0');
    return v;
  };
  std::tm tm{};
  tm.tm_year = num(0, 4) - 1900;
  tm.tm_mon = num(4, 2) - 1;
  tm.tm_mday = num(6, 2);
  tm.tm_hour = num(9, 2);
  tm.tm_min = num(11, 2);
  tm.tm_sec = num(13, 2);
  if (tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
    return false;
  out = static_cast<int64_t>(timegm(&tm));
  return true;
}

bool is_lower_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> parts;
  size_t pos = 0;
  while (true) {
    size_t next = s.find(sep, pos);
    parts.emplace_back(s.substr(pos, next == std::string_view::npos ? std::string_view::npos : next - pos));
    if (next == std::string_view::npos) break;
    pos = next + 1;
  }
  return parts;
}

}  // namespace

// S3 API Reference, "Authenticating Requests: Using Query Parameters (AWS Signature
// Version 4)": the server recomputes the signature from the request and the query
// parameters minus X-Amz-Signature, and refuses the URL once X-Amz-Date + X-Amz-Expires
// has passed.
Result<VerifiedPresign> verify_presigned(const SignableRequest& req, const Credentials& credentials,
                                         const PresignedCheck& check) {
  std::string op = "verify presigned " + req.method + " " + req.path;
  auto bad_params = [&](std::string why) {
    return make_error(meta::Errc::AuthorizationQueryParametersError, op + ": " + why);
  };
  auto params = parse_query(req.query);
  std::map<std::string, std::string> amz;
  for (const auto& [k, v] : params) {
    if (k.rfind("X-Amz-", 0) != 0) continue;
    if (!amz.emplace(k, v).second) return bad_params("parameter " + k + " given twice");
  }
  auto need = [&](const char* name) -> const std::string* {
    auto it = amz.find(name);
    return it == amz.end() ? nullptr : &it->second;
  };
  const auto *alg = need("X-Amz-Algorithm"), *cred = need("X-Amz-Credential"), *date = need("X-Amz-Date"),
             *expires = need("X-Amz-Expires"), *signed_list = need("X-Amz-SignedHeaders"),
             *signature = need("X-Amz-Signature");
  if (!alg || !cred || !date || !expires || !signed_list || !signature)
    return bad_params("missing one of X-Amz-Algorithm, -Credential, -Date, -Expires, -SignedHeaders, -Signature");
  if (*alg != kAlgorithm) return bad_params("unsupported algorithm '" + *alg + "'");
  auto scope = split(*cred, '/');
  if (scope.size() != 5 || scope[4] != kTerminator) return bad_params("malformed credential '" + *cred + "'");
  int64_t signed_at = 0;
  if (!parse_amz_date(*date, signed_at)) return bad_params("malformed X-Amz-Date '" + *date + "'");
  if (scope[1] != date->substr(0, 8)) return bad_params("credential date " + scope[1] + " differs from X-Amz-Date");
  if (scope[2] != check.region) return bad_params("credential region '" + scope[2] + "', expected '" + check.region + "'");
  if (scope[3] != check.service) return bad_params("credential service '" + scope[3] + "', expected '" + check.service + "'");
  int64_t lifetime = 0;
  if (expires->empty() || expires->size() > 7 || !std::all_of(expires->begin(), expires->end(), ::isdigit))
    return bad_params("malformed X-Amz-Expires '" + *expires + "'");
  lifetime = std::stoll(*expires);
  if (lifetime < 1 || lifetime > kMaxPresignExpires) return bad_params("X-Amz-Expires outside 1..604800");
  if (signature->size() != 64 || !is_lower_hex(*signature)) return bad_params("malformed X-Amz-Signature");
  auto names = split(*signed_list, ';');
  if (!std::is_sorted(names.begin(), names.end()) || std::adjacent_find(names.begin(), names.end()) != names.end())
    return bad_params("X-Amz-SignedHeaders not sorted and unique");
  if (std::find(names.begin(), names.end(), "host") == names.end()) return bad_params("Host is not signed");

  if (scope[0] != credentials.access_key_id)
    return make_error(meta::Errc::InvalidAccessKeyId, op + ": unknown access key id '" + scope[0] + "'");
  if (!credentials.session_token.empty()) {
    const auto* token = need("X-Amz-Security-Token");
    if (!token || !equal_constant_time(*token, credentials.session_token))
      return make_error(meta::Errc::InvalidToken, op + ": security token missing or wrong");
  }
  if (check.now + check.max_clock_skew < signed_at)
    return make_error(meta::Errc::AccessDenied, op + ": request is not yet valid (X-Amz-Date " + *date + ")");
  if (check.now > signed_at + lifetime) return make_error(meta::Errc::AccessDenied, op + ": request has expired");

  Headers signed_headers;
  for (const auto& name : names) {
    bool found = false;
    for (const auto& h : req.headers)
      if (iequals(h.name, name)) {
        signed_headers.push_back(h);
        found = true;
      }
    if (!found) return make_error(meta::Errc::SignatureDoesNotMatch, op + ": signed header '" + name + "' is missing");
  }
  // Canonical query: every parameter but the signature itself.
  std::string query_without_sig;
  for (const auto& [k, v] : params) {
    if (k == "X-Amz-Signature") continue;
    if (!query_without_sig.empty()) query_without_sig += '&';
    query_without_sig += uri_encode(k) + "=" + uri_encode(v);
  }
  auto [block, list] = canonical_headers(signed_headers);
  std::string cr = make_canonical_request(req.method, canonical_uri(req.path, check.double_uri_encode, check.normalize_path),
                                          canonical_query(query_without_sig), block, list, check.payload_hash);
  std::string sts = make_string_to_sign(*date, credential_scope(scope[1], check.region, check.service), cr);
  std::string key = signing_key(credentials.secret_access_key, scope[1], check.region, check.service);
  std::string expected = hex(hmac_sha256(key, sts));
  if (!equal_constant_time(expected, *signature))
    return make_error(meta::Errc::SignatureDoesNotMatch, op + ": signature does not match");
  VerifiedPresign out;
  out.access_key_id = scope[0];
  out.expires_at = signed_at + lifetime;
  out.signed_headers = std::move(names);
  return out;
}

}  // namespace imgmeta::aws
