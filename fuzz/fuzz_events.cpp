// libFuzzer: the S3 event parser (notifications, SQS bodies, moto's shapes) and what the
// handler derives from a record: the decoded key, the key contract, the sequencer.
#include <cstdint>
#include <string_view>

#include "pipeline/event.hpp"
#include "store/time.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = imgmeta::pipeline::parse_events(text);
  if (parsed) {
    for (const auto& r : parsed->records) {
      (void)imgmeta::pipeline::parse_object_key(r.key);
      (void)imgmeta::pipeline::effective_sequencer(r);
      auto again = imgmeta::pipeline::parse_events(imgmeta::pipeline::format_event(r));
      if (!again || again->records.size() != 1 || again->records[0].key != r.key) __builtin_trap();
    }
  }
  (void)imgmeta::pipeline::decode_key(text);
  (void)imgmeta::store::parse_iso8601_us(text);
  return 0;
}
