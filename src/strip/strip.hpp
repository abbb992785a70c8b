// Removing metadata from an image's bytes without touching its pixels, for share links
// (the recipient gets the photo, not where it was taken). The encoded image data is copied
// as it is; only the metadata blocks are dropped or rewritten:
//   JPEG  APP1 Exif / XMP, APP13 Photoshop-IRB (IPTC), COM
//   PNG   eXIf, tEXt/zTXt/iTXt holding XMP or raw EXIF/IPTC profiles
//   WebP  the EXIF and XMP chunks (and the VP8X flags that announce them)
//   TIFF  the GPS IFD, and for Keep::Nothing every tag that is not needed to decode
// Other formats answer Error{"Unsupported"}; callers then serve a rendition instead.
// Untrusted input: every offset and length is checked; malformed input answers
// Error{"Malformed"}, never a partly stripped image.
#pragma once

#include <string>
#include <string_view>

#include "meta/result.hpp"

namespace imgmeta::strip {

enum class Keep {
  AllButLocation,  // every GPS field goes (EXIF GPS IFD, XMP GPS properties); the rest stays
  Nothing,         // all EXIF, XMP and IPTC go
};

meta::Result<std::string> strip_metadata(std::string_view image, Keep keep);

}  // namespace imgmeta::strip
