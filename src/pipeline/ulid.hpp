// ULIDs (https://github.com/ulid/spec): 48-bit millisecond time + 80 random bits, 26
// characters of Crockford's base32, sorting by time. Image ids and local user ids.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace imgmeta::pipeline {

// Thread-safe and monotonic (spec: "Monotonicity"): within one millisecond the random part
// increments, so ids made by one generator sort in creation order. Randomness from
// OpenSSL's RAND_bytes.
class UlidGenerator {
 public:
  std::string next(int64_t unix_ms);
  std::string next();  // now

 private:
  std::mutex mu_;
  int64_t last_ms_ = -1;
  uint8_t last_random_[10] = {};
};

// A new ULID from the process-wide generator.
std::string new_ulid();

// 26 characters of Crockford base32 (case-insensitive; I L O U excluded), first character
// 0-7 (the time fits 48 bits).
bool is_ulid(std::string_view text);

// The millisecond time a ULID carries; nullopt when text is not a ULID.
std::optional<int64_t> ulid_time_ms(std::string_view text);

}  // namespace imgmeta::pipeline
