// JSON documents built with nlohmann::json (or ordered_json) written as compact text with
// the extractor's string and number writers. The result parses to what
// `dump(-1, ' ', false, error_handler_t::replace)` gives: invalid UTF-8 becomes U+FFFD and
// non-finite numbers null. nlohmann's own serializer runs every byte of every string through
// a UTF-8 state machine and writes it a character at a time; this one copies ASCII runs
// whole, which is what the Lambda's DynamoDB requests (the metadata is one long string) and
// its log lines spend their time on.
#pragma once

#include <charconv>
#include <string>

#include "meta/json.hpp"

namespace imgmeta::meta {

template <class BasicJson>
void append_json_text(std::string& out, const BasicJson& v) {
  using Kind = typename BasicJson::value_t;
  switch (v.type()) {
    case Kind::null: out += "null"; return;
    case Kind::boolean: out += v.template get<bool>() ? "true" : "false"; return;
    case Kind::number_integer:
    case Kind::number_unsigned: {
      char buf[24];
      auto r = v.type() == Kind::number_integer
                   ? std::to_chars(buf, buf + sizeof buf, v.template get<typename BasicJson::number_integer_t>())
                   : std::to_chars(buf, buf + sizeof buf, v.template get<typename BasicJson::number_unsigned_t>());
      out.append(buf, r.ptr);
      return;
    }
    case Kind::number_float: append_json_number(out, v.template get<double>()); return;
    case Kind::string: append_json_string(out, v.template get_ref<const std::string&>()); return;
    case Kind::array: {
      out += '[';
      bool first = true;
      for (const auto& item : v) {
        if (!first) out += ',';
        first = false;
        append_json_text(out, item);
      }
      out += ']';
      return;
    }
    case Kind::object: {
      out += '{';
      bool first = true;
      for (auto it = v.begin(); it != v.end(); ++it) {
        if (!first) out += ',';
        first = false;
        append_json_string(out, it.key());
        out += ':';
        append_json_text(out, it.value());
      }
      out += '}';
      return;
    }
    default: out += v.dump(-1, ' ', false, BasicJson::error_handler_t::replace); return;  // binary, discarded
  }
}

template <class BasicJson>
std::string json_text(const BasicJson& v) {
  std::string out;
  append_json_text(out, v);
  return out;
}

}  // namespace imgmeta::meta
