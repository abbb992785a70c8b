#include "meta/fields.hpp"

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

}  // namespace

std::optional<FieldId> find_field(std::string_view name) {
  const size_t at = field_position(name);
  if (at == kFieldCount) return std::nullopt;
  return FieldId{static_cast<uint16_t>(at)};
}

}  // namespace imgmeta::meta
