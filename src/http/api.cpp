#include "http/api.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <stdlib.h>
#include <unistd.h>

#include "http/export_rows.hpp"
#include "http/image_json.hpp"
#include "http/share_api.hpp"
#include "meta/ascii.hpp"
#include "pipeline/event.hpp"
#include "pipeline/preview_step.hpp"
#include "pipeline/ulid.hpp"
#include "store/time.hpp"
#include "meta/json_text.hpp"

namespace imgmeta::http {

std::string content_disposition(std::string_view type, std::string_view filename) {
  std::string ascii;
  for (char ch : filename) {
    const auto c = static_cast<unsigned char>(ch);
    ascii += (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') ? static_cast<char>(c) : '_';
  }
  const std::string encoded = meta::percent_encode(filename, [](char c) { return c != '~' && meta::is_unreserved(c); });
  if (ascii.empty()) ascii = "image";
  return std::string(type) + "; filename=\"" + ascii + "\"; filename*=UTF-8''" + encoded;
}

namespace {

using nlohmann::json;
using nlohmann::ordered_json;

constexpr int kMaxPageLimit = 100;
constexpr size_t kMaxFilter = 256;

using meta::iequals;

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    out.push_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

ApiResponse no_content() {
  ApiResponse r;
  r.status = 204;
  return r;
}

ApiResponse bad_request(std::string message) { return error_response(400, "InvalidRequest", std::move(message)); }

std::string format_number(double d) { return std::to_string(static_cast<int64_t>(d)); }

// bbox=minLon,minLat,maxLon,maxLat
std::optional<store::BoundingBox> parse_bbox(std::string_view text) {
  double v[4];
  for (int i = 0; i < 4; ++i) {
    size_t comma = i < 3 ? text.find(',') : text.size();
    if (comma == std::string_view::npos) return std::nullopt;
    auto part = text.substr(0, comma);
    auto [ptr, ec] = std::from_chars(part.data(), part.data() + part.size(), v[i]);
    if (ec != std::errc() || ptr != part.data() + part.size() || !std::isfinite(v[i])) return std::nullopt;
    text.remove_prefix(i < 3 ? comma + 1 : comma);
  }
  store::BoundingBox b{v[0], v[1], v[2], v[3]};
  if (std::abs(b.min_lon) > 180 || std::abs(b.max_lon) > 180 || std::abs(b.min_lat) > 90 || std::abs(b.max_lat) > 90 ||
      b.min_lat > b.max_lat)
    return std::nullopt;
  return b;
}
ApiResponse not_found(std::string message = "no such image") { return error_response(404, "NotFound", std::move(message)); }

// An error from a store or service: its code decides the status; unknown failures become a
// 500 whose message does not leak internals (the log line has them).
ApiResponse from_error(const Error& e) {
  int status = status_for(e);
  if (status == 500) {
    ApiResponse r = error_response(500, "InternalError", "internal error; the server log has the details");
    r.error_code = "InternalError: " + e.message;  // logged, never sent
    return r;
  }
  return error_response(status, e.code == meta::Errc::None ? "InvalidRequest" : std::string(e.code_name()), e.message);
}

// Parses a JSON object body; an error response when it is not one.
std::optional<json> parse_object(const ApiRequest& r, ApiResponse& err, bool optional_body = false) {
  if (optional_body && r.body.find_first_not_of(" \t\r\n") == std::string::npos) return json::object();
  json body = json::parse(r.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    err = bad_request("the body must be a JSON object");
    return std::nullopt;
  }
  return body;
}

// A string member, or an error when present with another type or required and missing.
bool get_string(const json& body, const char* name, std::string& out, ApiResponse& err, bool required = true) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) {
    if (required) err = bad_request(std::string("\"") + name + "\" is required");
    return !required;
  }
  if (!it->is_string()) {
    err = bad_request(std::string("\"") + name + "\" must be a string");
    return false;
  }
  out = it->get<std::string>();
  return true;
}

std::optional<int64_t> parse_int(std::string_view s) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

// takenFrom / takenTo: a bare date covers its whole day; otherwise ISO 8601 (no zone = UTC,
// the convention the records' takenAt uses for local camera times).
std::optional<int64_t> parse_taken(std::string_view s, bool end_of_day) {
  auto ms = store::parse_iso8601_ms(s);
  if (ms && s.size() == 10 && end_of_day) *ms += 86400000 - 1;
  return ms;
}

std::string iso(int64_t ms) { return store::format_iso8601_ms(ms); }

ordered_json tokens_json(const auth::TokenPair& t) {
  return ordered_json{{"accessToken", t.access_token},
                      {"refreshToken", t.refresh_token},
                      {"expiresIn", t.expires_in_s},
                      {"refreshExpiresIn", t.refresh_expires_in_s},
                      {"tokenType", "Bearer"}};
}

ApiResponse too_many(int64_t retry_after_s, std::string message) {
  ApiResponse r = error_response(429, "TooManyRequests", std::move(message));
  r.set_header("Retry-After", std::to_string(std::max<int64_t>(1, retry_after_s)));
  return r;
}

// RFC 9110 section 14.1.2: one "bytes=first-last", "first-" or "-suffix" range. nullopt: serve
// the whole (absent, malformed or multiple ranges, which RFC 9110 lets a server ignore);
// start > size marks an unsatisfiable range.
struct ByteRange {
  uint64_t start = 0, length = 0;
  bool unsatisfiable = false;
};
std::optional<ByteRange> parse_range(const std::string* header, uint64_t size) {
  if (!header) return std::nullopt;
  std::string_view h = *header;
  if (!h.starts_with("bytes=")) return std::nullopt;
  h.remove_prefix(6);
  if (h.find(',') != std::string_view::npos) return std::nullopt;
  size_t dash = h.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  std::string_view a = h.substr(0, dash), b = h.substr(dash + 1);
  auto num = [](std::string_view s) -> std::optional<uint64_t> {
    uint64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    return v;
  };
  ByteRange r;
  if (a.empty()) {  // suffix
    auto n = num(b);
    if (!n) return std::nullopt;
    if (*n == 0 || size == 0) return ByteRange{0, 0, true};
    r.length = std::min(*n, size);
    r.start = size - r.length;
    return r;
  }
  auto first = num(a);
  if (!first) return std::nullopt;
  std::optional<uint64_t> last;
  if (!b.empty()) {
    last = num(b);
    if (!last || *last < *first) return std::nullopt;
  }
  if (*first >= size) return ByteRange{0, 0, true};
  uint64_t end = last ? std::min(*last, size - 1) : size - 1;
  return ByteRange{*first, end - *first + 1, false};
}

// GET /api/facets: the values of the filterable fields among the owner's images, most
// frequent first, for the page's suggestions. Read through list() so both stores answer
// alike; a library beyond kMaxFacetScan images is counted over its newest ones.
constexpr int kMaxFacetScan = 20000;
constexpr size_t kMaxFacetValues = 200;

ApiResponse facets_response(store::MetadataStore& metadata, const std::string& owner) {
  std::map<std::string, std::map<std::string, int64_t>> counts{{"format", {}}, {"make", {}}, {"model", {}}, {"lens", {}}};
  store::ImageQuery q;
  q.owner = owner;
  q.limit = store::kMaxListLimit;
  for (int seen = 0; seen < kMaxFacetScan;) {
    auto page = metadata.list(q);
    if (!page) return from_error(page.error());
    for (const auto& rec : page->items) {
      if (!rec.format.empty()) counts["format"][rec.format]++;
      if (!rec.make.empty()) counts["make"][rec.make]++;
      if (!rec.model.empty()) counts["model"][rec.model]++;
      if (std::string lens = store::lens_of(rec.metadata_json); !lens.empty()) counts["lens"][lens]++;
    }
    seen += static_cast<int>(page->items.size());
    if (page->next_cursor.empty()) break;
    q.cursor = page->next_cursor;
  }
  ordered_json out = ordered_json::object();
  for (const char* facet : {"format", "make", "model", "lens"}) {
    std::vector<std::pair<std::string, int64_t>> values(counts[facet].begin(), counts[facet].end());
    std::stable_sort(values.begin(), values.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    if (values.size() > kMaxFacetValues) values.resize(kMaxFacetValues);
    ordered_json list = ordered_json::array();
    for (const auto& [value, n] : values) list.push_back({{"value", value}, {"count", n}});
    out[facet] = std::move(list);
  }
  return json_response(200, meta::json_text(out));
}

}  // namespace

bool CaseInsensitiveLess::operator()(const std::string& a, const std::string& b) const {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(),
                                      [](char x, char y) { return meta::ascii_lower(x) < meta::ascii_lower(y); });
}

const std::string* ApiRequest::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? nullptr : &it->second;
}

const std::string* ApiRequest::param(const std::string& name) const {
  auto it = query.find(name);
  return it == query.end() ? nullptr : &it->second;
}

void ApiResponse::set_header(std::string name, std::string value) {
  for (auto& [k, v] : headers)
    if (iequals(k, name)) {
      v = std::move(value);
      return;
    }
  headers.emplace_back(std::move(name), std::move(value));
}

const std::string* ApiResponse::header(const std::string& name) const {
  for (const auto& [k, v] : headers)
    if (iequals(k, name)) return &v;
  return nullptr;
}

ApiResponse json_response(int status, std::string body) {
  ApiResponse r;
  r.status = status;
  r.body = std::move(body);
  r.set_header("Content-Type", "application/json");
  return r;
}

ApiResponse error_response(int status, std::string code, std::string message, const std::string& request_id) {
  ordered_json err{{"code", code}, {"message", std::move(message)}};
  ordered_json body{{"error", std::move(err)}};
  if (!request_id.empty()) body["requestId"] = request_id;
  ApiResponse r = json_response(status, meta::json_text(body));
  r.error_code = std::move(code);
  return r;
}

ApiResponse duplicate_response(const std::string& image_id, const std::string& request_id) {
  ordered_json out{{"error", {{"code", pipeline::kDuplicateImage}, {"message", "you have uploaded these bytes already"}, {"imageId", image_id}}},
                   {"imageId", image_id}};
  if (!request_id.empty()) out["requestId"] = request_id;
  ApiResponse r = json_response(409, meta::json_text(out));
  r.error_code = std::string(pipeline::kDuplicateImage);
  return r;
}

namespace {

// The HTTP status of each error code a request can meet; any other is a 500.
struct CodeStatus {
  meta::Errc code;
  int status;
};
constexpr CodeStatus kStatusByCode[] = {
    {meta::Errc::NotFound, 404},
    {meta::Errc::NoSuchUpload, 404},
    {meta::Errc::NoSuchKey, 404},
    {meta::Errc::InvalidArgument, 400},
    {meta::Errc::InvalidRequest, 400},
    {meta::Errc::InvalidKey, 400},
    {meta::Errc::InvalidPart, 400},
    {meta::Errc::BadDigest, 400},
    {meta::Errc::IncompleteBody, 400},
    {meta::Errc::AuthorizationQueryParametersError, 400},
    {meta::Errc::InvalidSize, 400},
    {meta::Errc::Conflict, 409},
    {meta::Errc::UsernameTaken, 409},
    {meta::Errc::DuplicateImage, 409},
    {meta::Errc::InvalidCredentials, 401},
    {meta::Errc::InvalidToken, 401},
    {meta::Errc::ExpiredToken, 401},
    {meta::Errc::Unauthorized, 401},
    {meta::Errc::SignatureDoesNotMatch, 403},
    {meta::Errc::AccessDenied, 403},
    {meta::Errc::RequestExpired, 403},
    {meta::Errc::TooManyRequests, 429},
    {meta::Errc::PayloadTooLarge, 413},
    {meta::Errc::EntityTooLarge, 413},
    {meta::Errc::UnsupportedMediaType, 415},
};

}  // namespace

int status_for(const Error& e) {
  for (const auto& [code, status] : kStatusByCode)
    if (code == e.code) return status;
  return 500;
}

Api::Api(ApiDeps deps, ApiOptions options) : deps_(std::move(deps)), options_(options) {
  if (!deps_.clock) deps_.clock = [] { return store::now_ms(); };
}

int64_t Api::now_ms() const { return deps_.clock(); }

std::vector<std::string> Api::routes() {
  return {"POST /api/auth/signup",
          "POST /api/auth/signin",
          "POST /api/auth/refresh",
          "POST /api/auth/signout",
          "GET /api/me",
          "POST /api/uploads",
          "GET /api/uploads/{imageId}/parts",
          "POST /api/uploads/{imageId}/complete",
          "DELETE /api/uploads/{imageId}",
          "GET /api/images",
          "GET /api/facets",
          "GET /api/images/{imageId}",
          "DELETE /api/images/{imageId}",
          "GET /api/images/{imageId}/content",
          "POST /api/images/{imageId}/reextract",
          // share links (http/share_api.cpp)
          "POST /api/shares",
          "GET /api/shares",
          "DELETE /api/shares/{shareId}",
          "GET /api/public/shares/{token}",
          // the trash
          "GET /api/trash",
          "POST /api/trash/empty",
          "POST /api/images/{imageId}/restore"};
}

Result<auth::Principal> Api::authenticate(const ApiRequest& r) {
  if (r.principal) return *r.principal;
  const std::string* h = r.header("Authorization");
  if (!h) return meta::make_error(meta::Errc::Unauthorized, "an Authorization: Bearer <accessToken> header is required");
  std::string_view v = *h;
  // RFC 6750 section 2.1: the "Bearer" scheme, case-insensitive, then the token.
  if (v.size() < 7 || !iequals(v.substr(0, 7), "Bearer ")) return meta::make_error(meta::Errc::Unauthorized, "the Authorization header must use the Bearer scheme");
  v.remove_prefix(7);
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  if (!deps_.verifier) return meta::make_error(meta::Errc::Unauthorized, "no token verifier is configured");
  auto p = deps_.verifier->verify(v, now_ms() / 1000);
  if (!p) return p.error();
  if (!pipeline::is_valid_owner(p->subject)) return meta::make_error(meta::Errc::InvalidToken, "access token rejected: subject is not a valid owner id");
  return p;
}

ApiResponse Api::handle(const ApiRequest& request) {
  ApiResponse response;
  try {
    response = dispatch(request, response);
  } catch (const std::exception& e) {
    response = error_response(500, "InternalError", "internal error; the server log has the details");
    response.error_code = std::string("InternalError: exception: ") + e.what();
  }
  // Bodies that are JSON carry the request id in errors; private data is never cached.
  if (response.status >= 400 && !request.request_id.empty() && !response.body.empty() && !response.stream) {
    json body = json::parse(response.body, nullptr, false);
    if (body.is_object() && !body.contains("requestId")) {
      body["requestId"] = request.request_id;
      response.body = meta::json_text(body);
    }
  }
  if (!response.header("Cache-Control")) response.set_header("Cache-Control", "no-store");
  return response;
}

ApiResponse Api::dispatch(const ApiRequest& r, ApiResponse& out) {
  auto seg = split_path(r.path);
  const std::string method = r.method == "HEAD" ? "GET" : r.method;
  auto route = [&](std::string name) { out.route = std::move(name); };
  auto finish = [&](ApiResponse resp) {
    resp.route = out.route;
    if (resp.subject.empty()) resp.subject = out.subject;
    return resp;
  };
  auto method_not_allowed = [&](std::string allow) {
    ApiResponse resp = error_response(405, "MethodNotAllowed", r.method + " is not allowed here; allowed: " + allow);
    resp.set_header("Allow", std::move(allow));
    return finish(std::move(resp));
  };
  // Authenticates, then calls fn(principal).
  auto authed = [&](auto fn) -> ApiResponse {
    auto p = authenticate(r);
    if (!p) {
      counters_.token_rejections++;
      const bool missing = p.error().code == meta::Errc::Unauthorized;
      ApiResponse resp = error_response(401, p.error().code == meta::Errc::None ? "InvalidToken" : std::string(p.error().code_name()),
                                         p.error().message);
      resp.set_header("WWW-Authenticate", missing ? "Bearer realm=\"imgmeta\""
                                                  : "Bearer realm=\"imgmeta\", error=\"invalid_token\"");
      return finish(std::move(resp));
    }
    out.subject = p->subject;
    return finish(fn(*p));
  };
  auto image_id_ok = [](std::string_view id) { return pipeline::is_ulid(id); };

  if (seg.size() < 2 || seg[0] != "api") {
    route("unknown");
    return finish(not_found("no route " + r.path));
  }
  if (seg[1] == "auth" && seg.size() == 3) {
    const auto& what = seg[2];
    if (what != "signup" && what != "signin" && what != "refresh" && what != "signout") {
      route("unknown");
      return finish(not_found("no route " + r.path));
    }
    route("/api/auth/" + std::string(what));
    if (method != "POST") return method_not_allowed("POST");
    if (!deps_.accounts)
      return finish(not_found("local accounts are disabled here; tokens come from the identity provider"));
    if (what == "signup") return finish(sign_up(r));
    if (what == "signin") return finish(sign_in(r));
    if (what == "refresh") return finish(refresh(r));
    return authed([&](const auth::Principal& p) { return sign_out(r, p); });
  }
  if (seg[1] == "me" && seg.size() == 2) {
    route("/api/me");
    if (method != "GET") return method_not_allowed("GET");
    return authed([&](const auth::Principal& p) { return me(r, p); });
  }
  if (seg[1] == "uploads") {
    if (seg.size() == 2) {
      route("/api/uploads");
      if (method != "POST") return method_not_allowed("POST");
      return authed([&](const auth::Principal& p) { return create_upload(r, p); });
    }
    std::string id(seg[2]);
    if (seg.size() == 3) {
      route("/api/uploads/{imageId}");
      if (method != "DELETE") return method_not_allowed("DELETE");
      return authed([&](const auth::Principal& p) { return image_id_ok(id) ? abort_upload(r, p, id) : not_found("no such upload"); });
    }
    if (seg.size() == 4 && seg[3] == "parts") {
      route("/api/uploads/{imageId}/parts");
      if (method != "GET") return method_not_allowed("GET");
      return authed([&](const auth::Principal& p) { return image_id_ok(id) ? list_parts(r, p, id) : not_found("no such upload"); });
    }
    if (seg.size() == 4 && seg[3] == "complete") {
      route("/api/uploads/{imageId}/complete");
      if (method != "POST") return method_not_allowed("POST");
      return authed([&](const auth::Principal& p) { return image_id_ok(id) ? complete_upload(r, p, id) : not_found("no such upload"); });
    }
  }
  if (seg[1] == "facets" && seg.size() == 2) {
    route("/api/facets");
    if (method != "GET") return method_not_allowed("GET");
    return authed([&](const auth::Principal& p) { return facets_response(*deps_.metadata, p.subject); });
  }
  if (seg[1] == "locations" && seg.size() == 2) {
    route("/api/locations");
    if (method != "GET") return method_not_allowed("GET");
    return authed([&](const auth::Principal& p) { return list_locations(r, p); });
  }
  if (seg[1] == "images") {
    if (seg.size() == 2) {
      route("/api/images");
      if (method != "GET") return method_not_allowed("GET");
      return authed([&](const auth::Principal& p) { return list_images(r, p); });
    }
    if (seg.size() == 3 && seg[2] == "export") {
      route("/api/images/export");
      if (method != "GET") return method_not_allowed("GET");
      return authed([&](const auth::Principal& p) { return export_images(r, p); });
    }
    std::string id(seg[2]);
    if (seg.size() == 3) {
      route("/api/images/{imageId}");
      if (method == "GET") return authed([&](const auth::Principal& p) { return image_id_ok(id) ? get_image(r, p, id) : not_found(); });
      if (method == "DELETE") return authed([&](const auth::Principal& p) { return image_id_ok(id) ? delete_image(r, p, id) : not_found(); });
      return method_not_allowed("GET, DELETE");
    }
    if (seg.size() == 4 && seg[3] == "content") {
      route("/api/images/{imageId}/content");
      if (method != "GET") return method_not_allowed("GET");
      return authed([&](const auth::Principal& p) { return image_id_ok(id) ? get_content(r, p, id) : not_found(); });
    }
    if (seg.size() == 4 && (seg[3] == "thumbnail" || seg[3] == "preview")) {
      const bool thumb = seg[3] == "thumbnail";
      route(thumb ? "/api/images/{imageId}/thumbnail" : "/api/images/{imageId}/preview");
      if (method != "GET") return method_not_allowed("GET");
      return authed([&](const auth::Principal& p) { return image_id_ok(id) ? get_rendition(p, id, thumb) : not_found(); });
    }
    if (seg.size() == 4 && seg[3] == "reextract") {
      route("/api/images/{imageId}/reextract");
      if (method != "POST") return method_not_allowed("POST");
      return authed([&](const auth::Principal& p) { return image_id_ok(id) ? reextract(r, p, id) : not_found(); });
    }
    if (seg.size() == 4 && seg[3] == "restore") {  // the trash
      route("/api/images/{imageId}/restore");
      if (method != "POST") return method_not_allowed("POST");
      return authed([&](const auth::Principal& p) { return image_id_ok(id) ? restore_image(p, id) : not_found("no such image in the trash"); });
    }
  }
  if (seg[1] == "trash") {  // the trash
    if (seg.size() == 2) {
      route("/api/trash");
      if (method != "GET") return method_not_allowed("GET");
      return authed([&](const auth::Principal& p) { return list_trash(r, p); });
    }
    if (seg.size() == 3 && seg[2] == "empty") {
      route("/api/trash/empty");
      if (method != "POST") return method_not_allowed("POST");
      return authed([&](const auth::Principal& p) { return empty_trash(p); });
    }
  }
  // --- share links: the handlers are in http/share_api.cpp ---
  if (seg[1] == "shares" && seg.size() <= 3 && deps_.shares) {
    if (seg.size() == 2) {
      route("/api/shares");
      if (method == "POST") return authed([&](const auth::Principal& p) { return deps_.shares->create(r, p.subject); });
      if (method == "GET") return authed([&](const auth::Principal& p) { return deps_.shares->list(r, p.subject); });
      return method_not_allowed("GET, POST");
    }
    route("/api/shares/{shareId}");
    if (method != "DELETE") return method_not_allowed("DELETE");
    std::string id(seg[2]);
    return authed([&](const auth::Principal& p) { return deps_.shares->revoke(p.subject, id); });
  }
  if (seg[1] == "public" && seg.size() == 4 && seg[2] == "shares" && deps_.shares) {
    route("/api/public/shares/{token}");  // no Authorization: the token is the key
    if (method != "GET") return method_not_allowed("GET");
    return finish(deps_.shares->open(r, std::string(seg[3])));
  }
  // --- end of share links ---
  route("unknown");
  return finish(not_found("no route " + r.path));
}

// --- accounts ---

ApiResponse Api::sign_up(const ApiRequest& r) {
  ApiResponse err;
  auto body = parse_object(r, err);
  if (!body) return err;
  std::string username, password;
  if (!get_string(*body, "username", username, err) || !get_string(*body, "password", password, err)) return err;
  if (int64_t wait = deps_.accounts->sign_up_retry_after_s(r.remote_address, now_ms()); wait > 0) {
    counters_.rate_limited++;
    return too_many(wait, "too many sign-ups from this address; try again later");
  }
  auto account = deps_.accounts->sign_up(username, password, r.remote_address, now_ms());
  if (!account) return from_error(account.error());
  counters_.signups++;
  ordered_json out{{"userId", account->user_id}, {"username", account->username}, {"createdAt", iso(account->created_at_ms)}};
  ApiResponse resp = json_response(201, meta::json_text(out));
  resp.subject = account->user_id;
  return resp;
}

ApiResponse Api::sign_in(const ApiRequest& r) {
  ApiResponse err;
  auto body = parse_object(r, err);
  if (!body) return err;
  std::string username, password;
  if (!get_string(*body, "username", username, err) || !get_string(*body, "password", password, err)) return err;
  if (int64_t wait = deps_.accounts->sign_in_retry_after_s(username, r.remote_address, now_ms()); wait > 0) {
    counters_.rate_limited++;
    return too_many(wait, "too many failed sign-ins; try again later");
  }
  auto tokens = deps_.accounts->sign_in(username, password, r.remote_address, now_ms());
  if (!tokens) {
    if (tokens.error().code == meta::Errc::InvalidCredentials) counters_.signin_failures++;
    if (tokens.error().code == meta::Errc::TooManyRequests) {
      counters_.rate_limited++;
      return too_many(deps_.accounts->sign_in_retry_after_s(username, r.remote_address, now_ms()), tokens.error().message);
    }
    return from_error(tokens.error());
  }
  counters_.signins++;
  return json_response(200, meta::json_text(tokens_json(*tokens)));
}

ApiResponse Api::refresh(const ApiRequest& r) {
  ApiResponse err;
  auto body = parse_object(r, err);
  if (!body) return err;
  std::string token;
  if (!get_string(*body, "refreshToken", token, err)) return err;
  auto tokens = deps_.accounts->refresh(token, now_ms());
  if (!tokens) return from_error(tokens.error());
  return json_response(200, meta::json_text(tokens_json(*tokens)));
}

ApiResponse Api::sign_out(const ApiRequest& r, const auth::Principal& p) {
  ApiResponse err;
  auto body = parse_object(r, err, /*optional_body=*/true);
  if (!body) return err;
  std::string token;
  bool has_token = body->contains("refreshToken") && !(*body)["refreshToken"].is_null();
  if (has_token && !get_string(*body, "refreshToken", token, err)) return err;
  bool all = false;
  if (auto it = body->find("all"); it != body->end() && !it->is_null()) {
    if (!it->is_boolean()) return bad_request("\"all\" must be a boolean");
    all = it->get<bool>();
  }
  auto st = deps_.accounts->sign_out(p.subject, has_token ? std::optional<std::string_view>(token) : std::nullopt, all, now_ms());
  if (!st) return from_error(st.error());
  return no_content();
}

ApiResponse Api::me(const ApiRequest&, const auth::Principal& p) {
  ordered_json out{{"userId", p.subject}, {"username", p.username}};
  if (deps_.accounts) {
    auto account = deps_.accounts->find(p.subject);
    if (!account) {
      if (account.error().code == meta::Errc::NotFound) return error_response(401, "InvalidToken", "the token's account no longer exists");
      return from_error(account.error());
    }
    out["username"] = account->username;
    out["createdAt"] = iso(account->created_at_ms);
  }
  return json_response(200, meta::json_text(out));
}

// --- uploads ---

ApiResponse Api::create_upload(const ApiRequest& r, const auth::Principal& p) {
  ApiResponse err;
  auto body = parse_object(r, err);
  if (!body) return err;
  pipeline::UploadRequest up;
  if (!get_string(*body, "filename", up.filename, err) || !get_string(*body, "contentType", up.content_type, err) ||
      !get_string(*body, "sha256", up.sha256, err, /*required=*/false))
    return err;
  auto size_it = body->find("size");
  if (size_it == body->end() || !size_it->is_number_integer())
    return bad_request("\"size\" is required and must be an integer (bytes)");
  if (size_it->is_number_unsigned() ? false : size_it->get<int64_t>() < 0) return bad_request("\"size\" must not be negative");
  up.size = size_it->get<uint64_t>();
  if (auto st = pipeline::check_upload_request(up, options_.max_upload_size); !st) return from_error(st.error());
  auto existing = pipeline::find_duplicate(*deps_.metadata, p.subject, up.sha256);
  if (!existing) return from_error(existing.error());
  if (*existing) {
    counters_.duplicates++;
    return duplicate_response(**existing);
  }
  const uint64_t size = up.size;

  const int64_t now = now_ms();
  store::UploadIntent intent;
  intent.owner = p.subject;
  intent.image_id = pipeline::new_ulid();
  intent.filename = up.filename;
  intent.content_type = up.content_type;
  intent.size = size;
  intent.sha256 = up.sha256;
  intent.created_at_ms = now;
  intent.expires_at_ms = now + options_.upload_url_ttl.count() * 1000;
  const std::string key = pipeline::object_key(p.subject, intent.image_id);

  store::PutConditions cond;
  cond.size = size;
  cond.content_type = up.content_type;
  if (!up.sha256.empty()) cond.sha256_hex = up.sha256;
  cond.expiry = options_.upload_url_ttl;

  ordered_json out{{"imageId", intent.image_id}, {"key", key}};
  if (size > options_.multipart_threshold) {
    // S3 multipart: every part but the last the same size, at most 10000 parts.
    uint64_t part_size = std::max<uint64_t>(options_.part_size, store::kMinPartSize);
    if ((size + part_size - 1) / part_size > static_cast<uint64_t>(store::kMaxParts)) {
      part_size = (size + store::kMaxParts - 1) / store::kMaxParts;
      part_size = (part_size + (1u << 20) - 1) / (1u << 20) * (1u << 20);
    }
    auto upload_id = deps_.blobs->create_multipart(key, cond);
    if (!upload_id) return from_error(upload_id.error());
    intent.multipart_upload_id = *upload_id;
    intent.part_size = part_size;
    ordered_json parts = ordered_json::array();
    int64_t expires_at = 0;
    const uint64_t count = (size + part_size - 1) / part_size;
    for (uint64_t n = 1; n <= count; ++n) {
      uint64_t this_size = n < count ? part_size : size - part_size * (count - 1);
      auto url = deps_.blobs->presign_part(key, *upload_id, static_cast<int>(n), this_size, options_.upload_url_ttl);
      if (!url) return from_error(url.error());
      expires_at = url->expires_at_ms;
      parts.push_back({{"partNumber", n}, {"url", url->url}, {"size", this_size}});
    }
    out["url"] = nullptr;
    out["method"] = "PUT";
    out["headers"] = ordered_json::object();
    out["expiresAt"] = iso(expires_at ? expires_at : intent.expires_at_ms);
    out["multipart"] = {{"uploadId", *upload_id}, {"partSize", part_size}, {"parts", std::move(parts)}};
  } else {
    auto url = deps_.blobs->presign_put(key, cond);
    if (!url) return from_error(url.error());
    out["url"] = url->url;
    out["method"] = url->method;
    out["headers"] = url->headers;
    out["expiresAt"] = iso(url->expires_at_ms);
    intent.expires_at_ms = url->expires_at_ms;
  }
  if (auto st = deps_.metadata->put_upload_intent(intent); !st) return from_error(st.error());
  counters_.uploads_presigned++;
  return json_response(201, meta::json_text(out));
}

namespace {
// The multipart intent of (owner, id) for uploadId, or a 404.
std::optional<store::UploadIntent> multipart_intent(store::MetadataStore& md, const std::string& owner,
                                                    const std::string& id, const std::string* upload_id,
                                                    ApiResponse& err) {
  auto intent = md.get_upload_intent(owner, id);
  if (!intent) {
    err = intent.error().code == meta::Errc::NotFound ? not_found("no such upload") : from_error(intent.error());
    return std::nullopt;
  }
  if (!upload_id || intent->multipart_upload_id.empty() || *upload_id != intent->multipart_upload_id) {
    err = not_found("no such multipart upload");
    return std::nullopt;
  }
  return *intent;
}
}  // namespace

ApiResponse Api::list_parts(const ApiRequest& r, const auth::Principal& p, const std::string& id) {
  ApiResponse err;
  auto intent = multipart_intent(*deps_.metadata, p.subject, id, r.param("uploadId"), err);
  if (!intent) return err;
  const std::string key = pipeline::object_key(p.subject, id);
  auto parts = deps_.blobs->list_parts(key, intent->multipart_upload_id);
  if (!parts) return parts.error().code == meta::Errc::NotFound ? not_found("no such multipart upload") : from_error(parts.error());
  ordered_json stored = ordered_json::array(), missing = ordered_json::array();
  std::vector<bool> have;
  const uint64_t ps = intent->part_size ? intent->part_size : intent->size;
  const uint64_t count = ps ? (intent->size + ps - 1) / ps : 0;
  have.resize(count + 1, false);
  for (const auto& part : *parts) {
    stored.push_back({{"partNumber", part.part_number}, {"size", part.size}, {"eTag", part.etag}});
    if (part.part_number >= 1 && static_cast<uint64_t>(part.part_number) <= count) have[static_cast<size_t>(part.part_number)] = true;
  }
  // Fresh URLs for the parts still to send: an interrupted upload resumes even after the
  // first URLs expired.
  for (uint64_t n = 1; n <= count; ++n) {
    if (have[n]) continue;
    uint64_t this_size = n < count ? ps : intent->size - ps * (count - 1);
    auto url = deps_.blobs->presign_part(key, intent->multipart_upload_id, static_cast<int>(n), this_size, options_.upload_url_ttl);
    if (!url) return from_error(url.error());
    missing.push_back({{"partNumber", n}, {"url", url->url}, {"size", this_size}});
  }
  ordered_json out{{"uploadId", intent->multipart_upload_id}, {"parts", std::move(stored)}, {"missing", std::move(missing)}};
  return json_response(200, meta::json_text(out));
}

ApiResponse Api::complete_upload(const ApiRequest& r, const auth::Principal& p, const std::string& id) {
  ApiResponse err;
  auto body = parse_object(r, err);
  if (!body) return err;
  std::string upload_id;
  if (!get_string(*body, "uploadId", upload_id, err)) return err;
  auto parts_it = body->find("parts");
  if (parts_it == body->end() || !parts_it->is_array() || parts_it->empty() || parts_it->size() > static_cast<size_t>(store::kMaxParts))
    return bad_request("\"parts\" must be a non-empty array of {partNumber, eTag}");
  std::vector<store::PartInfo> parts;
  for (const auto& item : *parts_it) {
    if (!item.is_object() || !item.contains("partNumber") || !item["partNumber"].is_number_integer() ||
        !item.contains("eTag") || !item["eTag"].is_string())
      return bad_request("each part needs an integer \"partNumber\" and a string \"eTag\"");
    int64_t n = item["partNumber"].get<int64_t>();
    if (n < 1 || n > store::kMaxParts) return bad_request("\"partNumber\" must be 1 to 10000");
    std::string etag = item["eTag"].get<std::string>();
    if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') etag = etag.substr(1, etag.size() - 2);
    parts.push_back(store::PartInfo{static_cast<int>(n), std::move(etag), 0});
  }
  auto intent = multipart_intent(*deps_.metadata, p.subject, id, &upload_id, err);
  if (!intent) return err;
  const std::string key = pipeline::object_key(p.subject, id);
  auto object = deps_.blobs->complete_multipart(key, upload_id, parts);
  if (!object) return object.error().code == meta::Errc::NotFound ? not_found("no such multipart upload") : from_error(object.error());
  auto record = deps_.events->object_created(*intent, *object);
  if (!record) return from_error(record.error());
  ordered_json out{{"imageId", id}, {"status", store::to_string(record->status)}, {"size", object->size}};
  if (!record->sha256.empty()) out["sha256"] = record->sha256;
  return json_response(200, meta::json_text(out));
}

ApiResponse Api::abort_upload(const ApiRequest& r, const auth::Principal& p, const std::string& id) {
  auto intent = deps_.metadata->get_upload_intent(p.subject, id);
  if (!intent) return intent.error().code == meta::Errc::NotFound ? not_found("no such upload") : from_error(intent.error());
  const std::string* upload_id = r.param("uploadId");
  if (!intent->multipart_upload_id.empty()) {
    if (!upload_id || *upload_id != intent->multipart_upload_id) return not_found("no such multipart upload");
    if (auto st = deps_.blobs->abort_multipart(pipeline::object_key(p.subject, id), *upload_id); !st) return from_error(st.error());
  } else if (upload_id) {
    return not_found("no such multipart upload");
  }
  if (auto st = deps_.metadata->remove_upload_intent(p.subject, id); !st) return from_error(st.error());
  return no_content();
}

// --- images ---

namespace {

// limit (1..max) and cursor, as every paged route takes them; an answer when one is malformed.
std::optional<ApiResponse> parse_page(const ApiRequest& r, int max_limit, int& limit, std::string& cursor) {
  if (const auto* v = r.param("limit")) {
    auto n = parse_int(*v);
    if (!n || *n < 1 || *n > max_limit)
      return bad_request("\"limit\" must be an integer from 1 to " + std::to_string(max_limit));
    limit = static_cast<int>(*n);
  }
  if (const auto* v = r.param("cursor")) {
    if (v->size() > 1024) return bad_request("\"cursor\" is not one this server issued");
    cursor = *v;
  }
  return std::nullopt;
}

// The filters GET /api/images, /api/locations and /api/images/export share; an answer when
// one is malformed.
std::optional<ApiResponse> parse_filters(const ApiRequest& r, store::ImageQuery& q) {
  auto text_filter = [&](const char* name, std::optional<std::string>& field) -> bool {
    const auto* v = r.param(name);
    if (!v || v->empty()) return true;
    if (v->size() > kMaxFilter) return false;
    field = *v;
    return true;
  };
  if (!text_filter("format", q.format) || !text_filter("make", q.make) || !text_filter("model", q.model) ||
      !text_filter("lens", q.lens) || !text_filter("q", q.q))
    return bad_request("filters are at most 256 characters");
  if (q.q) q.q = meta::ascii_lower(*q.q);
  if (const auto* v = r.param("takenFrom"); v && !v->empty()) {
    q.taken_from_ms = parse_taken(*v, false);
    if (!q.taken_from_ms) return bad_request("\"takenFrom\" must be YYYY-MM-DD or an ISO 8601 date-time");
  }
  if (const auto* v = r.param("takenTo"); v && !v->empty()) {
    q.taken_to_ms = parse_taken(*v, true);
    if (!q.taken_to_ms) return bad_request("\"takenTo\" must be YYYY-MM-DD or an ISO 8601 date-time");
  }
  if (const auto* v = r.param("hasGps"); v && !v->empty()) {
    if (*v == "true" || *v == "1") q.has_gps = true;
    else if (*v == "false" || *v == "0") q.has_gps = false;
    else return bad_request("\"hasGps\" must be true or false");
  }
  if (const auto* v = r.param("status"); v && !v->empty()) {
    q.status = store::parse_image_status(*v);
    if (!q.status) return bad_request("\"status\" must be pending, ready, failed or unsupported");
  }
  if (const auto* v = r.param("sort"); v && !v->empty()) {
    if (*v == "uploaded") q.sort = store::SortOrder::Uploaded;
    else if (*v == "taken") q.sort = store::SortOrder::Taken;
    else return bad_request("\"sort\" must be uploaded or taken");
  }
  auto number = [&](const char* name, std::optional<double>& field, double lo, double hi) -> bool {
    const auto* v = r.param(name);
    if (!v || v->empty()) return true;
    double d = 0;
    auto [ptr, ec] = std::from_chars(v->data(), v->data() + v->size(), d);
    if (ec != std::errc() || ptr != v->data() + v->size() || !std::isfinite(d) || d < lo || d > hi) return false;
    field = d;
    return true;
  };
  struct Range {
    const char *lo_name, *hi_name;
    std::optional<double>*lo, *hi;
    double max;
  };
  for (const Range& range : {Range{"isoMin", "isoMax", &q.iso_min, &q.iso_max, 1e7},
                             Range{"fMin", "fMax", &q.f_min, &q.f_max, 1e4},
                             Range{"focalMin", "focalMax", &q.focal_min, &q.focal_max, 1e5},
                             Range{"exposureMin", "exposureMax", &q.exposure_min, &q.exposure_max, 1e6}}) {
    if (!number(range.lo_name, *range.lo, 0, range.max) || !number(range.hi_name, *range.hi, 0, range.max))
      return bad_request("\"" + std::string(range.lo_name) + "\" and \"" + range.hi_name + "\" must be numbers from 0 to " +
                         format_number(range.max));
    if (*range.lo && *range.hi && **range.lo > **range.hi)
      return bad_request("\"" + std::string(range.lo_name) + "\" is greater than \"" + range.hi_name + "\"");
  }
  if (const auto* v = r.param("orientation"); v && !v->empty()) {
    if (*v == "portrait") q.orientation = store::Orientation::Portrait;
    else if (*v == "landscape") q.orientation = store::Orientation::Landscape;
    else if (*v == "square") q.orientation = store::Orientation::Square;
    else return bad_request("\"orientation\" must be portrait, landscape or square");
  }
  if (const auto* v = r.param("bbox"); v && !v->empty()) {
    auto box = parse_bbox(*v);
    if (!box) return bad_request("\"bbox\" must be minLon,minLat,maxLon,maxLat with longitudes in -180..180, latitudes in -90..90 and minLat <= maxLat");
    q.bbox = *box;
  }
  return std::nullopt;
}

}  // namespace

ApiResponse Api::list_images(const ApiRequest& r, const auth::Principal& p) {
  store::ImageQuery q;
  q.owner = p.subject;
  if (auto bad = parse_page(r, kMaxPageLimit, q.limit, q.cursor)) return *bad;
  if (auto bad = parse_filters(r, q)) return *bad;
  auto page = deps_.metadata->list(q);
  if (!page) {
    if (page.error().code == meta::Errc::InvalidArgument) return bad_request(page.error().message);
    return from_error(page.error());
  }
  ordered_json items = ordered_json::array();
  for (const auto& rec : page->items) items.push_back(image_out(rec));
  ordered_json out{{"items", std::move(items)}, {"nextCursor", page->next_cursor.empty() ? ordered_json() : ordered_json(page->next_cursor)}};
  return json_response(200, meta::json_text(out));
}

// GET /api/locations: the located images for the map, compact and in large pages.
ApiResponse Api::list_locations(const ApiRequest& r, const auth::Principal& p) {
  store::ImageQuery q;
  q.owner = p.subject;
  q.limit = store::kMaxLocationLimit;
  if (auto bad = parse_page(r, store::kMaxLocationLimit, q.limit, q.cursor)) return *bad;
  if (auto bad = parse_filters(r, q)) return *bad;
  if (!q.bbox) q.bbox = store::BoundingBox{};  // the whole world: every located image
  q.location_only = true;
  auto page = deps_.metadata->list(q);
  if (!page) {
    if (page.error().code == meta::Errc::InvalidArgument) return bad_request(page.error().message);
    return from_error(page.error());
  }
  // Written by hand: four fields an item, up to ten thousand items a page.
  std::string out;
  out.reserve(64 + page->items.size() * 110);
  out += "{\"items\":[";
  bool first = true;
  char number[32];
  auto put_number = [&](double v) {
    auto [end, ec] = std::to_chars(number, number + sizeof number, v);
    out.append(number, ec == std::errc() ? end : number);
  };
  for (const auto& rec : page->items) {
    if (!rec.lat || !rec.lon || !std::isfinite(*rec.lat) || !std::isfinite(*rec.lon)) continue;
    out += first ? "{\"imageId\":\"" : ",{\"imageId\":\"";
    first = false;
    out += rec.image_id;  // a ULID: nothing to escape
    out += "\",\"lat\":";
    put_number(*rec.lat);
    out += ",\"lon\":";
    put_number(*rec.lon);
    out += ",\"takenAt\":";
    if (rec.taken_at_ms) {
      out += '"';
      out += store::format_iso8601_ms(*rec.taken_at_ms);
      out += '"';
    } else {
      out += "null";
    }
    out += '}';
  }
  out += "],\"nextCursor\":";
  out += page->next_cursor.empty() ? std::string("null") : meta::json_text(ordered_json(page->next_cursor));
  out += "}";
  return json_response(200, std::move(out));
}

// GET /api/images/export?format=csv|ndjson: every image the filters match, page by page into
// a temporary file (bounded memory however many there are), then streamed from it.
ApiResponse Api::export_images(const ApiRequest& r, const auth::Principal& p) {
  ExportFormat format = ExportFormat::Csv;
  if (const auto* v = r.param("format"); v && !v->empty()) {
    if (*v == "csv") format = ExportFormat::Csv;
    else if (*v == "ndjson") format = ExportFormat::Ndjson;
    else return bad_request("\"format\" must be csv or ndjson");
  }
  if (r.param("limit") || r.param("cursor"))
    return bad_request("an export has no \"limit\" or \"cursor\": it holds every image the filters match");
  store::ImageQuery q;
  q.owner = p.subject;
  q.limit = store::kMaxListLimit;
  // `format` names the export's format here, so the file-type filter is `fileType`.
  ApiRequest filters = r;
  filters.query.erase("format");
  if (const auto* t = r.param("fileType")) filters.query.emplace("format", *t);
  if (auto bad = parse_filters(filters, q)) return *bad;

  char path[] = "/tmp/imgmeta-export-XXXXXX";
  int fd = ::mkstemp(path);
  if (fd < 0) return from_error(meta::make_error("export: cannot make a temporary file"));
  ::unlink(path);  // gone with the last descriptor
  std::string chunk = export_header(format);
  uint64_t rows = 0;
  auto flush = [&]() -> bool {
    size_t done = 0;
    while (done < chunk.size()) {
      ssize_t n = ::write(fd, chunk.data() + done, chunk.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      done += static_cast<size_t>(n);
    }
    chunk.clear();
    return true;
  };
  for (;;) {
    auto page = deps_.metadata->list(q);
    if (!page) {
      ::close(fd);
      return from_error(page.error());
    }
    for (const auto& rec : page->items) {
      append_export_row(chunk, rec, format);
      ++rows;
    }
    if (!flush()) {
      ::close(fd);
      return from_error(meta::make_error("export: cannot write the temporary file"));
    }
    if (page->next_cursor.empty()) break;
    q.cursor = page->next_cursor;
  }
  auto source = meta::FileSource::open("/proc/self/fd/" + std::to_string(fd));
  ::close(fd);
  if (!source) return from_error(source.error());
  auto shared = std::make_shared<meta::FileSource>(std::move(*source));
  ApiResponse resp;
  resp.status = 200;
  resp.set_header("Content-Type", format == ExportFormat::Csv ? "text/csv; charset=utf-8" : "application/x-ndjson");
  resp.set_header("Content-Disposition", std::string("attachment; filename=\"imgmeta-export.") +
                                             (format == ExportFormat::Csv ? "csv" : "ndjson") + "\"");
  resp.set_header("X-Export-Rows", std::to_string(rows));
  resp.set_header("Cache-Control", "no-store");
  resp.set_header("X-Content-Type-Options", "nosniff");
  const uint64_t size = shared->size();
  resp.stream = StreamBody{std::move(shared), 0, size};
  return resp;
}

std::optional<std::string> Api::content_url(const store::ImageRecord& rec) {
  if (options_.content_url_ttl.count() <= 0) return std::nullopt;
  store::GetOptions o;
  o.expiry = options_.content_url_ttl;
  auto url = deps_.blobs->presign_get(pipeline::object_key(rec.owner, rec.image_id), o);
  if (!url) return std::nullopt;
  return url->url;
}

ImageUrls Api::image_urls(const store::ImageRecord& rec) {
  ImageUrls urls;
  urls.content = content_url(rec);
  const int64_t now_s = now_ms() / 1000;
  urls.thumbnail = pipeline::rendition_url(rec, pipeline::kThumbnailName, *deps_.blobs, now_s);
  if (urls.thumbnail) urls.preview = pipeline::rendition_url(rec, pipeline::kPreviewName, *deps_.blobs, now_s);
  return urls;
}

// GET /api/images/{imageId}/thumbnail and /preview: a redirect to the rendition's URL (the
// one the image JSON carries), under the same owner check as /content.
ApiResponse Api::get_rendition(const auth::Principal& p, const std::string& id, bool thumbnail) {
  auto rec = deps_.metadata->get(p.subject, id);
  if (!rec) return rec.error().code == meta::Errc::NotFound ? not_found() : from_error(rec.error());
  auto url = pipeline::rendition_url(*rec, thumbnail ? pipeline::kThumbnailName : pipeline::kPreviewName,
                                     *deps_.blobs, now_ms() / 1000);
  if (!url) {
    auto status = store::effective_preview_status(*rec);
    std::string why = status == store::PreviewStatus::Pending ? "the renditions are not made yet"
                      : rec->preview.error.empty()            ? "this image has no renditions"
                                                              : "no renditions: " + rec->preview.error;
    return not_found(why);
  }
  ApiResponse resp;
  resp.status = 302;
  resp.set_header("Location", *url);
  resp.set_header("Cache-Control", "private, no-cache");
  return resp;
}

ApiResponse Api::get_image(const ApiRequest&, const auth::Principal& p, const std::string& id) {
  auto rec = deps_.metadata->get(p.subject, id);
  if (!rec && rec.error().code == meta::Errc::NotFound) {
    // On S3 the record appears with the bucket's event; until then an upload whose bytes
    // have landed is shown as pending, so a client polling right after its PUT sees it.
    if (auto landed = landed_upload(p.subject, id)) rec = std::move(*landed);
    // Where the store keeps the intent on the record's item (DynamoDB), the extraction may
    // have turned it into the record between the two reads.
    else rec = deps_.metadata->get(p.subject, id);
  }
  if (!rec) return rec.error().code == meta::Errc::NotFound ? not_found() : from_error(rec.error());
  return json_response(200, meta::json_text(image_out(*rec)));
}

std::optional<store::ImageRecord> Api::landed_upload(const std::string& owner, const std::string& id) {
  auto intent = deps_.metadata->get_upload_intent(owner, id);
  if (!intent || !intent->multipart_upload_id.empty()) return std::nullopt;
  auto head = deps_.blobs->head(pipeline::object_key(owner, id));
  if (!head) return std::nullopt;
  store::ImageRecord r;
  r.owner = owner;
  r.image_id = id;
  r.filename = intent->filename;
  r.content_type = intent->content_type;
  r.size = head->size;
  r.sha256 = intent->sha256;
  r.etag = head->etag;
  r.status = store::ImageStatus::Pending;
  r.uploaded_at_ms = head->last_modified_ms ? head->last_modified_ms : now_ms();
  r.updated_at_ms = r.uploaded_at_ms;
  return r;
}

ApiResponse Api::get_content(const ApiRequest& r, const auth::Principal& p, const std::string& id) {
  auto rec = deps_.metadata->get(p.subject, id);
  if (!rec) return rec.error().code == meta::Errc::NotFound ? not_found() : from_error(rec.error());
  const std::string key = pipeline::object_key(p.subject, id);
  if (options_.content_redirect) {
    store::GetOptions o;
    o.expiry = std::chrono::seconds(300);
    o.response_content_type = rec->content_type;
    o.response_content_disposition = content_disposition("inline", rec->filename);
    auto url = deps_.blobs->presign_get(key, o);
    if (!url) return from_error(url.error());
    ApiResponse resp;
    resp.status = 302;
    resp.set_header("Location", url->url);
    return resp;
  }
  std::string etag = rec->etag;
  if (etag.empty()) {
    auto head = deps_.blobs->head(key);
    if (!head) return head.error().code == meta::Errc::NotFound ? not_found("the image's bytes are gone") : from_error(head.error());
    etag = head->etag;
  }
  return object_response(r, etag, rec->content_type, rec->filename, [&]() -> Result<std::shared_ptr<meta::Source>> {
    auto source = deps_.blobs->open(key);
    if (!source) return source.error();
    return std::shared_ptr<meta::Source>(std::move(*source));
  });
}

ApiResponse object_response(const ApiRequest& r, const std::string& etag, const std::string& content_type,
                            const std::string& filename,
                            const std::function<Result<std::shared_ptr<meta::Source>>()>& open) {
  const std::string quoted = "\"" + etag + "\"";
  ApiResponse resp;
  resp.set_header("ETag", quoted);
  // The bytes behind a key never change (an imageId is never reused): cacheable for good,
  // but only by this user.
  resp.set_header("Cache-Control", "private, max-age=31536000, immutable");
  resp.set_header("X-Content-Type-Options", "nosniff");
  resp.set_header("Accept-Ranges", "bytes");
  if (const auto* inm = r.header("If-None-Match"); inm && (*inm == "*" || inm->find(quoted) != std::string::npos)) {
    resp.status = 304;
    return resp;
  }
  auto src = open();
  if (!src) return src.error().code == meta::Errc::NotFound ? not_found("the image's bytes are gone") : from_error(src.error());
  const uint64_t size = (*src)->size();
  resp.set_header("Content-Type", content_type.empty() ? "application/octet-stream" : content_type);
  if (!filename.empty()) resp.set_header("Content-Disposition", content_disposition("inline", filename));
  // Nothing served here may run as a page of this origin.
  resp.set_header("Content-Security-Policy", "default-src 'none'; img-src 'self'; sandbox");
  const std::string* range_header = r.header("Range");
  if (const auto* if_range = r.header("If-Range"); if_range && *if_range != quoted) range_header = nullptr;
  auto range = parse_range(range_header, size);
  if (range && range->unsatisfiable) {
    ApiResponse e = error_response(416, "InvalidRange", "the range lies outside the object's " + std::to_string(size) + " bytes");
    e.set_header("Content-Range", "bytes */" + std::to_string(size));
    return e;
  }
  if (range) {
    resp.status = 206;
    resp.set_header("Content-Range", "bytes " + std::to_string(range->start) + "-" +
                                         std::to_string(range->start + range->length - 1) + "/" + std::to_string(size));
    resp.stream = StreamBody{*src, range->start, range->length};
  } else {
    resp.status = 200;
    resp.stream = StreamBody{*src, 0, size};
  }
  return resp;
}

ApiResponse Api::delete_image(const ApiRequest& r, const auth::Principal& p, const std::string& id) {
  if (auto bad = permanent_delete_flag(r)) return *bad;
  if (!permanent_delete(r)) return trash_image(p, id);
  auto st = deps_.events->delete_image(p.subject, id);
  if (!st) return st.error().code == meta::Errc::NotFound ? not_found() : from_error(st.error());
  counters_.deletes++;
  return no_content();
}

ApiResponse Api::reextract(const ApiRequest&, const auth::Principal& p, const std::string& id) {
  auto rec = deps_.metadata->get(p.subject, id);
  if (!rec) return rec.error().code == meta::Errc::NotFound ? not_found() : from_error(rec.error());
  auto st = deps_.events->reextract(p.subject, id);
  if (!st) return st.error().code == meta::Errc::NotFound ? not_found() : from_error(st.error());
  counters_.reextracts++;
  // The record keeps its status until the handler rewrites it (same sequencer wins).
  ordered_json out{{"imageId", id}, {"status", store::to_string(rec->status)}};
  return json_response(202, meta::json_text(out));
}

// --- the trash ---
// DELETE /api/images/{id} marks the record trashed (the store hides it from every listing);
// GET /api/trash lists the marked ones; restore unmarks; POST /api/trash/empty and the
// expiry (a sweeper in `imgmeta serve`, a scheduled function on AWS) delete for good through
// ImageEvents::delete_image, the path `?permanent=true` takes.

namespace {

bool is_true(std::string_view v) { return v == "true" || v == "1"; }

}  // namespace

std::optional<ApiResponse> Api::permanent_delete_flag(const ApiRequest& r) {
  const auto* v = r.param("permanent");
  if (!v || v->empty() || is_true(*v) || *v == "false" || *v == "0") return std::nullopt;
  return bad_request("\"permanent\" must be true or false");
}

bool Api::permanent_delete(const ApiRequest& r) {
  const auto* v = r.param("permanent");
  return v && is_true(*v);
}

ordered_json Api::image_out(const store::ImageRecord& rec) {
  ordered_json out = image_json(rec, image_urls(rec));
  if (rec.trashed_at_ms) {
    // Before the metadata object, which ends every image object.
    ordered_json metadata = std::move(out["metadata"]);
    out.erase("metadata");
    out["trashedAt"] = iso(*rec.trashed_at_ms);
    out["purgeAt"] = iso(*rec.trashed_at_ms + trash_period_ms());
    out["metadata"] = std::move(metadata);
  }
  return out;
}

int64_t Api::trash_period_ms() const { return int64_t{options_.trash_days} * 86400000; }

ApiResponse Api::trash_image(const auth::Principal& p, const std::string& id) {
  auto rec = deps_.metadata->trash(p.subject, id, now_ms());
  if (!rec) return rec.error().code == meta::Errc::NotFound ? not_found() : from_error(rec.error());
  counters_.trashed++;
  return no_content();
}

ApiResponse Api::restore_image(const auth::Principal& p, const std::string& id) {
  auto rec = deps_.metadata->restore(p.subject, id);
  if (!rec) return rec.error().code == meta::Errc::NotFound ? not_found("no such image in the trash") : from_error(rec.error());
  counters_.restored++;
  return json_response(200, meta::json_text(image_out(*rec)));
}

ApiResponse Api::list_trash(const ApiRequest& r, const auth::Principal& p) {
  store::TrashQuery q;
  q.owner = p.subject;
  if (auto bad = parse_page(r, kMaxPageLimit, q.limit, q.cursor)) return *bad;
  auto page = deps_.metadata->list_trash(q);
  if (!page) {
    if (page.error().code == meta::Errc::InvalidArgument) return bad_request(page.error().message);
    return from_error(page.error());
  }
  ordered_json items = ordered_json::array();
  for (const auto& rec : page->items) items.push_back(image_out(rec));
  ordered_json out{{"items", std::move(items)}, {"nextCursor", page->next_cursor.empty() ? ordered_json() : ordered_json(page->next_cursor)}};
  return json_response(200, meta::json_text(out));
}

// Walks the trash with a cursor rather than re-reading its first page: on DynamoDB the
// trash index is eventually consistent, and a deleted image may still be listed for a moment.
ApiResponse Api::empty_trash(const auth::Principal& p) {
  constexpr int kMaxPages = 100;  // 10,000 images per call; the client calls again if more remain
  store::TrashQuery q;
  q.owner = p.subject;
  q.limit = kMaxPageLimit;
  int64_t deleted = 0;
  for (int pages = 0; pages < kMaxPages; ++pages) {
    auto page = deps_.metadata->list_trash(q);
    if (!page) return from_error(page.error());
    for (const auto& rec : page->items) {
      if (!rec.trashed_at_ms) continue;
      auto st = deps_.events->delete_image(p.subject, rec.image_id);
      if (!st && st.error().code == meta::Errc::NotFound) continue;  // gone already
      if (!st) return from_error(st.error());
      ++deleted;
      counters_.deletes++;
    }
    if (page->next_cursor.empty()) break;
    q.cursor = page->next_cursor;
  }
  return json_response(200, meta::json_text(ordered_json{{"deleted", deleted}}));
}

}  // namespace imgmeta::http
