// One PUT of a byte range of a local file to a presigned URL (a whole object or one
// multipart part), streamed from the file through aws::HttpClient so memory stays bounded, with a
// callback that hears the bytes as they go.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "aws/sigv4.hpp"
#include "meta/result.hpp"

namespace imgmeta::cli {

struct RangePut {
  std::string url;
  aws::Headers headers;  // as the upload ticket names them (Content-Length is set from length)
  std::string path;
  uint64_t offset = 0;
  uint64_t length = 0;
  const std::atomic<bool>* cancel = nullptr;  // when it turns true the transfer stops ("Cancelled")
};

struct PutReply {
  long status = 0;
  std::string etag;  // the ETag header, quotes kept (S3's form)
  std::string body;  // at most 64 KiB
};

// on_progress(delta): bytes sent since the last call; negative when a transfer that failed
// takes its bytes back. Errors: "Io" (the file), "Transport" / "Timeout" (the network),
// "Cancelled" (put.cancel).
meta::Result<PutReply> put_range(const RangePut& put, const std::function<void(int64_t)>& on_progress);

}  // namespace imgmeta::cli
