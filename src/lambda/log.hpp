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
#include <string_view>
#include <utility>

namespace imgmeta::lambda {

using Json = nlohmann::ordered_json;

struct MetricDef {
  const char* name;
  const char* unit;  // CloudWatch unit: "Count", "Bytes", "Milliseconds", ...
};

// The value of the "_aws" member that makes a line an EMF document, as JSON text: namespace,
// dimension sets (each name must be a top-level string member of the line), metric
// definitions (each name a top-level number member). High-cardinality ids (request id, key)
// stay plain members.
std::string emf_block(std::string_view name_space, std::initializer_list<std::initializer_list<const char*>> dimensions,
                      std::initializer_list<MetricDef> metrics, int64_t timestamp_ms);

// Writes one line (invalid UTF-8 replaced, never throws) and flushes. With an EMF block
// (emf_block), "_aws" is the line's first member, so the line reads as metrics at a glance.
void write_log_line(std::ostream& out, const Json& line, std::string_view emf = {});

}  // namespace imgmeta::lambda
