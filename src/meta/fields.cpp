#include "meta/fields.hpp"

#include <array>
#include <cstdint>

namespace imgmeta::meta {
namespace {

// field_position's binary search needs the rows in name order, each name once.
constexpr bool sorted_and_unique() {
  for (size_t i = 1; i < kFieldCount; ++i)
    if (!(kFieldTable[i - 1].name < kFieldTable[i].name)) return false;
  return true;
}
static_assert(sorted_and_unique(), "kFieldTable must be sorted by name, each name once");

// Names given as text at run time (XMP properties, PNG keywords: a camera file's XMP asks
// for dozens) are found by hash rather than by field_position's binary search: FNV-1a, into
// a table built by the compiler, open addressing at under a third full.
constexpr uint32_t name_hash(std::string_view s) {
  uint32_t h = 2166136261u;
  for (char c : s) {
    h ^= static_cast<uint8_t>(c);
    h *= 16777619u;
  }
  return h;
}

constexpr size_t kSlots = 2048;
static_assert(kSlots >= 3 * kFieldCount && (kSlots & (kSlots - 1)) == 0);

constexpr auto kNameSlots = [] {
  std::array<uint16_t, kSlots> slots{};  // a field's position + 1; 0 for an empty slot
  for (size_t i = 0; i < kFieldCount; ++i) {
    size_t at = name_hash(kFieldTable[i].name) & (kSlots - 1);
    while (slots[at] != 0) at = (at + 1) & (kSlots - 1);
    slots[at] = static_cast<uint16_t>(i + 1);
  }
  return slots;
}();

}  // namespace

std::optional<FieldId> find_field(std::string_view name) {
  for (size_t at = name_hash(name) & (kSlots - 1);; at = (at + 1) & (kSlots - 1)) {
    const uint16_t slot = kNameSlots[at];
    if (slot == 0) return std::nullopt;
    if (kFieldTable[slot - 1].name == name) return FieldId{static_cast<uint16_t>(slot - 1)};
  }
}

}  // namespace imgmeta::meta
