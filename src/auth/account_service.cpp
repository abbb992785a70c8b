#include "auth/account_service.hpp"

#include <sodium.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include "auth/base64url.hpp"
#include "auth/sodium_init.hpp"
#include "meta/ascii.hpp"

namespace imgmeta::auth {
namespace {

constexpr char kSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS users (
  id TEXT PRIMARY KEY,
  username TEXT NOT NULL,
  username_key TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS refresh_tokens (
  token_hash BLOB PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  family TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  expires_at_ms INTEGER NOT NULL,
  revoked_at_ms INTEGER,
  revoke_reason TEXT
);
CREATE INDEX IF NOT EXISTS refresh_tokens_user ON refresh_tokens(user_id);
CREATE INDEX IF NOT EXISTS refresh_tokens_family ON refresh_tokens(family);
CREATE INDEX IF NOT EXISTS refresh_tokens_expiry ON refresh_tokens(expires_at_ms);
)sql";

// Used refresh tokens are kept this long past their expiry so reuse is still detected.
constexpr int64_t kKeepExpiredMs = 24 * 3600 * 1000;

// User names are matched without regard to ASCII case.
std::string lower(std::string_view s) { return meta::ascii_lower(s); }

// A ULID (https://github.com/ulid/spec): 48-bit time, 80 random bits, Crockford base32.
std::string new_user_id(int64_t now_ms) {
  static constexpr char kAlphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  std::array<uint8_t, 16> bytes{};
  for (int i = 0; i < 6; ++i) bytes[static_cast<size_t>(i)] = static_cast<uint8_t>(static_cast<uint64_t>(now_ms) >> (40 - 8 * i));
  randombytes_buf(bytes.data() + 6, 10);
  std::string out(26, '0');
  // 128 bits -> 26 characters of 5 bits, the first carrying the top 3 bits.
  for (int i = 25, bit = 0; i >= 0; --i, bit += 5) {
    unsigned v = 0;
    for (int b = 0; b < 5; ++b) {
      int pos = bit + b;  // counted from the least significant bit
      if (pos < 128) v |= ((bytes[static_cast<size_t>(15 - pos / 8)] >> (pos % 8)) & 1u) << b;
    }
    out[static_cast<size_t>(i)] = kAlphabet[v];
  }
  return out;
}

std::array<uint8_t, crypto_hash_sha256_BYTES> token_hash(std::string_view token) {
  std::array<uint8_t, crypto_hash_sha256_BYTES> h{};
  crypto_hash_sha256(h.data(), reinterpret_cast<const uint8_t*>(token.data()), token.size());
  return h;
}

std::string random_token() {
  std::array<uint8_t, 32> raw{};
  randombytes_buf(raw.data(), raw.size());
  return base64url_encode(raw);
}

int64_t ceil_seconds(int64_t ms) { return ms <= 0 ? 0 : (ms + 999) / 1000; }

Error invalid_credentials() { return meta::make_error(meta::Errc::InvalidCredentials, "wrong username or password"); }
Error invalid_refresh() { return meta::make_error(meta::Errc::InvalidToken, "refresh token is not valid (unknown, used, revoked or expired)"); }

}  // namespace

Status check_username(std::string_view username) {
  if (username.size() < kMinUsername || username.size() > kMaxUsername)
    return meta::make_error(meta::Errc::InvalidRequest, "username must be 3 to 64 characters");
  for (char c : username)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '@' && c != '-')
      return meta::make_error(meta::Errc::InvalidRequest, "username may hold only letters, digits and . _ @ -");
  return meta::ok_status();
}

Status check_password(std::string_view password) {
  if (password.size() < kMinPassword) return meta::make_error(meta::Errc::InvalidRequest, "password must be at least 8 characters");
  if (password.size() > kMaxPassword) return meta::make_error(meta::Errc::InvalidRequest, "password must be at most 1024 bytes");
  return meta::ok_status();
}

AccountService::AccountService(sql::Database db, LocalTokens tokens, AccountSettings settings, std::string dummy_hash)
    : db_(std::move(db)),
      tokens_(std::move(tokens)),
      settings_(std::move(settings)),
      dummy_hash_(std::move(dummy_hash)),
      account_failures_(settings_.limits.signin_failures_per_account, settings_.limits.signin_window_ms),
      address_failures_(settings_.limits.signin_failures_per_address, settings_.limits.signin_window_ms),
      address_signups_(settings_.limits.signups_per_address, settings_.limits.signup_window_ms),
      hashing_(std::clamp<std::ptrdiff_t>(settings_.hash_concurrency, 1, 64)) {}

Result<std::unique_ptr<AccountService>> AccountService::open(const std::string& dir, AccountSettings settings) {
  ensure_sodium();
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    return meta::make_error("create " + dir + ": " + std::strerror(errno));
  auto db = TRY(sql::Database::open(dir + "/accounts.db"));
  TRY(db.exec(kSchema));
  auto tokens = TRY(LocalTokens::load_or_create(dir + "/token-signing.key", settings.tokens));
  // The hash unknown usernames are checked against: same cost as a real one.
  std::array<uint8_t, 16> pw{};
  randombytes_buf(pw.data(), pw.size());
  auto dummy = TRY(hash_password(base64url_encode(pw), settings.password_cost));
  return std::unique_ptr<AccountService>(
      new AccountService(std::move(db), std::move(tokens), std::move(settings), std::move(dummy)));
}

bool AccountService::hash_check(std::string_view stored, std::string_view password) {
  hashing_.acquire();
  bool ok = verify_password(stored, password);
  hashing_.release();
  return ok;
}

int64_t AccountService::sign_in_retry_after_s(std::string_view username, const std::string& address, int64_t now_ms) {
  int64_t a = account_failures_.retry_after_ms("u:" + lower(username), now_ms);
  int64_t b = address_failures_.retry_after_ms("a:" + address, now_ms);
  return ceil_seconds(std::max(a, b));
}

int64_t AccountService::sign_up_retry_after_s(const std::string& address, int64_t now_ms) {
  return ceil_seconds(address_signups_.retry_after_ms("a:" + address, now_ms));
}

Result<Account> AccountService::sign_up(std::string_view username, std::string_view password,
                                        const std::string& address, int64_t now_ms) {
  TRY(check_username(username));
  TRY(check_password(password));
  if (sign_up_retry_after_s(address, now_ms) > 0)
    return meta::make_error(meta::Errc::TooManyRequests, "too many sign-ups from this address; try again later");
  address_signups_.record("a:" + address, now_ms);
  hashing_.acquire();
  auto hash = hash_password(password, settings_.password_cost);
  hashing_.release();
  if (!hash) return hash.error();
  Account account{new_user_id(now_ms), std::string(username), now_ms};
  std::lock_guard lock(db_mutex_);
  auto stmt = TRY(db_.prepare(
      "INSERT INTO users(id, username, username_key, password_hash, created_at_ms) VALUES (?,?,?,?,?)"));
  stmt.bind(1, account.user_id).bind(2, account.username).bind(3, lower(username)).bind(4, *hash).bind(5, now_ms);
  auto st = stmt.run();
  if (!st) {
    if (st.error().code == meta::Errc::Constraint) return meta::make_error(meta::Errc::UsernameTaken, "that username is taken");
    return st.error();
  }
  return account;
}

Result<TokenPair> AccountService::issue(const Account& account, const std::string& family, int64_t now_ms) {
  // Caller holds db_mutex_ (and a transaction where rotation needs one).
  TokenPair pair;
  pair.refresh_token = random_token();
  pair.refresh_expires_in_s = settings_.refresh_ttl_s;
  auto h = token_hash(pair.refresh_token);
  auto ins = TRY(db_.prepare(
      "INSERT INTO refresh_tokens(token_hash, user_id, family, created_at_ms, expires_at_ms) VALUES (?,?,?,?,?)"));
  ins.bind_blob(1, h).bind(2, account.user_id).bind(3, family).bind(4, now_ms).bind(5, now_ms + settings_.refresh_ttl_s * 1000);
  TRY(ins.run());
  auto sweep = TRY(db_.prepare("DELETE FROM refresh_tokens WHERE expires_at_ms < ?"));
  sweep.bind(1, now_ms - kKeepExpiredMs);
  TRY(sweep.run());
  pair.access_token = tokens_.issue(Principal{account.user_id, account.username}, now_ms / 1000);
  pair.expires_in_s = settings_.tokens.access_ttl_s;
  return pair;
}

Result<TokenPair> AccountService::sign_in(std::string_view username, std::string_view password,
                                          const std::string& address, int64_t now_ms) {
  if (username.empty() || username.size() > kMaxUsername || password.empty() || password.size() > kMaxPassword)
    return invalid_credentials();
  if (sign_in_retry_after_s(username, address, now_ms) > 0)
    return meta::make_error(meta::Errc::TooManyRequests, "too many failed sign-ins; try again later");
  std::optional<Account> account;
  std::string stored;
  {
    std::lock_guard lock(db_mutex_);
    auto q = TRY(db_.prepare("SELECT id, username, password_hash, created_at_ms FROM users WHERE username_key = ?"));
    q.bind(1, lower(username));
    if (TRY(q.step())) {
      account = Account{q.column_text(0), q.column_text(1), q.column_int(3)};
      stored = q.column_text(2);
    }
  }
  // The same Argon2id work whether or not the account exists.
  bool ok = hash_check(account ? stored : dummy_hash_, password) && account.has_value();
  if (!ok) {
    account_failures_.record("u:" + lower(username), now_ms);
    address_failures_.record("a:" + address, now_ms);
    return invalid_credentials();
  }
  account_failures_.clear("u:" + lower(username));
  if (needs_rehash(stored, settings_.password_cost)) {
    hashing_.acquire();
    auto rehashed = hash_password(password, settings_.password_cost);
    hashing_.release();
    if (rehashed) {
      std::lock_guard lock(db_mutex_);
      auto up = TRY(db_.prepare("UPDATE users SET password_hash = ? WHERE id = ?"));
      up.bind(1, *rehashed).bind(2, account->user_id);
      TRY(up.run());
    }
  }
  std::lock_guard lock(db_mutex_);
  return issue(*account, random_token(), now_ms);
}

Result<TokenPair> AccountService::refresh(std::string_view refresh_token, int64_t now_ms) {
  if (refresh_token.empty() || refresh_token.size() > kMaxRefreshToken) return invalid_refresh();
  auto h = token_hash(refresh_token);
  std::lock_guard lock(db_mutex_);
  auto tx = TRY(sql::Transaction::begin(db_));
  auto q = TRY(db_.prepare(
      "SELECT t.user_id, t.family, t.expires_at_ms, t.revoked_at_ms, t.revoke_reason, u.username, u.created_at_ms "
      "FROM refresh_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?"));
  q.bind_blob(1, h);
  if (!TRY(q.step())) return invalid_refresh();
  Account account{q.column_text(0), q.column_text(5), q.column_int(6)};
  std::string family = q.column_text(1);
  int64_t expires_at = q.column_int(2);
  bool revoked = !q.column_is_null(3);
  std::string reason = q.column_text(4);
  if (revoked) {
    if (reason == "rotated") {
      // Reuse of a rotated token: someone else holds a copy. End the whole sign-in.
      auto rv = TRY(db_.prepare(
          "UPDATE refresh_tokens SET revoked_at_ms = ?, revoke_reason = 'reuse' WHERE family = ? AND revoked_at_ms IS NULL"));
      rv.bind(1, now_ms).bind(2, family);
      TRY(rv.run());
      TRY(tx.commit());
    }
    return invalid_refresh();
  }
  if (now_ms >= expires_at) return invalid_refresh();
  auto mark = TRY(db_.prepare(
      "UPDATE refresh_tokens SET revoked_at_ms = ?, revoke_reason = 'rotated' WHERE token_hash = ? AND revoked_at_ms IS NULL"));
  mark.bind(1, now_ms).bind_blob(2, h);
  TRY(mark.run());
  auto pair = TRY(issue(account, family, now_ms));
  TRY(tx.commit());
  return pair;
}

Status AccountService::sign_out(const std::string& user_id, std::optional<std::string_view> refresh_token, bool all,
                                int64_t now_ms) {
  std::lock_guard lock(db_mutex_);
  if (all || !refresh_token) {
    auto rv = TRY(db_.prepare(
        "UPDATE refresh_tokens SET revoked_at_ms = ?, revoke_reason = 'signout' WHERE user_id = ? AND revoked_at_ms IS NULL"));
    rv.bind(1, now_ms).bind(2, user_id);
    return rv.run();
  }
  if (refresh_token->empty() || refresh_token->size() > kMaxRefreshToken) return meta::ok_status();
  auto h = token_hash(*refresh_token);
  auto rv = TRY(db_.prepare(
      "UPDATE refresh_tokens SET revoked_at_ms = ?, revoke_reason = 'signout' WHERE revoked_at_ms IS NULL AND "
      "family = (SELECT family FROM refresh_tokens WHERE token_hash = ? AND user_id = ?)"));
  rv.bind(1, now_ms).bind_blob(2, h).bind(3, user_id);
  return rv.run();
}

Result<Account> AccountService::find(const std::string& user_id) {
  std::lock_guard lock(db_mutex_);
  auto q = TRY(db_.prepare("SELECT id, username, created_at_ms FROM users WHERE id = ?"));
  q.bind(1, user_id);
  if (!TRY(q.step())) return meta::make_error(meta::Errc::NotFound, "no account " + user_id);
  return Account{q.column_text(0), q.column_text(1), q.column_int(2)};
}

}  // namespace imgmeta::auth
