#include "http/export_rows.hpp"

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "http/image_json.hpp"
#include "store/time.hpp"
#include "meta/json_text.hpp"

namespace imgmeta::http {
namespace {

using nlohmann::json;

constexpr const char* kColumns[] = {"imageId",  "filename",  "format",    "size",        "width",
                                    "height",   "make",      "model",     "lens",        "takenAt",
                                    "takenAtZone", "exposureTime", "fNumber", "iso",     "focalLength",
                                    "latitude", "longitude", "status",    "uploadedAt"};

void cell(std::string& out, std::string_view text, bool first = false) {
  if (!first) out += ',';
  // A spreadsheet runs =, +, -, @ as a formula: text from a file (names, makes, lenses) is
  // not allowed to, but a signed number or offset ("-05:00") stays as it is.
  bool formula = false;
  if (!text.empty() && (text[0] == '=' || text[0] == '@' || text[0] == '\t' || text[0] == '\r')) formula = true;
  if (!text.empty() && (text[0] == '+' || text[0] == '-'))
    formula = text.find_first_not_of("0123456789.:eE", 1) != std::string_view::npos || text.size() == 1;
  bool quote = formula || text.find_first_of(",\"\r\n") != std::string_view::npos;
  if (!quote) {
    out += text;
    return;
  }
  out += '"';
  if (formula) out += '\'';
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

void number(std::string& out, const std::optional<double>& v) {
  out += ',';
  if (!v || !std::isfinite(*v)) return;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", *v);
  out += buf;
}

std::string text_field(const json& md, const char* name) {
  auto it = md.find(name);
  if (it == md.end()) return {};
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number()) return meta::json_text(*it);
  return {};
}

}  // namespace

std::string export_header(ExportFormat format) {
  if (format != ExportFormat::Csv) return {};
  std::string out;
  bool first = true;
  for (const char* c : kColumns) {
    cell(out, c, first);
    first = false;
  }
  return out + "\r\n";
}

void append_export_row(std::string& out, const store::ImageRecord& r, ExportFormat format) {
  if (format == ExportFormat::Ndjson) {
    out += meta::json_text(image_json(r, {}));
    out += '\n';
    return;
  }
  json md = json::parse(r.metadata_json, nullptr, false);
  if (!md.is_object()) md = json::object();
  cell(out, r.image_id, true);
  cell(out, r.filename);
  cell(out, r.format);
  cell(out, std::to_string(r.size));
  cell(out, r.display_width ? std::to_string(r.display_width) : text_field(md, "ImageWidth"));
  cell(out, r.display_height ? std::to_string(r.display_height) : text_field(md, "ImageHeight"));
  cell(out, r.make);
  cell(out, r.model);
  cell(out, store::lens_of(r.metadata_json));
  cell(out, r.taken_at_ms ? store::format_iso8601_ms(*r.taken_at_ms) : "");
  cell(out, text_field(md, "DateTimeOriginalTimeZone"));
  number(out, r.exposure_s);
  number(out, r.f_number);
  number(out, r.iso);
  number(out, r.focal_mm);
  number(out, r.lat);
  number(out, r.lon);
  cell(out, store::to_string(r.status));
  cell(out, store::format_iso8601_ms(r.uploaded_at_ms));
  out += "\r\n";
}

}  // namespace imgmeta::http
