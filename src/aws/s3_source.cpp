#include "aws/s3_source.hpp"

#include <algorithm>
#include <cstring>

namespace imgmeta::aws {

Result<std::unique_ptr<S3Source>> S3Source::open(S3Client& client, const std::string& key, size_t block_size) {
  std::unique_ptr<S3Source> src(new S3Source(client, key, std::max<size_t>(block_size, 512)));
  src->requests_++;
  auto first = client.get_range(key, 0, src->block_size_);
  if (first) {
    src->head_ = std::move(first->head);
    src->first_block_ = std::move(first->bytes);
    src->bytes_fetched_ = src->first_block_.size();
    return src;
  }
  // An empty object has no byte 0: S3 answers 416. Its HEAD says what it is.
  if (first.error().code != meta::Errc::InvalidRange) return first.error();
  src->requests_++;
  auto head = client.head(key);
  if (!head) return head.error();
  src->head_ = std::move(head).value();
  return src;
}

Result<size_t> S3Source::read_at(uint64_t offset, std::span<uint8_t> out) {
  if (offset >= head_.size || out.empty()) return size_t{0};
  size_t want = static_cast<size_t>(std::min<uint64_t>(out.size(), head_.size - offset));
  if (offset + want <= first_block_.size()) {
    std::memcpy(out.data(), first_block_.data() + offset, want);
    return want;
  }
  requests_++;
  auto range = client_.get_range(key_, offset, want, head_.etag);
  if (!range) return range.error();
  bytes_fetched_ += range->bytes.size();
  if (range->total_size != head_.size)
    return meta::make_error(meta::Errc::PreconditionFailed, "S3 object " + client_.bucket() + "/" + key_ + " changed size while reading");
  size_t got = std::min(range->bytes.size(), want);
  std::memcpy(out.data(), range->bytes.data(), got);
  return got;
}

}  // namespace imgmeta::aws
