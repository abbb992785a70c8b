// JPEG XL: the bare codestream (ISO/IEC 18181-1:2024) and the ISOBMFF-style container
// (ISO/IEC 18181-2:2024). From the codestream only the headers are read: SizeHeader (18181-1
// A.4.1) and the start of ImageMetadata (A.4.2 ff.) for bit depth, orientation and alpha.
// From the container: ftyp, the Exif and xml (XMP) boxes, and the first bytes of the
// codestream in jxlc or across jxlp boxes. Field names follow ExifTool 12.57 (Jpeg2000.pm).
#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "meta/formats.hpp"
#include "meta/isobmff_boxes.hpp"

namespace imgmeta::meta {
namespace {

using bmff::BoxHeader;
using bmff::fourcc;

// 18181-1 section 9.1 / 18181-2 section 9.1: the two ways a JPEG XL file starts.
constexpr uint8_t kCodestreamSignature[] = {0xFF, 0x0A};
constexpr std::string_view kContainerSignature("\0\0\0\x0CJXL \r\n\x87\n", 12);

constexpr uint32_t kFtyp = fourcc("ftyp"), kJxlc = fourcc("jxlc"), kJxlp = fourcc("jxlp"),
                   kExif = fourcc("Exif"), kXml = fourcc("xml "), kBrob = fourcc("brob");

// The codestream headers fit in far less: a SizeHeader is at most 9 bytes, ImageMetadata up
// to its extra channels (names of at most 1071 bytes each) rarely a few hundred.
constexpr size_t kCodestreamHead = 4096;
constexpr uint32_t kMaxExtraChannels = 256;

// 18181-1 section 9.2.1: bits are read from each byte least significant first, and an n-bit
// value's first bit read is its least significant.
class BitReader {
 public:
  explicit BitReader(ByteView bytes) : b_(bytes) {}
  Result<uint32_t> bits(unsigned n) {
    uint32_t v = 0;
    for (unsigned i = 0; i < n; ++i) {
      if (pos_ >= b_.size() * 8) return make_error("JXL: codestream header cut off at bit " + std::to_string(pos_));
      uint32_t bit = (b_[pos_ / 8] >> (pos_ % 8)) & 1u;
      v |= bit << i;
      ++pos_;
    }
    return v;
  }
  Result<bool> flag() { return TRY(bits(1)) != 0; }
  // 18181-1 9.2.2 U32(d0, d1, d2, d3): a 2-bit selector, then the chosen distribution, each
  // either a constant (Val) or BitsOffset(n, offset); Bits(n) is BitsOffset(n, 0).
  struct Dist {
    unsigned bits;
    uint32_t offset;
  };
  Result<uint32_t> u32(Dist d0, Dist d1, Dist d2, Dist d3) {
    const std::array<Dist, 4> d{d0, d1, d2, d3};
    Dist chosen = d[TRY(bits(2))];
    uint64_t v = uint64_t{TRY(bits(chosen.bits))} + chosen.offset;
    if (v > UINT32_MAX) return make_error("JXL: U32 value out of range");
    return static_cast<uint32_t>(v);
  }
  Status skip(uint64_t n) {
    if (n > b_.size() * 8 - std::min<uint64_t>(pos_, b_.size() * 8))
      return make_error("JXL: codestream header cut off at bit " + std::to_string(pos_));
    pos_ += n;
    return ok_status();
  }

 private:
  ByteView b_;
  uint64_t pos_ = 0;
};

constexpr BitReader::Dist Val(uint32_t v) { return {0, v}; }
constexpr BitReader::Dist Bits(unsigned n) { return {n, 0}; }
constexpr BitReader::Dist BitsOffset(unsigned n, uint32_t offset) { return {n, offset}; }

struct SizeHeader {
  uint64_t width = 0;
  uint64_t height = 0;
};

// 18181-1 A.4.1 SizeHeader. The ratio presets (Table A.2) derive the width from the height.
Result<SizeHeader> read_size_header(BitReader& br) {
  static constexpr std::array<std::array<uint64_t, 2>, 7> kRatios{
      {{1, 1}, {12, 10}, {4, 3}, {3, 2}, {16, 9}, {5, 4}, {2, 1}}};
  SizeHeader s;
  const bool small = TRY(br.flag());
  if (small) {
    s.height = (uint64_t{TRY(br.bits(5))} + 1) * 8;
  } else {
    s.height = uint64_t{TRY(br.u32(Bits(9), Bits(13), Bits(18), Bits(30)))} + 1;
  }
  const uint32_t ratio = TRY(br.bits(3));
  if (ratio == 0) {
    if (small) {
      s.width = (uint64_t{TRY(br.bits(5))} + 1) * 8;
    } else {
      s.width = uint64_t{TRY(br.u32(Bits(9), Bits(13), Bits(18), Bits(30)))} + 1;
    }
  } else {
    s.width = s.height * kRatios[ratio - 1][0] / kRatios[ratio - 1][1];
  }
  return s;
}

// 18181-1 A.4.3 PreviewHeader: read only to step over it.
Status skip_preview_header(BitReader& br) {
  const bool div8 = TRY(br.flag());
  auto dim = [&]() -> Status {
    if (div8) TRY(br.u32(Val(16), Val(32), BitsOffset(5, 1), BitsOffset(9, 33)));
    else TRY(br.u32(BitsOffset(6, 1), BitsOffset(8, 65), BitsOffset(10, 321), BitsOffset(12, 1345)));
    return ok_status();
  };
  TRY(dim());
  if (TRY(br.bits(3)) == 0) TRY(dim());
  return ok_status();
}

// 18181-1 A.4.4 AnimationHeader: read only to step over it.
Status skip_animation_header(BitReader& br) {
  TRY(br.u32(Val(100), Val(1000), BitsOffset(10, 1), BitsOffset(30, 1)));  // tps_numerator
  TRY(br.u32(Val(1), Val(1001), BitsOffset(8, 1), BitsOffset(10, 1)));     // tps_denominator
  TRY(br.u32(Val(0), Bits(3), Bits(16), Bits(32)));                         // num_loops
  TRY(br.flag());                                                            // have_timecodes
  return ok_status();
}

// 18181-1 A.4.5 BitDepth: integer samples of 8, 10, 12 or 1 + u(6) bits, or floats.
Result<uint32_t> read_bit_depth(BitReader& br) {
  if (TRY(br.flag())) {  // float_sample
    uint32_t bits = TRY(br.u32(Val(32), Val(16), Val(24), BitsOffset(6, 1)));
    TRY(br.bits(4));  // exp_bits_minus_one
    return bits;
  }
  return br.u32(Val(8), Val(10), Val(12), BitsOffset(6, 1));
}

// 18181-1 A.4.6 ExtraChannelInfo; returns the channel's type (0 is kAlpha).
Result<uint32_t> read_extra_channel(BitReader& br) {
  if (TRY(br.flag())) return uint32_t{0};  // d_alpha: the default, an 8-bit alpha channel
  const uint32_t type = TRY(br.u32(Val(0), Val(1), BitsOffset(4, 2), BitsOffset(6, 18)));
  TRY(read_bit_depth(br));
  TRY(br.u32(Val(0), Val(3), Val(4), BitsOffset(3, 1)));  // dim_shift
  const uint32_t name_len = TRY(br.u32(Val(0), Bits(4), BitsOffset(5, 16), BitsOffset(10, 48)));
  TRY(br.skip(uint64_t{name_len} * 8));
  if (type == 0) TRY(br.flag());           // alpha_associated
  if (type == 2) TRY(br.skip(4 * 16));     // kSpotColour: red, green, blue, solidity (F16)
  if (type == 5) TRY(br.u32(Val(1), Bits(2), BitsOffset(4, 3), BitsOffset(8, 19)));  // kCFA
  return type;
}

struct CodestreamInfo {
  SizeHeader size;
  uint32_t orientation = 1;
  uint32_t bit_depth = 8;
  bool alpha = false;
};

// The headers at the start of a codestream (18181-1 A.2: signature, SizeHeader, ImageMetadata).
// The SizeHeader is required; ImageMetadata problems become a warning.
Result<CodestreamInfo> read_codestream_head(ByteView head, Metadata& md) {
  if (head.size() < 2 || head[0] != kCodestreamSignature[0] || head[1] != kCodestreamSignature[1])
    return make_error("JXL: codestream does not start with FF 0A");
  BitReader br(TRY(head.tail(2)));
  CodestreamInfo info;
  info.size = TRY(read_size_header(br));
  // 18181-1 A.4.2 ImageMetadata, up to the extra channels.
  Status s = [&]() -> Status {
    if (TRY(br.flag())) return ok_status();  // all_default
    const bool extra_fields = TRY(br.flag());
    if (extra_fields) {
      info.orientation = 1 + TRY(br.bits(3));
      if (TRY(br.flag())) TRY(read_size_header(br));  // have_intr_size
      if (TRY(br.flag())) TRY(skip_preview_header(br));
      if (TRY(br.flag())) TRY(skip_animation_header(br));
    }
    info.bit_depth = TRY(read_bit_depth(br));
    TRY(br.flag());  // modular_16bit_buffers
    const uint32_t extra = TRY(br.u32(Val(0), Val(1), BitsOffset(4, 2), BitsOffset(12, 1)));
    for (uint32_t i = 0; i < extra && i < kMaxExtraChannels && !info.alpha; ++i)
      if (TRY(read_extra_channel(br)) == 0) info.alpha = true;
    return ok_status();
  }();
  if (!s) md.warn(s.error().message + " (in ImageMetadata)");
  return info;
}

void report_codestream(const CodestreamInfo& info, Metadata& md) {
  md.set("ImageWidth"_f, static_cast<int64_t>(info.size.width));
  md.set("ImageHeight"_f, static_cast<int64_t>(info.size.height));
  // 18181-1 A.4.2: orientations 5 to 8 transpose the image; the decoder applies them, and
  // an Exif Orientation in the file does not count.
  const bool transposed = info.orientation >= 5;
  md.set("DisplayWidth"_f, static_cast<int64_t>(transposed ? info.size.height : info.size.width));
  md.set("DisplayHeight"_f, static_cast<int64_t>(transposed ? info.size.width : info.size.height));
  md.set("BitDepth"_f, static_cast<int64_t>(info.bit_depth));
  md.set("HasAlpha"_f, info.alpha);
}

void set_file_type(Metadata& md, const char* type) {
  md.set("FileType"_f, std::string(type));
  md.set("FileTypeExtension"_f, std::string("JXL"));
  md.set("MIMEType"_f, std::string("image/jxl"));
}

class ContainerParser {
 public:
  explicit ContainerParser(Context& ctx) : ctx_(ctx), r_(ctx.reader), md_(ctx.md), boxes_left_(ctx.limits().max_segments) {}

  Status run() {
    set_file_type(md_, "JXL");
    // 18181-2 9.1: the signature box, then ftyp, then the others in any order.
    bool last_part = false;
    bool codestream_done = false;
    for (uint64_t pos = kContainerSignature.size(); pos < r_.size();) {
      if (boxes_left_-- == 0) {
        md_.warn("JXL: more than " + std::to_string(ctx_.limits().max_segments) + " boxes");
        break;
      }
      auto box = bmff::read_box_header(r_, pos, r_.size());
      if (!box) {
        md_.warn("JXL: " + box.error().message);
        break;
      }
      pos = box->end();
      Status s = ok_status();
      if (box->type == kFtyp) s = parse_ftyp(*box);
      else if (box->type == kJxlc && !codestream_done) {
        last_part = true;  // 18181-2 9.3: jxlc holds the whole codestream
        s = take_codestream(*box, 0);
      }
      else if (box->type == kJxlp && !codestream_done && !last_part) s = take_partial(*box, last_part);
      else if (box->type == kExif) s = parse_exif_box(*box);
      else if (box->type == kXml) s = parse_xml_box(*box);
      else if (box->type == kBrob) s = note_brotli(*box);
      if (!s) md_.warn(s.error().message);
      if (!codestream_done && (last_part || head_.size() >= kCodestreamHead) && !head_.empty()) {
        report_head();
        codestream_done = true;
      }
    }
    if (!codestream_done) {
      if (head_.empty()) md_.warn("JXL: no codestream ('jxlc' or 'jxlp') box");
      else report_head();
    }
    return ok_status();
  }

 private:
  void report_head() {
    auto info = read_codestream_head(ByteView(head_), md_);
    if (!info) return md_.warn(info.error().message);
    report_codestream(*info, md_);
  }

  // 18181-2 9.2 (ISO/IEC 14496-12 4.3): reported as ExifTool reports a JPEG 2000 family ftyp.
  Status parse_ftyp(const BoxHeader& box) {
    if (box.payload_size() < 8) return make_error("JXL: 'ftyp' shorter than 8 bytes");
    size_t want = static_cast<size_t>(std::min<uint64_t>(box.payload_size(), 8 + 4 * 64));
    ByteView p = TRY(r_.view(box.payload_offset(), want));
    md_.set("MajorBrand"_f, std::string(p.chars(0, 4)));
    uint32_t minor = TRY(p.u32(4, Endian::Big));
    char version[32];
    std::snprintf(version, sizeof version, "%x.%x.%x", minor >> 16, (minor >> 8) & 0xFF, minor & 0xFF);
    md_.set("MinorVersion"_f, std::string(version));
    std::vector<std::string> brands;
    for (size_t at = 8; at + 4 <= p.size(); at += 4) {
      std::string b(p.chars(at, 4));
      if (b.find('\0') == std::string::npos) brands.push_back(std::move(b));
    }
    md_.set("CompatibleBrands"_f, std::move(brands));
    return ok_status();
  }

  // Appends up to what the header needs of a codestream box's payload (from skip on).
  Status take_codestream(const BoxHeader& box, uint64_t skip) {
    if (skip > box.payload_size()) return make_error("JXL: " + bmff::box_name(box) + ": too short");
    uint64_t want = std::min<uint64_t>(box.payload_size() - skip, kCodestreamHead - head_.size());
    ByteView v = TRY(r_.view(box.payload_offset() + skip, static_cast<size_t>(want)));
    head_.insert(head_.end(), v.span().begin(), v.span().end());
    return ok_status();
  }

  // 18181-2 9.4 jxlp: a 32-bit index whose top bit marks the last part, then a piece of the
  // codestream; the pieces in index order form the codestream.
  Status take_partial(const BoxHeader& box, bool& last) {
    ByteView p = TRY(r_.view(box.payload_offset(), static_cast<size_t>(std::min<uint64_t>(box.payload_size(), 4))));
    uint32_t index = TRY(p.u32(0, Endian::Big));
    if ((index & 0x7FFFFFFFu) != next_part_)
      return make_error("JXL: " + bmff::box_name(box) + ": part " + std::to_string(index & 0x7FFFFFFFu) +
                        " where part " + std::to_string(next_part_) + " was expected");
    ++next_part_;
    last = index & 0x80000000u;
    return take_codestream(box, 4);
  }

  // 18181-2 9.6 Exif box: a 32-bit offset to the TIFF header, then the Exif data.
  Status parse_exif_box(const BoxHeader& box) {
    if (exif_done_) return ok_status();
    exif_done_ = true;
    if (box.payload_size() > ctx_.limits().max_value_bytes)
      return make_error("JXL: " + bmff::box_name(box) + ": larger than " + std::to_string(ctx_.limits().max_value_bytes) + " bytes");
    ByteView p = TRY(r_.view(box.payload_offset(), static_cast<size_t>(box.payload_size())));
    uint32_t offset = TRY(p.u32(0, Endian::Big));
    if (offset > p.size() - 4) return make_error("JXL: " + bmff::box_name(box) + ": TIFF header offset past the box");
    ByteView tiff = TRY(p.tail(4 + uint64_t{offset}));
    parse_exif(tiff, box.payload_offset() + 4 + offset, ctx_);
    return ok_status();
  }

  // 18181-2 9.7 xml box: XMP.
  Status parse_xml_box(const BoxHeader& box) {
    if (xmp_done_) return ok_status();
    xmp_done_ = true;
    if (box.payload_size() > ctx_.limits().max_value_bytes)
      return make_error("JXL: " + bmff::box_name(box) + ": larger than " + std::to_string(ctx_.limits().max_value_bytes) + " bytes");
    ByteView bytes = TRY(r_.view(box.payload_offset(), static_cast<size_t>(box.payload_size())));
    parse_xmp(bytes.chars(0, bytes.size()), ctx_);
    return ok_status();
  }

  // 18181-2 9.8 brob: a Brotli-compressed box, its type in the first 4 bytes. Not decoded.
  Status note_brotli(const BoxHeader& box) {
    ByteView p = TRY(r_.view(box.payload_offset(), static_cast<size_t>(std::min<uint64_t>(box.payload_size(), 4))));
    uint32_t inner = TRY(p.u32(0, Endian::Big));
    if (inner == kExif || inner == kXml)
      md_.warn("JXL: Brotli-compressed '" + bmff::fourcc_text(inner) + "' box at " + std::to_string(box.offset) +
               " not decoded");
    return ok_status();
  }

  Context& ctx_;
  Reader& r_;
  Metadata& md_;
  uint32_t boxes_left_;
  std::vector<uint8_t> head_;  // the first bytes of the codestream
  uint32_t next_part_ = 0;
  bool exif_done_ = false;
  bool xmp_done_ = false;
};

}  // namespace

Status parse_jxl(Context& ctx) {
  ByteView head = TRY(ctx.reader.view_upto(0, kContainerSignature.size()));
  if (head.starts_with(kContainerSignature)) {
    ContainerParser parser(ctx);
    return parser.run();
  }
  // A bare codestream: ExifTool calls it "JXL Codestream".
  ByteView start = TRY(ctx.reader.view_upto(0, kCodestreamHead));
  CodestreamInfo info = TRY(read_codestream_head(start, ctx.md));
  set_file_type(ctx.md, "JXL Codestream");
  report_codestream(info, ctx.md);
  return ok_status();
}

}  // namespace imgmeta::meta
