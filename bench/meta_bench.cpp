// meta_bench: Google Benchmark micro-benchmarks of imgmeta::meta::extract over in-memory copies
// of corpus files, so that only parsing is timed (no open, no page cache, no JSON).
//
//   extract/<fmt>/<file>   one file: the smallest, the median and the largest of its format
//   corpus/<fmt>           every well-formed corpus file of the format that extract reads,
//                          once per iteration (corpus/<fmt>/unreadable counts the others)
//   corpus/<fmt>/in_place  the same through MemorySource, which the reader parses in place
//   extract/extra/<file>   each file of $IMGMETA_BENCH_EXTRA_DIR, when set (bench/extract's
//                          camera-sized files live in <build>/bench-cache/camera-v1)
//
// All rows but in_place read through read_at, as from a file or S3 (see CopyingSource).
// items_per_second is files per second. BytesRead and SourceReads are what one extraction
// fetched from its source (the corpus/ rows give the mean per file), FileSize the file's size:
// BytesRead/FileSize is how much of the file the extractor had to look at.
// A file the extractor cannot read (yet) is reported in an error row, not dropped silently.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <span>
#include <string>
#include <vector>

#include "meta/extract.hpp"

namespace {

namespace fs = std::filesystem;

// Bytes in memory behind the read_at interface only, the way FileSource and the S3 source
// serve them: the reader fetches blocks and copies them, and counts what it fetched. (A
// MemorySource exposes contiguous() and is parsed in place: faster, but with nothing counted.)
class CopyingSource final : public imgmeta::meta::Source {
 public:
  explicit CopyingSource(std::span<const uint8_t> bytes) : bytes_(bytes) {}
  uint64_t size() const override { return bytes_.size(); }
  imgmeta::meta::Result<size_t> read_at(uint64_t offset, std::span<uint8_t> out) override {
    if (offset >= bytes_.size()) return size_t{0};
    size_t n = std::min(out.size(), bytes_.size() - static_cast<size_t>(offset));
    std::memcpy(out.data(), bytes_.data() + offset, n);
    return n;
  }

 private:
  std::span<const uint8_t> bytes_;
};

enum class ReadPath { kCopying, kInPlace };

struct Sample {
  std::string name;
  std::vector<uint8_t> bytes;
};

std::vector<uint8_t> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Regular files of a directory sorted by size, then name (so the picks are stable).
std::vector<fs::path> files_by_size(const fs::path& dir) {
  std::vector<std::pair<uintmax_t, fs::path>> found;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file(ec)) found.emplace_back(it->file_size(ec), it->path());
  }
  std::sort(found.begin(), found.end());
  std::vector<fs::path> paths;
  for (auto& entry : found) paths.push_back(entry.second);
  return paths;
}

// All the extractions in a benchmark go through here, so the rows measure the same work.
void run_extract(benchmark::State& state, const std::vector<const Sample*>& samples, ReadPath path) {
  uint64_t bytes_read = 0;
  uint64_t source_reads = 0;
  uint64_t file_bytes = 0;
  for (auto _ : state) {
    bytes_read = source_reads = file_bytes = 0;
    for (const Sample* sample : samples) {
      CopyingSource copying(sample->bytes);
      imgmeta::meta::MemorySource in_place(sample->bytes);
      auto md = path == ReadPath::kCopying ? imgmeta::meta::extract(copying)
                                           : imgmeta::meta::extract(in_place);
      if (!md) {
        state.SkipWithError(("extract failed: " + sample->name + ": " + md.error().message).c_str());
        return;
      }
      benchmark::DoNotOptimize(md->fields.data());
      bytes_read += md->bytes_read;
      source_reads += md->source_reads;
      file_bytes += sample->bytes.size();
    }
  }
  const auto n = static_cast<double>(samples.size());
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(samples.size()));
  state.counters["BytesRead"] = static_cast<double>(bytes_read) / n;
  state.counters["SourceReads"] = static_cast<double>(source_reads) / n;
  state.counters["FileSize"] = static_cast<double>(file_bytes) / n;
  if (samples.size() > 1) state.counters["Files"] = n;
}

// Whether the extractor reads the file at all; the others are left out of the corpus/ rows (a
// failure costs nothing like a read) and named in an error row instead.
bool readable(const Sample& sample, std::string& error) {
  CopyingSource source(sample.bytes);
  auto md = imgmeta::meta::extract(source);
  if (md) return true;
  error = sample.name + ": " + md.error().message;
  return false;
}

// Samples live for the whole run: the benchmarks hold pointers into this list.
std::vector<Sample>& samples() {
  static std::vector<Sample> all;
  return all;
}

void register_format(const fs::path& corpus, const std::string& format) {
  std::vector<fs::path> paths = files_by_size(corpus / format);
  if (paths.empty()) return;
  size_t first = samples().size();
  for (const fs::path& path : paths) samples().push_back({path.filename().string(), read_file(path)});

  std::vector<size_t> picks = {0, paths.size() / 2, paths.size() - 1};
  picks.erase(std::unique(picks.begin(), picks.end()), picks.end());
  for (size_t pick : picks) {
    const Sample* sample = &samples()[first + pick];
    benchmark::RegisterBenchmark(("extract/" + format + "/" + sample->name).c_str(),
                                 [sample](benchmark::State& state) {
                                   run_extract(state, {sample}, ReadPath::kCopying);
                                 });
  }
  std::vector<const Sample*> all;
  std::string first_error;
  size_t unreadable = 0;
  for (size_t i = first; i < samples().size(); ++i) {
    std::string error;
    if (readable(samples()[i], error)) {
      all.push_back(&samples()[i]);
    } else if (unreadable++ == 0) {
      first_error = error;
    }
  }
  if (!all.empty()) {
    benchmark::RegisterBenchmark(("corpus/" + format).c_str(),
                                 [all](benchmark::State& state) {
                                   run_extract(state, all, ReadPath::kCopying);
                                 });
    benchmark::RegisterBenchmark(("corpus/" + format + "/in_place").c_str(),
                                 [all](benchmark::State& state) {
                                   run_extract(state, all, ReadPath::kInPlace);
                                 });
  }
  if (unreadable > 0) {
    std::string message = std::to_string(unreadable) + " of " + std::to_string(paths.size()) +
                          " files not read, left out; first: " + first_error;
    benchmark::RegisterBenchmark(("corpus/" + format + "/unreadable").c_str(),
                                 [message](benchmark::State& state) {
                                   state.SkipWithError(message.c_str());
                                   for (auto _ : state) {
                                   }
                                 });
  }
}

void register_extra(const fs::path& dir) {
  std::vector<fs::path> paths = files_by_size(dir);
  size_t first = samples().size();
  for (const fs::path& path : paths) samples().push_back({path.filename().string(), read_file(path)});
  for (size_t i = first; i < samples().size(); ++i) {
    const Sample* sample = &samples()[i];
    benchmark::RegisterBenchmark(("extract/extra/" + sample->name).c_str(),
                                 [sample](benchmark::State& state) {
                                   run_extract(state, {sample}, ReadPath::kCopying);
                                 });
  }
}

}  // namespace

int main(int argc, char** argv) {
  const fs::path corpus = fs::path(IMGMETA_SHARED_DIR) / "corpus";
  const char* formats[] = {"jpeg", "png", "tiff", "webp", "heif", "avif", "gif", "bmp"};
  // Reserve up front: registered lambdas keep pointers into the vector.
  size_t total = 0;
  for (const char* format : formats) total += files_by_size(corpus / format).size();
  const char* extra = std::getenv("IMGMETA_BENCH_EXTRA_DIR");
  if (extra != nullptr && *extra != '\0') total += files_by_size(extra).size();
  samples().reserve(total);

  for (const char* format : formats) register_format(corpus, format);
  if (extra != nullptr && *extra != '\0') register_extra(extra);
  if (samples().empty()) {
    std::cerr << "meta_bench: no corpus files under " << corpus << "\n";
    return 1;
  }

  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
