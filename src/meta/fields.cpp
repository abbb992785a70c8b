#include "meta/fields.hpp"

#include <algorithm>
#include <array>
#include <cstdint>

namespace imgmeta::meta {
namespace {

// The table's ids ordered by name, sorted once by the compiler; names must be unique for a
// name to have one id.
constexpr auto kByName = [] {
  std::array<uint16_t, kFieldCount> ids{};
  for (size_t i = 0; i < kFieldCount; ++i) ids[i] = static_cast<uint16_t>(i);
  std::sort(ids.begin(), ids.end(), [](uint16_t a, uint16_t b) { return kFieldTable[a].name < kFieldTable[b].name; });
  return ids;
}();

constexpr bool names_unique() {
  for (size_t i = 1; i < kFieldCount; ++i)
    if (kFieldTable[kByName[i - 1]].name == kFieldTable[kByName[i]].name) return false;
  return true;
}
static_assert(names_unique(), "a field name appears twice in kFieldTable");

}  // namespace

std::optional<FieldId> find_field(std::string_view name) {
  auto it = std::lower_bound(kByName.begin(), kByName.end(), name,
                             [](uint16_t id, std::string_view n) { return kFieldTable[id].name < n; });
  if (it == kByName.end() || kFieldTable[*it].name != name) return std::nullopt;
  return FieldId{*it};
}

namespace detail {
void field_name_not_in_registry() {}
}  // namespace detail

}  // namespace imgmeta::meta
