#include "meta/inflate.hpp"

#include <zlib.h>

#include <algorithm>
#include <climits>
#include <string>

namespace imgmeta::meta {
namespace {

constexpr size_t kFirstOutputBlock = 16 * 1024;

// Owns a z_stream set up for inflation; inflateEnd runs on every path out.
class InflateStream {
 public:
  InflateStream() { ok_ = inflateInit(&zs_) == Z_OK; }
  ~InflateStream() {
    if (ok_) inflateEnd(&zs_);
  }
  InflateStream(const InflateStream&) = delete;
  InflateStream& operator=(const InflateStream&) = delete;
  bool ok() const { return ok_; }
  z_stream& z() { return zs_; }

 private:
  z_stream zs_{};
  bool ok_ = false;
};

}  // namespace

Result<Inflated> inflate_zlib(ByteView input, uint64_t max_output) {
  InflateStream stream;
  if (!stream.ok()) return make_error("inflate: zlib initialisation failed");
  z_stream& zs = stream.z();

  const size_t limit = static_cast<size_t>(std::min<uint64_t>(max_output, SIZE_MAX / 2));
  Inflated result;
  std::vector<uint8_t>& out = result.bytes;
  size_t produced = 0;
  const uint8_t* in = input.data();
  size_t in_left = input.size();
  uint8_t probe = 0;  // one byte of room once the cap is reached, to learn whether more follows

  for (;;) {
    if (zs.avail_in == 0 && in_left > 0) {
      auto n = static_cast<uInt>(std::min<size_t>(in_left, UINT_MAX));
      zs.next_in = const_cast<Bytef*>(in);  // zlib's API is not const-correct; it never writes input
      zs.avail_in = n;
      in += n;
      in_left -= n;
    }
    bool at_cap = false;
    if (produced == out.size()) {
      if (out.size() < limit)
        out.resize(std::min(limit, std::max(out.size() * 2, kFirstOutputBlock)));
      else
        at_cap = true;
    }
    if (at_cap) {
      zs.next_out = &probe;
      zs.avail_out = 1;
    } else {
      zs.next_out = out.data() + produced;
      zs.avail_out = static_cast<uInt>(std::min<size_t>(out.size() - produced, UINT_MAX));
    }
    const uInt room = zs.avail_out;
    const int rc = inflate(&zs, Z_NO_FLUSH);
    const size_t n = room - zs.avail_out;
    if (at_cap && n > 0) {
      result.truncated = true;
      break;
    }
    if (!at_cap) produced += n;
    if (rc == Z_STREAM_END) break;
    if (rc == Z_OK) continue;
    if (rc == Z_BUF_ERROR && zs.avail_in == 0 && in_left == 0)
      return make_error("inflate: stream of " + std::to_string(input.size()) + " bytes ends early, after " +
                        std::to_string(produced) + " bytes of output");
    if (rc == Z_NEED_DICT) return make_error("inflate: stream needs a preset dictionary");
    return make_error("inflate: corrupt stream after " + std::to_string(produced) + " bytes of output" +
                      (zs.msg ? std::string(": ") + zs.msg : std::string()));
  }
  out.resize(produced);
  return result;
}

}  // namespace imgmeta::meta
