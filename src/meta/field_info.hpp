// What the field registry (fields.hpp) knows of a field: its ExifTool name, group and the
// kind of value the extractor stores in it.
#pragma once

#include <cstdint>
#include <string_view>

namespace imgmeta::meta {

// The Value alternatives (metadata.hpp) a field holds.
enum class ValueKind : uint8_t {
  Integer,     // int64_t
  Number,      // int64_t or double: ExifTool's -n numbers, integral ones kept as integers
  Bool,        // bool
  Text,        // std::string
  TextList,    // std::vector<std::string>
  NumberList,  // std::vector<double>
  Any,         // depends on the file (text that reads as a number is stored as one), or unseen
};

struct FieldInfo {
  std::string_view name;   // ExifTool's tag name, the JSON key
  std::string_view group;  // ExifTool's family-1 group (exiftool -G1)
  ValueKind kind;
};

// A registered field: its position in kFieldTable (field_table.hpp). Made from a literal with
// "Make"_f (fields.hpp), which does not compile for a name the registry does not hold.
struct FieldId {
  uint16_t index;
  friend constexpr bool operator==(FieldId, FieldId) = default;
};

}  // namespace imgmeta::meta
