// Amazon SQS over its JSON protocol (SQS API Reference, "Making query API requests using
// AWS JSON protocol"): one POST per action with X-Amz-Target "AmazonSQS.<Action>" and a
// JSON body naming the QueueUrl. Only what an event consumer needs: receive (long poll),
// delete, and changing a message's visibility (backoff before the next delivery).
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "aws/aws_client.hpp"
#include "aws/config.hpp"

namespace imgmeta::aws {

struct SqsMessage {
  std::string message_id;
  std::string receipt_handle;
  std::string body;
  uint32_t receive_count = 0;  // ApproximateReceiveCount: 1 on the first delivery
};

struct ReceiveOptions {
  int max_messages = 10;       // 1..10
  int wait_seconds = 10;       // long poll, 0..20
  int visibility_seconds = 0;  // 0: the queue's own visibility timeout
};

class SqsClient {
 public:
  // queue_url as CreateQueue/GetQueueUrl return it. Requests go to a configured SQS
  // endpoint (AWS_ENDPOINT_URL_SQS, AWS_ENDPOINT_URL, --endpoint-url) when there is one,
  // else to the queue URL's own origin (https://sqs.<region>.amazonaws.com on AWS).
  SqsClient(const AwsSettings& settings, std::string queue_url, std::shared_ptr<HttpClient> http = nullptr);
  SqsClient(ClientConfig config, std::string queue_url, std::shared_ptr<HttpClient> http = nullptr);

  Result<std::vector<SqsMessage>> receive(const ReceiveOptions& options);
  Status remove(const std::string& receipt_handle);
  Status change_visibility(const std::string& receipt_handle, int seconds);
  Result<std::string> send(const std::string& body);  // the MessageId (tests, replays)

  const std::string& queue_url() const { return queue_url_; }
  AwsClient& client() { return *client_; }

 private:
  Result<nlohmann::json> call(const std::string& action, nlohmann::json request);

  std::string queue_url_;
  std::unique_ptr<AwsClient> client_;
};

// "sqs://<queue URL without its scheme>" or the queue URL itself (http[s]://...): the
// queue URL. Fails on anything else.
Result<std::string> parse_sqs_uri(std::string_view uri);

}  // namespace imgmeta::aws
