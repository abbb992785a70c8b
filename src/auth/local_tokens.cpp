#include "auth/local_tokens.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "auth/base64url.hpp"
#include "auth/sodium_init.hpp"

namespace imgmeta::auth {
namespace {

using nlohmann::json;

Error invalid(std::string why) { return meta::make_error(meta::Errc::InvalidToken, "access token rejected: " + std::move(why)); }

Result<std::array<uint8_t, 32>> read_seed(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return meta::make_error(errno == ENOENT ? meta::Errc::NotFound : meta::Errc::None, "open " + path + ": " + std::strerror(errno));
  std::array<uint8_t, 32> seed{};
  uint8_t extra = 0;
  ssize_t n = ::read(fd, seed.data(), seed.size());
  ssize_t more = n == 32 ? ::read(fd, &extra, 1) : 0;
  ::close(fd);
  if (n != 32 || more != 0) return meta::make_error("read " + path + ": not a 32-byte Ed25519 seed");
  return seed;
}

Status write_seed(const std::string& path, const std::array<uint8_t, 32>& seed) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return meta::make_error("create " + tmp + ": " + std::strerror(errno));
  bool ok = ::write(fd, seed.data(), seed.size()) == static_cast<ssize_t>(seed.size()) && ::fsync(fd) == 0;
  ::close(fd);
  // link() fails when another process created the key first; theirs wins and we read it.
  if (!ok || (::link(tmp.c_str(), path.c_str()) != 0 && errno != EEXIST)) {
    int e = errno;
    ::unlink(tmp.c_str());
    return meta::make_error("write " + path + ": " + std::strerror(e));
  }
  ::unlink(tmp.c_str());
  return meta::ok_status();
}

bool audience_matches(const json& aud, const std::string& want) {
  if (aud.is_string()) return aud.get<std::string>() == want;
  if (aud.is_array())
    for (const auto& a : aud)
      if (a.is_string() && a.get<std::string>() == want) return true;
  return false;
}

}  // namespace

LocalTokens::LocalTokens(const std::array<uint8_t, 32>& seed, TokenSettings settings) : settings_(std::move(settings)) {
  ensure_sodium();
  crypto_sign_seed_keypair(public_key_.data(), secret_key_.data(), seed.data());
  std::array<uint8_t, crypto_hash_sha256_BYTES> digest{};
  crypto_hash_sha256(digest.data(), public_key_.data(), public_key_.size());
  key_id_ = base64url_encode(std::span(digest.data(), 12));
}

LocalTokens LocalTokens::from_seed(const std::array<uint8_t, 32>& seed, TokenSettings settings) {
  return LocalTokens(seed, std::move(settings));
}

Result<LocalTokens> LocalTokens::load_or_create(const std::string& path, TokenSettings settings) {
  ensure_sodium();
  auto seed = read_seed(path);
  if (!seed && seed.error().code == meta::Errc::NotFound) {
    std::array<uint8_t, 32> fresh{};
    randombytes_buf(fresh.data(), fresh.size());
    TRY(write_seed(path, fresh));
    seed = read_seed(path);
  }
  if (!seed) return seed.error();
  return LocalTokens(*seed, std::move(settings));
}

std::string LocalTokens::issue(const Principal& principal, int64_t now_s) const {
  std::array<uint8_t, 16> jti{};
  randombytes_buf(jti.data(), jti.size());
  // RFC 7519 section 4.1 registered claims; token_use and username as Cognito access tokens
  // carry them, so a client reads both shapes alike.
  json header = {{"alg", "EdDSA"}, {"typ", "JWT"}, {"kid", key_id_}};
  json claims = {{"iss", settings_.issuer},
                 {"aud", settings_.audience},
                 {"sub", principal.subject},
                 {"username", principal.username},
                 {"token_use", "access"},
                 {"iat", now_s},
                 {"nbf", now_s},
                 {"exp", now_s + settings_.access_ttl_s},
                 {"jti", base64url_encode(jti)}};
  std::string signing_input = base64url_encode(header.dump()) + "." + base64url_encode(claims.dump());
  std::array<uint8_t, crypto_sign_BYTES> sig{};
  crypto_sign_detached(sig.data(), nullptr, reinterpret_cast<const uint8_t*>(signing_input.data()),
                       signing_input.size(), secret_key_.data());
  return signing_input + "." + base64url_encode(sig);
}

Result<Principal> LocalTokens::verify(std::string_view token, int64_t now_s) const {
  if (token.empty() || token.size() > kMaxTokenLength) return invalid("empty or longer than 8192 bytes");
  // RFC 7515 section 7.1: compact serialisation, exactly three base64url parts.
  size_t dot1 = token.find('.');
  size_t dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos)
    return invalid("not a compact JWS (three dot-separated parts)");
  auto header_bytes = base64url_decode(token.substr(0, dot1));
  auto payload_bytes = base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1));
  auto sig = base64url_decode(token.substr(dot2 + 1));
  if (!header_bytes || !payload_bytes || !sig) return invalid("a part is not base64url");

  json header = json::parse(header_bytes->begin(), header_bytes->end(), nullptr, false);
  if (!header.is_object()) return invalid("header is not a JSON object");
  // RFC 8725 section 3.1: accept exactly the one algorithm we issue.
  auto alg = header.find("alg");
  if (alg == header.end() || !alg->is_string() || alg->get<std::string>() != "EdDSA")
    return invalid("algorithm is not EdDSA");
  if (header.contains("crit")) return invalid("unsupported critical header");
  if (auto kid = header.find("kid"); kid != header.end() && (!kid->is_string() || kid->get<std::string>() != key_id_))
    return invalid("unknown key id");
  if (sig->size() != crypto_sign_BYTES ||
      crypto_sign_verify_detached(sig->data(), reinterpret_cast<const uint8_t*>(token.data()), dot2,
                                  public_key_.data()) != 0)
    return invalid("signature does not verify");

  json claims = json::parse(payload_bytes->begin(), payload_bytes->end(), nullptr, false);
  if (!claims.is_object()) return invalid("claims are not a JSON object");
  auto str = [&](const char* name) -> std::string {
    auto it = claims.find(name);
    return it != claims.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  auto num = [&](const char* name, int64_t& out) {
    auto it = claims.find(name);
    if (it == claims.end() || !it->is_number()) return false;
    out = it->is_number_integer() ? it->get<int64_t>() : static_cast<int64_t>(it->get<double>());
    return true;
  };
  if (str("iss") != settings_.issuer) return invalid("wrong issuer");
  if (!audience_matches(claims.value("aud", json()), settings_.audience)) return invalid("wrong audience");
  if (str("token_use") != "access") return invalid("not an access token");
  std::string sub = str("sub");
  if (sub.empty()) return invalid("no subject");
  int64_t exp = 0, nbf = 0, iat = 0;
  if (!num("exp", exp)) return invalid("no expiry");
  if (now_s > exp + settings_.leeway_s) return meta::make_error(meta::Errc::ExpiredToken, "access token expired");
  if (num("nbf", nbf) && now_s + settings_.leeway_s < nbf) return invalid("not valid yet");
  if (num("iat", iat) && now_s + settings_.leeway_s < iat) return invalid("issued in the future");
  return Principal{std::move(sub), str("username")};
}

}  // namespace imgmeta::auth
