#include "meta/json.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdlib>

#include "meta/fields.hpp"
#include "meta/general_format.hpp"
#include "meta/utf8.hpp"

namespace imgmeta::meta {
namespace {

void append_integer(std::string& out, auto value) {
  std::array<char, 24> buf;
  auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), value);
  out.append(buf.data(), end);
}

// The layout nlohmann::json gives a double (its dump_float/format_buffer): the shortest
// round-trip digits d1..dk with the decimal point at n (value = 0.d1..dk x 10^n), written
// plainly when -4 < n <= 15 ("100.0", "0.001", "3.25") and as d1.d2..dk e±XX otherwise.
// Keeping it byte for byte keeps stored records and the CLI's output unchanged.
void append_double(std::string& out, double value) {
  if (!std::isfinite(value)) {
    out += "null";
    return;
  }
  if (value == 0) {
    out += std::signbit(value) ? "-0.0" : "0.0";
    return;
  }
  if (value < 0) out += '-';
  // The shortest round-trip digits and the exponent of the first: from a short decimal's
  // integer when the value is one (most are), else from the scientific form.
  std::array<char, 20> digits;
  size_t k = 0;
  int exp10 = 0;
  int64_t m = 0;
  int scale = 0;
  if (short_decimal(value, 15, m, scale)) {
    auto r = std::to_chars(digits.data(), digits.data() + digits.size(), m);
    k = static_cast<size_t>(r.ptr - digits.data());
    exp10 = static_cast<int>(k) - 1 - scale;
    while (k > 1 && digits[k - 1] == '0') --k;
  } else {
    std::array<char, 40> buf;
    auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), std::fabs(value), std::chars_format::scientific);
    std::string_view sci(buf.data(), static_cast<size_t>(end - buf.data()));  // "d.ddde+XX"
    size_t e_pos = sci.find('e');
    std::string_view exponent = sci.substr(e_pos + 1);  // "+XX" or "-XX"
    if (exponent.front() == '+') exponent.remove_prefix(1);
    std::from_chars(exponent.data(), exponent.data() + exponent.size(), exp10);
    for (char c : sci.substr(0, e_pos))
      if (c != '.') digits[k++] = c;
  }
  const int n = exp10 + 1;
  const std::string_view d(digits.data(), k);
  if (static_cast<int>(k) <= n && n <= 15) {
    out += d;
    out.append(static_cast<size_t>(n) - k, '0');
    out += ".0";
  } else if (0 < n && n <= 15) {
    out += d.substr(0, static_cast<size_t>(n));
    out += '.';
    out += d.substr(static_cast<size_t>(n));
  } else if (-4 < n && n <= 0) {
    out += "0.";
    out.append(static_cast<size_t>(-n), '0');
    out += d;
  } else {
    out += d.substr(0, 1);
    if (k > 1) {
      out += '.';
      out += d.substr(1);
    }
    const int e = n - 1;
    out += e < 0 ? "e-" : "e+";
    const int mag = std::abs(e);
    if (mag < 10) out += '0';
    append_integer(out, mag);
  }
}

void append_value(std::string& out, const Value& v) {
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, bool>) {
          out += x ? "true" : "false";
        } else if constexpr (std::is_same_v<T, int64_t>) {
          append_integer(out, x);
        } else if constexpr (std::is_same_v<T, double>) {
          append_double(out, x);
        } else if constexpr (std::is_same_v<T, std::string>) {
          append_json_string(out, x);
        } else {
          out += '[';
          for (size_t i = 0; i < x.size(); ++i) {
            if (i) out += ',';
            if constexpr (std::is_same_v<T, std::vector<double>>) append_double(out, x[i]);
            else append_json_string(out, x[i]);
          }
          out += ']';
        }
      },
      v);
}

void append_key(std::string& out, std::string_view key, bool& first) {
  if (!first) out += ',';
  first = false;
  append_json_string(out, key);
  out += ':';
}

// A registered field's name goes out as it is: the registry holds none that JSON escapes.
consteval bool registered_names_are_plain() {
  for (const FieldInfo& row : kFieldTable)
    for (char c : row.name)
      if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x80 || c == '"' || c == '\\')
        return false;
  return true;
}
static_assert(registered_names_are_plain(), "a field name in meta/field_table.hpp needs JSON escaping");

void append_field_key(std::string& out, const Field& f, bool& first) {
  if (f.id == kDynamicField) return append_key(out, f.dynamic_name, first);
  if (!first) out += ',';
  first = false;
  out += '"';
  out += field_name(f.id);
  out += "\":";
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  size_t run = 0;  // start of the bytes still to copy as they are
  for (size_t i = 0; i < text.size();) {
    i = ascii_run_end(text, i, true);
    if (i == text.size()) break;
    auto c = static_cast<unsigned char>(text[i]);
    size_t n = c >= 0x80 ? utf8_sequence_length(text, i) : 0;
    if (n > 1) {
      i += n;
      continue;
    }
    out.append(text.substr(run, i - run));
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xF];
        } else {
          out += kReplacementCharacter;  // a byte that starts no valid UTF-8 sequence
        }
    }
    run = ++i;
  }
  out.append(text.substr(run));
  out += '"';
}

void append_json_number(std::string& out, double value) { append_double(out, value); }

void append_json(const Metadata& md, std::string& out, const JsonOptions& options) {
  bool first = true;
  out += '{';
  if (options.source_file) {
    append_key(out, "SourceFile", first);
    append_json_string(out, *options.source_file);
  }
  append_key(out, "FileSize", first);
  append_integer(out, md.file_size);
  for (const auto& f : md.fields) {
    append_field_key(out, f, first);
    append_value(out, f.value);
  }
  if (options.warnings && !md.warnings.empty()) {
    append_key(out, "Warning", first);
    append_json_string(out, md.warnings.front());
    append_key(out, "Warnings", first);
    out += '[';
    for (size_t i = 0; i < md.warnings.size(); ++i) {
      if (i) out += ',';
      append_json_string(out, md.warnings[i]);
    }
    out += ']';
  }
  if (options.stats) {
    append_key(out, "BytesRead", first);
    append_integer(out, md.bytes_read);
    append_key(out, "SourceReads", first);
    append_integer(out, md.source_reads);
  }
  out += '}';
}

std::string to_json(const Metadata& md, const JsonOptions& options) {
  std::string out;
  out.reserve(64 + md.fields.size() * 32);
  append_json(md, out, options);
  return out;
}

}  // namespace imgmeta::meta
