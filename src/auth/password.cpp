#include "auth/password.hpp"

#include <sodium.h>

#include "auth/sodium_init.hpp"

namespace imgmeta::auth {

meta::Result<std::string> hash_password(std::string_view password, const PasswordCost& cost) {
  ensure_sodium();
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), cost.ops, cost.memory_bytes,
                            crypto_pwhash_ALG_ARGON2ID13) != 0)
    return meta::make_error("hash password: argon2id failed (out of memory at " +
                            std::to_string(cost.memory_bytes) + " bytes?)");
  return std::string(out);
}

bool verify_password(std::string_view stored_hash, std::string_view password) {
  ensure_sodium();
  if (stored_hash.size() >= crypto_pwhash_STRBYTES) return false;
  char buf[crypto_pwhash_STRBYTES] = {};
  stored_hash.copy(buf, stored_hash.size());
  return crypto_pwhash_str_verify(buf, password.data(), password.size()) == 0;
}

bool needs_rehash(std::string_view stored_hash, const PasswordCost& cost) {
  ensure_sodium();
  if (stored_hash.size() >= crypto_pwhash_STRBYTES) return true;
  char buf[crypto_pwhash_STRBYTES] = {};
  stored_hash.copy(buf, stored_hash.size());
  return crypto_pwhash_str_needs_rehash(buf, cost.ops, cost.memory_bytes) != 0;
}

}  // namespace imgmeta::auth
