// Structured logs of the Lambda: one JSON object per line on stdout, which Lambda ships to
// CloudWatch Logs as is. A line carrying "_aws" is also a CloudWatch Embedded Metric Format
// document (shared/docs/aws-local-testing.md section 12): metrics come from the same line.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <mutex>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <utility>

namespace imgmeta::lambda {

using Json = nlohmann::ordered_json;

// Writes one line (invalid UTF-8 replaced, never throws) and flushes.
void write_log_line(std::ostream& out, const Json& line);

struct MetricDef {
  std::string name;
  std::string unit;  // CloudWatch unit: "Count", "Bytes", "Milliseconds", ...
};

// Adds the "_aws" member that makes `line` an EMF document: namespace, dimension sets
// (each name must be a top-level string member of line), metric definitions (each name
// a top-level number member). High-cardinality ids (request id, key) stay plain members.
void add_emf(Json& line, const std::string& name_space, std::initializer_list<std::initializer_list<const char*>> dimensions,
             std::initializer_list<MetricDef> metrics, int64_t timestamp_ms);

}  // namespace imgmeta::lambda
