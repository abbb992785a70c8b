// Metadata: the extractor's result, fields named as ExifTool names its tags, with
// ExifTool's -n (numeric) value conventions.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "meta/fields.hpp"
#include "meta/name_slots.hpp"

namespace imgmeta::meta {

using Value = std::variant<int64_t, double, bool, std::string, std::vector<std::string>, std::vector<double>>;

// An id for a field not in the registry (a name from the file).
inline constexpr FieldId kDynamicField{UINT16_MAX};

struct Field {
  Value value;
  FieldId id = kDynamicField;  // the registry's id, kDynamicField for a name only the file knows
  std::string dynamic_name;    // that name; empty for a registered field (no copy of its name)
  std::string_view name() const { return id == kDynamicField ? std::string_view(dynamic_name) : field_name(id); }
};

struct Metadata {
  // In insertion order. Read it freely; add, change and remove fields only through set,
  // set_default and erase, which keep the indexes below in step.
  std::vector<Field> fields;
  std::vector<std::string> warnings;   // unknown or unparsable parts, never fatal
  uint64_t bytes_read = 0;             // fetched from the source
  uint64_t source_reads = 0;           // read_at calls on the source
  uint64_t file_size = 0;

  // Sets a field, replacing an earlier value. Strings are made valid UTF-8 (invalid bytes
  // become U+FFFD) and cut at a sane length: every string here comes from the file.
  void set(FieldId id, Value value);
  // Sets a field only when it has no value yet (lower-priority sources: XMP after EXIF).
  void set_default(FieldId id, Value value);
  const Value* get(FieldId id) const;
  bool has(FieldId id) const { return get(id) != nullptr; }
  void erase(FieldId id);
  // Typed getters; nullopt-like fallbacks for absent or differently typed fields.
  const std::string* get_string(FieldId id) const;
  bool get_number(FieldId id, double& out) const;

  // The same by name, for names only the file knows (XMP properties, PNG keywords...); a
  // registered name given as a string finds its id first, so both ways see one field.
  void set(std::string_view name, Value value);
  void set_default(std::string_view name, Value value);
  const Value* get(std::string_view name) const;
  bool has(std::string_view name) const { return get(name) != nullptr; }
  void erase(std::string_view name);
  const std::string* get_string(std::string_view name) const;
  bool get_number(std::string_view name, double& out) const;

  void warn(std::string message);

  // A name written in code goes through the registry ("Make"_f), where a misspelt one fails
  // to compile; these keep a string literal from slipping into the by-name calls instead.
  template <size_t N> void set(const char (&)[N], Value) = delete;
  template <size_t N> void set_default(const char (&)[N], Value) = delete;
  template <size_t N> const Value* get(const char (&)[N]) const = delete;
  template <size_t N> bool has(const char (&)[N]) const = delete;
  template <size_t N> void erase(const char (&)[N]) = delete;
  template <size_t N> const std::string* get_string(const char (&)[N]) const = delete;
  template <size_t N> bool get_number(const char (&)[N], double&) const = delete;

 private:
  // Registered fields: position + 1 in `fields` by id, 0 when absent; a lookup is an array
  // index (the median JPEG has ~90 fields and each is looked up several times).
  std::array<uint32_t, kFieldCount> slot_{};
  // Dynamic fields by name (empty until the first one comes).
  NameSlots index_;
  const Field* find_dynamic(std::string_view name) const;
  size_t dynamic_slot(std::string_view name) const;
  // Takes the value by reference: a Value moved through a chain of calls costs a visit each.
  void append(FieldId id, Value&& value, std::string_view dynamic_name = {});
  void insert_index(size_t position);
  void rebuild_index();
};

// Makes bytes valid UTF-8 (invalid sequences replaced by U+FFFD) and strips NUL padding
// at the end, the way EXIF strings are stored.
std::string sanitize_text(std::string_view raw);

}  // namespace imgmeta::meta
