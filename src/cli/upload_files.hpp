// What `imgmeta upload` sends: the image files under the given paths (content sniffed, the
// extension as a fallback), and their SHA-256, read in bounded memory.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "meta/result.hpp"

namespace imgmeta::cli {

struct LocalImage {
  std::string path;          // as found (relative paths stay relative)
  std::string filename;      // the last path component, what the server records
  uint64_t size = 0;
  std::string content_type;  // one the API accepts
};

// A path that is not uploaded, and why ("not an image", "empty file", "cannot read: ...").
struct PathNote {
  std::string path;
  std::string reason;
};

struct ScanResult {
  std::vector<LocalImage> images;   // sorted within each argument, arguments in order
  std::vector<PathNote> skipped;    // not images: left alone, not a failure
  std::vector<PathNote> unreadable; // missing or unreadable: reported as failed
};

// Walks files and folders (folders recursively; symlinks to files are followed, symlinks to
// folders are not, so a loop cannot trap the walk).
ScanResult scan_paths(const std::vector<std::string>& paths);

// The content type the API should be told for a file: from its first bytes, else from its
// extension; empty when neither says it is an image. Raw formats built on TIFF take their
// extension's type (a .cr2 is TIFF inside). head: the file's first bytes (64 are enough).
std::string image_content_type(const std::string& filename, const uint8_t* head, size_t head_size);

// A file name as the API accepts it (1 to 255 bytes of UTF-8 without control characters):
// control characters become '_', bytes that are not UTF-8 become U+FFFD, and a long name
// is shortened before its extension, on a character boundary.
std::string api_filename(std::string_view name);

// Text as valid UTF-8 without control characters: each control character becomes
// `control`, each byte that is not UTF-8 becomes U+FFFD.
std::string clean_text(std::string_view text, char control);

// The SHA-256 of a file, as 64 lower-case hex digits. on_bytes (optional) hears each chunk read.
meta::Result<std::string> sha256_file(const std::string& path, const std::function<void(uint64_t)>& on_bytes = {});

}  // namespace imgmeta::cli
