// The trash's expiry in `imgmeta serve` (both shapes): a thread that, at start-up and then
// every --trash-sweep-interval seconds, deletes for good the images trashed more than
// --trash-days ago. It deletes through ImageEvents::delete_image, the path a permanent
// DELETE takes, so bytes, renditions and the record go exactly as they would then.
#include <chrono>

#include "cli/serve_args.hpp"
#include "store/time.hpp"

namespace imgmeta::cli {

using nlohmann::ordered_json;

TrashSweeper::TrashSweeper(store::MetadataStore& metadata, pipeline::ImageEvents& events, http::JsonLog& log,
                           int trash_days, int interval_s)
    : metadata_(metadata), events_(events), log_(log), trash_days_(trash_days), interval_s_(interval_s) {}

TrashSweeper::~TrashSweeper() { stop(); }

void TrashSweeper::start() {
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      lock.unlock();
      sweep_once(store::now_ms());
      lock.lock();
      cv_.wait_for(lock, std::chrono::seconds(interval_s_), [this] { return stopping_; });
    }
  });
}

void TrashSweeper::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

int64_t TrashSweeper::sweep_once(int64_t now_ms) {
  constexpr int kBatch = 500;
  const int64_t cutoff = now_ms - int64_t{trash_days_} * 86400000;
  int64_t deleted = 0, failed = 0;
  // A batch at a time: the local delete removes the record at once, so the next batch is new.
  for (int round = 0; round < 100; ++round) {
    auto expired = metadata_.expired_trash(cutoff, kBatch);
    if (!expired) {
      log_.error("trash sweep: cannot list expired images", "trash-sweep", ordered_json{{"error", expired.error().message}});
      break;
    }
    int64_t progress = 0;
    for (const auto& t : *expired) {
      auto st = events_.delete_image(t.owner, t.image_id);
      if (st || st.error().code == meta::Errc::NotFound) {
        ++progress;
        if (st) ++deleted;
        continue;
      }
      ++failed;
      log_.warn("trash sweep: delete failed; retried at the next sweep", "trash-sweep",
                ordered_json{{"imageId", t.image_id}, {"userId", t.owner}, {"error", st.error().message}});
    }
    if (expired->size() < static_cast<size_t>(kBatch) || progress == 0) break;
  }
  if (deleted > 0 || failed > 0)
    log_.info("trash sweep", "trash-sweep", ordered_json{{"deleted", deleted}, {"failed", failed}, {"trashDays", trash_days_}});
  return deleted;
}

}  // namespace imgmeta::cli
