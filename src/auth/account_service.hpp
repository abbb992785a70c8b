// Local accounts: sign-up, sign-in, refresh-token rotation and sign-out over an SQLite
// database in the data directory, issuing EdDSA access tokens (auth/local_tokens.hpp).
//
// - Passwords: Argon2id (auth/password.hpp). At most `hash_concurrency` hashes run at once,
//   so a flood of sign-ins costs bounded memory (concurrency x memory cost).
// - Sign-in answers the same InvalidCredentials for an unknown name and a wrong password,
//   and spends the same Argon2id work on both (a dummy hash for unknown names).
// - Rate limits: sign-in failures per account and per client address in a sliding window,
//   sign-ups per address. Checked before any hashing.
// - Refresh tokens: 32 random bytes, base64url; only their SHA-256 is stored. Each works
//   once: refresh marks it used and issues the next one of the same sign-in ("family").
//   A used token presented again revokes the family (RFC 6819 section 5.2.2.3, OAuth 2.0
//   Security BCP section 4.14: refresh token rotation with reuse detection).
//
// Error codes: "InvalidRequest" (shape of username/password), "UsernameTaken",
// "InvalidCredentials", "InvalidToken", "TooManyRequests", "NotFound"; others are storage
// failures.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <semaphore>
#include <string>
#include <string_view>

#include "auth/local_tokens.hpp"
#include "auth/password.hpp"
#include "auth/rate_limiter.hpp"
#include "auth/sqlite_db.hpp"
#include "auth/token_verifier.hpp"

namespace imgmeta::auth {

struct RateLimits {
  size_t signin_failures_per_account = 5;
  size_t signin_failures_per_address = 50;
  int64_t signin_window_ms = 15 * 60 * 1000;
  size_t signups_per_address = 20;
  int64_t signup_window_ms = 60 * 60 * 1000;
};

struct AccountSettings {
  PasswordCost password_cost;
  TokenSettings tokens;
  int64_t refresh_ttl_s = 30 * 24 * 3600;
  RateLimits limits;
  unsigned hash_concurrency = 2;
};

struct Account {
  std::string user_id;  // a ULID; the owner in object keys
  std::string username;
  int64_t created_at_ms = 0;
};

struct TokenPair {
  std::string access_token;
  std::string refresh_token;
  int64_t expires_in_s = 0;
  int64_t refresh_expires_in_s = 0;
};

// Username: 3-64 of [A-Za-z0-9._@-], compared case-insensitively. Password: 8-1024 bytes.
inline constexpr size_t kMinUsername = 3, kMaxUsername = 64, kMinPassword = 8, kMaxPassword = 1024;
inline constexpr size_t kMaxRefreshToken = 512;
Status check_username(std::string_view username);
Status check_password(std::string_view password);

class AccountService {
 public:
  // Opens (creating) <dir>/accounts.db and <dir>/token-signing.key (Ed25519 seed).
  static Result<std::unique_ptr<AccountService>> open(const std::string& dir, AccountSettings settings);

  Result<Account> sign_up(std::string_view username, std::string_view password, const std::string& address,
                          int64_t now_ms);
  Result<TokenPair> sign_in(std::string_view username, std::string_view password, const std::string& address,
                            int64_t now_ms);
  Result<TokenPair> refresh(std::string_view refresh_token, int64_t now_ms);
  // Revokes the sign-in refresh_token belongs to (when it is user_id's), or with all / no
  // token every refresh token of user_id. Unknown tokens are not an error (idempotent).
  Status sign_out(const std::string& user_id, std::optional<std::string_view> refresh_token, bool all,
                  int64_t now_ms);
  Result<Account> find(const std::string& user_id);

  // Seconds a client must wait before the next sign-in / sign-up attempt; 0 = go ahead.
  int64_t sign_in_retry_after_s(std::string_view username, const std::string& address, int64_t now_ms);
  int64_t sign_up_retry_after_s(const std::string& address, int64_t now_ms);

  const LocalTokens& tokens() const { return tokens_; }
  const AccountSettings& settings() const { return settings_; }

 private:
  AccountService(sql::Database db, LocalTokens tokens, AccountSettings settings, std::string dummy_hash);
  Result<TokenPair> issue(const Account& account, const std::string& family, int64_t now_ms);
  bool hash_check(std::string_view stored, std::string_view password);

  std::mutex db_mutex_;  // one connection; statements are short, hashing happens outside
  sql::Database db_;
  LocalTokens tokens_;
  AccountSettings settings_;
  std::string dummy_hash_;
  SlidingWindowLimiter account_failures_;
  SlidingWindowLimiter address_failures_;
  SlidingWindowLimiter address_signups_;
  std::counting_semaphore<64> hashing_;
};

}  // namespace imgmeta::auth
