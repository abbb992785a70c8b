#include "meta/metadata.hpp"

#include <algorithm>
#include <functional>

#include "meta/utf8.hpp"

namespace imgmeta::meta {
namespace {

constexpr size_t kMaxStringBytes = 64 * 1024;
constexpr size_t kMaxWarnings = 64;

// Most strings are already valid UTF-8 without NUL padding: those stay as they are, without
// a copy.
bool is_clean_text(std::string_view s) {
  if (s.size() > kMaxStringBytes || (!s.empty() && s.back() == '\0')) return false;
  for (size_t i = 0; i < s.size();) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    size_t n = utf8_sequence_length(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

void sanitize_in_place(std::string& s) {
  if (!is_clean_text(s)) s = sanitize_text(s);
}

void sanitize_value(Value& v) {
  if (auto* s = std::get_if<std::string>(&v)) sanitize_in_place(*s);
  if (auto* list = std::get_if<std::vector<std::string>>(&v))
    for (auto& s : *list) sanitize_in_place(s);
}

}  // namespace

std::string sanitize_text(std::string_view raw) {
  while (!raw.empty() && raw.back() == '\0') raw.remove_suffix(1);
  if (raw.size() > kMaxStringBytes) raw = raw.substr(0, kMaxStringBytes);
  std::string out;
  out.reserve(raw.size());
  for (size_t i = 0; i < raw.size();) {
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

const Field* Metadata::find(std::string_view name) const {
  if (index_.empty()) return nullptr;
  const size_t mask = index_.size() - 1;
  for (size_t i = std::hash<std::string_view>{}(name) & mask;; i = (i + 1) & mask) {
    uint32_t e = index_[i];
    if (e == 0) return nullptr;
    if (fields[e - 1].name == name) return &fields[e - 1];
  }
}

void Metadata::insert_index(size_t position) {
  const size_t mask = index_.size() - 1;
  size_t i = std::hash<std::string_view>{}(fields[position].name) & mask;
  while (index_[i] != 0) i = (i + 1) & mask;
  index_[i] = static_cast<uint32_t>(position + 1);
}

void Metadata::rebuild_index() {
  size_t size = 64;
  while (size < fields.size() * 2) size *= 2;
  index_.assign(size, 0);
  for (size_t i = 0; i < fields.size(); ++i) insert_index(i);
}

void Metadata::set(std::string_view name, Value value) {
  sanitize_value(value);
  if (const Field* f = find(name)) {
    const_cast<Field*>(f)->value = std::move(value);
    return;
  }
  fields.push_back(Field{std::string(name), std::move(value)});
  if (index_.empty() || fields.size() * 2 > index_.size()) rebuild_index();
  else insert_index(fields.size() - 1);
}

void Metadata::set_default(std::string_view name, Value value) {
  if (!has(name)) set(name, std::move(value));
}

const Value* Metadata::get(std::string_view name) const {
  const Field* f = find(name);
  return f ? &f->value : nullptr;
}

void Metadata::erase(std::string_view name) {
  if (std::erase_if(fields, [&](const Field& f) { return f.name == name; }) > 0) rebuild_index();
}

void Metadata::warn(std::string message) {
  if (warnings.size() < kMaxWarnings) warnings.push_back(sanitize_text(message));
}

const std::string* Metadata::get_string(std::string_view name) const {
  const Value* v = get(name);
  return v ? std::get_if<std::string>(v) : nullptr;
}

bool Metadata::get_number(std::string_view name, double& out) const {
  const Value* v = get(name);
  if (!v) return false;
  if (auto* i = std::get_if<int64_t>(v)) { out = static_cast<double>(*i); return true; }
  if (auto* d = std::get_if<double>(v)) { out = *d; return true; }
  return false;
}

}  // namespace imgmeta::meta
