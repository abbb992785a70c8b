// The local server's request head on arbitrary bytes: Beast's parser with the server's header
// limit, then the target split into a decoded path and query parameters.
#include <boost/beast/http.hpp>
#include <cstddef>
#include <cstdint>
#include <string>

#include "http/request_target.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace bhttp = boost::beast::http;
  bhttp::request_parser<bhttp::empty_body> parser;
  parser.header_limit(16 * 1024);
  parser.eager(false);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(data, size), ec);
  std::string_view target(reinterpret_cast<const char*>(data), size);
  if (!ec && parser.is_header_done()) {
    auto t = parser.get().target();
    target = std::string_view(t.data(), t.size());
  }
  auto parsed = imgmeta::http::parse_request_target(target);
  // Decoding never grows a string.
  if (parsed.path.size() > target.size()) __builtin_trap();
  for (const auto& [k, v] : parsed.params)
    if (k.size() + v.size() > target.size()) __builtin_trap();
  return 0;
}
