// `imgmeta extract`: prints metadata like `exiftool -j -n`, in parallel, in input order.
#include <fcntl.h>
#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <optional>
#include <thread>

#include "cli/commands.hpp"
#include "meta/extract.hpp"
#include "meta/json.hpp"

namespace imgmeta::cli {
namespace {

namespace fs = std::filesystem;

struct ExtractArgs {
  std::vector<std::string> paths;
  std::string files_from;  // a file of more paths, one per line; "-" for standard input
  bool json = false;
  bool recurse = false;
  bool ndjson = false;
  bool stats = false;
  unsigned threads = 0;
};

// The regular files of a directory (one level, or all with -r), sorted. Entries are told
// apart by the type readdir reports, without a stat each.
std::vector<std::string> directory_files(const std::string& dir, bool recurse) {
  std::vector<std::string> found;
  std::error_code ec;
  auto collect = [&](const fs::directory_entry& e) {
    if (e.is_regular_file(ec)) found.push_back(e.path().string());
  };
  if (recurse) {
    for (fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end; it != end;
         it.increment(ec))
      collect(*it);
  } else {
    for (fs::directory_iterator it(dir, ec), end; it != end; it.increment(ec)) collect(*it);
  }
  std::sort(found.begin(), found.end());
  return found;
}

// Opens files by their name within their directory, which stays open while the files of one
// thread come from it (a listed directory's files, or a glob's, come in runs): the kernel then
// walks one path component per file instead of all of them.
class FileOpener {
 public:
  FileOpener() = default;
  FileOpener(const FileOpener&) = delete;
  FileOpener& operator=(const FileOpener&) = delete;
  ~FileOpener() {
    if (dir_fd_ >= 0) ::close(dir_fd_);
  }

  meta::Result<meta::FileSource> open(const std::string& path) {
    const size_t slash = path.rfind('/');
    if (slash != std::string::npos && slash > 0) {
      const std::string_view dir(path.data(), slash);
      if (dir != dir_) {
        if (dir_fd_ >= 0) ::close(dir_fd_);
        dir_.assign(dir);
        dir_fd_ = ::open(dir_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
      }
      if (dir_fd_ >= 0) return meta::FileSource::open_at(dir_fd_, path.c_str() + slash + 1, path, meta::kLocalBlockSize);
    }
    return meta::FileSource::open(path, meta::kLocalBlockSize);
  }

 private:
  std::string dir_;
  int dir_fd_ = -1;
};

struct Outcome {
  std::string json;
  bool failed = false;
  bool directory = false;  // the path is a directory: its files take its place
  bool missing = false;    // nothing at the path: no object, a message on stderr
};

// A named path is opened straight away rather than stat'ed first (a path walk per file saved,
// a tenth of the kernel's share of a run); only a path that does not open as a regular file
// is looked at again, to tell a directory or a missing path from an unreadable file.
Outcome extract_one(const std::string& path, bool stats) {
  Outcome out;
  out.json.reserve(4096);  // most objects fit: one allocation instead of a growing series
  auto error_object = [&](const std::string& message) {
    out.json += "{\"SourceFile\":";
    meta::append_json_string(out.json, meta::sanitize_text(path));
    out.json += ",\"Error\":";
    meta::append_json_string(out.json, message);
    out.json += '}';
    out.failed = true;
    return std::move(out);
  };
  thread_local FileOpener opener;
  auto source = opener.open(path);
  if (!source) {
    std::error_code ec;
    const fs::file_status status = fs::status(path, ec);
    out.directory = fs::is_directory(status);
    out.missing = !fs::exists(status);
    if (out.directory || out.missing) return out;
    return error_object(source.error().message);
  }
  auto md = meta::extract(*source);
  if (!md) return error_object(md.error().message);
  meta::append_json(*md, out.json, {.warnings = true, .stats = stats, .source_file = meta::sanitize_text(path)});
  return out;
}

// Extracts `files` on `threads` threads, this one among them, and hands each outcome to `emit`
// in input order. This thread emits what is ready between its own files and waits only when
// every file is taken and the next one in order is still being read by a helper; a helper
// wakes it only then (a wake-up per file cost a fifth more CPU on two cores).
template <typename Emit>
void extract_in_order(const std::vector<std::string>& files, unsigned threads, bool stats, Emit&& emit) {
  threads = std::min<unsigned>(threads, static_cast<unsigned>(std::max<size_t>(1, files.size())));
  if (threads == 1) {
    for (const auto& f : files) emit(f, extract_one(f, stats));
    return;
  }
  constexpr size_t kNobody = static_cast<size_t>(-1);
  std::vector<std::optional<Outcome>> slots(files.size());
  std::mutex mu;
  std::condition_variable cv;
  size_t waiting_for = kNobody;  // guarded by mu
  std::atomic<size_t> next{0};
  auto store = [&](size_t i, Outcome o) {
    std::lock_guard lock(mu);
    slots[i] = std::move(o);
    if (waiting_for == i) cv.notify_one();
  };
  std::vector<std::jthread> helpers;
  for (unsigned t = 1; t < threads; ++t)
    helpers.emplace_back([&] {
      for (size_t i; (i = next.fetch_add(1)) < files.size();) store(i, extract_one(files[i], stats));
    });
  size_t emitted = 0;
  auto emit_ready = [&](bool wait) {
    while (emitted < files.size()) {
      Outcome o;
      {
        std::unique_lock lock(mu);
        if (!slots[emitted]) {
          if (!wait) return;
          waiting_for = emitted;
          cv.wait(lock, [&] { return slots[emitted].has_value(); });
          waiting_for = kNobody;
        }
        o = std::move(*slots[emitted]);
        slots[emitted].reset();
      }
      emit(files[emitted], std::move(o));
      ++emitted;
    }
  };
  for (size_t i; (i = next.fetch_add(1)) < files.size();) {
    Outcome o = extract_one(files[i], stats);
    if (i == emitted) {
      emit(files[i], std::move(o));
      ++emitted;
    } else {
      store(i, std::move(o));
    }
    emit_ready(false);
  }
  emit_ready(true);
}

// Appends the paths listed in `from` (one per line, empty lines skipped) to `paths`.
bool read_path_list(const std::string& from, std::vector<std::string>& paths) {
  std::ifstream file;
  if (from != "-") {
    file.open(from);
    if (!file) {
      std::cerr << "imgmeta extract: --files-from " << from << ": " << std::strerror(errno) << "\n";
      return false;
    }
  }
  std::istream& in = from == "-" ? std::cin : file;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) paths.push_back(std::move(line));
  }
  return true;
}

int run_extract(ExtractArgs& args) {
  if (!args.files_from.empty() && !read_path_list(args.files_from, args.paths)) return 2;
  if (args.paths.empty()) {
    std::cerr << "imgmeta extract: no files: name them, or list them with --files-from\n";
    return 2;
  }
  // A batch of files allocates and frees the same large buffers over and over: keep freed
  // memory in the heap rather than handing it back to the kernel and faulting it in again
  // (a quarter of the CPU time over the corpus).
  ::mallopt(M_MMAP_THRESHOLD, 32 << 20);
  ::mallopt(M_TRIM_THRESHOLD, 256 << 20);
  const unsigned threads = args.threads ? args.threads : std::max(1u, std::thread::hardware_concurrency());

  // Objects are gathered into one buffer, in input order, and written in large pieces.
  bool any_failed = false;
  size_t objects = 0;
  std::string out;
  if (!args.ndjson) out += '[';
  auto write_object = [&](const Outcome& o) {
    any_failed |= o.failed;
    if (args.ndjson) {
      out += o.json;
      out += '\n';
    } else {
      out += objects ? ",\n" : "\n";
      out += o.json;
    }
    ++objects;
    if (out.size() >= 64 * 1024) {
      std::fwrite(out.data(), 1, out.size(), stdout);
      out.clear();
    }
  };
  auto report_missing = [&](const std::string& path) {
    std::cerr << "imgmeta extract: " << path << ": no such file or directory\n";
    any_failed = true;
  };
  // A file listed in a directory may have gone (or become a directory) since: a missing
  // one is reported, a directory skipped as when it was listed.
  auto emit_listed = [&](const std::string& path, Outcome o) {
    if (o.missing) report_missing(path);
    else if (!o.directory) write_object(o);
  };
  auto emit_named = [&](const std::string& path, Outcome o) {
    if (o.missing) report_missing(path);
    else if (o.directory) extract_in_order(directory_files(path, args.recurse), threads, args.stats, emit_listed);
    else write_object(o);
  };
  extract_in_order(args.paths, threads, args.stats, emit_named);
  if (!args.ndjson) out += objects ? "\n]\n" : "]\n";
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  return any_failed ? 1 : 0;
}

}  // namespace

Command add_extract_command(CLI::App& app) {
  auto args = std::make_shared<ExtractArgs>();
  auto* cmd = app.add_subcommand("extract", "Print image metadata as JSON (like exiftool -j -n)");
  cmd->add_option("paths", args->paths, "Files or directories to read");
  cmd->add_option("-@,--files-from", args->files_from,
                  "Also read the files or directories listed in FILE, one per line ('-': standard input)")
      ->type_name("FILE");
  cmd->add_flag("-j,--json", args->json, "JSON array output (the default; accepted for exiftool compatibility)");
  cmd->add_flag("-r,--recurse", args->recurse, "Recurse into directories");
  cmd->add_flag("--ndjson", args->ndjson, "One JSON object per line instead of an array");
  cmd->add_flag("--stats", args->stats, "Add BytesRead and SourceReads (bytes fetched, read calls) to each object");
  cmd->add_option("--threads", args->threads, "Worker threads (default: one per core)")->check(CLI::Range(1, 256));
  cmd->footer("Exit status: 0 when every file was read, 1 when any failed (its object has an Error field), 2 on usage errors.");
  return [args] { return run_extract(*args); };
}

}  // namespace imgmeta::cli
