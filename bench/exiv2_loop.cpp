// exiv2_loop: the Exiv2 reference for bench/extract. Reads a list of paths (one per line, from
// the file named on the command line or from stdin) and, in one process so that start-up is not
// measured per file, opens each with Exiv2::ImageFactory::open, calls readMetadata and touches
// the fields imgmeta's users ask for first: Make, Model, DateTimeOriginal, pixel width/height.
//
//   exiv2_loop [--verbose] [LIST | -]
//
// Prints one line of key=value pairs on stdout (bench/extract parses it):
//   files=285 ok=280 failed=5 make=120 model=120 datetime=98 dims=280 seconds=0.0712 files_per_s=4002.8
// --verbose also names each failure on stderr. Exit status 0 unless the list cannot be read.
//
// Written against the Exiv2 0.27 API (Debian 12 ships 0.27.6): Image::AutoPtr is a
// std::auto_ptr, and a bad file throws Exiv2::AnyError (a std::exception), caught per file.
#include <exiv2/exiv2.hpp>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

namespace {

struct Counts {
  long files = 0;
  long ok = 0;
  long failed = 0;
  long make = 0;
  long model = 0;
  long datetime = 0;
  long dims = 0;
  size_t touched_chars = 0;  // keeps the string conversions observable
};

bool read_list(std::istream& in, std::vector<std::string>& paths) {
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) paths.push_back(line);
  }
  return !in.bad();
}

// Looks a key up and converts its value to text, as a caller showing it would.
bool touch(const Exiv2::ExifData& exif, const char* key, Counts& counts) {
  Exiv2::ExifData::const_iterator it = exif.findKey(Exiv2::ExifKey(key));
  if (it == exif.end()) return false;
  counts.touched_chars += it->toString().size();
  return true;
}

void read_one(const std::string& path, Counts& counts, bool verbose) {
  ++counts.files;
  try {
    Exiv2::Image::AutoPtr image = Exiv2::ImageFactory::open(path);
    if (image.get() == 0) throw Exiv2::Error(Exiv2::kerFileContainsUnknownImageType, path);
    image->readMetadata();
    const Exiv2::ExifData& exif = image->exifData();
    if (touch(exif, "Exif.Image.Make", counts)) ++counts.make;
    if (touch(exif, "Exif.Image.Model", counts)) ++counts.model;
    if (touch(exif, "Exif.Photo.DateTimeOriginal", counts)) ++counts.datetime;
    if (image->pixelWidth() > 0 && image->pixelHeight() > 0) ++counts.dims;
    ++counts.ok;
  } catch (const std::exception& e) {  // Exiv2::AnyError derives from std::exception
    ++counts.failed;
    if (verbose) std::cerr << "exiv2_loop: " << path << ": " << e.what() << "\n";
  }
}

}  // namespace

int main(int argc, char** argv) {
  bool verbose = false;
  const char* list = nullptr;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--verbose") == 0) {
      verbose = true;
    } else if (std::strcmp(argv[i], "-h") == 0 || std::strcmp(argv[i], "--help") == 0) {
      std::cout << "usage: exiv2_loop [--verbose] [LIST | -]\n";
      return 0;
    } else if (list == nullptr) {
      list = argv[i];
    } else {
      std::cerr << "exiv2_loop: one list at most\n";
      return 2;
    }
  }

  std::vector<std::string> paths;
  if (list == nullptr || std::strcmp(list, "-") == 0) {
    if (!read_list(std::cin, paths)) {
      std::cerr << "exiv2_loop: cannot read the list from stdin\n";
      return 2;
    }
  } else {
    std::ifstream in(list);
    if (!in || !read_list(in, paths)) {
      std::cerr << "exiv2_loop: cannot read the list " << list << "\n";
      return 2;
    }
  }

  // Warnings about odd files would otherwise go to stderr for every one of them.
  Exiv2::LogMsg::setLevel(Exiv2::LogMsg::mute);
  Exiv2::XmpParser::initialize();
  Exiv2::enableBMFF(true);  // HEIF/AVIF/CR3 reading is off by default in 0.27

  Counts counts;
  auto start = std::chrono::steady_clock::now();
  for (const std::string& path : paths) read_one(path, counts, verbose);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::printf("files=%ld ok=%ld failed=%ld make=%ld model=%ld datetime=%ld dims=%ld seconds=%.6f files_per_s=%.1f\n",
              counts.files, counts.ok, counts.failed, counts.make, counts.model, counts.datetime, counts.dims,
              seconds, seconds > 0 ? static_cast<double>(counts.files) / seconds : 0.0);
  Exiv2::XmpParser::terminate();
  return 0;
}
