#include "lambda/log.hpp"

namespace imgmeta::lambda {

void write_log_line(std::ostream& out, const Json& line) {
  static std::mutex mu;
  std::string text = line.dump(-1, ' ', false, Json::error_handler_t::replace);
  std::lock_guard lock(mu);
  out << text << '\n';
  out.flush();
}

void add_emf(Json& line, const std::string& name_space, std::initializer_list<std::initializer_list<const char*>> dimensions,
             std::initializer_list<MetricDef> metrics, int64_t timestamp_ms) {
  Json dims = Json::array();
  for (const auto& set : dimensions) {
    Json s = Json::array();
    for (const char* d : set) s.push_back(d);
    dims.push_back(s);
  }
  Json defs = Json::array();
  for (const auto& m : metrics) defs.push_back({{"Name", m.name}, {"Unit", m.unit}});
  Json aws{{"Timestamp", timestamp_ms},
           {"CloudWatchMetrics", Json::array({{{"Namespace", name_space}, {"Dimensions", dims}, {"Metrics", defs}}})}};
  // "_aws" first, so the line reads as metrics at a glance.
  Json out{{"_aws", aws}};
  for (auto& [k, v] : line.items()) out[k] = v;
  line = std::move(out);
}

}  // namespace imgmeta::lambda
