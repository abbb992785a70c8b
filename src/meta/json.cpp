#include "meta/json.hpp"

#include <cmath>

namespace imgmeta::meta {
namespace {

nlohmann::ordered_json value_json(const Value& v) {
  return std::visit(
      [](const auto& x) -> nlohmann::ordered_json {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, double>) {
          // JSON has no NaN or infinity; a file can still produce them (0/0 rationals).
          if (!std::isfinite(x)) return nullptr;
          return x;
        } else if constexpr (std::is_same_v<T, std::vector<double>>) {
          auto arr = nlohmann::ordered_json::array();
          for (double d : x) arr.push_back(std::isfinite(d) ? nlohmann::ordered_json(d) : nullptr);
          return arr;
        } else {
          return x;
        }
      },
      v);
}

}  // namespace

nlohmann::ordered_json to_json(const Metadata& md, const JsonOptions& options) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  out["FileSize"] = md.file_size;
  for (const auto& f : md.fields) out[f.name] = value_json(f.value);
  if (options.warnings && !md.warnings.empty()) {
    out["Warning"] = md.warnings.front();
    out["Warnings"] = md.warnings;
  }
  if (options.stats) {
    out["BytesRead"] = md.bytes_read;
    out["SourceReads"] = md.source_reads;
  }
  return out;
}

}  // namespace imgmeta::meta
