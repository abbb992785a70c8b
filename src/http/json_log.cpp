#include "http/json_log.hpp"

#include "store/time.hpp"
#include "meta/json_text.hpp"

namespace imgmeta::http {

std::string_view to_string(LogLevel level) {
  switch (level) {
    case LogLevel::Debug: return "debug";
    case LogLevel::Info: return "info";
    case LogLevel::Warn: return "warn";
    case LogLevel::Error: return "error";
  }
  return "info";
}

LogLevel parse_log_level(std::string_view text) {
  if (text == "debug") return LogLevel::Debug;
  if (text == "warn") return LogLevel::Warn;
  if (text == "error") return LogLevel::Error;
  return LogLevel::Info;
}

void JsonLog::write(LogLevel level, std::string_view message, std::string_view request_id,
                    nlohmann::ordered_json fields) {
  if (!enabled(level)) return;
  nlohmann::ordered_json line;
  line["ts"] = store::format_iso8601_ms(store::now_ms());
  line["level"] = to_string(level);
  line["msg"] = message;
  line["requestId"] = request_id;
  if (fields.is_object())
    for (auto& [k, v] : fields.items()) line[k] = std::move(v);
  // Strings from clients and files may hold invalid UTF-8: replaced, the line stays JSON.
  std::string text = meta::json_text(line);
  text += '\n';
  std::lock_guard lock(mu_);
  std::fwrite(text.data(), 1, text.size(), out_);
  std::fflush(out_);
}

}  // namespace imgmeta::http
