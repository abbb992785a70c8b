// WebP. Sections named below are those of Google's "WebP Container Specification" (also
// RFC 9649, section 2), its lossless bitstream specification (RFC 9649, section 3), and the VP8
// frame header of RFC 6386. Field names follow ExifTool's RIFF tables.
//
// The parser reads each chunk header and, of the image chunks, only their first bytes: one
// hop per chunk, and the image data itself is never fetched.
#include <algorithm>
#include <string>
#include <string_view>

#include "meta/formats.hpp"

namespace imgmeta::meta {
namespace {

constexpr uint64_t kRiffHeaderSize = 12;   // "RIFF", size, "WEBP"
constexpr uint64_t kChunkHeaderSize = 8;   // FourCC, little-endian size

constexpr Endian kLE = Endian::Little;

// The FourCC at the start of v, non-printing bytes (and any beyond v's end) shown as '?'.
std::string fourcc_text(ByteView v) {
  std::string s(4, '?');
  for (size_t i = 0; i < 4 && i < v.size(); ++i)
    if (v[i] >= 0x20 && v[i] < 0x7F) s[i] = static_cast<char>(v[i]);
  return s;
}

class WebpParser {
 public:
  explicit WebpParser(Context& ctx) : ctx_(ctx), md_(ctx.md), r_(ctx.reader) {}
  void walk();
  void finish();

 private:
  // The first `n` bytes of a chunk's data (fewer when the file ends first).
  Result<ByteView> head(uint64_t data, uint32_t length, size_t n) {
    return r_.view_upto(data, std::min<size_t>(n, length));
  }
  Status on_vp8(ByteView d);
  Status on_vp8l(ByteView d);
  Status on_vp8x(ByteView d);
  Status on_anim(ByteView d);
  Status on_anmf(ByteView d);
  Status on_alph(ByteView d);
  void on_metadata(const std::string& fourcc, uint64_t data, uint32_t length);

  Context& ctx_;
  Metadata& md_;
  Reader& r_;
  uint64_t frames_ = 0;
  uint64_t duration_ms_ = 0;
  bool alpha_ = false;
  bool alph_seen_ = false;
};

// "RIFF File Format": chunks of FourCC, 32-bit little-endian size and data, padded to an
// even length. The RIFF size in the header is not trusted: the walk is bounded by the file.
void WebpParser::walk() {
  const uint64_t size = r_.size();
  uint64_t pos = kRiffHeaderSize;
  uint32_t chunks = 0;
  while (pos < size) {
    if (size - pos < kChunkHeaderSize) {
      md_.warn("Error reading RIFF file (corrupted?): " + std::to_string(size - pos) + " stray bytes at " +
               hex_offset(pos));
      return;
    }
    if (++chunks > ctx_.limits().max_segments) {
      md_.warn("WebP: stopped after " + std::to_string(ctx_.limits().max_segments) + " chunks");
      return;
    }
    auto header = r_.view(pos, kChunkHeaderSize);
    if (!header) {
      md_.warn("WebP chunk header at " + hex_offset(pos) + ": " + header.error().message);
      return;
    }
    const std::string fourcc = fourcc_text(*header);
    auto length_field = header->u32(4, kLE);
    if (!length_field) {
      md_.warn("WebP chunk header at " + hex_offset(pos) + ": " + length_field.error().message);
      return;
    }
    const uint32_t length = *length_field;
    const uint64_t data = pos + kChunkHeaderSize;
    const bool truncated = length > size - data;

    Status handled = ok_status();
    auto with_head = [&](size_t n, Status (WebpParser::*on)(ByteView)) {
      auto d = head(data, length, n);
      handled = d ? (this->*on)(*d) : Status(d.error());
    };
    if (fourcc == "VP8 ") with_head(10, &WebpParser::on_vp8);
    else if (fourcc == "VP8L") with_head(5, &WebpParser::on_vp8l);
    else if (fourcc == "VP8X") with_head(10, &WebpParser::on_vp8x);
    else if (fourcc == "ANIM") with_head(6, &WebpParser::on_anim);
    else if (fourcc == "ANMF") with_head(16, &WebpParser::on_anmf);
    else if (fourcc == "ALPH") with_head(1, &WebpParser::on_alph);
    else if (!truncated && (fourcc == "ICCP" || fourcc == "EXIF" || fourcc == "XMP ")) on_metadata(fourcc, data, length);
    if (!handled) {
      md_.warn("WebP " + fourcc + " chunk at " + hex_offset(pos) + ": " + handled.error().message);
      return;
    }
    if (truncated) {
      md_.warn("Error reading RIFF file (corrupted?): " + fourcc + " chunk at " + hex_offset(pos) + " claims " +
               std::to_string(length) + " bytes, " + std::to_string(size - data) + " remain");
      return;
    }
    pos = data + length + (length & 1);
  }
}

// RFC 6386 9.1: a 3-byte frame tag (bit 0: 0 for a key frame; bits 1-3: version), then for
// key frames the start code 9d 01 2a and two 16-bit fields: 14 bits of size, 2 of scale.
Status WebpParser::on_vp8(ByteView d) {
  if (d.size() < 10 || d[3] != 0x9D || d[4] != 0x01 || d[5] != 0x2A) {
    md_.warn("WebP VP8 chunk: no key frame start code");
    return ok_status();
  }
  md_.set("VP8Version"_f, int64_t{(d[0] >> 1) & 0x07});
  const uint16_t w = TRY(d.u16(6, kLE));
  const uint16_t h = TRY(d.u16(8, kLE));
  // The VP8X canvas size, when there is one, wins (ExifTool gives these priority 0).
  md_.set_default("ImageWidth"_f, int64_t{w & 0x3FFF});
  md_.set("HorizontalScale"_f, int64_t{w >> 14});
  md_.set_default("ImageHeight"_f, int64_t{h & 0x3FFF});
  md_.set("VerticalScale"_f, int64_t{h >> 14});
  return ok_status();
}

// Lossless bitstream, "RIFF Header": signature 0x2f, then 14 bits width - 1, 14 bits
// height - 1, 1 bit alpha_is_used, 3 bits version (least significant bits first).
Status WebpParser::on_vp8l(ByteView d) {
  if (d.size() < 5 || d[0] != 0x2F) {
    md_.warn("WebP VP8L chunk: no lossless signature");
    return ok_status();
  }
  const uint32_t bits = TRY(d.u32(1, kLE));
  md_.set_default("ImageWidth"_f, int64_t{(bits & 0x3FFF) + 1});
  md_.set_default("ImageHeight"_f, int64_t{((bits >> 14) & 0x3FFF) + 1});
  if ((bits >> 28) & 1) alpha_ = true;
  return ok_status();
}

// "Extended File Format", VP8X: flags (Reserved 2, ICC 1, Alpha 1, EXIF 1, XMP 1, Animation
// 1, Reserved 1; most significant first), 24 reserved bits, canvas width - 1 and height - 1
// (24 bits each).
Status WebpParser::on_vp8x(ByteView d) {
  if (d.size() < 10) {
    md_.warn("WebP VP8X chunk: " + std::to_string(d.size()) + " bytes, expected 10");
    return ok_status();
  }
  md_.set("FileType"_f, std::string("Extended WEBP"));
  md_.set("WebP_Flags"_f, int64_t{TRY(d.u32(0, kLE))});
  md_.set("ImageWidth"_f, int64_t{TRY(d.u24(4, kLE))} + 1);
  md_.set("ImageHeight"_f, int64_t{TRY(d.u24(7, kLE))} + 1);
  if (d[0] & 0x10) alpha_ = true;
  return ok_status();
}

// ANIM: background color (bytes in Blue, Green, Red, Alpha order) and loop count (0 = forever).
Status WebpParser::on_anim(ByteView d) {
  if (d.size() < 6) return ok_status();
  md_.set("BackgroundColor"_f, std::to_string(d[0]) + " " + std::to_string(d[1]) + " " + std::to_string(d[2]) + " " +
                                 std::to_string(d[3]));
  md_.set("AnimationLoopCount"_f, int64_t{TRY(d.u16(4, kLE))});
  return ok_status();
}

// ANMF: frame X, Y, width - 1, height - 1 (24 bits each), duration in milliseconds (24 bits),
// flags; the frame's own chunks follow and are not read.
Status WebpParser::on_anmf(ByteView d) {
  if (d.size() < 16) return ok_status();
  if (frames_ >= ctx_.limits().max_frames) {
    if (frames_ == ctx_.limits().max_frames) md_.warn("WebP: stopped counting frames at " + std::to_string(frames_));
    frames_ = ctx_.limits().max_frames + 1;
    return ok_status();
  }
  ++frames_;
  duration_ms_ += TRY(d.u24(12, kLE));
  return ok_status();
}

// ALPH: one header byte: Reserved 2 bits, Preprocessing 2, Filtering method 2, Compression 2
// (most significant first). ExifTool 12.57 reads all three from the low two bits; this follows
// the specification.
Status WebpParser::on_alph(ByteView d) {
  if (d.empty() || alph_seen_) return ok_status();
  alph_seen_ = true;
  alpha_ = true;
  md_.set("AlphaPreprocessing"_f, int64_t{(d[0] >> 4) & 0x03});
  md_.set("AlphaFiltering"_f, int64_t{(d[0] >> 2) & 0x03});
  md_.set("AlphaCompression"_f, int64_t{d[0] & 0x03});
  return ok_status();
}

// "Color Profile" (ICCP) and "Metadata" (EXIF, XMP) chunks: whole blocks for their parsers.
void WebpParser::on_metadata(const std::string& fourcc, uint64_t data, uint32_t length) {
  if (length > ctx_.limits().max_value_bytes) {
    md_.warn("WebP " + fourcc + " chunk: " + std::to_string(length) + " bytes exceed the " +
             std::to_string(ctx_.limits().max_value_bytes) + "-byte limit; skipped");
    return;
  }
  auto bytes = r_.view(data, length);
  if (!bytes) {
    md_.warn("WebP " + fourcc + " chunk: " + bytes.error().message);
    return;
  }
  ByteView block = *bytes;
  if (fourcc == "ICCP") {
    parse_icc(block, ctx_);
  } else if (fourcc == "XMP ") {
    parse_xmp(block.chars(0, block.size()), ctx_);
  } else {
    // The specification wants the TIFF header first; some writers put JPEG's "Exif\0\0" before it.
    uint64_t tiff_offset = data;
    if (block.starts_with(kExifPrefix)) {
      md_.warn("[minor] Improper EXIF header");
      block = ByteView(block.span().subspan(kExifPrefix.size()));
      tiff_offset += kExifPrefix.size();
    }
    if (!tiff_header_at(block)) {
      md_.warn("WebP EXIF chunk at " + hex_offset(data - kChunkHeaderSize) + ": no TIFF byte-order mark");
      return;
    }
    parse_exif(block, tiff_offset, ctx_);
  }
}

void WebpParser::finish() {
  if (frames_ > 0) {
    md_.set("FrameCount"_f, static_cast<int64_t>(std::min<uint64_t>(frames_, ctx_.limits().max_frames)));
    md_.set("Duration"_f, static_cast<double>(duration_ms_) / 1000.0);
  }
  // Not an ExifTool field: the VP8X alpha flag, the lossless alpha hint or an ALPH chunk.
  md_.set("HasAlpha"_f, alpha_);
}

}  // namespace

// "RIFF File Format", "WebP File Header": "RIFF", file size - 8 (little-endian), "WEBP".
Status parse_webp(Context& ctx) {
  ByteView h = TRY(ctx.reader.view_upto(0, kRiffHeaderSize));
  if (!h.starts_with("RIFF") || !h.equals_at(8, "WEBP"))
    return make_error("WebP: the 12-byte RIFF header with form type WEBP is missing");
  ctx.md.set("FileType"_f, std::string("WEBP"));
  ctx.md.set("FileTypeExtension"_f, std::string("WEBP"));
  ctx.md.set("MIMEType"_f, std::string("image/webp"));
  WebpParser parser(ctx);
  parser.walk();
  parser.finish();
  return ok_status();
}

}  // namespace imgmeta::meta
