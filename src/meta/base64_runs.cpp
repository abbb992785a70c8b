#include "meta/base64_runs.hpp"

#include <algorithm>
#include <cstdint>

namespace imgmeta::meta {
namespace {

constexpr size_t kIndexDigits = 8;  // the run's number in hex after the prefix
constexpr size_t kBlock = 64;

// The base64 alphabet without '=' (RFC 4648 section 4): padding stays in the packet, so the
// reader counts it as before.
constexpr bool is_base64(unsigned char c) {
  return static_cast<unsigned char>((c | 0x20) - 'a') < 26 || static_cast<unsigned char>(c - '0') < 10 || c == '+' ||
         c == '/';
}

// Branch-free, without an early exit and in byte-wide lanes, so that the compiler tests a
// whole block at once, sixteen or more bytes per instruction.
bool block_is_base64(std::string_view s, size_t at) {
  std::string_view block = s.substr(at, kBlock);
  if (block.size() != kBlock) return false;
  uint8_t all = 1;
  for (size_t i = 0; i < kBlock; ++i) {
    auto c = static_cast<uint8_t>(block[i]);
    auto letter = static_cast<uint8_t>(static_cast<uint8_t>((c | 0x20) - 'a') < 26);
    auto digit = static_cast<uint8_t>(static_cast<uint8_t>(c - '0') < 10);
    auto sign = static_cast<uint8_t>((c == '+') | (c == '/'));
    all &= static_cast<uint8_t>(letter | digit | sign);
  }
  return all != 0;
}

size_t run_end(std::string_view s, size_t at) {
  while (at + kBlock <= s.size() && block_is_base64(s, at)) at += kBlock;
  while (at < s.size() && is_base64(static_cast<unsigned char>(s[at]))) ++at;
  return at;
}

size_t run_start(std::string_view s, size_t at) {
  while (at >= kBlock && block_is_base64(s, at - kBlock)) at -= kBlock;
  while (at > 0 && is_base64(static_cast<unsigned char>(s[at - 1]))) --at;
  return at;
}

// UTF-16 and UTF-32 packets (a BOM or NUL bytes up front) and declared non-UTF-8 encodings
// go through the XML parser's converters, which may split a marker; they are parsed unchanged.
bool plain_utf8(std::string_view xml) {
  if (xml.size() < 4) return false;
  if (xml.substr(0, 4).find('\0') != std::string_view::npos) return false;
  if (xml.starts_with("\xFE\xFF") || xml.starts_with("\xFF\xFE")) return false;
  if (!xml.starts_with("<?xml")) return true;
  std::string_view decl = xml.substr(0, std::min(xml.find("?>"), xml.size()));
  size_t enc = decl.find("encoding");
  if (enc == std::string_view::npos) return true;
  std::string_view rest = decl.substr(enc + 8);
  size_t quote = rest.find_first_of("\"'");
  if (quote == std::string_view::npos) return false;
  std::string_view name = rest.substr(quote + 1, 5);
  return name.size() == 5 && (name[0] | 0x20) == 'u' && (name[1] | 0x20) == 't' && (name[2] | 0x20) == 'f' &&
         name[3] == '-' && name[4] == '8';
}

void append_hex(std::string& out, size_t value) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (size_t i = kIndexDigits; i-- > 0;) out += kHex[(value >> (4 * i)) & 0xF];
}

}  // namespace

std::string_view Base64Runs::elide(std::string_view xml, std::string& storage) {
  original_ = xml;
  runs_.clear();
  if (xml.size() < kMinRun || !plain_utf8(xml)) return xml;
  // Probes kMinRun apart: every run of kMinRun characters holds one.
  for (size_t probe = kMinRun - 1; probe < xml.size(); probe += kMinRun) {
    if (!is_base64(static_cast<unsigned char>(xml[probe]))) continue;
    size_t start = run_start(xml, probe), end = run_end(xml, probe + 1);
    if (end - start >= kMinRun && runs_.size() < (size_t{1} << (4 * kIndexDigits - 1)))
      runs_.push_back({start, end - start});
    // The next run starts after `end`; one kMinRun on from there is inside it.
    probe = std::max(probe, end);
  }
  if (runs_.empty()) return xml;

  // A marker must not otherwise occur in the packet as parsed, which holds only the text
  // between the runs: a prefix is all base64 characters and a run is bounded by characters
  // outside that alphabet, so no occurrence can reach into a run or its marker.
  prefix_.clear();
  for (char c = 'a'; c <= 'z' && prefix_.empty(); ++c) {
    std::string candidate = std::string("imgmetaRun") + c;
    if (!occurs_between_runs(xml, candidate)) prefix_ = std::move(candidate);
  }
  if (prefix_.empty()) {
    runs_.clear();
    return xml;
  }
  size_t elided = 0;
  for (const Run& r : runs_) elided += r.length;
  storage.clear();
  storage.reserve(xml.size() - elided + runs_.size() * (prefix_.size() + kIndexDigits));
  size_t at = 0;
  for (size_t i = 0; i < runs_.size(); ++i) {
    storage.append(xml.substr(at, runs_[i].offset - at));
    storage += prefix_;
    append_hex(storage, i);
    at = runs_[i].offset + runs_[i].length;
  }
  storage.append(xml.substr(at));
  return storage;
}

bool Base64Runs::occurs_between_runs(std::string_view xml, std::string_view word) const {
  size_t at = 0;
  for (const Run& r : runs_) {
    if (xml.substr(at, r.offset - at).find(word) != std::string_view::npos) return true;
    at = r.offset + r.length;
  }
  return xml.substr(at).find(word) != std::string_view::npos;
}

template <class Text, class OnRun>
void Base64Runs::walk(std::string_view text, Text on_text, OnRun on_run) const {
  while (!text.empty()) {
    size_t m = runs_.empty() ? std::string_view::npos : text.find(prefix_);
    size_t digits = m == std::string_view::npos ? 0 : m + prefix_.size();
    size_t index = 0;
    bool ok = digits != 0 && digits + kIndexDigits <= text.size();
    for (size_t i = 0; ok && i < kIndexDigits; ++i) {
      char c = text[digits + i];
      ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
      index = index << 4 | static_cast<size_t>(c <= '9' ? c - '0' : c - 'a' + 10);
    }
    if (!ok || index >= runs_.size()) {
      // No marker here (or a lookalike): the text as it stands.
      size_t keep = m == std::string_view::npos ? text.size() : m + 1;
      on_text(text.substr(0, keep));
      text.remove_prefix(keep);
      continue;
    }
    on_text(text.substr(0, m));
    on_run(original_.substr(runs_[index].offset, runs_[index].length));
    text.remove_prefix(digits + kIndexDigits);
  }
}

void Base64Runs::append_restored(std::string& out, std::string_view text) const {
  auto add = [&](std::string_view piece) { out.append(piece); };
  walk(text, add, add);
}

std::string Base64Runs::restored(std::string_view text) const {
  std::string out;
  append_restored(out, text);
  return out;
}

size_t Base64Runs::restored_size(std::string_view text) const {
  size_t n = 0;
  auto add = [&](std::string_view piece) { n += piece.size(); };
  walk(text, add, add);
  return n;
}

void Base64Runs::count_base64(std::string_view text, uint64_t& chars, uint64_t& pad) const {
  walk(
      text,
      [&](std::string_view piece) {
        for (char c : piece) {
          if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
          ++chars;
          if (c == '=') ++pad;
        }
      },
      [&](std::string_view run) { chars += run.size(); });
}

}  // namespace imgmeta::meta
