#include "aws/sqs_event_queue.hpp"

namespace imgmeta::aws {

Result<std::vector<pipeline::QueueMessage>> SqsEventQueue::receive() {
  auto msgs = TRY(sqs_->receive(options_));
  std::vector<pipeline::QueueMessage> out;
  out.reserve(msgs.size());
  for (auto& m : msgs)
    out.push_back({std::move(m.message_id), std::move(m.receipt_handle), std::move(m.body), std::max<uint32_t>(1, m.receive_count)});
  return out;
}

Status SqsEventQueue::remove(const pipeline::QueueMessage& message) { return sqs_->remove(message.receipt); }

Status SqsEventQueue::retry_later(const pipeline::QueueMessage& message, std::chrono::seconds delay) {
  return sqs_->change_visibility(message.receipt, static_cast<int>(delay.count()));
}

}  // namespace imgmeta::aws
