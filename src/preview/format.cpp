#include "preview/format.hpp"

#include <cstring>
#include <string_view>

namespace imgmeta::preview {

const char* format_name(Format format) {
  switch (format) {
    case Format::Jpeg: return "JPEG";
    case Format::Png: return "PNG";
    case Format::Gif: return "GIF";
    case Format::WebP: return "WebP";
    case Format::Tiff: return "TIFF";
    case Format::Heif: return "HEIF";
    case Format::Avif: return "AVIF";
    case Format::Jxl: return "JPEG XL";
    case Format::Bmp: return "BMP";
    case Format::Ico: return "ICO";
    case Format::Raf: return "RAF";
    case Format::Cr3: return "CR3";
    case Format::Unknown: break;
  }
  return "unknown";
}

namespace {

bool starts(std::span<const uint8_t> head, size_t at, std::string_view magic) {
  return head.size() >= at + magic.size() && std::memcmp(head.data() + at, magic.data(), magic.size()) == 0;
}

// ISO/IEC 14496-12 4.3 (FileTypeBox): the major brand and the compatible brands that follow.
Format isobmff_brand(std::span<const uint8_t> head) {
  if (head.size() < 16) return Format::Unknown;
  size_t box = size_t(head[0]) << 24 | size_t(head[1]) << 16 | size_t(head[2]) << 8 | head[3];
  size_t end = box < head.size() ? box : head.size();
  auto is = [&](size_t at, std::string_view brand) { return at + 4 <= end && starts(head, at, brand); };
  if (is(8, "crx ")) return Format::Cr3;
  // The major brand decides; a file whose major brand is a generic one (mif1, msf1) is
  // AVIF when it lists avif/avis, HEIF otherwise.
  if (is(8, "avif") || is(8, "avis")) return Format::Avif;
  for (std::string_view b : {"heic", "heix", "hevc", "hevx", "heim", "heis", "hevm", "hevs"})
    if (is(8, b)) return Format::Heif;
  bool generic = is(8, "mif1") || is(8, "msf1") || is(8, "miaf");
  if (!generic) return Format::Unknown;
  Format found = Format::Heif;
  for (size_t at = 16; at + 4 <= end; at += 4) {
    if (is(at, "avif") || is(at, "avis")) return Format::Avif;
  }
  return found;
}

}  // namespace

Format detect_format(std::span<const uint8_t> head) {
  using namespace std::string_view_literals;
  if (starts(head, 0, "\xFF\xD8\xFF"sv)) return Format::Jpeg;
  if (starts(head, 0, "\x89PNG\r\n\x1A\n"sv)) return Format::Png;
  if (starts(head, 0, "GIF87a"sv) || starts(head, 0, "GIF89a"sv)) return Format::Gif;
  if (starts(head, 0, "RIFF"sv) && starts(head, 8, "WEBP"sv)) return Format::WebP;
  if (starts(head, 0, "II*\0"sv) || starts(head, 0, "MM\0*"sv) || starts(head, 0, "II+\0"sv) ||
      starts(head, 0, "MM\0+"sv) || starts(head, 0, "IIU\0"sv) || starts(head, 0, "IIRO"sv) ||
      starts(head, 0, "IIRS"sv) || starts(head, 0, "MMOR"sv))
    return Format::Tiff;
  if (starts(head, 4, "ftyp"sv)) return isobmff_brand(head);
  if (starts(head, 0, "\xFF\x0A"sv) || starts(head, 0, "\0\0\0\x0CJXL \r\n\x87\n"sv)) return Format::Jxl;
  if (starts(head, 0, "BM"sv) && head.size() >= 18) return Format::Bmp;
  if (starts(head, 0, "\0\0\1\0"sv) && head.size() >= 6 && (head[4] | head[5]) != 0) return Format::Ico;
  if (starts(head, 0, "FUJIFILMCCD-RAW "sv)) return Format::Raf;
  return Format::Unknown;
}

}  // namespace imgmeta::preview
