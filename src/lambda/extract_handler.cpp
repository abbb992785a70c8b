#include "lambda/extract_handler.hpp"

#include <chrono>
#include <iostream>

#include "aws/aws_client.hpp"
#include "lambda/log.hpp"
#include "meta/json_text.hpp"

namespace imgmeta::lambda {
namespace {

constexpr char kNamespace[] = "imgmeta";
constexpr size_t kMaxMessages = 10000;

double ms(std::chrono::microseconds d) { return static_cast<double>(d.count()) / 1000.0; }

std::string outcome_label(const pipeline::Outcome& o) {
  if (o.action == pipeline::Action::Extracted) return std::string(store::to_string(o.status));
  return std::string(pipeline::to_string(o.action));
}

struct EventLog {
  std::ostream& out;
  const Invocation& inv;
  const ExtractContext& ctx;

  void write(const pipeline::EventRecord* ev, const std::string& outcome, const pipeline::Outcome* o,
             const std::string& message_id, const std::string& error, const std::string& reason) {
    Json line;
    line["Function"] = ctx.function_name;
    line["Outcome"] = outcome;
    bool extracted = o && o->action == pipeline::Action::Extracted;
    bool failure = outcome == "failed" || outcome == "error";
    line["Events"] = 1;
    line["ImagesProcessed"] = extracted ? 1 : 0;
    line["Failures"] = failure ? 1 : 0;
    line["BytesRead"] = o ? o->bytes_read : 0;
    line["ExtractMs"] = o ? ms(o->extract_time) : 0.0;
    line["TotalMs"] = o ? ms(o->total_time) : 0.0;
    line["level"] = failure ? "error" : "info";
    line["requestId"] = inv.request_id;
    if (!inv.trace_id.empty()) line["traceId"] = inv.trace_id;
    if (!message_id.empty()) line["messageId"] = message_id;
    if (ev) {
      line["bucket"] = ev->bucket;
      line["key"] = ev->key;
      line["event"] = ev->event_name;
      line["sequencer"] = o ? o->sequencer : ev->sequencer;
    }
    if (o) {
      line["objectSize"] = o->object_size;
      line["sourceReads"] = o->source_reads;
      line["headMs"] = ms(o->head_time);
      line["storeMs"] = ms(o->store_time);
      if (!o->error.empty()) line["reason"] = o->error;
    }
    if (!reason.empty()) line["reason"] = reason;
    if (!error.empty()) line["error"] = error;
    write_log_line(out, line,
                   emf_block(kNamespace, {{"Function"}, {"Function", "Outcome"}},
                             {{"Events", "Count"}, {"ImagesProcessed", "Count"}, {"Failures", "Count"}, {"BytesRead", "Bytes"},
                              {"ExtractMs", "Milliseconds"}, {"TotalMs", "Milliseconds"}},
                             aws::unix_now_ms()));
  }
};

// Runs the S3 records of one document; false when one failed in a way worth retrying.
bool run_records(const std::vector<pipeline::EventRecord>& records, const std::string& message_id,
                 const Invocation& inv, ExtractContext& ctx, EventLog& log) {
  bool ok = true;
  for (const auto& ev : records) {
    if (!ctx.bucket.empty() && ev.bucket != ctx.bucket) {
      log.write(&ev, "ignored", nullptr, message_id, "", "bucket is not " + ctx.bucket);
      continue;
    }
    if (inv.deadline_ms > 0 && inv.remaining_ms() < ctx.min_time_left_ms) {
      log.write(&ev, "error", nullptr, message_id, "not started: too close to the deadline", "Deadline");
      ok = false;
      continue;
    }
    auto outcome = ctx.process ? ctx.process(ev) : pipeline::handle(ev, *ctx.blobs, *ctx.metadata, ctx.options);
    if (!outcome) {
      log.write(&ev, "error", nullptr, message_id, outcome.error().message, std::string(outcome.error().code_name()));
      ok = false;
      continue;
    }
    log.write(&ev, outcome_label(*outcome), &*outcome, message_id, "", "");
  }
  return ok;
}

std::string str(const nlohmann::json& obj, const char* name) {
  auto it = obj.find(name);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

HandlerResult handle_extract(const Invocation& inv, ExtractContext& ctx) {
  std::ostream& out = ctx.log ? *ctx.log : std::cout;
  EventLog log{out, inv, ctx};
  if (ctx.set_deadline && inv.deadline_ms > 0) ctx.set_deadline(inv.deadline_ms);

  // The common case, one S3 or SNS document, is parsed once, by parse_events. Only an SQS
  // batch (its records answer batchItemFailures) needs the document itself, and one cannot
  // be without the text "aws:sqs": none of its letters has a JSON escape but \uXXXX.
  std::string_view payload = inv.payload;
  bool maybe_sqs = payload.find("aws:sqs") != std::string_view::npos || payload.find("\\u") != std::string_view::npos;
  size_t first = payload.find_first_not_of(" \t\r\n");
  if (!maybe_sqs && first != std::string_view::npos && payload[first] == '{') {
    auto parsed = pipeline::parse_events(payload);
    if (parsed) {  // else the full path below says what is wrong, as it always did
      if (!run_records(parsed->records, "", inv, ctx, log))
        return HandlerResult::failure("Handled.Retryable", "some records failed; see the log lines of request " + inv.request_id);
      return HandlerResult::success(R"({"status":"ok"})");
    }
  }

  auto doc = nlohmann::json::parse(inv.payload, nullptr, false);
  if (!doc.is_object()) {
    log.write(nullptr, "ignored", nullptr, "", "event is not a JSON object", "InvalidEvent");
    return HandlerResult::failure("Runtime.InvalidEvent", "event is not a JSON object");
  }
  const auto records = doc.find("Records");
  bool sqs = records != doc.end() && records->is_array() && !records->empty() && (*records)[0].is_object() &&
             str((*records)[0], "eventSource") == "aws:sqs";

  if (!sqs) {
    auto parsed = pipeline::parse_events(inv.payload);
    if (!parsed) {
      log.write(nullptr, "ignored", nullptr, "", parsed.error().message, "InvalidEvent");
      return HandlerResult::failure("Runtime.InvalidEvent", parsed.error().message);
    }
    if (!run_records(parsed->records, "", inv, ctx, log))
      return HandlerResult::failure("Handled.Retryable", "some records failed; see the log lines of request " + inv.request_id);
    return HandlerResult::success(R"({"status":"ok"})");
  }

  nlohmann::json failures = nlohmann::json::array();
  size_t n = 0;
  for (const auto& msg : *records) {
    if (++n > kMaxMessages) break;
    std::string id = msg.is_object() ? str(msg, "messageId") : "";
    std::string body = msg.is_object() ? str(msg, "body") : "";
    auto parsed = pipeline::parse_events(body);
    if (!parsed) {
      log.write(nullptr, "ignored", nullptr, id, parsed.error().message, "InvalidEvent");
      continue;  // a malformed body never gets better: dropped (and logged), not retried
    }
    if (!run_records(parsed->records, id, inv, ctx, log) && !id.empty())
      failures.push_back({{"itemIdentifier", id}});
  }
  return HandlerResult::success(meta::json_text(nlohmann::json{{"batchItemFailures", failures}}));
}

}  // namespace imgmeta::lambda
