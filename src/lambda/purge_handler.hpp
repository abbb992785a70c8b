// The `purge` handler: the trash's expiry in the AWS shape. A daily EventBridge schedule
// (deploy/template.yaml) invokes it; it finds the images trashed more than TRASH_DAYS ago
// (MetadataStore::expired_trash, a Scan of the sparse byTrashed index) and deletes their
// objects in S3. Nothing else: S3's ObjectRemoved events then reach the extract and preview
// functions, which remove the record and the renditions as for any other delete. So the
// function needs to read one index and delete under uploads/, no more.
//
// The event's content is not used (the schedule sends EventBridge's "Scheduled Event"); it
// must be a JSON object. What expires is decided by the clock and TRASH_DAYS alone.
#pragma once

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>

#include "lambda/runtime.hpp"
#include "store/metadata_store.hpp"

namespace imgmeta::lambda {

struct PurgeContext {
  store::MetadataStore* metadata = nullptr;
  // Deletes one object by its key in the bucket (prefix included); idempotent.
  std::function<Status(const std::string& key)> remove_object;
  std::string prefix;          // BUCKET_PREFIX, "" or ending in '/'
  int trash_days = 30;         // TRASH_DAYS
  int max_images = 10000;      // per invocation; the next day's run takes the rest
  std::function<int64_t()> clock;  // Unix ms; default the system clock
  std::string function_name = "imgmetaPurge";
  std::ostream* log = nullptr;  // default std::cout
};

HandlerResult handle_purge(const Invocation& invocation, PurgeContext& context);

}  // namespace imgmeta::lambda
