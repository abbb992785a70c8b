#include "meta/metadata.hpp"

#include <algorithm>

namespace imgmeta::meta {
namespace {

constexpr size_t kMaxStringBytes = 64 * 1024;
constexpr size_t kMaxWarnings = 64;

void append_replacement(std::string& out) { out += "\xEF\xBF\xBD"; }

// Length of the valid UTF-8 sequence starting at s[i], or 0 if invalid (RFC 3629 table 3-7).
size_t valid_sequence(std::string_view s, size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return 1;
  size_t n;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) n = 2;
  else if (c == 0xE0) { n = 3; lo = 0xA0; }
  else if (c >= 0xE1 && c <= 0xEC) n = 3;
  else if (c == 0xED) { n = 3; hi = 0x9F; }
  else if (c >= 0xEE && c <= 0xEF) n = 3;
  else if (c == 0xF0) { n = 4; lo = 0x90; }
  else if (c >= 0xF1 && c <= 0xF3) n = 4;
  else if (c == 0xF4) { n = 4; hi = 0x8F; }
  else return 0;
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    auto d = static_cast<unsigned char>(s[i + k]);
    if (k == 1 ? (d < lo || d > hi) : (d < 0x80 || d > 0xBF)) return 0;
  }
  return n;
}

void sanitize_value(Value& v) {
  if (auto* s = std::get_if<std::string>(&v)) *s = sanitize_text(*s);
  if (auto* list = std::get_if<std::vector<std::string>>(&v))
    for (auto& s : *list) s = sanitize_text(s);
}

}  // namespace

std::string sanitize_text(std::string_view raw) {
  while (!raw.empty() && raw.back() == '\0') raw.remove_suffix(1);
  if (raw.size() > kMaxStringBytes) raw = raw.substr(0, kMaxStringBytes);
  std::string out;
  out.reserve(raw.size());
  for (size_t i = 0; i < raw.size();) {
    size_t n = valid_sequence(raw, i);
    if (n == 0) {
      append_replacement(out);
      ++i;
    } else {
      out.append(raw.substr(i, n));
      i += n;
    }
  }
  return out;
}

void Metadata::set(std::string_view name, Value value) {
  sanitize_value(value);
  for (auto& f : fields) {
    if (f.name == name) {
      f.value = std::move(value);
      return;
    }
  }
  fields.push_back(Field{std::string(name), std::move(value)});
}

void Metadata::set_default(std::string_view name, Value value) {
  if (!has(name)) set(name, std::move(value));
}

const Value* Metadata::get(std::string_view name) const {
  for (const auto& f : fields)
    if (f.name == name) return &f.value;
  return nullptr;
}

void Metadata::erase(std::string_view name) {
  std::erase_if(fields, [&](const Field& f) { return f.name == name; });
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
