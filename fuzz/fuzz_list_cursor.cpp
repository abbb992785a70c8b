// libFuzzer: GET /api/images?cursor=... reaches the SQLite store's cursor decoder; any bytes
// must give a page or InvalidArgument, never a crash or a query outside the owner.
#include <cstdint>
#include <string>

#include "store/sqlite_metadata_store.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static auto db = std::move(imgmeta::store::SqliteMetadataStore::open({":memory:"})).value();
  imgmeta::store::ImageQuery q;
  q.owner = "fuzz";
  q.cursor.assign(reinterpret_cast<const char*>(data), size);
  q.sort = size % 2 ? imgmeta::store::SortOrder::Taken : imgmeta::store::SortOrder::Uploaded;
  (void)db->list(q);
  return 0;
}
