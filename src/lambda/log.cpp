#include "lambda/log.hpp"

#include "meta/json_text.hpp"

namespace imgmeta::lambda {

std::string emf_block(std::string_view name_space, std::initializer_list<std::initializer_list<const char*>> dimensions,
                      std::initializer_list<MetricDef> metrics, int64_t timestamp_ms) {
  std::string out = "{\"Timestamp\":" + std::to_string(timestamp_ms) + ",\"CloudWatchMetrics\":[{\"Namespace\":";
  meta::append_json_string(out, name_space);
  out += ",\"Dimensions\":[";
  for (const auto& set : dimensions) {
    if (out.back() != '[') out += ',';
    out += '[';
    for (const char* d : set) {
      if (out.back() != '[') out += ',';
      meta::append_json_string(out, d);
    }
    out += ']';
  }
  out += "],\"Metrics\":[";
  for (const auto& m : metrics) {
    if (out.back() != '[') out += ',';
    out += "{\"Name\":";
    meta::append_json_string(out, m.name);
    out += ",\"Unit\":";
    meta::append_json_string(out, m.unit);
    out += '}';
  }
  out += "]}]}";
  return out;
}

void write_log_line(std::ostream& out, const Json& line, std::string_view emf) {
  static std::mutex mu;
  std::string text = meta::json_text(line);
  if (!emf.empty() && line.is_object())  // "_aws" as the first member: {"_aws":...,<line's members>}
    text.insert(1, "\"_aws\":" + std::string(emf) + (line.empty() ? "" : ","));
  std::lock_guard lock(mu);
  out << text << '\n';
  out.flush();
}

}  // namespace imgmeta::lambda
