// JSON-lines logs: one object per line on stdout, every line with a timestamp, a level, a
// message and the request id it belongs to ("startup", "shutdown", or an outbox attempt's
// id for lines no HTTP request caused). Thread-safe; a line is written whole or not at all.
#pragma once

#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace imgmeta::http {

enum class LogLevel { Debug = 0, Info = 1, Warn = 2, Error = 3 };
std::string_view to_string(LogLevel level);
// "debug", "info", "warn", "error"; Info for anything else.
LogLevel parse_log_level(std::string_view text);

class JsonLog {
 public:
  explicit JsonLog(std::FILE* out = stdout, LogLevel min = LogLevel::Info) : out_(out), min_(min) {}
  void write(LogLevel level, std::string_view message, std::string_view request_id,
             nlohmann::ordered_json fields = nlohmann::ordered_json::object());
  void info(std::string_view message, std::string_view request_id, nlohmann::ordered_json fields = nlohmann::ordered_json::object()) {
    write(LogLevel::Info, message, request_id, std::move(fields));
  }
  void warn(std::string_view message, std::string_view request_id, nlohmann::ordered_json fields = nlohmann::ordered_json::object()) {
    write(LogLevel::Warn, message, request_id, std::move(fields));
  }
  void error(std::string_view message, std::string_view request_id, nlohmann::ordered_json fields = nlohmann::ordered_json::object()) {
    write(LogLevel::Error, message, request_id, std::move(fields));
  }
  bool enabled(LogLevel level) const { return level >= min_; }

 private:
  std::mutex mu_;
  std::FILE* out_;
  LogLevel min_;
};

}  // namespace imgmeta::http
