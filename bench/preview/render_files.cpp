// render_files: makes the thumbnail and preview of every file named on the command line (or
// listed in a file with -@ LIST) through load_renderer(), as the pipeline will, one thread.
//
//   render_files [--out DIR] [-@ LIST] FILE...
//
// Prints one line per file: "ok W1xH1 W2xH2 ORIGIN BYTES FILE" or "error CODE FILE: MESSAGE".
// With --out, writes DIR/<n>.thumb.webp and DIR/<n>.preview.webp (n = the file's position).
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "meta/source.hpp"
#include "preview/renderer.hpp"

int main(int argc, char** argv) {
  using namespace imgmeta;
  std::string out_dir;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--out" && i + 1 < argc) {
      out_dir = argv[++i];
    } else if (arg == "-@" && i + 1 < argc) {
      std::ifstream list(argv[++i]);
      for (std::string line; std::getline(list, line);)
        if (!line.empty()) files.push_back(line);
    } else {
      files.push_back(arg);
    }
  }
  auto renderer = preview::load_renderer();
  if (!renderer.ok()) {
    std::fprintf(stderr, "render_files: %s\n", renderer.error().message.c_str());
    return 2;
  }
  preview::Options options;
  int failures = 0;
  for (size_t n = 0; n < files.size(); ++n) {
    auto source = meta::FileSource::open(files[n]);
    if (!source.ok()) {
      std::printf("error Open %s: %s\n", files[n].c_str(), source.error().message.c_str());
      ++failures;
      continue;
    }
    auto r = (*renderer)->render(*source, options);
    if (!r.ok()) {
      std::printf("error %s %s: %s\n", std::string(r.error().code_name()).c_str(), files[n].c_str(), r.error().message.c_str());
      ++failures;
      continue;
    }
    std::printf("ok %dx%d %dx%d %s %zu %s\n", r->thumbnail.width, r->thumbnail.height, r->preview.width,
                r->preview.height, r->origin.c_str(), r->thumbnail.bytes.size(), files[n].c_str());
    if (!out_dir.empty()) {
      std::ofstream(out_dir + "/" + std::to_string(n) + ".thumb.webp", std::ios::binary) << r->thumbnail.bytes;
      std::ofstream(out_dir + "/" + std::to_string(n) + ".preview.webp", std::ios::binary) << r->preview.bytes;
    }
  }
  return failures == 0 ? 0 : 1;
}
