// Password hashing with Argon2id (RFC 9106) through libsodium's crypto_pwhash, stored in the
// PHC string format ("$argon2id$v=19$m=...,t=...,p=1$salt$hash") so costs can change later.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "meta/result.hpp"

namespace imgmeta::auth {

// Defaults follow OWASP's Password Storage Cheat Sheet for Argon2id: 19 MiB, 2 passes.
struct PasswordCost {
  uint64_t ops = 2;
  size_t memory_bytes = 19u * 1024 * 1024;
};

meta::Result<std::string> hash_password(std::string_view password, const PasswordCost& cost);
// Constant-time comparison inside libsodium; false for a malformed stored hash.
bool verify_password(std::string_view stored_hash, std::string_view password);
// True when the stored hash used other costs than these (rehash at the next sign-in).
bool needs_rehash(std::string_view stored_hash, const PasswordCost& cost);

}  // namespace imgmeta::auth
