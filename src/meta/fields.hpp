// The field registry: every field name known when the extractor is compiled, as a small
// integer id. Parsers name fields with "Make"_f, checked against the table while compiling
// (a misspelt name is a compile error), and Metadata keeps registered fields in an array
// indexed by id. Names only the file knows (XMP properties, PNG text keywords) stay strings.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "meta/field_info.hpp"
#include "meta/field_table.hpp"

namespace imgmeta::meta {

inline constexpr size_t kFieldCount = kFieldTable.size();
static_assert(kFieldCount < UINT16_MAX, "FieldId holds an index below UINT16_MAX");

constexpr const FieldInfo& field_info(FieldId id) { return kFieldTable[id.index]; }
constexpr std::string_view field_name(FieldId id) { return kFieldTable[id.index].name; }

// The position of `name` in the sorted table, or kFieldCount: a binary search, run by the
// compiler for literals (cheap enough for hundreds per translation unit) and at run time
// for names given as text.
constexpr size_t field_position(std::string_view name) {
  size_t lo = 0, hi = kFieldCount;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (kFieldTable[mid].name < name) lo = mid + 1;
    else hi = mid;
  }
  return lo < kFieldCount && kFieldTable[lo].name == name ? lo : kFieldCount;
}

// The registered field with this name, if any.
std::optional<FieldId> find_field(std::string_view name);

namespace detail {
// Not constexpr on purpose: the compile-time lookup below calls it for a name missing from
// the table, which makes "Maek"_f an error that names this function.
void field_name_not_in_registry();
}  // namespace detail

inline namespace field_literals {
consteval FieldId operator""_f(const char* s, size_t n) {
  const size_t at = field_position(std::string_view(s, n));
  if (at == kFieldCount) detail::field_name_not_in_registry();
  return FieldId{static_cast<uint16_t>(at)};
}
}  // namespace field_literals

}  // namespace imgmeta::meta
