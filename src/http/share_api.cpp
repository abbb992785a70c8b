#include "http/share_api.hpp"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <set>

#include "auth/base64url.hpp"
#include "auth/sodium_init.hpp"
#include "meta/ascii.hpp"
#include "pipeline/event.hpp"
#include "pipeline/preview_step.hpp"
#include "pipeline/ulid.hpp"
#include "store/time.hpp"
#include "strip/strip.hpp"
#include "meta/json_text.hpp"

namespace imgmeta::http {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

constexpr size_t kTokenBytes = 32;               // 256 random bits
constexpr size_t kTokenChars = 43;               // base64url of 32 bytes, unpadded
constexpr size_t kMaxPassword = 1024;            // bytes
constexpr char kPasswordHeader[] = "X-Share-Password";
// Every answer for a link that is not (or no longer) there: unknown, expired, revoked.
constexpr char kGoneMessage[] = "this link does not exist, has expired or was revoked";

std::string dump(const ordered_json& j) { return meta::json_text(j); }

ApiResponse bad_request(std::string message) { return error_response(400, "InvalidRequest", std::move(message)); }
ApiResponse gone() { return error_response(404, "NotFound", kGoneMessage); }

ApiResponse storage_error(const meta::Error& e) {
  ApiResponse r = error_response(500, "InternalError", "internal error; the server log has the details");
  r.error_code = "InternalError: " + e.message;  // logged, never sent
  return r;
}

using meta::icontains;

// Location fields that do not say GPS: IPTC IIM 2:90-2:101 and the XMP properties holding
// the same (photoshop:City, Iptc4xmpCore:Location, ...), and ExifTool's composite GPS ones.
constexpr std::string_view kLocationKeys[] = {
    "City",          "Sub-location",         "SubLocation",        "Province-State", "State",
    "Country",       "CountryCode",          "Country-PrimaryLocationName", "Country-PrimaryLocationCode",
    "Location",      "LocationName",         "WorldRegion",        "Geotag",         "Geotime",
};

// File facts: what the bytes themselves say (type, pixels, size), nothing a camera wrote.
constexpr std::string_view kFileFacts[] = {
    "FileType", "FileTypeExtension", "MIMEType", "ImageWidth", "ImageHeight", "ImageSize", "Megapixels", "FileSize",
};

bool is_location_key(std::string_view key) {
  if (icontains(key, "gps") || icontains(key, "location")) return true;
  return std::find(std::begin(kLocationKeys), std::end(kLocationKeys), key) != std::end(kLocationKeys);
}

std::string iso(int64_t ms) { return store::format_iso8601_ms(ms); }


// The filename with its extension replaced (the preview stands in for the original).
std::string with_extension(const std::string& filename, std::string_view ext) {
  size_t dot = filename.rfind('.');
  std::string base = dot == std::string::npos || dot == 0 ? filename : filename.substr(0, dot);
  return base + std::string(ext);
}

meta::Result<std::string> read_all(store::BlobStore& blobs, const std::string& key, uint64_t max) {
  auto src = TRY(blobs.open(key));
  const uint64_t size = src->size();
  if (size > max) return meta::make_error(meta::Errc::TooLarge, key + ": " + std::to_string(size) + " bytes, above the limit");
  std::string out(static_cast<size_t>(size), '\0');
  uint64_t done = 0;
  while (done < size) {
    auto n = TRY(src->read_at(done, std::span(reinterpret_cast<uint8_t*>(out.data()) + done, static_cast<size_t>(size - done))));
    if (n == 0) return meta::make_error(key + ": short read at " + std::to_string(done));
    done += n;
  }
  return out;
}

std::string share_key(const std::string& share_id, std::string_view part) { return "shares/" + share_id + "/" + std::string(part); }

}  // namespace

std::string share_token_hash(std::string_view token) {
  std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
  crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(token.data()), token.size());
  return meta::hex_lower(digest);
}

ordered_json share_metadata(const ordered_json& metadata, bool include_location, bool include_metadata) {
  ordered_json out = ordered_json::object();
  if (!metadata.is_object()) return out;
  for (const auto& [key, value] : metadata.items()) {
    if (!include_metadata) {
      if (std::find(std::begin(kFileFacts), std::end(kFileFacts), key) != std::end(kFileFacts)) out[key] = value;
      continue;
    }
    if (!include_location && is_location_key(key)) continue;
    out[key] = value;
  }
  return out;
}

ShareApi::ShareApi(store::ShareStore& shares, store::BlobStore& blobs, store::MetadataStore& metadata, ShareOptions options,
                   std::function<int64_t()> clock)
    : shares_(shares),
      blobs_(blobs),
      metadata_(metadata),
      options_(std::move(options)),
      clock_(clock ? std::move(clock) : std::function<int64_t()>([] { return store::now_ms(); })),
      per_link_(options_.wrong_passwords_per_link, options_.wrong_password_window_ms),
      per_address_(options_.wrong_passwords_per_address, options_.wrong_password_window_ms) {
  auth::ensure_sodium();
}

void ShareApi::remove_copies(const store::ShareRecord& share) {
  for (const auto& item : share.items)
    for (const std::string* key : {&item.download_key, &item.thumbnail_key, &item.preview_key})
      if (!key->empty()) (void)blobs_.remove(*key);  // idempotent; a leftover is swept with the next attempt
}

// One image's copies. The download: the original with the unchosen metadata removed; when
// that cannot be done (a format strip does not rewrite, a malformed file, a huge one), the
// preview rendition, which carries no metadata at all; when there is none yet, no download.
meta::Result<store::ShareItem> ShareApi::copy_image(const std::string& share_id, const store::ImageRecord& rec,
                                                    bool location, bool metadata, std::vector<std::string>& made) {
  store::ShareItem item;
  item.image_id = rec.image_id;
  item.filename = rec.filename;
  const bool renditions = store::effective_preview_status(rec) == store::PreviewStatus::Ready;
  auto copy = [&](const std::string& to, const std::string& type, std::string_view bytes) -> meta::Status {
    TRY(blobs_.put_object(to, bytes, type, "private, max-age=3600"));
    made.push_back(to);
    return meta::ok_status();
  };

  std::optional<std::string> served;
  auto original = read_all(blobs_, pipeline::object_key(rec.owner, rec.image_id), options_.max_copy_size);
  if (original) {
    if (location && metadata) {
      served = std::move(*original);
    } else {
      auto stripped = strip::strip_metadata(*original, metadata ? strip::Keep::AllButLocation : strip::Keep::Nothing);
      if (stripped) served = std::move(*stripped);
    }
  } else if (original.error().code != meta::Errc::TooLarge && original.error().code != meta::Errc::NotFound) {
    return original.error();
  }
  const std::string download_key = share_key(share_id, rec.image_id);
  if (served) {
    item.download_content_type = rec.content_type.empty() ? "application/octet-stream" : rec.content_type;
    TRY(copy(download_key, item.download_content_type, *served));
    item.download_key = download_key;
  }
  if (renditions) {
    for (auto [name, folder] : {std::pair{pipeline::kThumbnailName, std::string_view("thumbs")},
                                std::pair{pipeline::kPreviewName, std::string_view("previews")}}) {
      auto bytes = read_all(blobs_, pipeline::rendition_key(rec.owner, rec.image_id, name), 64ull << 20);
      if (!bytes) {
        if (bytes.error().code == meta::Errc::NotFound) continue;
        return bytes.error();
      }
      const std::string key = share_key(share_id, std::string(folder) + "/" + rec.image_id + ".webp");
      TRY(copy(key, "image/webp", *bytes));
      (folder == "thumbs" ? item.thumbnail_key : item.preview_key) = key;
      if (!served && folder == "previews") {
        TRY(copy(download_key, "image/webp", *bytes));
        item.download_key = download_key;
        item.download_content_type = "image/webp";
        item.filename = with_extension(rec.filename, ".webp");
      }
    }
  }
  return item;
}

ApiResponse ShareApi::create(const ApiRequest& r, const std::string& owner) {
  json body = json::parse(r.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) return bad_request("the body must be a JSON object");
  auto ids_it = body.find("imageIds");
  if (ids_it == body.end() || !ids_it->is_array() || ids_it->empty() || ids_it->size() > options_.max_images)
    return bad_request("\"imageIds\" must be an array of 1 to " + std::to_string(options_.max_images) + " image ids");
  std::vector<std::string> ids;
  std::set<std::string> seen;
  for (const auto& v : *ids_it) {
    if (!v.is_string() || !pipeline::is_ulid(v.get_ref<const std::string&>()))
      return bad_request("\"imageIds\" must hold image ids (26-character ULIDs)");
    if (seen.insert(v.get<std::string>()).second) ids.push_back(v.get<std::string>());
  }
  int64_t expires_in = options_.default_expiry.count();
  if (auto it = body.find("expiresIn"); it != body.end() && !it->is_null()) {
    if (!it->is_number_integer() || it->get<int64_t>() < options_.min_expiry.count() ||
        it->get<int64_t>() > options_.max_expiry.count())
      return bad_request("\"expiresIn\" must be a whole number of seconds from " + std::to_string(options_.min_expiry.count()) +
                         " to " + std::to_string(options_.max_expiry.count()));
    expires_in = it->get<int64_t>();
  }
  std::string password;
  if (auto it = body.find("password"); it != body.end() && !it->is_null()) {
    if (!it->is_string() || it->get_ref<const std::string&>().empty() || it->get_ref<const std::string&>().size() > kMaxPassword)
      return bad_request("\"password\" must be a string of 1 to 1024 bytes (or null for none)");
    password = it->get<std::string>();
  }
  bool flags[2] = {false, false};
  const char* flag_names[2] = {"includeLocation", "includeMetadata"};
  for (int i = 0; i < 2; ++i) {
    if (auto it = body.find(flag_names[i]); it != body.end() && !it->is_null()) {
      if (!it->is_boolean()) return bad_request(std::string("\"") + flag_names[i] + "\" must be a boolean");
      flags[i] = it->get<bool>();
    }
  }
  const bool location = flags[0], metadata = flags[1];

  // Every image must be the caller's: another owner's answers like a missing one.
  std::vector<store::ImageRecord> records;
  for (const auto& id : ids) {
    auto rec = metadata_.get(owner, id);
    if (!rec) {
      if (rec.error().code == meta::Errc::NotFound) return error_response(404, "NotFound", "no such image: " + id);
      return storage_error(rec.error());
    }
    if (rec->trashed_at_ms) return error_response(404, "NotFound", "the image is in the trash: " + id);
    records.push_back(std::move(*rec));
  }
  (void)sweep(20);  // the local sweep's work, a little at a time, in the other shapes too

  std::array<uint8_t, kTokenBytes> raw{};
  randombytes_buf(raw.data(), raw.size());
  store::ShareRecord share;
  const std::string token = auth::base64url_encode(std::span<const uint8_t>(raw));
  sodium_memzero(raw.data(), raw.size());
  share.share_id = pipeline::new_ulid();
  share.token_hash = share_token_hash(token);
  share.owner = owner;
  share.created_at_ms = now();
  share.expires_at_ms = share.created_at_ms + expires_in * 1000;
  share.include_location = location;
  share.include_metadata = metadata;
  if (!password.empty()) {
    auto hash = auth::hash_password(password, options_.password_cost);
    if (!hash) return storage_error(hash.error());
    share.password_hash = std::move(*hash);
  }
  std::vector<std::string> made;
  auto undo = [&] {
    for (const auto& key : made) (void)blobs_.remove(key);
  };
  for (const auto& rec : records) {
    auto item = copy_image(share.share_id, rec, location, metadata, made);
    if (!item) {
      undo();
      return storage_error(item.error());
    }
    share.items.push_back(std::move(*item));
  }
  if (auto st = shares_.put(share); !st) {
    undo();
    return storage_error(st.error());
  }
  ordered_json out{{"shareId", share.share_id},
                   {"url", options_.page_url + "#" + token},
                   {"expiresAt", iso(share.expires_at_ms)}};
  ApiResponse resp = json_response(201, dump(out));
  resp.set_header("Referrer-Policy", "no-referrer");
  return resp;
}

ApiResponse ShareApi::list(const ApiRequest&, const std::string& owner) {
  auto all = shares_.list(owner);
  if (!all) return storage_error(all.error());
  const int64_t t = now();
  ordered_json items = ordered_json::array();
  for (const auto& s : *all) {
    if (s.expires_at_ms <= t) {  // gone for the recipient: gone here too
      if (auto removed = shares_.remove(s.owner, s.share_id); removed) remove_copies(s);
      continue;
    }
    ordered_json ids = ordered_json::array();
    for (const auto& i : s.items) ids.push_back(i.image_id);
    items.push_back({{"shareId", s.share_id},
                     {"imageIds", std::move(ids)},
                     {"count", s.items.size()},
                     {"createdAt", iso(s.created_at_ms)},
                     {"expiresAt", iso(s.expires_at_ms)},
                     {"hasPassword", !s.password_hash.empty()},
                     {"includeLocation", s.include_location},
                     {"includeMetadata", s.include_metadata}});
  }
  return json_response(200, dump(ordered_json{{"items", std::move(items)}}));
}

ApiResponse ShareApi::revoke(const std::string& owner, const std::string& share_id) {
  if (!pipeline::is_ulid(share_id)) return error_response(404, "NotFound", "no such share");
  auto share = shares_.get(owner, share_id);
  if (!share) {
    if (share.error().code == meta::Errc::NotFound) return error_response(404, "NotFound", "no such share");
    return storage_error(share.error());
  }
  // The record first: from here the link answers 404, whatever happens to the copies.
  auto removed = shares_.remove(owner, share_id);
  if (!removed) return storage_error(removed.error());
  remove_copies(*share);
  ApiResponse r;
  r.status = 204;
  return r;
}

meta::Result<int> ShareApi::sweep(int limit) {
  auto expired = TRY(shares_.expired(now(), limit));
  int n = 0;
  for (const auto& s : expired) {
    if (TRY(shares_.remove(s.owner, s.share_id))) ++n;
    remove_copies(s);
  }
  return n;
}

ApiResponse ShareApi::open(const ApiRequest& r, const std::string& token) {
  const bool well_formed = token.size() == kTokenChars && auth::base64url_decode(token).has_value();
  if (!well_formed) return gone();
  const std::string hash = share_token_hash(token);
  auto share = shares_.get_by_token_hash(hash);
  if (!share) return share.error().code == meta::Errc::NotFound ? gone() : storage_error(share.error());
  const int64_t t = now();
  if (share->expires_at_ms <= t) {
    if (auto removed = shares_.remove(share->owner, share->share_id); removed) remove_copies(*share);
    return gone();
  }
  if (!share->password_hash.empty()) {
    const std::string link_key = "link:" + hash, address_key = "addr:" + r.remote_address;
    const int64_t wait = std::max(per_link_.retry_after_ms(link_key, t), per_address_.retry_after_ms(address_key, t));
    if (wait > 0) {
      ApiResponse resp = error_response(429, "TooManyRequests", "too many wrong passwords; try again later");
      resp.set_header("Retry-After", std::to_string(std::max<int64_t>(1, (wait + 999) / 1000)));
      return resp;
    }
    const std::string* given = r.header(kPasswordHeader);
    if (!given || given->empty())
      return error_response(401, "PasswordRequired", "this link needs its password (header X-Share-Password)");
    if (given->size() > kMaxPassword || !auth::verify_password(share->password_hash, *given)) {
      per_link_.record(link_key, t);
      per_address_.record(address_key, t);
      return error_response(401, "PasswordRequired", "the password is wrong");
    }
  }

  // Presigned URLs for the copies, valid for url_ttl at most and never past the link. Signed
  // as of the start of the current 10 minutes, so repeated reads give the same URLs (the
  // browser's cache keeps the images) while revoking still removes what they point at.
  const int64_t now_s = t / 1000;
  const int64_t signed_at = now_s - now_s % 600;
  const int64_t left_s = share->expires_at_ms / 1000 - signed_at;
  const int64_t ttl = std::max<int64_t>(1, std::min<int64_t>(options_.url_ttl.count() + (now_s - signed_at), left_s));
  auto url = [&](const std::string& key, const std::string& type, const std::string& disposition) -> ordered_json {
    if (key.empty()) return ordered_json();
    store::GetOptions o;
    o.expiry = std::chrono::seconds(ttl);
    o.signed_at_s = signed_at;
    o.response_content_type = type;
    o.response_content_disposition = disposition;
    auto u = blobs_.presign_get(key, o);
    return u ? ordered_json(u->url) : ordered_json();
  };
  ordered_json images = ordered_json::array();
  for (const auto& item : share->items) {
    auto rec = metadata_.get(share->owner, item.image_id);
    if (!rec) {
      if (rec.error().code == meta::Errc::NotFound) continue;  // deleted since: no longer shared
      return storage_error(rec.error());
    }
    if (rec->trashed_at_ms) continue;  // in the trash: hidden until restored
    ordered_json md = ordered_json::parse(rec->metadata_json, nullptr, false);
    images.push_back({{"imageId", item.image_id},
                      {"filename", item.filename},
                      {"thumbnailUrl", url(item.thumbnail_key, "image/webp", "")},
                      {"previewUrl", url(item.preview_key, "image/webp", "")},
                      {"downloadUrl", url(item.download_key, item.download_content_type, content_disposition("attachment", item.filename))},
                      {"metadata", share_metadata(md, share->include_location, share->include_metadata)}});
  }
  ApiResponse resp = json_response(200, dump(ordered_json{{"images", std::move(images)}, {"expiresAt", iso(share->expires_at_ms)}}));
  resp.set_header("Referrer-Policy", "no-referrer");
  resp.set_header("X-Robots-Tag", "noindex");
  resp.set_header("X-Content-Type-Options", "nosniff");
  return resp;
}

}  // namespace imgmeta::http
