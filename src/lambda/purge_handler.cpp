#include "lambda/purge_handler.hpp"

#include <iostream>
#include <nlohmann/json.hpp>

#include "aws/aws_client.hpp"
#include "lambda/log.hpp"
#include "pipeline/event.hpp"
#include "meta/json_text.hpp"

namespace imgmeta::lambda {

HandlerResult handle_purge(const Invocation& inv, PurgeContext& ctx) {
  std::ostream& out = ctx.log ? *ctx.log : std::cout;
  auto event = nlohmann::json::parse(inv.payload, nullptr, false);
  if (!event.is_object()) return HandlerResult::failure("Runtime.InvalidEvent", "purge: the event is not a JSON object");
  if (!ctx.metadata || !ctx.remove_object) return HandlerResult::failure("Runtime.InvalidConfiguration", "purge: not configured");
  const int64_t now = ctx.clock ? ctx.clock() : aws::unix_now_ms();
  const int64_t cutoff = now - int64_t{ctx.trash_days} * 86400000;
  auto expired = ctx.metadata->expired_trash(cutoff, ctx.max_images);
  if (!expired) return HandlerResult::failure("Handled.Retryable", "purge: " + expired.error().message);
  int64_t deleted = 0, failed = 0;
  std::string first_error;
  for (const auto& t : *expired) {
    if (inv.deadline_ms > 0 && inv.remaining_ms() < 2000) break;  // the next run takes the rest
    const std::string key = ctx.prefix + pipeline::object_key(t.owner, t.image_id);
    if (auto st = ctx.remove_object(key); !st) {
      ++failed;
      if (first_error.empty()) first_error = key + ": " + st.error().message;
      continue;
    }
    ++deleted;
  }
  Json line;
  line["Function"] = ctx.function_name;
  line["TrashPurged"] = deleted;
  line["TrashPurgeFailures"] = failed;
  line["level"] = failed ? "error" : "info";
  line["requestId"] = inv.request_id;
  line["message"] = "trash purge";
  line["expired"] = expired->size();
  line["trashDays"] = ctx.trash_days;
  if (!first_error.empty()) line["error"] = first_error;
  write_log_line(out, line, emf_block("imgmeta", {{"Function"}}, {{"TrashPurged", "Count"}, {"TrashPurgeFailures", "Count"}}, now));
  if (failed > 0 && deleted == 0)
    return HandlerResult::failure("Handled.Retryable", "purge: no object could be deleted; first error: " + first_error);
  return HandlerResult::success(meta::json_text(nlohmann::json{{"expired", expired->size()}, {"deleted", deleted}, {"failed", failed}}));
}

}  // namespace imgmeta::lambda
