// pipeline::EventQueue over an SQS queue that S3 bucket notifications feed: how several
// `imgmeta serve` instances on S3 storage share the extraction work.
#pragma once

#include <memory>

#include "aws/sqs_client.hpp"
#include "pipeline/queue_workers.hpp"

namespace imgmeta::aws {

class SqsEventQueue final : public pipeline::EventQueue {
 public:
  SqsEventQueue(std::shared_ptr<SqsClient> sqs, ReceiveOptions options) : sqs_(std::move(sqs)), options_(options) {}

  Result<std::vector<pipeline::QueueMessage>> receive() override;
  Status remove(const pipeline::QueueMessage& message) override;
  Status retry_later(const pipeline::QueueMessage& message, std::chrono::seconds delay) override;

 private:
  std::shared_ptr<SqsClient> sqs_;
  ReceiveOptions options_;
};

}  // namespace imgmeta::aws
