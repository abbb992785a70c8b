// Which decoder an upload goes to, from its first bytes (never from its name). Anything not
// listed here is refused before any library sees it.
#pragma once

#include <cstdint>
#include <span>

namespace imgmeta::preview {

enum class Format { Unknown, Jpeg, Png, Gif, WebP, Tiff, Heif, Avif, Jxl, Bmp, Ico, Raf, Cr3 };

const char* format_name(Format format);

// head: at least the first 32 bytes of the file when it has them.
Format detect_format(std::span<const uint8_t> head);

}  // namespace imgmeta::preview
