#include "meta/metadata.hpp"

#include <algorithm>

#include "meta/utf8.hpp"

namespace imgmeta::meta {
namespace {

constexpr size_t kMaxStringBytes = 64 * 1024;
constexpr size_t kMaxWarnings = 64;
constexpr size_t kInitialFields = 128;

// Most strings are already valid UTF-8 without NUL padding: those stay as they are, without
// a copy.
bool is_clean_text(std::string_view s) {
  return s.size() <= kMaxStringBytes && (s.empty() || s.back() != '\0') && is_utf8(s);
}

void sanitize_in_place(std::string& s) {
  if (!is_clean_text(s)) s = sanitize_text(s);
}

void sanitize_value(Value& v) {
  if (auto* s = std::get_if<std::string>(&v)) sanitize_in_place(*s);
  if (auto* list = std::get_if<std::vector<std::string>>(&v))
    for (auto& s : *list) sanitize_in_place(s);
}

bool number_of(const Value* v, double& out) {
  if (!v) return false;
  if (auto* i = std::get_if<int64_t>(v)) { out = static_cast<double>(*i); return true; }
  if (auto* d = std::get_if<double>(v)) { out = *d; return true; }
  return false;
}

}  // namespace

std::string sanitize_text(std::string_view raw) {
  while (!raw.empty() && raw.back() == '\0') raw.remove_suffix(1);
  if (raw.size() > kMaxStringBytes) raw = raw.substr(0, kMaxStringBytes);
  std::string out;
  out.reserve(raw.size());
  for (size_t i = 0; i < raw.size();) {
    const size_t ascii_end = ascii_run_end(raw, i, false);
    out.append(raw.substr(i, ascii_end - i));
    i = ascii_end;
    if (i == raw.size()) break;
    size_t n = utf8_sequence_length(raw, i);
    if (n == 0) {
      out += kReplacementCharacter;
      ++i;
    } else {
      out.append(raw.substr(i, n));
      i += n;
    }
  }
  return out;
}

size_t Metadata::dynamic_slot(std::string_view name) const {
  return index_.find(name, [this](size_t position) { return std::string_view(fields[position].dynamic_name); });
}

const Field* Metadata::find_dynamic(std::string_view name) const {
  if (index_.empty()) return nullptr;
  const uint32_t held = index_.held(dynamic_slot(name));
  return held ? &fields[held - 1] : nullptr;
}

void Metadata::insert_index(size_t position) { index_.put(dynamic_slot(fields[position].dynamic_name), position); }

// After an erase moved positions: both indexes from `fields`.
void Metadata::rebuild_index() {
  index_.reset(fields.size());
  slot_.fill(0);
  for (size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].id == kDynamicField) insert_index(i);
    else slot_[fields[i].id.index] = static_cast<uint32_t>(i + 1);
  }
}

void Metadata::append(FieldId id, Value&& value, std::string_view dynamic_name) {
  // A camera JPEG has ~90 fields: one allocation instead of eight growing moves.
  if (fields.capacity() == 0) fields.reserve(kInitialFields);
  Field& f = fields.emplace_back();  // built in place: one move of the value, not two
  f.value = std::move(value);
  f.id = id;
  f.dynamic_name = dynamic_name;
  if (id != kDynamicField) {
    slot_[id.index] = static_cast<uint32_t>(fields.size());
  } else if (index_.full_for(fields.size())) {
    rebuild_index();
  } else {
    insert_index(fields.size() - 1);
  }
}

void Metadata::set(FieldId id, Value value) {
  sanitize_value(value);
  if (uint32_t at = slot_[id.index]) fields[at - 1].value = std::move(value);
  else append(id, std::move(value));
}

void Metadata::set_default(FieldId id, Value value) {
  if (!has(id)) set(id, std::move(value));
}

const Value* Metadata::get(FieldId id) const {
  uint32_t at = slot_[id.index];
  return at ? &fields[at - 1].value : nullptr;
}

void Metadata::erase(FieldId id) {
  if (uint32_t at = slot_[id.index]) {
    fields.erase(fields.begin() + (at - 1));
    rebuild_index();
  }
}

const std::string* Metadata::get_string(FieldId id) const {
  const Value* v = get(id);
  return v ? std::get_if<std::string>(v) : nullptr;
}

bool Metadata::get_number(FieldId id, double& out) const { return number_of(get(id), out); }

void Metadata::set(std::string_view name, Value value) {
  if (auto id = find_field(name)) return set(*id, std::move(value));
  sanitize_value(value);
  if (const Field* f = find_dynamic(name)) {
    const_cast<Field*>(f)->value = std::move(value);
    return;
  }
  append(kDynamicField, std::move(value), name);
}

void Metadata::set_default(std::string_view name, Value value) {
  if (!has(name)) set(name, std::move(value));
}

const Value* Metadata::get(std::string_view name) const {
  if (auto id = find_field(name)) return get(*id);
  const Field* f = find_dynamic(name);
  return f ? &f->value : nullptr;
}

void Metadata::erase(std::string_view name) {
  if (auto id = find_field(name)) return erase(*id);
  if (std::erase_if(fields, [&](const Field& f) { return f.name() == name; }) > 0) rebuild_index();
}

void Metadata::warn(std::string message) {
  if (warnings.size() < kMaxWarnings) warnings.push_back(sanitize_text(message));
}

const std::string* Metadata::get_string(std::string_view name) const {
  const Value* v = get(name);
  return v ? std::get_if<std::string>(v) : nullptr;
}

bool Metadata::get_number(std::string_view name, double& out) const { return number_of(get(name), out); }

}  // namespace imgmeta::meta
