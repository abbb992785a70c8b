#include "aws/sqs_client.hpp"

#include <charconv>

#include "meta/json_text.hpp"

namespace imgmeta::aws {

using meta::make_error;
using nlohmann::json;

namespace {

// scheme://host[:port] of a URL; empty when it has none.
std::string origin_of(const std::string& url) {
  size_t scheme = url.find("://");
  if (scheme == std::string::npos) return "";
  size_t path = url.find('/', scheme + 3);
  return url.substr(0, path);
}

ClientConfig sqs_config(const AwsSettings& settings, const std::string& queue_url) {
  ClientConfig c;
  bool configured = settings.endpoints.count("sqs") || settings.endpoints.count("");
  c.endpoint = configured ? endpoint_for(settings, "sqs") : origin_of(queue_url);
  c.region = settings.region;
  c.credentials = settings.credentials;
  return c;
}

std::string str(const json& obj, const char* name) {
  auto it = obj.find(name);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

SqsClient::SqsClient(const AwsSettings& settings, std::string queue_url, std::shared_ptr<HttpClient> http)
    : SqsClient(sqs_config(settings, queue_url), queue_url, std::move(http)) {}

SqsClient::SqsClient(ClientConfig config, std::string queue_url, std::shared_ptr<HttpClient> http)
    : queue_url_(std::move(queue_url)) {
  config.signing_service = "sqs";
  // A long poll holds the request open for up to 20 s: the timeout must outlast it.
  config.timeout = std::max(config.timeout, std::chrono::milliseconds(25000));
  client_ = std::make_unique<AwsClient>(std::move(config), std::move(http));
}

Result<json> SqsClient::call(const std::string& action, json request) {
  request["QueueUrl"] = queue_url_;
  AwsRequest r;
  r.operation = "SQS." + action;
  r.resource = queue_url_;
  r.method = "POST";
  r.path = "/";
  r.headers = {{"Content-Type", "application/x-amz-json-1.0"}, {"X-Amz-Target", "AmazonSQS." + action}};
  r.body = meta::json_text(request);
  r.max_response_bytes = 4u * 1024 * 1024;  // ten messages of at most 256 KiB each, and then some
  auto resp = client_->call(r);
  if (!resp) return resp.error();
  if (resp->body.empty()) return json::object();
  auto doc = json::parse(resp->body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    return make_error(meta::Errc::InvalidResponse, r.operation + " " + queue_url_ + ": response is not a JSON object");
  return doc;
}

Result<std::vector<SqsMessage>> SqsClient::receive(const ReceiveOptions& o) {
  json req{{"MaxNumberOfMessages", std::clamp(o.max_messages, 1, 10)},
           {"WaitTimeSeconds", std::clamp(o.wait_seconds, 0, 20)},
           {"MessageSystemAttributeNames", json::array({"ApproximateReceiveCount"})},
           {"AttributeNames", json::array({"ApproximateReceiveCount"})}};
  if (o.visibility_seconds > 0) req["VisibilityTimeout"] = o.visibility_seconds;
  auto doc = call("ReceiveMessage", std::move(req));
  if (!doc) return doc.error();
  std::vector<SqsMessage> out;
  auto msgs = doc->find("Messages");
  if (msgs == doc->end() || !msgs->is_array()) return out;
  for (const auto& m : *msgs) {
    if (!m.is_object()) continue;
    SqsMessage msg;
    msg.message_id = str(m, "MessageId");
    msg.receipt_handle = str(m, "ReceiptHandle");
    msg.body = str(m, "Body");
    if (auto a = m.find("Attributes"); a != m.end() && a->is_object()) {
      std::string count = str(*a, "ApproximateReceiveCount");
      std::from_chars(count.data(), count.data() + count.size(), msg.receive_count);
    }
    if (msg.receipt_handle.empty()) continue;  // cannot be deleted: not ours to take
    out.push_back(std::move(msg));
  }
  return out;
}

Status SqsClient::remove(const std::string& receipt_handle) {
  auto doc = call("DeleteMessage", json{{"ReceiptHandle", receipt_handle}});
  if (!doc) return doc.error();
  return meta::ok_status();
}

Status SqsClient::change_visibility(const std::string& receipt_handle, int seconds) {
  auto doc = call("ChangeMessageVisibility",
                  json{{"ReceiptHandle", receipt_handle}, {"VisibilityTimeout", std::clamp(seconds, 0, 43200)}});
  if (!doc) return doc.error();
  return meta::ok_status();
}

Result<std::string> SqsClient::send(const std::string& body) {
  auto doc = call("SendMessage", json{{"MessageBody", body}});
  if (!doc) return doc.error();
  return str(*doc, "MessageId");
}

Result<std::string> parse_sqs_uri(std::string_view uri) {
  std::string u(uri);
  if (u.starts_with("sqs://")) u = "https://" + u.substr(6);
  if (!(u.starts_with("https://") || u.starts_with("http://")) || origin_of(u).size() == u.size() ||
      origin_of(u).size() + 1 == u.size())
    return make_error(meta::Errc::InvalidArgument, "event queue '" + std::string(uri) +
                                             "': expected sqs://sqs.<region>.amazonaws.com/<account>/<queue> or the queue URL");
  return u;
}

}  // namespace imgmeta::aws
