// TIFF files (TIFF 6.0), BigTIFF, and the TIFF-based raw formats (DNG, CR2, NEF/NRW, ARW,
// ORF, RW2, PEF, SRW). Reads the header, then only IFDs and the tag values it reports;
// never strip or tile data.
#include <string>
#include <string_view>

#include "meta/exif_tags.hpp"
#include "meta/formats.hpp"
#include "meta/tiff_ifd.hpp"

namespace imgmeta::meta {
namespace {

struct FileKind {
  std::string_view type;       // ExifTool's FileType
  std::string_view extension;  // FileTypeExtension
  std::string_view mime;       // MIMEType
};

constexpr FileKind kTiff{"TIFF", "TIF", "image/tiff"};
constexpr FileKind kBigTiff{"BTF", "BTF", "image/x-tiff-big"};
constexpr FileKind kOrf{"ORF", "ORF", "image/x-olympus-orf"};
constexpr FileKind kRw2{"RW2", "RW2", "image/x-panasonic-rw2"};
constexpr FileKind kPanasonicRaw{"RAW", "RAW", "image/x-raw"};
constexpr FileKind kCr2{"CR2", "CR2", "image/x-canon-cr2"};
constexpr FileKind kDng{"DNG", "DNG", "image/x-adobe-dng"};
constexpr FileKind kNef{"NEF", "NEF", "image/x-nikon-nef"};
constexpr FileKind kNrw{"NRW", "NRW", "image/x-nikon-nrw"};
constexpr FileKind kArw{"ARW", "ARW", "image/x-sony-arw"};
constexpr FileKind kPef{"PEF", "PEF", "image/x-pentax-pef"};
constexpr FileKind kSrw{"SRW", "SRW", "image/x-samsung-srw"};
constexpr FileKind kDcr{"DCR", "DCR", "image/x-kodak-dcr"};
constexpr FileKind kKdc{"KDC", "KDC", "image/x-kodak-kdc"};

// Panasonic RW2/RWL: 16 bytes after the 8-byte header (ExifTool's check).
constexpr std::string_view kRw2Magic("\x88\xe7\x74\xd8\xf8\x25\x1d\x4d\x94\x7a\x6e\x77\x82\x2b\x5d\x6a", 16);

void set_kind(Metadata& md, const FileKind& kind) {
  md.set("FileType"_f, std::string(kind.type));
  md.set("FileTypeExtension"_f, std::string(kind.extension));
  md.set("MIMEType"_f, std::string(kind.mime));
}

bool starts_with_ci(const std::string* s, std::string_view prefix) {
  if (!s || s->size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    char c = (*s)[i];
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c != prefix[i]) return false;
  }
  return true;
}

// The raw format, from what the IFDs revealed: a raw Compression value (ExifTool's
// IdentifyRawFile), else colour filter array data and the maker (ExifTool goes by the file
// name's extension there, which we never consult).
const FileKind* raw_kind(const TiffFacts& facts, const Metadata& md) {
  switch (facts.raw_compression) {
    case 32767: return &kArw;
    case 32770: case 32772: return &kSrw;
    case 32867: return &kKdc;
    case 34713: return &kNef;
    case 65000: return &kDcr;
    case 65535: return &kPef;
    default: break;
  }
  if (!facts.cfa) return nullptr;
  const std::string* make = md.get_string("Make"_f);
  if (starts_with_ci(make, "NIKON")) return &kNef;
  if (starts_with_ci(make, "SONY")) return &kArw;
  if (starts_with_ci(make, "PENTAX") || starts_with_ci(make, "RICOH")) return &kPef;
  if (starts_with_ci(make, "SAMSUNG")) return &kSrw;
  return nullptr;
}

}  // namespace

Status parse_tiff(Context& ctx) {
  const ByteView head = TRY(ctx.reader.view_upto(0, 32));
  auto header = parse_tiff_header(head);
  if (!header) return make_error("TIFF: " + header.error().message);

  // The container, from the header (TIFF 6.0 section 2; BigTIFF; raw formats' variants).
  const FileKind* kind = &kTiff;
  TiffDecodeOptions options;
  options.container = TiffContainer::TiffFile;
  options.file_offset = 0;
  if (header->big) {
    kind = &kBigTiff;
  } else if (header->magic == 0x4f52 || header->magic == 0x5352) {
    kind = &kOrf;  // "IIRO", "IIRS", "MMOR"
  } else if (header->magic == 0x55) {
    bool rw2 = header->first_ifd >= 0x18 && head.equals_at(8, kRw2Magic);
    kind = rw2 ? &kRw2 : &kPanasonicRaw;
    options.panasonic_raw = true;
  } else if (header->first_ifd >= 16 && head.equals_at(8, std::string_view("CR\x02\0", 4))) {
    kind = &kCr2;  // Canon CR2: "CR", major version 2, minor 0, after the TIFF header
    options.canon_cr2 = true;
  }
  options.jpeg_strips_are_previews = kind == &kTiff;
  set_kind(ctx.md, *kind);
  if (!header->big) ctx.md.set("ExifByteOrder"_f, header->endian == Endian::Little ? "II" : "MM");

  IfdWalker walker(ctx.reader, 0, *header, ctx.limits(), ctx.md);
  TiffFacts facts = decode_tiff(walker, options, ctx);

  // What the IFDs say about the format (ExifTool's order: raw compression, then DNGVersion).
  if (kind == &kTiff) {
    if (const FileKind* raw = raw_kind(facts, ctx.md)) kind = raw;
    // ExifTool: a NEF whose IFD0 holds a JPEG thumbnail is a Coolpix NRW.
    if (kind == &kNef && facts.ifd0_compression == 6 && facts.ifd0_thumbnail) kind = &kNrw;
  }
  if (facts.dng) kind = &kDng;
  set_kind(ctx.md, *kind);

  // ExifTool reports PageCount for multi-page documents only (SubfileType says so).
  if ((kind == &kTiff || kind == &kBigTiff) && facts.multi_page)
    ctx.md.set("PageCount"_f, static_cast<int64_t>(facts.page_count));
  // The images in the IFD0 chain, whatever their SubfileType.
  ctx.md.set("FrameCount"_f, static_cast<int64_t>(facts.chain_ifds));
  return ok_status();
}

}  // namespace imgmeta::meta
