// JPEG container: ITU-T T.81 annex B (marker segments), JFIF 1.02 (APP0), EXIF 2.32
// section 4.5.4 (APP1), XMP part 3 section 1.1.3 (APP1 standard and extended XMP),
// ICC.1:2010 annex B.4 (APP2 profile chunks), CIPA DC-007 (APP2 MPF), Adobe's APP13
// (Photoshop image resources) and APP14, and COM.
//
// The walk stops at the first SOS: the entropy-coded data after it is never read, so a
// JPEG costs only its header segments.
#include <algorithm>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "meta/formats.hpp"
#include "meta/text_value.hpp"

namespace imgmeta::meta {
namespace {

// T.81 table B.1: marker codes.
constexpr uint8_t kTEM = 0x01;
constexpr uint8_t kRST0 = 0xD0, kRST7 = 0xD7;
constexpr uint8_t kSOI = 0xD8, kEOI = 0xD9, kSOS = 0xDA;
constexpr uint8_t kAPP0 = 0xE0, kAPP1 = 0xE1, kAPP2 = 0xE2, kAPP13 = 0xED, kAPP14 = 0xEE;
constexpr uint8_t kCOM = 0xFE;

// Application segment signatures.
constexpr std::string_view kJfifSig{"JFIF\0", 5};
constexpr std::string_view kExifSig{"Exif\0", 5};  // then a pad byte (normally \0)
constexpr size_t kExifHeader = 6;
constexpr std::string_view kXmpSig{"http://ns.adobe.com/xap/1.0/\0", 29};
constexpr std::string_view kXmpExtSig{"http://ns.adobe.com/xmp/extension/\0", 35};
constexpr std::string_view kIccSig{"ICC_PROFILE\0", 12};
constexpr std::string_view kMpfSig{"MPF\0", 4};
constexpr std::string_view kPhotoshopSig{"Photoshop 3.0\0", 14};
constexpr std::string_view kAdobeSig{"Adobe", 5};

// Fill bytes (T.81 B.1.1.2) and junk between segments are skipped only this far.
constexpr uint64_t kMaxSkip = 64 * 1024;
// Extended XMP packets with different GUIDs kept at once.
constexpr size_t kMaxXmpGuids = 4;

// T.81 B.1.1.3: SOF0-3, 5-7, 9-11, 13-15 (C4 is DHT, C8 JPG, CC DAC).
bool is_sof(uint8_t m) { return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC; }
// T.81 B.1.1.3 and table B.1: markers that stand alone, without a length.
bool is_standalone(uint8_t m) { return m == kTEM || (m >= kRST0 && m <= kRST7) || m == kSOI || m == kEOI; }

std::string hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string marker_name(uint8_t m) {
  char buf[8];
  if (m >= kAPP0 && m <= 0xEF) std::snprintf(buf, sizeof buf, "APP%d", m - kAPP0);
  else if (is_sof(m)) std::snprintf(buf, sizeof buf, "SOF%d", m - 0xC0);
  else std::snprintf(buf, sizeof buf, "FF%02X", m);
  return buf;
}

// "2 1" style ratio as Perl prints it (integers plain, fractions with up to 15 digits).
std::string perl_ratio(unsigned a, unsigned b) {
  if (a % b == 0) return std::to_string(a / b);
  return perl_number(static_cast<double>(a) / b);
}

// ICC.1:2010 annex B.4: a profile split over APP2 segments, each with a 1-based sequence
// number and the total count.
struct IccChunks {
  uint8_t count = 0;
  std::vector<ByteView> parts;  // by sequence number - 1; the Reader's views, valid to the end
  std::vector<bool> seen;
  uint64_t total = 0;
  bool broken = false;
};

// XMP part 3 section 1.1.3.1: extended XMP in chunks, each with the packet's GUID (MD5 of
// the packet as 32 hex digits), the full length and the chunk's offset.
struct ExtendedXmp {
  std::string guid;
  uint32_t full_length = 0;
  std::vector<uint8_t> data;
  std::vector<std::pair<uint32_t, uint32_t>> pieces;  // offset, length
};

class JpegParser {
 public:
  explicit JpegParser(Context& ctx) : ctx_(ctx), r_(ctx.reader), md_(ctx.md) {}

  Status run();

 private:
  void segment(uint8_t marker, uint64_t pos, uint16_t length);
  void sof(uint8_t marker, ByteView p);
  void jfif(ByteView p);
  void app1(uint64_t payload_pos, ByteView p);
  void app2(uint64_t payload_pos, ByteView p);
  void icc_chunk(ByteView p);
  void mpf(uint64_t base, ByteView p);
  void adobe(ByteView p);
  void xmp_extension(ByteView p);
  void flush_photoshop();
  void finish();

  Context& ctx_;
  Reader& r_;
  Metadata& md_;
  bool seen_sof_ = false;
  uint32_t segments_ = 0;
  // JFIF's density has ExifTool's priority 0: any other resolution (EXIF IFD0 or IFD1,
  // Photoshop), earlier or later in the file, wins. So it is set last, as a default.
  bool have_jfif_ = false;
  int64_t jfif_unit_ = 0, jfif_x_ = 0, jfif_y_ = 0;
  // The four bytes after the last segment read (normally the next marker and its length).
  uint8_t ahead_[4] = {};
  uint64_t ahead_pos_ = UINT64_MAX;
  std::vector<uint8_t> photoshop_;  // consecutive APP13 Photoshop segments, joined
  bool photoshop_pending_ = false;
  IccChunks icc_;
  std::vector<ExtendedXmp> xmp_ext_;
  uint64_t xmp_ext_bytes_ = 0;
};

Status JpegParser::run() {
  // T.81 B.2.1: a compressed image starts with SOI.
  ByteView head = TRY(r_.view_upto(0, 2));
  if (head.size() < 2 || head[0] != 0xFF || head[1] != kSOI) return make_error("JPEG: no SOI marker at offset 0");
  md_.set("FileType"_f, std::string("JPEG"));
  md_.set("FileTypeExtension"_f, std::string("JPG"));
  md_.set("MIMEType"_f, std::string("image/jpeg"));

  uint64_t pos = 2;
  const uint64_t size = r_.size();
  std::string end_reason;  // why the walk ended before SOS, when that deserves a warning
  for (;;) {
    if (++segments_ > ctx_.limits().max_segments) {
      md_.warn("JPEG: more than " + std::to_string(ctx_.limits().max_segments) + " segments; stopped at offset " +
               hex(pos));
      break;
    }
    // T.81 B.1.1.2: a marker is 0xFF then a code; any number of 0xFF fill bytes may precede
    // it. Junk before the 0xFF is not allowed; skip a little of it with a warning.
    uint64_t start = pos;
    uint8_t code = 0;
    bool found = false;
    bool ahead = ahead_pos_ == pos && ahead_[0] == 0xFF && ahead_[1] != 0xFF && ahead_[1] != 0x00;
    if (ahead) {
      code = ahead_[1];
      found = true;
    }
    while (!found && pos < size && pos - start <= kMaxSkip) {
      auto chunk = r_.view_upto(pos, 256);
      if (!chunk) {
        md_.warn("JPEG: reading marker at offset " + hex(pos) + ": " + chunk.error().message);
        finish();
        return ok_status();
      }
      ByteView c = *chunk;
      size_t i = 0;
      for (; i + 1 < c.size(); ++i) {
        if (c[i] == 0xFF && c[i + 1] != 0xFF && c[i + 1] != 0x00) {
          found = true;
          break;
        }
      }
      if (found) {
        pos += i;
        code = c[i + 1];
        break;
      }
      if (c.size() < 2) break;
      pos += i;  // keep the last byte: it may be the 0xFF of a marker split across chunks
    }
    if (!found) {
      end_reason = pos + 1 >= size ? "file ends at offset " + hex(size) + " before SOS"
                                   : "no marker within " + std::to_string(kMaxSkip) + " bytes after offset " + hex(start);
      break;
    }
    if (pos != start) {
      // Only 0xFF fill bytes are legal between segments (B.1.1.2).
      bool fill_only = true;
      for (uint64_t k = start; k < pos && fill_only; ++k) fill_only = r_.u8(k).value_or(0) == 0xFF;
      if (!fill_only) md_.warn("JPEG: skipped " + std::to_string(pos - start) + " bytes of junk at offset " + hex(start));
    }
    uint64_t marker_pos = pos;
    pos += 2;
    if (code == kEOI) {
      if (!seen_sof_) end_reason = "EOI at offset " + hex(marker_pos) + " before any SOF";
      break;
    }
    if (is_standalone(code)) continue;
    // B.1.1.4: a two-byte length that counts itself but not the marker.
    auto len = ahead ? Result<uint16_t>(static_cast<uint16_t>(ahead_[2] << 8 | ahead_[3])) : r_.u16(pos, Endian::Big);
    if (!len) {
      md_.warn("JPEG: segment " + marker_name(code) + " at offset " + hex(marker_pos) + " has no length: file ends");
      break;
    }
    if (*len < 2) {
      md_.warn("JPEG: segment " + marker_name(code) + " at offset " + hex(marker_pos) + ": length " +
               std::to_string(*len) + " is less than 2");
      break;
    }
    if (!r_.has(pos, *len)) {
      md_.warn("JPEG: segment " + marker_name(code) + " at offset " + hex(marker_pos) + ": length " +
               std::to_string(*len) + " runs past the end of the file (size " + std::to_string(size) + ")");
      break;
    }
    if (code == kSOS) {
      // B.2.3: scan data follows; everything this parser wants comes before it.
      if (!seen_sof_) md_.warn("JPEG: no SOF segment before SOS at offset " + hex(marker_pos));
      break;
    }
    segment(code, pos, *len);
    pos += *len;
  }
  if (!end_reason.empty()) md_.warn("JPEG: " + end_reason);
  finish();
  return ok_status();
}

void JpegParser::segment(uint8_t marker, uint64_t pos, uint16_t length) {
  const uint64_t payload_pos = pos + 2;
  const size_t payload_len = length - 2u;
  bool wanted = is_sof(marker) || marker == kAPP0 || marker == kAPP1 || marker == kAPP2 || marker == kAPP13 ||
                marker == kAPP14 || marker == kCOM;
  bool photoshop = false;
  if (!wanted) {
    if (photoshop_pending_) flush_photoshop();
    return;  // DQT, DHT, DRI and other APPn are skipped without being read
  }
  // The payload and the next marker and length in one read: after a large segment, the next
  // marker would otherwise cost a block read of its own.
  auto view = r_.view_upto(payload_pos, payload_len + sizeof ahead_);
  if (!view || view->size() < payload_len) {
    md_.warn("JPEG: reading segment " + marker_name(marker) + " at offset " + hex(pos - 2) + ": " +
             (view ? std::string("short read") : view.error().message));
    return;
  }
  if (view->size() == payload_len + sizeof ahead_) {
    std::ranges::copy(view->span().subspan(payload_len), ahead_);
    ahead_pos_ = payload_pos + payload_len;
  }
  ByteView p = view->sub(0, payload_len).value_or(ByteView());
  if (marker == kAPP13 && p.starts_with(kPhotoshopSig)) photoshop = true;
  if (photoshop_pending_ && !photoshop) flush_photoshop();

  if (is_sof(marker)) {
    sof(marker, p);
  } else if (marker == kAPP0) {
    jfif(p);
  } else if (marker == kAPP1) {
    app1(payload_pos, p);
  } else if (marker == kAPP2) {
    app2(payload_pos, p);
  } else if (photoshop) {
    // Photoshop splits a long resource list over consecutive APP13 segments; join them.
    const auto resources = p.span().subspan(kPhotoshopSig.size());
    photoshop_.insert(photoshop_.end(), resources.begin(), resources.end());
    photoshop_pending_ = true;
    if (photoshop_.size() > ctx_.limits().max_value_bytes) {
      md_.warn("JPEG: Photoshop APP13 data exceeds " + std::to_string(ctx_.limits().max_value_bytes) + " bytes; ignored");
      photoshop_.clear();
      photoshop_pending_ = false;
    }
  } else if (marker == kAPP14) {
    adobe(p);
  } else if (marker == kCOM) {
    md_.set("Comment"_f, std::string(p.chars(0, p.size())));
  }
}

// T.81 B.2.2: frame header. P, Y, X, Nf, then Nf component specifications (C, H|V, Tq).
void JpegParser::sof(uint8_t marker, ByteView p) {
  if (p.size() < 6) {
    md_.warn("JPEG: " + marker_name(marker) + " segment of " + std::to_string(p.size()) + " bytes is too short");
    return;
  }
  seen_sof_ = true;
  uint8_t precision = p[0];
  uint16_t height = static_cast<uint16_t>(p[1] << 8 | p[2]);
  uint16_t width = static_cast<uint16_t>(p[3] << 8 | p[4]);
  uint8_t components = p[5];
  // The frame's size is the image's: it wins over EXIF's (set, not set_default).
  md_.set("ImageWidth"_f, int64_t{width});
  md_.set("ImageHeight"_f, int64_t{height});
  md_.set("EncodingProcess"_f, int64_t{marker - 0xC0});
  md_.set("BitsPerSample"_f, int64_t{precision});
  md_.set("ColorComponents"_f, int64_t{components});
  // Chroma subsampling of a three-component (YCbCr) frame, as ExifTool reports it: the
  // largest over the smallest sampling factor, horizontally then vertically.
  if (components == 3 && p.size() >= 6 + 3u * 3) {
    unsigned hmin = 0, hmax = 0, vmin = 0, vmax = 0;
    for (size_t i = 0; i < 3; ++i) {
      unsigned hf = p[6 + 3 * i + 1] >> 4u, vf = p[6 + 3 * i + 1] & 0x0Fu;
      if (i == 0) {
        hmin = hmax = hf;
        vmin = vmax = vf;
        continue;
      }
      hmin = std::min(hmin, hf);
      hmax = std::max(hmax, hf);
      vmin = std::min(vmin, vf);
      vmax = std::max(vmax, vf);
    }
    if (hmin && vmin) md_.set("YCbCrSubSampling"_f, perl_ratio(hmax, hmin) + " " + perl_ratio(vmax, vmin));
  }
}

// JFIF 1.02: identifier, version (major, minor), units, Xdensity, Ydensity, thumbnail size.
void JpegParser::jfif(ByteView p) {
  if (!p.starts_with(kJfifSig) || p.size() < 12) return;
  md_.set("JFIFVersion"_f, std::to_string(p[5]) + " " + std::to_string(p[6]));
  have_jfif_ = true;
  jfif_unit_ = p[7];
  jfif_x_ = p[8] << 8 | p[9];
  jfif_y_ = p[10] << 8 | p[11];
}

void JpegParser::app1(uint64_t payload_pos, ByteView p) {
  if (p.starts_with(kExifSig) && p.size() >= kExifHeader) {
    // EXIF 2.32 4.5.4: "Exif\0\0" then a TIFF structure.
    parse_exif(ByteView(p.span().subspan(kExifHeader)), payload_pos + kExifHeader, ctx_);
  } else if (p.starts_with(kXmpSig)) {
    // XMP part 3 1.1.3: the namespace URI, NUL, then the packet (at most 65502 bytes).
    std::string_view xml = p.chars(kXmpSig.size(), p.size() - kXmpSig.size());
    parse_xmp(xml, ctx_);
  } else if (p.starts_with(kXmpExtSig)) {
    xmp_extension(p);
  }
}

// XMP part 3 1.1.3.1: signature, 32-byte GUID, 4-byte full length, 4-byte offset, data.
void JpegParser::xmp_extension(ByteView p) {
  constexpr size_t kHeader = kXmpExtSig.size() + 32 + 4 + 4;
  if (p.size() < kHeader) {
    md_.warn("JPEG: extended XMP segment of " + std::to_string(p.size()) + " bytes is too short");
    return;
  }
  std::string guid(p.chars(kXmpExtSig.size(), 32));
  uint32_t full = p.u32(kXmpExtSig.size() + 32, Endian::Big).value_or(0);
  uint32_t offset = p.u32(kXmpExtSig.size() + 36, Endian::Big).value_or(0);
  uint64_t len = p.size() - kHeader;
  if (offset > full || len > full - offset) {
    md_.warn("JPEG: extended XMP chunk at offset " + std::to_string(offset) + " with " + std::to_string(len) +
             " bytes exceeds the full length " + std::to_string(full));
    return;
  }
  auto it = std::find_if(xmp_ext_.begin(), xmp_ext_.end(), [&](const ExtendedXmp& x) { return x.guid == guid; });
  if (it == xmp_ext_.end()) {
    if (xmp_ext_.size() >= kMaxXmpGuids || full > ctx_.limits().max_value_bytes ||
        full > ctx_.limits().max_value_bytes - std::min(xmp_ext_bytes_, ctx_.limits().max_value_bytes)) {
      md_.warn("JPEG: extended XMP of " + std::to_string(full) + " bytes exceeds the limits; ignored");
      return;
    }
    xmp_ext_bytes_ += full;
    it = xmp_ext_.insert(xmp_ext_.end(), ExtendedXmp{guid, full, std::vector<uint8_t>(full), {}});
  } else if (it->full_length != full) {
    md_.warn("JPEG: extended XMP chunk with GUID " + guid + " disagrees on the full length");
    return;
  }
  std::ranges::copy(p.span().subspan(kHeader), it->data.begin() + offset);
  it->pieces.emplace_back(offset, static_cast<uint32_t>(len));
}

void JpegParser::app2(uint64_t payload_pos, ByteView p) {
  if (p.starts_with(kIccSig)) icc_chunk(p);
  else if (p.starts_with(kMpfSig)) mpf(payload_pos + kMpfSig.size(), p.tail(kMpfSig.size()).value_or(ByteView()));
}

// ICC.1:2010 annex B.4: "ICC_PROFILE\0", sequence number (1-based), count, profile bytes.
void JpegParser::icc_chunk(ByteView p) {
  if (p.size() < kIccSig.size() + 2) {
    md_.warn("JPEG: ICC_PROFILE segment of " + std::to_string(p.size()) + " bytes is too short");
    return;
  }
  uint8_t seq = p[kIccSig.size()], count = p[kIccSig.size() + 1];
  ByteView data = p.tail(kIccSig.size() + 2).value_or(ByteView());
  if (count == 0 || seq == 0 || seq > count) {
    md_.warn("JPEG: ICC_PROFILE chunk " + std::to_string(seq) + " of " + std::to_string(count) + " is invalid; ignored");
    return;
  }
  if (icc_.broken) return;
  if (icc_.count == 0) {
    if (count == 1) {
      // The common case, one chunk: parse it in place.
      icc_.count = 1;
      parse_icc(data, ctx_);
      return;
    }
    icc_.count = count;
    icc_.parts.resize(count);
    icc_.seen.assign(count, false);
  } else if (icc_.count == 1 && count == 1) {
    md_.warn("JPEG: duplicate ICC_PROFILE chunk 1 of 1; the first is kept");
    return;
  } else if (count != icc_.count) {
    md_.warn("JPEG: ICC_PROFILE chunk " + std::to_string(seq) + " of " + std::to_string(count) +
             " disagrees with an earlier chunk count of " + std::to_string(icc_.count) + "; ignored");
    return;
  }
  size_t i = seq - 1u;
  if (icc_.seen[i]) {
    md_.warn("JPEG: duplicate ICC_PROFILE chunk " + std::to_string(seq) + "; the first is kept");
    return;
  }
  if (data.size() > ctx_.limits().max_value_bytes - std::min(icc_.total, ctx_.limits().max_value_bytes)) {
    md_.warn("JPEG: ICC profile exceeds " + std::to_string(ctx_.limits().max_value_bytes) + " bytes; ignored");
    icc_.broken = true;
    icc_.parts.clear();
    return;
  }
  icc_.seen[i] = true;
  icc_.total += data.size();
  icc_.parts[i] = data;
}

// CIPA DC-007 5.2: "MPF\0", then a TIFF-structured MP Index IFD. Offsets are from the TIFF
// header, which sits at `base` in the file; an MP Entry (5.2.3.3) is 16 bytes: attribute,
// size, offset, two dependent entries.
void JpegParser::mpf(uint64_t base, ByteView t) {
  if (t.size() < 8) return;
  Endian e;
  if (t[0] == 'I' && t[1] == 'I') e = Endian::Little;
  else if (t[0] == 'M' && t[1] == 'M') e = Endian::Big;
  else return md_.warn("JPEG: MPF segment has no TIFF byte order mark");
  uint32_t ifd = t.u32(4, e).value_or(0);
  auto count = t.u16(ifd, e);
  if (!count || !t.has(uint64_t{ifd} + 2, uint64_t{*count} * 12))
    return md_.warn("JPEG: MPF index IFD at " + hex(ifd) + " is truncated");
  uint32_t images = 0;
  ByteView entries;
  for (uint16_t i = 0; i < *count; ++i) {
    uint64_t at = uint64_t{ifd} + 2 + 12ull * i;
    uint16_t tag = t.u16(at, e).value_or(0);
    uint32_t n = t.u32(at + 4, e).value_or(0);
    if (tag == 0xB000 && n == 4) {  // MPFVersion, UNDEFINED[4] inline
      md_.set("MPFVersion"_f, std::string(until_nul(t.chars(static_cast<size_t>(at + 8), 4))));
    } else if (tag == 0xB001) {  // NumberOfImages, LONG
      images = t.u32(at + 8, e).value_or(0);
      md_.set("NumberOfImages"_f, int64_t{images});
    } else if (tag == 0xB002) {  // MPEntry, UNDEFINED[16 * images] at an offset
      uint32_t off = t.u32(at + 8, e).value_or(0);
      auto v = t.sub(off, n);
      if (v) entries = *v;
      else md_.warn("JPEG: MPF MPEntry of " + std::to_string(n) + " bytes at " + hex(off) + " is outside the segment");
    }
  }
  // One MP entry per image; like ExifTool's flattened output, the last image's values stand.
  size_t n = std::min<size_t>(entries.size() / 16, images);
  for (size_t i = 0; i < n; ++i) {
    size_t at = 16 * i;
    uint32_t attr = entries.u32(at, e).value_or(0);
    md_.set("MPImageFlags"_f, int64_t{attr >> 27});
    md_.set("MPImageFormat"_f, int64_t{(attr >> 24) & 0x7});
    md_.set("MPImageType"_f, int64_t{attr & 0xFFFFFF});
    md_.set("MPImageLength"_f, int64_t{entries.u32(at + 4, e).value_or(0)});
    // 0 is the first image (this file); other offsets are from the MPF header. ExifTool
    // reports them from the start of the file.
    uint32_t start = entries.u32(at + 8, e).value_or(0);
    md_.set("MPImageStart"_f, static_cast<int64_t>(start ? start + base : 0));
    md_.set("DependentImage1EntryNumber"_f, int64_t{entries.u16(at + 12, e).value_or(0)});
    md_.set("DependentImage2EntryNumber"_f, int64_t{entries.u16(at + 14, e).value_or(0)});
  }
}

// Adobe APP14 (Adobe TN 5116, "Supporting the DCT Filters in PostScript Level 2" 18):
// "Adobe", DCTEncodeVersion, flags0, flags1, color transform.
void JpegParser::adobe(ByteView p) {
  if (!p.starts_with(kAdobeSig) || p.size() < 12) return;
  md_.set("DCTEncodeVersion"_f, int64_t{p.u16(5, Endian::Big).value_or(0)});
  md_.set("APP14Flags0"_f, int64_t{p.u16(7, Endian::Big).value_or(0)});
  md_.set("APP14Flags1"_f, int64_t{p.u16(9, Endian::Big).value_or(0)});
  md_.set("ColorTransform"_f, int64_t{p[11]});
}

void JpegParser::flush_photoshop() {
  photoshop_pending_ = false;
  parse_photoshop_irb(ByteView(photoshop_), ctx_);
  photoshop_.clear();
}

void JpegParser::finish() {
  if (photoshop_pending_) flush_photoshop();
  // Multi-chunk ICC profile: every chunk must be there, in sequence order.
  if (icc_.count > 1 && !icc_.broken) {
    size_t missing = static_cast<size_t>(std::count(icc_.seen.begin(), icc_.seen.end(), false));
    if (missing) {
      md_.warn("JPEG: ICC profile is missing " + std::to_string(missing) + " of " + std::to_string(icc_.count) +
               " chunks; ignored");
    } else {
      std::vector<uint8_t> profile;
      profile.reserve(static_cast<size_t>(icc_.total));
      for (const ByteView& part : icc_.parts) profile.insert(profile.end(), part.span().begin(), part.span().end());
      parse_icc(ByteView(profile), ctx_);
    }
  }
  // Extended XMP: only the packet the main XMP names (xmpNote:HasExtendedXMP) is read.
  if (!xmp_ext_.empty()) {
    const std::string* want = md_.get_string("HasExtendedXMP"_f);
    for (auto& x : xmp_ext_) {
      if (!want || *want != x.guid) continue;
      std::sort(x.pieces.begin(), x.pieces.end());
      uint64_t covered = 0;
      for (auto [off, len] : x.pieces) {
        if (off > covered) break;
        covered = std::max<uint64_t>(covered, uint64_t{off} + len);
      }
      if (covered < x.full_length) {
        md_.warn("JPEG: extended XMP " + x.guid + " is incomplete (" + std::to_string(covered) + " of " +
                 std::to_string(x.full_length) + " bytes)");
        continue;
      }
      parse_xmp(std::string_view(reinterpret_cast<const char*>(x.data.data()), x.data.size()), ctx_);
    }
  }
  if (have_jfif_) {
    md_.set_default("ResolutionUnit"_f, jfif_unit_);
    md_.set_default("XResolution"_f, jfif_x_);
    md_.set_default("YResolution"_f, jfif_y_);
  }
}

}  // namespace

Status parse_jpeg(Context& ctx) {
  JpegParser parser(ctx);
  return parser.run();
}

}  // namespace imgmeta::meta
