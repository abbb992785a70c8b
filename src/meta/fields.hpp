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
// A string literal as a template argument, so that "Make"_f is a template instantiated for
// its name.
template <size_t N>
struct FieldLiteral {
  char chars[N];
  constexpr FieldLiteral(const char (&s)[N]) {  // NOLINT: implicit, from the literal
    for (size_t i = 0; i < N; ++i) chars[i] = s[i];
  }
  constexpr std::string_view view() const { return {chars, N - 1}; }
};
}  // namespace detail

inline namespace field_literals {
// The lookup initialises a constexpr variable, so the compiler always does it, and a name
// missing from the table fails the static_assert. (A consteval operator""_f would say the
// same more briefly, but clang 14 leaves such calls inside templates to run time, where a
// consteval function has no body to link.)
template <detail::FieldLiteral Name>
constexpr FieldId operator""_f() {
  constexpr size_t at = field_position(Name.view());
  static_assert(at < kFieldCount, "not a field name in the registry (meta/field_table.hpp)");
  return FieldId{static_cast<uint16_t>(at)};
}
}  // namespace field_literals

}  // namespace imgmeta::meta
