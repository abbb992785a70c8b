#include "cli/upload_files.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>

#include "meta/ascii.hpp"
#include "meta/formats.hpp"

namespace imgmeta::cli {
namespace {

namespace fs = std::filesystem;
using meta::make_error;

// The extensions the web app accepts, with the content types it declares for them.
const std::map<std::string, std::string, std::less<>>& types_by_extension() {
  static const std::map<std::string, std::string, std::less<>> m = {
      {"jpg", "image/jpeg"},         {"jpeg", "image/jpeg"},         {"jpe", "image/jpeg"},
      {"png", "image/png"},          {"gif", "image/gif"},           {"webp", "image/webp"},
      {"tif", "image/tiff"},         {"tiff", "image/tiff"},         {"bmp", "image/bmp"},
      {"heic", "image/heic"},        {"heif", "image/heif"},         {"avif", "image/avif"},
      {"jxl", "image/jxl"},          {"ico", "image/x-icon"},        {"dng", "image/x-adobe-dng"},
      {"cr2", "image/x-canon-cr2"},  {"cr3", "image/x-canon-cr3"},   {"nef", "image/x-nikon-nef"},
      {"arw", "image/x-sony-arw"},   {"orf", "image/x-olympus-orf"}, {"rw2", "image/x-panasonic-rw2"},
      {"raf", "image/x-fuji-raf"},
  };
  return m;
}

std::string extension_of(const std::string& filename) {
  auto dot = filename.rfind('.');
  if (dot == std::string::npos || dot + 1 == filename.size()) return {};
  return meta::ascii_lower(std::string_view(filename).substr(dot + 1));
}

// ISO/IEC 14496-12 4.3: ftyp's major brand at offset 8, compatible brands from offset 16.
// Only image brands count: an MP4 video is ISOBMFF too, and is not uploaded.
std::string isobmff_type(const uint8_t* h, size_t n) {
  auto brand_at = [&](size_t at) { return at + 4 <= n ? std::string(reinterpret_cast<const char*>(h + at), 4) : std::string(); };
  uint64_t box = n >= 4 ? (uint64_t{h[0]} << 24 | uint64_t{h[1]} << 16 | uint64_t{h[2]} << 8 | h[3]) : 0;
  std::vector<std::string> brands{brand_at(8)};
  for (size_t at = 16; at + 4 <= std::min<uint64_t>(n, box); at += 4) brands.push_back(brand_at(at));
  auto has = [&](const char* b) { return std::find(brands.begin(), brands.end(), b) != brands.end(); };
  if (has("crx ")) return "image/x-canon-cr3";
  if (has("avif") || has("avis")) return "image/avif";
  if (has("heic") || has("heix") || has("heim") || has("heis")) return "image/heic";
  if (has("hevc") || has("hevx")) return "image/heic-sequence";
  if (has("mif1") || has("msf1")) return "image/heif";
  return {};
}

void add_file(const std::string& path, ScanResult& out) {
  LocalImage img;
  img.path = path;
  img.filename = api_filename(fs::path(path).filename().string());
  if (img.filename.starts_with("._")) {  // macOS AppleDouble sidecar, named like the image it sits beside
    out.skipped.push_back({path, "a macOS metadata file (._name), not an image"});
    return;
  }
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    out.unreadable.push_back({path, std::string("cannot read: ") + std::strerror(errno)});
    return;
  }
  struct stat st {};
  std::array<uint8_t, 64> head{};
  ssize_t got = -1;
  if (::fstat(fd, &st) == 0) got = ::pread(fd, head.data(), head.size(), 0);
  int err = errno;
  ::close(fd);
  if (got < 0) {
    out.unreadable.push_back({path, std::string("cannot read: ") + std::strerror(err)});
    return;
  }
  img.size = static_cast<uint64_t>(st.st_size);
  img.content_type = image_content_type(img.filename, head.data(), static_cast<size_t>(got));
  if (img.content_type.empty()) {
    out.skipped.push_back({path, "not an image (neither its first bytes nor its extension say so)"});
    return;
  }
  if (img.size == 0) {
    out.skipped.push_back({path, "empty file"});
    return;
  }
  out.images.push_back(std::move(img));
}

}  // namespace

std::string image_content_type(const std::string& filename, const uint8_t* head, size_t head_size) {
  const auto& by_ext = types_by_extension();
  auto ext = by_ext.find(extension_of(filename));
  std::string from_ext = ext == by_ext.end() ? std::string() : ext->second;
  switch (meta::detect_format(meta::ByteView(std::span<const uint8_t>(head, head_size)))) {
    case meta::Format::Jpeg: return "image/jpeg";
    case meta::Format::Png: return "image/png";
    case meta::Format::Gif: return "image/gif";
    case meta::Format::WebP: return "image/webp";
    case meta::Format::Tiff:
      // DNG, CR2, NEF, ARW, ORF and RW2 are TIFF inside; their extension is more precise.
      return from_ext.starts_with("image/x-") ? from_ext : "image/tiff";
    case meta::Format::Isobmff: return isobmff_type(head, head_size);
    case meta::Format::Bmp: return "image/bmp";
    case meta::Format::Ico: return "image/x-icon";
    case meta::Format::Jxl: return "image/jxl";
    case meta::Format::Raf: return "image/x-fuji-raf";
    case meta::Format::Unknown: break;
  }
  return from_ext;  // a format the sniffer does not know, or a damaged header
}

std::string clean_text(std::string_view name, char control) {
  std::string out;
  size_t i = 0;
  while (i < name.size()) {
    unsigned char c = static_cast<unsigned char>(name[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    bool ok = n != 0 && n <= name.size() - i;
    for (size_t k = 1; ok && k < n; ++k) ok = (static_cast<unsigned char>(name[i + k]) >> 6) == 2;
    if (!ok) {
      out += "\xEF\xBF\xBD";  // U+FFFD for one stray byte
      i += 1;
    } else if (n == 1 && (c < 0x20 || c == 0x7f)) {
      out.push_back(control);
      i += 1;
    } else {
      out.append(name.substr(i, n));
      i += n;
    }
  }
  return out;
}

std::string api_filename(std::string_view name) {
  constexpr size_t kMaxBytes = 255;
  std::string out = clean_text(name, '_');
  if (out.empty()) out = "file";
  if (out.size() > kMaxBytes) {
    std::string ext;
    if (auto dot = out.rfind('.'); dot != std::string::npos && out.size() - dot <= 16) ext = out.substr(dot);
    size_t keep = kMaxBytes - ext.size();
    while (keep > 0 && (static_cast<unsigned char>(out[keep]) >> 6) == 2) --keep;  // not inside a character
    out = out.substr(0, keep) + ext;
  }
  return out;
}

ScanResult scan_paths(const std::vector<std::string>& paths) {
  ScanResult out;
  for (const auto& p : paths) {
    std::error_code ec;
    auto status = fs::status(p, ec);
    if (ec || !fs::exists(status)) {
      // A dangling symlink exists as a link but not as a file.
      std::error_code lec;
      bool link = fs::is_symlink(fs::symlink_status(p, lec));
      out.unreadable.push_back({p, link ? "cannot read: the symlink points at nothing" : "no such file or directory"});
      continue;
    }
    if (!fs::is_directory(status)) {
      if (fs::is_regular_file(status)) add_file(p, out);
      else out.skipped.push_back({p, "not a regular file"});
      continue;
    }
    std::vector<std::string> files;
    std::vector<PathNote> problems;
    fs::recursive_directory_iterator it(p, fs::directory_options::none, ec), end;
    if (ec) {
      out.unreadable.push_back({p, "cannot list the folder: " + ec.message()});
      continue;
    }
    for (; it != end; it.increment(ec)) {
      if (ec) {
        problems.push_back({p, "cannot list part of the folder: " + ec.message()});
        break;
      }
      const auto& entry = *it;
      std::error_code e2;
      if (entry.is_symlink(e2) && entry.is_directory(e2)) {
        it.disable_recursion_pending();
        out.skipped.push_back({entry.path().string(), "a symlink to a folder (not followed)"});
        continue;
      }
      if (entry.is_directory(e2)) continue;
      if (entry.is_regular_file(e2)) files.push_back(entry.path().string());
      else if (entry.is_symlink(e2)) problems.push_back({entry.path().string(), "cannot read: the symlink points at nothing"});
      else out.skipped.push_back({entry.path().string(), "not a regular file"});
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) add_file(f, out);
    for (auto& pr : problems) out.unreadable.push_back(std::move(pr));
  }
  return out;
}

meta::Result<std::string> sha256_file(const std::string& path, const std::function<void(uint64_t)>& on_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return make_error(meta::Errc::Io, "cannot read: " + std::string(std::strerror(errno)));
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) {
    ::close(fd);
    return make_error("SHA-256: OpenSSL could not start a digest");
  }
  std::vector<uint8_t> buf(1 << 20);
  for (;;) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return make_error(meta::Errc::Io, "cannot read: " + std::string(std::strerror(err)));
    }
    if (n == 0) break;
    EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<size_t>(n));
    if (on_bytes) on_bytes(static_cast<uint64_t>(n));
  }
  ::close(fd);
  std::array<uint8_t, 32> digest{};
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx.get(), digest.data(), &len);
  return meta::hex_lower(digest);
}

}  // namespace imgmeta::cli
