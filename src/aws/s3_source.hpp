// meta::Source over an S3 object: the extractor's random-access input as ranged GETs.
// open() fetches the first block with a ranged GET (which also yields the size, ETag and
// content type from Content-Range and the headers), so a file whose metadata sits in its
// first 64 KiB costs one request; later reads are pinned to that ETag with If-Match, so a
// concurrent overwrite fails the read ("PreconditionFailed") instead of mixing versions.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "aws/s3_client.hpp"
#include "meta/source.hpp"

namespace imgmeta::aws {

class S3Source final : public meta::Source {
 public:
  static constexpr size_t kBlockSize = 64 * 1024;

  // "NotFound" when the key does not exist.
  static Result<std::unique_ptr<S3Source>> open(S3Client& client, const std::string& key, size_t block_size = kBlockSize);

  uint64_t size() const override { return head_.size; }
  Result<size_t> read_at(uint64_t offset, std::span<uint8_t> out) override;
  size_t preferred_block_size() const override { return block_size_; }

  const S3ObjectHead& head() const { return head_; }
  uint64_t bytes_fetched() const { return bytes_fetched_; }
  uint64_t requests() const { return requests_; }

 private:
  S3Source(S3Client& client, std::string key, size_t block_size) : client_(client), key_(std::move(key)), block_size_(block_size) {}
  S3Client& client_;
  std::string key_;
  size_t block_size_;
  S3ObjectHead head_;
  std::string first_block_;  // bytes [0, first_block_.size())
  uint64_t bytes_fetched_ = 0;
  uint64_t requests_ = 0;
};

}  // namespace imgmeta::aws
