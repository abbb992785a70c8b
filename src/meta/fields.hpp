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

// The registered field with this name, if any (a binary search over the names).
std::optional<FieldId> find_field(std::string_view name);

namespace detail {
// Not constexpr on purpose: the compile-time lookup below calls it for a name missing from
// the table, which makes "Maek"_f an error that names this function.
void field_name_not_in_registry();
}  // namespace detail

inline namespace field_literals {
// A linear scan, done by the compiler: a few hundred comparisons per literal, most of them
// ending at the first character, cost less than sorting the table in every translation unit.
consteval FieldId operator""_f(const char* s, size_t n) {
  const std::string_view name(s, n);
  for (size_t i = 0; i < kFieldCount; ++i)
    if (kFieldTable[i].name == name) return FieldId{static_cast<uint16_t>(i)};
  detail::field_name_not_in_registry();
  return FieldId{0};
}
}  // namespace field_literals

}  // namespace imgmeta::meta
