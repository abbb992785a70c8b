// Container detection by magic bytes; the file name is never consulted.
#include <string_view>

#include "meta/formats.hpp"

namespace imgmeta::meta {
namespace {

// The magic is given with its length: several contain NUL bytes.
bool starts(ByteView h, const char* magic, size_t n, size_t at = 0) { return h.equals_at(at, std::string_view(magic, n)); }

}  // namespace

Format detect_format(ByteView h) {
  if (starts(h, "\xFF\xD8\xFF", 3)) return Format::Jpeg;
  if (starts(h, "\x89PNG\r\n\x1A\n", 8)) return Format::Png;
  if (starts(h, "GIF87a", 6) || starts(h, "GIF89a", 6)) return Format::Gif;
  if (starts(h, "RIFF", 4) && starts(h, "WEBP", 4, 8)) return Format::WebP;
  // TIFF 6.0 section 2 (byte order + 42), BigTIFF (43), Olympus ORF ("IIRO"/"IIRS"/"MMOR"),
  // Panasonic RW2 ("IIU\0").
  if (starts(h, "II*\0", 4) || starts(h, "MM\0*", 4) || starts(h, "II+\0", 4) || starts(h, "MM\0+", 4) ||
      starts(h, "IIRO", 4) || starts(h, "IIRS", 4) || starts(h, "MMOR", 4) || starts(h, "IIU\0", 4))
    return Format::Tiff;
  // JPEG XL: bare codestream (ISO/IEC 18181-1) or the container's signature box (18181-2).
  if (starts(h, "\xFF\x0A", 2) || starts(h, "\0\0\0\x0CJXL \r\n\x87\n", 12)) return Format::Jxl;
  // ISOBMFF (ISO/IEC 14496-12 4.3): the first box is 'ftyp'.
  if (starts(h, "ftyp", 4, 4)) return Format::Isobmff;
  // FujiFilm RAF: "FUJIFILMCCD-RAW " (ExifTool checks the first 8 bytes).
  if (starts(h, "FUJIFILM", 8)) return Format::Raf;
  if (starts(h, "BM", 2) && h.size() >= 18) return Format::Bmp;
  if (starts(h, "\0\0\1\0", 4) || starts(h, "\0\0\2\0", 4)) return Format::Ico;
  return Format::Unknown;
}

}  // namespace imgmeta::meta
