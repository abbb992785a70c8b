#include "pipeline/ulid.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <cstring>

#include "store/time.hpp"

namespace imgmeta::pipeline {
namespace {

// ULID spec, "Encoding": Crockford's base32.
constexpr char kAlphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

int decode_char(char c) {
  c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const char* p = std::strchr(kAlphabet, c);
  return (c != '\0' && p) ? static_cast<int>(p - kAlphabet) : -1;
}

// 16 bytes (48-bit time big-endian, 80 random bits) as 26 characters, 5 bits each, the
// first character carrying the top 3 of 128 bits (ULID spec, "Binary Layout and Byte Order").
std::string encode(const uint8_t (&bytes)[16]) {
  std::string out(26, '0');
  // Walk the 130-bit big-endian number (two leading zero bits) from the least significant end.
  unsigned __int128 v = 0;
  for (uint8_t b : bytes) v = (v << 8) | b;
  for (int i = 25; i >= 0; --i) {
    out[static_cast<size_t>(i)] = kAlphabet[static_cast<size_t>(v & 31)];
    v >>= 5;
  }
  return out;
}

}  // namespace

std::string UlidGenerator::next(int64_t unix_ms) {
  std::lock_guard lock(mu_);
  if (unix_ms < 0) unix_ms = 0;
  if (unix_ms > last_ms_) {
    last_ms_ = unix_ms;
    RAND_bytes(last_random_, sizeof last_random_);
  } else {
    // Same millisecond (or the clock stepped back): ULID spec, "Monotonicity" - increment
    // the random part; on overflow move to the next millisecond.
    int i = 9;
    while (i >= 0 && ++last_random_[i] == 0) --i;
    if (i < 0) {
      ++last_ms_;
      RAND_bytes(last_random_, sizeof last_random_);
    }
  }
  uint8_t bytes[16];
  uint64_t t = static_cast<uint64_t>(last_ms_) & 0xFFFFFFFFFFFFull;
  for (int i = 5; i >= 0; --i) {
    bytes[i] = static_cast<uint8_t>(t & 0xFF);
    t >>= 8;
  }
  std::memcpy(bytes + 6, last_random_, 10);
  return encode(bytes);
}

std::string UlidGenerator::next() { return next(store::now_ms()); }

std::string new_ulid() {
  static UlidGenerator generator;
  return generator.next();
}

bool is_ulid(std::string_view text) {
  if (text.size() != 26) return false;
  if (decode_char(text[0]) < 0 || decode_char(text[0]) > 7) return false;
  return std::all_of(text.begin(), text.end(), [](char c) { return decode_char(c) >= 0; });
}

std::optional<int64_t> ulid_time_ms(std::string_view text) {
  if (!is_ulid(text)) return std::nullopt;
  uint64_t t = 0;
  for (size_t i = 0; i < 10; ++i) t = (t << 5) | static_cast<uint64_t>(decode_char(text[i]));
  return static_cast<int64_t>(t);
}

}  // namespace imgmeta::pipeline
