// A request target as the local server receives it ("/path?query", RFC 9112 section 3.2):
// the decoded path and the decoded query parameters. Malformed escapes are kept as sent;
// nothing here fails, and nothing reads past the input.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace imgmeta::http {

// Percent-decoding (RFC 3986 section 2.1); in a query ('+' = space, form encoding) too.
std::string decode_url(std::string_view s, bool query);

struct RequestTarget {
  std::string path;  // decoded, without the query
  std::multimap<std::string, std::string> params;
};

RequestTarget parse_request_target(std::string_view target);

}  // namespace imgmeta::http
