// The `extract` handler (s3metadataFetcher): S3 ObjectCreated/ObjectRemoved records, sent
// by S3 directly or wrapped in SQS messages, each run through pipeline::handle with the S3
// blob store and the DynamoDB metadata store.
//
// SQS batches report partial failures (AWS Lambda Developer Guide, "Handling errors for an
// SQS event source": ReportBatchItemFailures): the response lists the messageIds whose
// records failed with a retryable error, so only those come back. A direct S3 invocation
// fails as a whole (Lambda retries asynchronous invocations); the handler is idempotent,
// so repeating the records that succeeded is harmless. Records of another bucket, s3:TestEvent
// messages and unparsable bodies are logged and dropped: retrying cannot fix them.
// No record is started with less than min_time_left_ms before the deadline; those are
// reported as failures so they come back.
//
// Each record writes one log line that is also an EMF document (namespace "imgmeta",
// dimensions Function and Function+Outcome): Events, ImagesProcessed, Failures, BytesRead,
// ExtractMs, TotalMs.
#pragma once

#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "lambda/runtime.hpp"
#include "pipeline/handler.hpp"

namespace imgmeta::lambda {

struct ExtractContext {
  store::BlobStore* blobs = nullptr;
  store::MetadataStore* metadata = nullptr;
  std::string bucket;                       // BUCKET_NAME: records of other buckets are ignored
  std::string function_name = "s3metadataFetcher";
  pipeline::HandlerOptions options;
  // What one record becomes; default pipeline::handle (the extractor). The preview function
  // (lambda/preview_handler.hpp) runs the preview step through the same envelope handling.
  std::function<Result<pipeline::Outcome>(const pipeline::EventRecord&)> process;
  int64_t min_time_left_ms = 1000;
  // Called with the invocation's deadline before the work starts (the AWS clients stop
  // retrying past it).
  std::function<void(int64_t deadline_ms)> set_deadline;
  std::ostream* log = nullptr;              // default std::cout
};

HandlerResult handle_extract(const Invocation& invocation, ExtractContext& context);

}  // namespace imgmeta::lambda
