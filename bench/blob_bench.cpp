// What one durable PUT costs the embedded blob store (DirectoryBlobStore): temp file,
// streamed digests, fsync, rename, directory fsync. The two rows differ only in where the
// object's size, ETag and content type go: an extended attribute of the object's file
// (`xattr`, the default) or a sidecar file beside it (`sidecar`, the fallback for file
// systems without user attributes). Each iteration writes a new key into one owner's
// directory, as uploads do; CPU time includes the kernel's (Google Benchmark's process CPU).
//
//   build/release/bench/blob_bench [--benchmark_repetitions=5]
//   IMGMETA_BENCH_DIR=/some/disk build/release/bench/blob_bench   # default: $TMPDIR or /tmp
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "store/directory_blob_store.hpp"

namespace {

using imgmeta::store::DirectoryBlobStore;
using imgmeta::store::DirectoryBlobStoreOptions;

std::filesystem::path bench_root() {
  for (const char* var : {"IMGMETA_BENCH_DIR", "TMPDIR"})
    if (const char* v = std::getenv(var); v && *v) return v;
  return "/tmp";
}

void BM_Put(benchmark::State& state, bool in_xattr) {
  const size_t body_size = static_cast<size_t>(state.range(0));
  std::filesystem::path dir = bench_root() / ("imgmeta-blob-bench-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  DirectoryBlobStoreOptions o;
  o.data_dir = dir;
  o.secret = "bench";
  o.etag_from_sha256 = true;  // as `imgmeta serve` opens it
  o.object_info_in_xattr = in_xattr;
  auto store = DirectoryBlobStore::open(o);
  if (!store) {
    state.SkipWithError(store.error().message.c_str());
    return;
  }
  std::vector<uint8_t> body(body_size);
  for (size_t i = 0; i < body.size(); ++i) body[i] = static_cast<uint8_t>(i * 131 + 7);
  uint64_t n = 0;
  for (auto _ : state) {
    std::string key = "uploads/bench/" + std::to_string(n++);
    auto w = (*store)->begin_put(key, {body.size(), "image/jpeg", std::nullopt});
    if (!w || !(*w)->write(body) || !(*w)->commit()) {
      state.SkipWithError("put failed");
      break;
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(n));
  state.SetBytesProcessed(static_cast<int64_t>(n * body_size));
  store->reset();
  std::filesystem::remove_all(dir);
}

// 85 KiB: the corpus JPEGs' median upload (bench/ingest's corpus set).
BENCHMARK_CAPTURE(BM_Put, xattr, true)->Arg(85 << 10)->MeasureProcessCPUTime()->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Put, sidecar, false)->Arg(85 << 10)->MeasureProcessCPUTime()->UseRealTime()->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
