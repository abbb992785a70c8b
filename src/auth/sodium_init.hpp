// libsodium must be initialised once before use (thread-safe, idempotent).
#pragma once

#include <sodium.h>

#include <cstdlib>

namespace imgmeta::auth {

inline void ensure_sodium() {
  static const bool ok = sodium_init() >= 0;
  if (!ok) std::abort();  // no secure randomness: nothing here may run
}

}  // namespace imgmeta::auth
