// GIF87a and GIF89a. Section numbers are those of the GIF89a specification (CompuServe,
// 1990). Field names follow ExifTool's GIF tables.
//
// Frame count and total duration need every block, so the parser walks the whole file, but
// only its block structure: each data sub-block is skipped by its length byte and never read.
#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "meta/formats.hpp"

namespace imgmeta::meta {
namespace {

constexpr uint8_t kImageSeparator = 0x2C;     // 20
constexpr uint8_t kExtensionIntroducer = 0x21;
constexpr uint8_t kTrailer = 0x3B;            // 27
constexpr uint8_t kGraphicControlLabel = 0xF9;  // 23
constexpr uint8_t kCommentLabel = 0xFE;       // 24
constexpr uint8_t kPlainTextLabel = 0x01;     // 25
constexpr uint8_t kApplicationLabel = 0xFF;   // 26
constexpr size_t kSkipWindow = 4096;

// Comments and plain text are 7-bit ASCII by the spec (24, 25). Writers put UTF-8 there, and
// older ones a single-byte code page: text that is not valid UTF-8 is read as Latin-1.
std::string decode_text(std::string_view s) {
  if (sanitize_text(s) == s) return std::string(s);
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c == 0) continue;
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else {
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return out;
}

// Where an interrupted walk stopped and why, for the warning.
struct Stop {
  std::string why;
};

class GifParser {
 public:
  explicit GifParser(Context& ctx) : ctx_(ctx), md_(ctx.md), r_(ctx.reader) {}
  void walk(uint64_t pos);
  void finish();

 private:
  // 15. Data Sub-blocks: a size byte (1-255) and that many bytes, until a zero size byte (the
  // Block Terminator). Returns the offset after the terminator; with `collect`, appends the
  // data to it (bounded by Limits::max_value_bytes), with `keep_sizes` including size bytes.
  Result<uint64_t> sub_blocks(uint64_t pos, std::string* collect = nullptr, bool keep_sizes = false);
  Result<uint64_t> image(uint64_t pos);
  Result<uint64_t> extension(uint64_t pos);
  Result<uint64_t> application(uint64_t pos);

  Context& ctx_;
  Metadata& md_;
  Reader& r_;
  uint64_t frames_ = 0;
  uint64_t delay_ = 0;  // hundredths of a second
  int transparent_ = -1;  // the last transparent color index given, as ExifTool reports it
  bool comment_seen_ = false;
  bool frames_capped_ = false;
};

Result<uint64_t> GifParser::sub_blocks(uint64_t pos, std::string* collect, bool keep_sizes) {
  if (!collect) {
    // Skipping only: hop from size byte to size byte through a piece of the file, so the
    // Reader is asked once per piece rather than once per 255-byte sub-block.
    for (;;) {
      ByteView w = TRY(r_.view_piece(pos, kSkipWindow));
      if (w.empty()) return make_error("data sub-blocks at " + hex_offset(pos) + " run past the end");
      size_t i = 0;
      while (i < w.size()) {
        if (w[i] == 0) return pos + i + 1;
        i += size_t{w[i]} + 1;
      }
      pos += i;
    }
  }
  const uint64_t limit = ctx_.limits().max_value_bytes;
  bool cut = false;
  for (;;) {
    const uint8_t size = TRY(r_.u8(pos));
    if (size == 0) {
      if (cut) md_.warn("GIF: block data at " + hex_offset(pos) + " longer than " + std::to_string(limit) +
                        " bytes; cut there");
      return pos + 1;
    }
    if (collect) {
      if (collect->size() + size + 1 > limit) {
        cut = true;
      } else {
        ByteView v = TRY(r_.view(pos + 1, size));
        if (keep_sizes) collect->push_back(static_cast<char>(size));
        collect->append(v.chars(0, v.size()));
      }
    }
    if (uint64_t{size} + 1 > r_.size() - pos) return make_error("data sub-block at " + hex_offset(pos) + " runs past the end");
    pos += uint64_t{size} + 1;
  }
}

// 20. Image Descriptor (10 bytes with the separator), 21. Local Color Table, 22. Table Based
// Image Data: the LZW minimum code size and the data sub-blocks.
Result<uint64_t> GifParser::image(uint64_t pos) {
  ByteView d = TRY(r_.view(pos, 10));
  const uint8_t packed = d[9];
  pos += 10;
  if (packed & 0x80) pos += 3 * (uint64_t{2} << (packed & 0x07));
  pos += 1;  // LZW minimum code size
  if (pos > r_.size()) return make_error("image at " + hex_offset(pos) + " cut short");
  if (frames_ < ctx_.limits().max_frames)
    ++frames_;
  else
    frames_capped_ = true;
  return sub_blocks(pos);
}

Result<uint64_t> GifParser::extension(uint64_t pos) {
  const uint8_t label = TRY(r_.u8(pos + 1));
  const uint64_t body = pos + 2;
  switch (label) {
    case kGraphicControlLabel: {
      // 23. Graphic Control Extension: block size 4, packed fields, delay time (1/100 s,
      // little-endian), transparent color index.
      ByteView d = TRY(r_.view(body, 1));
      if (d[0] == 4) {
        ByteView g = TRY(r_.view(body + 1, 4));
        delay_ += static_cast<uint64_t>(g[1] | (g[2] << 8));
        if (g[0] & 0x01) transparent_ = g[3];
      }
      return sub_blocks(body);
    }
    case kCommentLabel: {
      // 24. Comment Extension. ExifTool keeps the first comment when there are several.
      std::string text;
      uint64_t next = TRY(sub_blocks(body, comment_seen_ ? nullptr : &text));
      if (!comment_seen_ && !text.empty()) {
        md_.set("Comment"_f, decode_text(text));
        comment_seen_ = true;
      }
      return next;
    }
    case kPlainTextLabel: {
      // 25. Plain Text Extension: a 12-byte block of grid values, then the text.
      const uint8_t size = TRY(r_.u8(body));
      std::string text;
      uint64_t next = TRY(sub_blocks(body + 1 + size, &text));
      if (!text.empty()) md_.set("Text"_f, decode_text(text));
      return next;
    }
    case kApplicationLabel:
      return application(body);
    default:
      return sub_blocks(body);
  }
}

// 26. Application Extension: block size 11, application identifier (8) and authentication
// code (3), then the application data in sub-blocks.
Result<uint64_t> GifParser::application(uint64_t pos) {
  const uint8_t size = TRY(r_.u8(pos));
  if (size != 11) return sub_blocks(pos);
  ByteView idv = TRY(r_.view(pos + 1, 11));
  const std::string id(idv.chars(0, 11));
  const uint64_t data = pos + 12;
  if (id == "NETSCAPE2.0" || id == "ANIMEXTS1.0") {
    // Netscape looping extension: sub-block [1, loop count (little-endian u16)]; 0 = forever.
    ByteView d = TRY(r_.view_upto(data, 4));
    if (d.size() == 4 && d[0] >= 3 && d[1] == 1) {
      const int64_t loops = d[2] | (d[3] << 8);
      md_.set("AnimationIterations"_f, loops);
      md_.set("LoopCount"_f, loops);
    }
    return sub_blocks(data);
  }
  if (id == "XMP DataXMP") {
    // XMP's GIF embedding (XMP specification part 3, 1.1.2): the packet is stored raw, so its
    // bytes double as sub-block sizes, and a 258-byte "magic trailer" (1, 0xFF..0x00, 0)
    // brings any walk through them back to the terminator. Collect with the size bytes and
    // keep the text up to the end of the packet.
    std::string raw;
    const uint64_t next = TRY(sub_blocks(data, &raw, /*keep_sizes=*/true));
    std::string_view xml(raw);
    const size_t end_pi = xml.find("<?xpacket end=");
    if (end_pi != std::string_view::npos) {
      const size_t close = xml.find("?>", end_pi);
      if (close != std::string_view::npos) xml = xml.substr(0, close + 2);
    } else {
      const size_t last = xml.rfind('>');
      if (last != std::string_view::npos) xml = xml.substr(0, last + 1);
    }
    parse_xmp(xml, ctx_);
    return next;
  }
  if (id == "ICCRGBG1012") {
    // ICC's GIF embedding (ICC.1 annex B.6): the profile split over the sub-blocks.
    std::string profile;
    const uint64_t next = TRY(sub_blocks(data, &profile));
    parse_icc(ByteView(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(profile.data()), profile.size())),
              ctx_);
    return next;
  }
  return sub_blocks(data);
}

// 17-27: after the header, screen descriptor and global color table come blocks introduced
// by 0x2C (image), 0x21 (extension) or 0x3B (trailer).
void GifParser::walk(uint64_t pos) {
  const uint64_t size = r_.size();
  for (;;) {
    if (frames_capped_) {
      md_.warn("GIF: stopped counting frames at " + std::to_string(ctx_.limits().max_frames));
      return;
    }
    if (pos >= size) {
      md_.warn("Truncated GIF: no trailer before the end of the file");
      return;
    }
    auto intro = r_.u8(pos);
    if (!intro) {
      md_.warn("GIF block at " + hex_offset(pos) + ": " + intro.error().message);
      return;
    }
    Result<uint64_t> next = uint64_t{0};
    if (*intro == kTrailer) return;
    if (*intro == kImageSeparator) {
      next = image(pos);
    } else if (*intro == kExtensionIntroducer) {
      next = extension(pos);
    } else {
      md_.warn("GIF: unknown block introducer " + std::to_string(*intro) + " at " + hex_offset(pos) + "; stopped");
      return;
    }
    if (!next) {
      md_.warn("Truncated GIF: " + next.error().message);
      return;
    }
    pos = *next;
  }
}

void GifParser::finish() {
  if (transparent_ >= 0) md_.set("TransparentColor"_f, int64_t{transparent_});
  // ExifTool reports these only for animations.
  if (frames_ > 1) md_.set("FrameCount"_f, static_cast<int64_t>(frames_));
  if (delay_ > 0) md_.set("Duration"_f, static_cast<double>(delay_) / 100.0);
}

}  // namespace

Status parse_gif(Context& ctx) {
  // 17. Header: "GIF" and the version "87a" or "89a". 18. Logical Screen Descriptor: width,
  // height (little-endian), packed fields, background color index, pixel aspect ratio.
  ByteView h = TRY(ctx.reader.view_upto(0, 13));
  if (h.size() < 13 || !h.starts_with("GIF8") || (h[4] != '7' && h[4] != '9') || h[5] != 'a')
    return make_error("GIF: header and logical screen descriptor need 13 bytes, starting \"GIF87a\" or \"GIF89a\"");
  Metadata& md = ctx.md;
  md.set("FileType"_f, std::string("GIF"));
  md.set("FileTypeExtension"_f, std::string("GIF"));
  md.set("MIMEType"_f, std::string("image/gif"));
  md.set("GIFVersion"_f, std::string(h.chars(3, 3)));
  md.set("ImageWidth"_f, int64_t{h[6] | (h[7] << 8)});
  md.set("ImageHeight"_f, int64_t{h[8] | (h[9] << 8)});
  const uint8_t packed = h[10];
  md.set("HasColorMap"_f, int64_t{packed >> 7});
  md.set("ColorResolutionDepth"_f, int64_t{((packed >> 4) & 0x07) + 1});
  md.set("BitsPerPixel"_f, int64_t{(packed & 0x07) + 1});
  md.set("BackgroundColor"_f, int64_t{h[11]});
  // 18: aspect ratio = (value + 15) / 64, 0 = not given.
  if (h[12] != 0) md.set("PixelAspectRatio"_f, (h[12] + 15) / 64.0);

  uint64_t pos = 13;
  // 19. Global Color Table: 3 * 2^(size+1) bytes.
  if (packed & 0x80) pos += 3 * (uint64_t{2} << (packed & 0x07));
  GifParser parser(ctx);
  parser.walk(pos);
  parser.finish();
  return ok_status();
}

}  // namespace imgmeta::meta
