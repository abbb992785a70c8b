#include "aws/cognito_verifier.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <nlohmann/json.hpp>

#include "aws/digest.hpp"
#include "aws/sigv4.hpp"

namespace imgmeta::aws {

using meta::make_error;
using Json = nlohmann::json;

namespace {

constexpr size_t kMaxTokenBytes = 16 * 1024;
constexpr size_t kMaxJwksBytes = 256 * 1024;
constexpr size_t kMaxKeys = 32;
constexpr int kMinRsaBits = 2048;

struct PkeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

Error invalid(std::string why) { return make_error(meta::Errc::InvalidToken, "Cognito token: " + std::move(why)); }

// RFC 7518 section 6.3.1: n and e are base64url big-endian unsigned integers.
Result<Pkey> rsa_key(const std::string& n_b64, const std::string& e_b64) {
  auto n = base64url_decode(n_b64);
  auto e = base64url_decode(e_b64);
  if (!n || !e || n->empty() || e->empty() || n->size() > 1024 || e->size() > 8) return make_error("bad RSA parameters");
  BIGNUM* bn_n = BN_bin2bn(reinterpret_cast<const unsigned char*>(n->data()), static_cast<int>(n->size()), nullptr);
  BIGNUM* bn_e = BN_bin2bn(reinterpret_cast<const unsigned char*>(e->data()), static_cast<int>(e->size()), nullptr);
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM* params = nullptr;
  EVP_PKEY_CTX* ctx = nullptr;
  EVP_PKEY* key = nullptr;
  bool ok = bn_n && bn_e && bld && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) &&
            OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e) && (params = OSSL_PARAM_BLD_to_param(bld)) &&
            (ctx = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr)) && EVP_PKEY_fromdata_init(ctx) > 0 &&
            EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) > 0;
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  BN_free(bn_n);
  BN_free(bn_e);
  if (!ok || !key) {
    EVP_PKEY_free(key);
    return make_error("RSA key construction failed");
  }
  Pkey out(key);
  if (EVP_PKEY_get_bits(key) < kMinRsaBits) return make_error("RSA key shorter than 2048 bits");
  return out;
}

bool verify_rs256(EVP_PKEY* key, std::string_view signing_input, std::string_view signature) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (!ctx) return false;
  bool ok = EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
            EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                             reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

// The string member `name`, "" when absent or not a string (never throws).
std::string str(const Json& obj, const char* name) {
  auto it = obj.find(name);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::optional<int64_t> numeric_claim(const Json& claims, const char* name) {
  auto it = claims.find(name);
  if (it == claims.end()) return std::nullopt;
  if (it->is_number_integer()) return it->get<int64_t>();
  if (it->is_number()) return static_cast<int64_t>(it->get<double>());
  return std::nullopt;
}

}  // namespace

struct CognitoVerifier::Keys {
  std::map<std::string, Pkey> by_kid;
  std::chrono::steady_clock::time_point last_forced{};  // the last refetch for an unknown kid
  bool fetched = false;
  bool forced_once = false;
  uint64_t fetches = 0;
};

Result<CognitoSettings> parse_cognito_uri(std::string_view uri, const std::string& endpoint_override) {
  std::string what = "auth '" + std::string(uri) + "'";
  if (!uri.starts_with("cognito://")) return make_error(meta::Errc::InvalidArgument, what + ": expected cognito://region/poolId?client=...");
  uri.remove_prefix(10);
  std::string_view query;
  if (auto q = uri.find('?'); q != std::string_view::npos) {
    query = uri.substr(q + 1);
    uri = uri.substr(0, q);
  }
  auto slash = uri.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 >= uri.size())
    return make_error(meta::Errc::InvalidArgument, what + ": expected cognito://region/poolId");
  std::string region(uri.substr(0, slash)), pool(uri.substr(slash + 1));
  CognitoSettings s;
  s.issuer = "https://cognito-idp." + region + ".amazonaws.com/" + pool;
  s.jwks_url = endpoint_override.empty() ? s.issuer + "/.well-known/jwks.json"
                                         : endpoint_override + "/" + pool + "/.well-known/jwks.json";
  std::set<std::string> uses;
  size_t pos = 0;
  while (pos < query.size()) {
    size_t amp = query.find('&', pos);
    if (amp == std::string_view::npos) amp = query.size();
    std::string_view kv = query.substr(pos, amp - pos);
    pos = amp + 1;
    size_t eq = kv.find('=');
    std::string k(kv.substr(0, eq)), v = eq == std::string_view::npos ? "" : uri_decode(kv.substr(eq + 1));
    if (k == "client") s.client_ids.insert(v);
    else if (k == "use") uses.insert(v);
    else if (k == "jwks") s.jwks_url = v;
    else if (k == "issuer") s.issuer = v;
    else return make_error(meta::Errc::InvalidArgument, what + ": unknown parameter '" + k + "'");
  }
  if (!uses.empty()) s.token_uses = uses;
  if (s.client_ids.empty()) return make_error(meta::Errc::InvalidArgument, what + ": at least one client=<app client id> is required");
  return s;
}

CognitoVerifier::CognitoVerifier(CognitoSettings settings, std::shared_ptr<HttpClient> http)
    : settings_(std::move(settings)), http_(std::move(http)), keys_(std::make_unique<Keys>()) {
  if (!http_) http_ = std::make_shared<HttpClient>();
}

CognitoVerifier::~CognitoVerifier() = default;

uint64_t CognitoVerifier::jwks_fetches() const {
  std::lock_guard lock(mu_);
  return keys_->fetches;
}

Status CognitoVerifier::load_jwks(std::string_view json) const {
  auto doc = Json::parse(json, nullptr, false);
  if (!doc.is_object() || !doc.contains("keys") || !doc["keys"].is_array())
    return make_error(meta::Errc::InvalidJwks, "JWKS " + settings_.jwks_url + ": not a JSON Web Key Set");
  std::map<std::string, Pkey> keys;
  for (const auto& k : doc["keys"]) {
    if (keys.size() >= kMaxKeys) break;
    // RFC 7517 section 4: only RSA signing keys meant for RS256 are of use here.
    if (!k.is_object() || str(k, "kty") != "RSA" || !k.contains("kid") || !k["kid"].is_string()) continue;
    if (k.contains("use") && str(k, "use") != "sig") continue;
    if (k.contains("alg") && str(k, "alg") != "RS256") continue;
    if (!k.contains("n") || !k["n"].is_string() || !k.contains("e") || !k["e"].is_string()) continue;
    auto key = rsa_key(k["n"], k["e"]);
    if (!key) continue;
    keys[k["kid"]] = std::move(key).value();
  }
  std::lock_guard lock(mu_);
  keys_->by_kid = std::move(keys);
  keys_->fetched = true;
  return meta::ok_status();
}

Status CognitoVerifier::refresh(bool force) const {
  {
    std::lock_guard lock(mu_);
    auto now = std::chrono::steady_clock::now();
    if (keys_->fetched && !force) return meta::ok_status();
    if (keys_->fetched && keys_->forced_once && now - keys_->last_forced < settings_.refresh_interval)
      return meta::ok_status();
    if (keys_->fetched) {
      keys_->last_forced = now;
      keys_->forced_once = true;
    }
    keys_->fetches++;
  }
  HttpRequest req;
  req.url = settings_.jwks_url;
  req.timeout = settings_.fetch_timeout;
  req.max_response_bytes = kMaxJwksBytes;
  auto resp = http_->send(req);
  if (!resp) return make_error(meta::Errc::JwksUnavailable, "JWKS " + settings_.jwks_url + ": " + resp.error().message);
  if (resp->status != 200)
    return make_error(meta::Errc::JwksUnavailable, "JWKS " + settings_.jwks_url + ": HTTP " + std::to_string(resp->status));
  return load_jwks(resp->body);
}

Result<auth::Principal> CognitoVerifier::verify(std::string_view token, int64_t now_s) const {
  if (token.empty() || token.size() > kMaxTokenBytes) return invalid("empty or longer than 16 KiB");
  size_t d1 = token.find('.');
  size_t d2 = d1 == std::string_view::npos ? d1 : token.find('.', d1 + 1);
  if (d1 == std::string_view::npos || d2 == std::string_view::npos || token.find('.', d2 + 1) != std::string_view::npos)
    return invalid("not a JWS compact serialization (three parts)");
  auto header_raw = base64url_decode(token.substr(0, d1));
  auto payload_raw = base64url_decode(token.substr(d1 + 1, d2 - d1 - 1));
  auto signature = base64url_decode(token.substr(d2 + 1));
  if (!header_raw || !payload_raw || !signature) return invalid("a part is not base64url");
  auto header = Json::parse(*header_raw, nullptr, false);
  if (!header.is_object()) return invalid("header is not a JSON object");
  // RFC 8725 section 3.1: the algorithm is fixed by us, never taken from the token.
  if (!header.contains("alg") || !header["alg"].is_string() || header["alg"] != "RS256")
    return invalid("algorithm must be RS256");
  if (header.contains("crit")) return invalid("critical header parameters are not supported");
  if (!header.contains("kid") || !header["kid"].is_string()) return invalid("no key id");
  std::string kid = header["kid"];

  auto check_signature = [&]() -> Result<bool> {
    std::lock_guard lock(mu_);
    auto it = keys_->by_kid.find(kid);
    if (it == keys_->by_kid.end()) return false;
    return verify_rs256(it->second.get(), token.substr(0, d2), *signature);
  };
  if (auto s = refresh(false); !s) return s.error();
  auto known = [&] {
    std::lock_guard lock(mu_);
    return keys_->by_kid.count(kid) > 0;
  };
  if (!known()) {
    if (auto s = refresh(true); !s) return s.error();
    if (!known()) return invalid("unknown key id '" + kid + "'");
  }
  if (!*check_signature()) return invalid("signature does not verify");

  auto claims = Json::parse(*payload_raw, nullptr, false);
  if (!claims.is_object()) return invalid("payload is not a JSON object");
  if (!claims.contains("iss") || claims["iss"] != settings_.issuer) return invalid("issuer is not " + settings_.issuer);
  std::string use = str(claims, "token_use");
  if (!settings_.token_uses.count(use)) return invalid("token_use '" + use + "' not accepted");
  std::string client;
  if (use == "id") {
    // RFC 7519 section 4.1.3: aud may be a string or an array of strings.
    if (claims.contains("aud") && claims["aud"].is_string()) client = claims["aud"];
    else if (claims.contains("aud") && claims["aud"].is_array())
      for (const auto& a : claims["aud"])
        if (a.is_string() && settings_.client_ids.count(a.get<std::string>())) client = a;
  } else if (claims.contains("client_id") && claims["client_id"].is_string()) {
    client = claims["client_id"];
  }
  if (!settings_.client_ids.count(client)) return invalid("audience / client id not accepted");
  auto exp = numeric_claim(claims, "exp");
  if (!exp) return invalid("no expiry");
  if (now_s > *exp + settings_.clock_skew_s) return make_error(meta::Errc::ExpiredToken, "Cognito token: expired");
  if (auto iat = numeric_claim(claims, "iat"); iat && *iat > now_s + settings_.clock_skew_s)
    return invalid("issued in the future");
  if (auto nbf = numeric_claim(claims, "nbf"); nbf && *nbf > now_s + settings_.clock_skew_s)
    return invalid("not yet valid");
  if (!claims.contains("sub") || !claims["sub"].is_string() || claims["sub"].get_ref<const std::string&>().empty())
    return invalid("no subject");

  auth::Principal p;
  p.subject = claims["sub"];
  if (use == "id") p.username = !str(claims, "cognito:username").empty() ? str(claims, "cognito:username") : str(claims, "email");
  else p.username = str(claims, "username");
  return p;
}

}  // namespace imgmeta::aws
