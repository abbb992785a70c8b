// EXIF: TIFF-structured metadata (EXIF 2.32 section 4.6, TIFF 6.0 sections 2 and 8) decoded
// into fields named and valued as `exiftool -j -n` shows them. parse_exif reads EXIF blocks
// held in memory; parse_tiff (tiff.cpp) reads TIFF files with the same decoder.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "meta/exif_tags.hpp"
#include "meta/formats.hpp"
#include "meta/general_format.hpp"
#include "meta/text_value.hpp"
#include "meta/tiff_ifd.hpp"

namespace imgmeta::meta {
namespace {

// Tags the decoder handles itself (TIFF 6.0 section 8, EXIF 2.32 4.6.3, TIFF/EP, Adobe).
constexpr uint16_t kTagSubfileType = 0x00fe;
constexpr uint16_t kTagOldSubfileType = 0x00ff;
constexpr uint16_t kTagImageWidth = 0x0100;
constexpr uint16_t kTagImageHeight = 0x0101;
constexpr uint16_t kTagCompression = 0x0103;
constexpr uint16_t kTagPhotometric = 0x0106;
constexpr uint16_t kTagSubIfds = 0x014a;
constexpr uint16_t kTagJpegInterchangeFormat = 0x0201;        // IFD1: ThumbnailOffset
constexpr uint16_t kTagJpegInterchangeFormatLength = 0x0202;  // IFD1: ThumbnailLength
constexpr uint16_t kTagXmp = 0x02bc;                          // XMP spec part 3, 1.1.4
constexpr uint16_t kTagFocalPlaneXResolution = 0xa20e;  // EXIF 2.32 4.6.5 (Canon: sensor size in the denominator)
constexpr uint16_t kTagFocalPlaneYResolution = 0xa20f;
constexpr uint16_t kTagDngPrivateData = 0xc634;
constexpr uint16_t kTagPrintIm = 0xc4a5;                      // Epson's Print Image Matching
constexpr uint16_t kTagIptc = 0x83bb;                         // IPTC-NAA
constexpr uint16_t kTagPhotoshop = 0x8649;                    // Photoshop image resources
constexpr uint16_t kTagExifIfd = 0x8769;
constexpr uint16_t kTagGpsIfd = 0x8825;
constexpr uint16_t kTagIccProfile = 0x8773;
constexpr uint16_t kTagMakerNote = 0x927c;
constexpr uint16_t kTagUserComment = 0x9286;
constexpr uint16_t kTagInteropIfd = 0xa005;
constexpr uint16_t kTagDngVersion = 0xc612;

// Numeric lists longer than this are binary data to ExifTool users; not worth a field.
constexpr uint64_t kMaxListValues = 256;
// ExifTool shows offset lists (StripOffsets...) only when their text is this short.
constexpr size_t kMaxOffsetText = 32;
// Strip and tile lists longer than this are not read at all (4096 strips = 16 KiB of offsets).
constexpr uint64_t kMaxOffsetValues = 4096;
// EXIF blocks can nest through Photoshop resources (EXIF -> IRB -> EXIF ...).
constexpr uint32_t kMaxBlockNesting = 4;

// How ExifTool shows a binary value with -j -n.
std::string binary_data(uint64_t size) {
  return "(Binary data " + std::to_string(size) + " bytes, use -b option to extract)";
}

// A finite number as a JSON number: an integer when it is one, else a double.
Value typed_number(double d) {
  if (d == std::floor(d) && std::fabs(d) < 9007199254740992.0) return static_cast<int64_t>(d);
  return d;
}

// A number written as text becomes a JSON number. Text that is not a finite number ("inf",
// "undef") stays text, as ExifTool prints it.
Value number_from_text(const std::string& text) {
  double d = 0;
  const char* last = std::to_address(text.end());
  auto [end, ec] = std::from_chars(text.data(), last, d);
  if (ec != std::errc() || end != last || !std::isfinite(d)) return text;
  return typed_number(d);
}

// A computed number as ExifTool has it after Perl printed it (15 digits) and read it back.
// Within these magnitudes that is round_general; beyond them the text decides (it may read
// back as infinite, or as text).
Value number_value(double v) {
  const double a = std::fabs(v);
  if (a == 0 || (a > 1e-300 && a < 1e300)) return typed_number(round_general(v, 15));
  return number_from_text(perl_number(v));
}

void append_int(std::string& out, int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void append_uint(std::string& out, uint64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

// A rational as ExifTool's ReadValue gives it: 10 significant digits, "inf" or "undef" when
// the denominator is 0. Returns false for the last two.
bool rational_text(double num, double den, std::string& out) {
  if (den == 0) {
    out += num != 0 ? "inf" : "undef";
    return false;
  }
  append_general(out, num / den, 10);  // ExifTool's RoundFloat
  return true;
}

// Appends element `i` of a numeric value as ExifTool formats it.
void append_element(std::string& out, ByteView v, uint16_t type, uint64_t i, Endian e) {
  if (type == kTiffRational || type == kTiffSRational) {
    double num = 0, den = 0;
    tiff_fraction_at(v, type, i, e, num, den);
    rational_text(num, den, out);
  } else if (type == kTiffFloat || type == kTiffDouble) {
    out += perl_number(tiff_real_at(v, type, i, e));
  } else if (tiff_type_is_signed(type)) {
    append_int(out, tiff_signed_at(v, type, i, e));
  } else {
    append_uint(out, tiff_unsigned_at(v, type, i, e));
  }
}

Value single_number(ByteView v, uint16_t type, Endian e) {
  if (type == kTiffRational || type == kTiffSRational) {  // rational_text's value, read back
    double num = 0, den = 0;
    tiff_fraction_at(v, type, 0, e, num, den);
    if (den == 0) return std::string(num != 0 ? "inf" : "undef");
    return typed_number(round_general(num / den, 10));
  }
  if (tiff_type_is_integer(type)) {
    if (tiff_type_is_signed(type)) return tiff_signed_at(v, type, 0, e);
    uint64_t u = tiff_unsigned_at(v, type, 0, e);
    if (u <= static_cast<uint64_t>(INT64_MAX)) return static_cast<int64_t>(u);
    return std::to_string(u);
  }
  std::string text;
  append_element(text, v, type, 0, e);
  return number_from_text(text);
}

// ExifTool's "string" format: the text up to the first NUL.
std::string ascii_text(ByteView v) {
  const std::string_view all = v.chars(0, v.size());
  return std::string(all.substr(0, all.find('\0')));
}

std::string raw_text(ByteView v) { return std::string(v.chars(0, v.size())); }

// The value of a field with ExifTool's default handling; nullopt for binary data.
std::optional<Value> plain_value(const TiffEntry& e, ByteView v, Endian end) {
  if (e.type == kTiffAscii) return Value(ascii_text(v));
  // ExifTool treats a single undefined byte as a number (FileSource, SceneType).
  if (e.type == kTiffUndefined) {
    if (e.count == 1) return Value(static_cast<int64_t>(v[0]));
    return std::nullopt;
  }
  if (e.count == 0 || e.count > kMaxListValues) return std::nullopt;
  if (e.count == 1) return single_number(v, e.type, end);
  std::string text;
  text.reserve(static_cast<size_t>(e.count) * 4);
  for (uint64_t i = 0; i < e.count; ++i) {
    if (i) text += ' ';
    append_element(text, v, e.type, i, end);
  }
  return Value(std::move(text));
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// UTF-16 to UTF-8; unpaired surrogates become U+FFFD.
std::string utf16_to_utf8(ByteView v, Endian e) {
  std::string out;
  out.reserve(v.size());
  const size_t n = v.size() / 2;
  auto unit = [&](size_t i) {
    return e == Endian::Big ? static_cast<uint16_t>((v[2 * i] << 8) | v[2 * i + 1])
                            : static_cast<uint16_t>((v[2 * i + 1] << 8) | v[2 * i]);
  };
  for (size_t i = 0; i < n; ++i) {
    uint32_t u = unit(i);
    if (u >= 0xD800 && u <= 0xDBFF && i + 1 < n) {
      uint32_t lo = unit(i + 1);
      if (lo >= 0xDC00 && lo <= 0xDFFF) {
        append_utf8(out, 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00));
        ++i;
        continue;
      }
    }
    append_utf8(out, (u >= 0xD800 && u <= 0xDFFF) ? 0xFFFD : u);
  }
  return out;
}

// UTF-16 of unknown byte order: a byte-order mark decides; otherwise ExifTool's guess (the
// byte with more distinct values is the low byte; failing that, the one more often zero is
// the high byte), starting from the block's own order.
std::string utf16_guess_order(ByteView v, Endian block_order) {
  if (v.size() >= 2 && v[0] == 0xFE && v[1] == 0xFF) return utf16_to_utf8(*v.tail(2), Endian::Big);
  if (v.size() >= 2 && v[0] == 0xFF && v[1] == 0xFE) return utf16_to_utf8(*v.tail(2), Endian::Little);
  bool hi_seen[256] = {}, lo_seen[256] = {};
  size_t hi_distinct = 0, lo_distinct = 0, hi_zero = 0, lo_zero = 0;
  for (size_t i = 0; i + 1 < v.size(); i += 2) {
    uint8_t hi = block_order == Endian::Big ? v[i] : v[i + 1];
    uint8_t lo = block_order == Endian::Big ? v[i + 1] : v[i];
    if (!hi_seen[hi]) { hi_seen[hi] = true; ++hi_distinct; }
    if (!lo_seen[lo]) { lo_seen[lo] = true; ++lo_distinct; }
    if (hi == 0) ++hi_zero;
    if (lo == 0) ++lo_zero;
  }
  Endian order = block_order;
  if (hi_distinct > lo_distinct || (hi_distinct == lo_distinct && lo_zero > hi_zero))
    order = block_order == Endian::Big ? Endian::Little : Endian::Big;
  return utf16_to_utf8(v, order);
}

void trim_trailing(std::string& s, bool any_space) {
  while (!s.empty()) {
    char c = s.back();
    bool space = c == ' ' || (any_space && (c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'));
    if (!space) break;
    s.pop_back();
  }
}

// Element `i` as strtod reads its ExifTool text; false when that is not a finite number.
// Rationals and integers skip the text (a rational's quotient is within 2^32 of 1 either
// way, so its 10 digits always read back); floats take it.
bool element_number(ByteView v, uint16_t type, uint64_t i, Endian e, double& out) {
  if (type == kTiffRational || type == kTiffSRational) {
    double num = 0, den = 0;
    tiff_fraction_at(v, type, i, e, num, den);
    if (den == 0) return false;
    out = round_general(num / den, 10);
    return true;
  }
  if (tiff_type_is_integer(type)) {
    out = tiff_type_is_signed(type) ? static_cast<double>(tiff_signed_at(v, type, i, e))
                                    : static_cast<double>(tiff_unsigned_at(v, type, i, e));
    return true;
  }
  std::string text;
  append_element(text, v, type, i, e);
  char* stop = nullptr;
  out = std::strtod(text.c_str(), &stop);
  return stop != text.c_str() && *stop == '\0' && std::isfinite(out);
}

// ExifTool's ToDegrees on the rounded components: d + m/60 + s/3600. False when a component
// is not a number (zero denominator) or there is none.
bool degrees(const TiffEntry& e, ByteView v, Endian end, double& out) {
  if (e.type != kTiffRational && e.type != kTiffSRational && !tiff_type_is_integer(e.type) &&
      e.type != kTiffFloat && e.type != kTiffDouble)
    return false;
  if (e.count == 0) return false;
  double part[3] = {0, 0, 0};
  for (uint64_t i = 0; i < std::min<uint64_t>(e.count, 3); ++i)
    if (!element_number(v, e.type, i, end, part[i])) return false;
  out = part[0] + (part[1] + part[2] / 60) / 60;
  return true;
}

// ExifTool's GPS::ConvertTimeStamp: "hh:mm:ss" with fractional seconds trimmed.
bool gps_time(const TiffEntry& e, ByteView v, Endian end, std::string& out) {
  double part[3] = {0, 0, 0};
  if (e.count == 0 || e.type == kTiffAscii || e.type == kTiffUndefined) return false;
  for (uint64_t i = 0; i < std::min<uint64_t>(e.count, 3); ++i)
    if (!element_number(v, e.type, i, end, part[i])) return false;
  double f = (part[0] * 60 + part[1]) * 60 + part[2];
  if (!(std::fabs(f) < 1e15)) return false;
  double h = std::trunc(f / 3600);
  f -= h * 3600;
  double m = std::trunc(f / 60);
  f -= m * 60;
  char ss[64];
  std::snprintf(ss, sizeof ss, "%012.9f", f);
  std::string sec = ss;
  if (std::strtod(ss, nullptr) >= 60) {
    sec = "00";
    if (++m >= 60) { m -= 60; ++h; }
  } else {
    // s/\.?0+$//: drop trailing zeros of the fraction, then the point.
    size_t dot = sec.find('.');
    if (dot != std::string::npos) {
      while (sec.size() > dot + 1 && sec.back() == '0') sec.pop_back();
      if (sec.back() == '.') sec.pop_back();
    }
  }
  char buf[96];
  std::snprintf(buf, sizeof buf, "%.2lld:%.2lld:%s", static_cast<long long>(h), static_cast<long long>(m), sec.c_str());
  out = buf;
  return true;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// ExifTool's ExifDate: trailing NULs removed, "yyyy?mm?dd" at the end rewritten "yyyy:mm:dd".
std::string exif_date(std::string s) {
  while (!s.empty() && s.back() == '\0') s.pop_back();
  size_t i = s.size();
  auto digits_back = [&](size_t n) {
    if (i < n) return false;
    for (size_t k = 1; k <= n; ++k)
      if (!is_digit(s[i - k])) return false;
    i -= n;
    return true;
  };
  auto skip_non_digits = [&] {
    while (i > 0 && !is_digit(s[i - 1])) --i;
  };
  if (!digits_back(2)) return s;
  size_t day = i;
  skip_non_digits();
  if (!digits_back(2)) return s;
  size_t month = i;
  skip_non_digits();
  if (!digits_back(4)) return s;
  size_t year = i;
  return s.substr(0, year + 4) + ':' + s.substr(month, 2) + ':' + s.substr(day, 2);
}

// Copyright, EXIF 2.32 4.6.5 A: "photographer NUL editor NUL" shown as two lines.
std::string copyright_text(ByteView v) {
  std::string s = raw_text(v);
  // s/ *\0/\n/
  size_t nul = s.find('\0');
  if (nul != std::string::npos) {
    size_t start = nul;
    while (start > 0 && s[start - 1] == ' ') --start;
    s.replace(start, nul - start + 1, "\n");
    // s/ *\0.*//s
    size_t nul2 = s.find('\0', start + 1);
    if (nul2 != std::string::npos) {
      size_t cut = nul2;
      while (cut > start + 1 && s[cut - 1] == ' ') --cut;
      s.erase(cut);
    }
    // s/\n$//
    if (!s.empty() && s.back() == '\n') s.pop_back();
  }
  return s;
}

struct GpsFix {
  std::optional<double> latitude, longitude, altitude;
  std::string latitude_ref, longitude_ref, date, time;
  std::optional<int64_t> altitude_ref;
};

// The decoder: walks IFDs depth-first in file order and stores fields with ExifTool's
// priorities (see store()).
class TiffDecoder {
 public:
  TiffDecoder(IfdWalker& walker, const TiffDecodeOptions& options, Context& ctx)
      : w_(walker), o_(options), ctx_(ctx), md_(ctx.md) {}

  TiffFacts run() {
    // TIFF 6.0 section 2: IFD0, then the chain of "next IFD" offsets.
    uint64_t offset = w_.header().first_ifd;
    if (o_.root == ExifRoot::ExifIfd || o_.root == ExifRoot::GpsIfd) {
      // CR3's CMT2/CMT4: one IFD, no chain after it.
      if (o_.root == ExifRoot::ExifIfd) read_dir(offset, "ExifIFD", Table::Exif, 1, nullptr);
      else read_dir(offset, "GPS", Table::Gps, 1, nullptr);
      return facts_;
    }
    for (uint32_t n = 0; offset != 0; ++n) {
      uint64_t next = 0;
      std::string name = "IFD" + std::to_string(n);
      if (!read_dir(offset, name, Table::Exif, 0, &next)) break;
      ++facts_.chain_ifds;
      offset = next;
    }
    return facts_;
  }

 private:
  enum class Table { Exif, Gps };
  struct Dir {
    std::string_view name;
    Table table;
    uint32_t depth;
    uint16_t compression = 0;
    bool has_subfile = false;
    uint64_t subfile = 0;
  };

  bool read_dir(uint64_t offset, std::string_view name, Table table, uint32_t depth, uint64_t* next) {
    if (depth > ctx_.limits().max_depth) {
      md_.warn("TIFF " + std::string(name) + ": nesting deeper than " + std::to_string(ctx_.limits().max_depth) +
               ", not read");
      return false;
    }
    Ifd ifd;
    if (!w_.read_ifd(offset, name, ifd)) return false;
    if (next) *next = ifd.next;
    Dir dir{name, table, depth};
    if (table == Table::Gps) gps_ = GpsFix{};
    for (const TiffEntry& e : ifd.entries)
      if (e.usable) entry(e, dir);
    if (table == Table::Gps) finish_gps();
    if (o_.panasonic_raw && name == "IFD0") finish_panasonic();
    if (name == "IFD1") finish_thumbnail();
    return true;
  }

  // A sub-IFD pointer: each value is an IFD offset (EXIF 2.32 4.6.3).
  void follow(const TiffEntry& e, const Dir& dir, std::string_view name, Table table) {
    if (!tiff_type_is_integer(e.type) || e.type == kTiffSByte || e.type == kTiffSShort) {
      md_.warn("TIFF " + std::string(dir.name) + ": " + std::string(name) + " pointer has type " +
               std::to_string(e.type) + ", not followed");
      return;
    }
    std::vector<uint64_t> offsets;
    {
      auto v = w_.value(e);
      if (!v) {
        md_.warn("TIFF " + std::string(dir.name) + ": " + std::string(name) + " pointer: " + v.error().message);
        return;
      }
      uint64_t n = std::min<uint64_t>(e.count, ctx_.limits().max_ifds);
      offsets.reserve(static_cast<size_t>(n));
      for (uint64_t i = 0; i < n; ++i) offsets.push_back(tiff_unsigned_at(*v, e.type, i, w_.endian()));
    }
    for (size_t i = 0; i < offsets.size(); ++i) {
      if (offsets[i] == 0) continue;
      std::string sub(name);
      if (i > 0) sub += std::to_string(i);
      read_dir(offsets[i], sub, table, dir.depth + 1, nullptr);
    }
  }

  // A metadata block stored in a tag: handed to its own parser.
  void embedded(const TiffEntry& e, const Dir& dir, std::string_view what) {
    auto v = w_.value(e);
    if (!v) {
      md_.warn("TIFF " + std::string(dir.name) + ": " + std::string(what) + ": " + v.error().message);
      return;
    }
    if (v->empty()) return;
    const ByteView block = *v;
    switch (e.tag) {
      case kTagXmp: parse_xmp(block.chars(0, block.size()), ctx_); break;
      case kTagIptc: parse_iptc(block, ctx_); break;
      case kTagPhotoshop: parse_photoshop_irb(block, ctx_); break;
      case kTagIccProfile: parse_icc(block, ctx_); break;
      case kTagPrintIm: print_im(block); break;
      default: break;
    }
  }

  // PrintIM (ExifTool's PrintIM.pm): "PrintIM", NUL, a 4-character version, then a count of
  // 6-byte entries (in either byte order) whose meaning is unpublished; only the version is
  // reported, and only from a block whose count fits.
  void print_im(ByteView block) {
    if (block.size() <= 15 || block.chars(0, 7) != "PrintIM") return;
    const uint64_t entries = block.size() - 16;
    auto fits = [&](Endian order) { return uint64_t{block.u16(14, order).value_or(0xFFFF)} * 6 <= entries; };
    if (!fits(w_.endian()) && !fits(w_.endian() == Endian::Big ? Endian::Little : Endian::Big)) {
      md_.warn("PrintIM: entry count exceeds the block");
      return;
    }
    md_.set("PrintIMVersion"_f, json_typed(std::string(block.chars(8, 4))));
  }

  void entry(const TiffEntry& e, Dir& dir) {
    if (dir.table == Table::Gps) {
      if (const TagInfo* t = find_gps_tag(e.tag)) convert(*t, e, dir);
      return;
    }
    if (o_.panasonic_raw && dir.name == "IFD0") {
      // Tags below 0x100 are Panasonic's; JpgFromRaw (an embedded JPEG) is not read.
      if (e.tag < 0x100) {
        if (const TagInfo* t = find_panasonic_raw_tag(e.tag)) convert(*t, e, dir);
        return;
      }
      // Panasonic's own meanings for these IDs; not the TIFF tags of the same number.
      if (e.tag == 0x118 || e.tag == 0x119 || e.tag == 0x11c || e.tag == 0x120 || e.tag == 0x121) return;
    }
    // DNG 1.6 DNGPrivateData (0xc634): Adobe's copy of the camera's maker note, among others.
    if (e.tag == kTagDngPrivateData) ctx_.facts.maker_note = true;
    switch (e.tag) {
      case kTagExifIfd: follow(e, dir, "ExifIFD", Table::Exif); return;
      case kTagGpsIfd: follow(e, dir, "GPS", Table::Gps); return;
      case kTagInteropIfd: follow(e, dir, "InteropIFD", Table::Exif); return;
      case kTagSubIfds: follow(e, dir, "SubIFD", Table::Exif); return;
      case kTagXmp: embedded(e, dir, "XMP"); return;
      case kTagIptc: embedded(e, dir, "IPTC-NAA"); return;
      case kTagPhotoshop: embedded(e, dir, "Photoshop"); return;
      case kTagIccProfile: embedded(e, dir, "ICC_Profile"); return;
      case kTagPrintIm: embedded(e, dir, "PrintIM"); return;
      case kTagMakerNote: ctx_.facts.maker_note = true; return;  // maker notes are not decoded
      case kTagJpegInterchangeFormat:
      case kTagJpegInterchangeFormatLength: thumbnail(e, dir); return;
      default: break;
    }
    if (const TagInfo* t = find_exif_tag(e.tag)) convert(*t, e, dir);
  }

  // IFD1's JPEGInterchangeFormat(Length): the thumbnail, reported as a file offset.
  void thumbnail(const TiffEntry& e, const Dir& dir) {
    if (dir.name == "IFD0" && e.tag == kTagJpegInterchangeFormat) facts_.ifd0_thumbnail = true;
    if (dir.name != "IFD1" || !tiff_type_is_integer(e.type) || e.count != 1) return;
    auto v = w_.value(e);
    if (!v) return;
    uint64_t value = tiff_unsigned_at(*v, e.type, 0, w_.endian());
    if (e.tag == kTagJpegInterchangeFormat) {
      if (value > UINT64_MAX - o_.file_offset) return;
      value += o_.file_offset;
    }
    if (value > static_cast<uint64_t>(INT64_MAX)) return;
    md_.set(e.tag == kTagJpegInterchangeFormat ? "ThumbnailOffset"_f : "ThumbnailLength"_f, static_cast<int64_t>(value));
    (e.tag == kTagJpegInterchangeFormat ? thumbnail_offset_ : thumbnail_length_) = value;
  }

  // ExifTool's ThumbnailImage, when the thumbnail lies inside the data.
  void finish_thumbnail() {
    if (!thumbnail_offset_ || !thumbnail_length_ || *thumbnail_length_ == 0) return;
    uint64_t relative = *thumbnail_offset_ - o_.file_offset;
    if (w_.in_data(relative, *thumbnail_length_)) md_.set("ThumbnailImage"_f, binary_data(*thumbnail_length_));
  }

  void convert(const TagInfo& t, const TiffEntry& e, Dir& dir) {
    auto viewed = w_.value(e);
    if (!viewed) {
      md_.warn("TIFF " + std::string(dir.name) + " " + std::string(t.name) + ": " + viewed.error().message);
      return;
    }
    ByteView v = *viewed;
    const Endian end = w_.endian();
    std::optional<Value> value;
    if (dir.table == Table::Exif && (e.tag == kTagFocalPlaneXResolution || e.tag == kTagFocalPlaneYResolution) &&
        e.count == 1 && (e.type == kTiffRational || e.type == kTiffSRational)) {
      double* raw = e.tag == kTagFocalPlaneXResolution ? ctx_.facts.focal_plane_x_res : ctx_.facts.focal_plane_y_res;
      tiff_fraction_at(v, e.type, 0, end, raw[0], raw[1]);
    }
    switch (t.conv) {
      case TagConv::Plain: value = plain_value(e, v, end); break;
      case TagConv::TrimmedText:
      case TagConv::TrimBlanks: {
        value = plain_value(e, v, end);
        if (value)
          if (auto* s = std::get_if<std::string>(&*value)) trim_trailing(*s, t.conv == TagConv::TrimmedText);
        break;
      }
      case TagConv::Version: {
        if (e.type == kTiffUndefined && e.count > 1) {
          std::string s = raw_text(v);
          while (!s.empty() && s.back() == '\0') s.pop_back();
          value = Value(std::move(s));
        } else {
          value = plain_value(e, v, end);
        }
        break;
      }
      case TagConv::ByteList: {
        if (e.type == kTiffUndefined && e.count > 1 && e.count <= kMaxListValues) {
          TiffEntry as_bytes = e;
          as_bytes.type = kTiffByte;
          value = plain_value(as_bytes, v, end);
        } else {
          value = plain_value(e, v, end);
        }
        break;
      }
      case TagConv::ExifText: {
        std::string text, charset;
        if (!decode_exif_text(v, end, text, charset))
          md_.warn("EXIF " + std::string(t.name) + ": invalid character code, shown as stored");
        if (e.tag == kTagUserComment && dir.table == Table::Exif && !charset.empty())
          store(TagInfo{e.tag, "UserCommentCharset"_f, TagConv::Plain, false}, Value(charset), dir);
        value = Value(std::move(text));
        break;
      }
      case TagConv::Copyright: value = Value(copyright_text(v)); break;
      case TagConv::Ucs2: value = Value(utf16_to_utf8(v, Endian::Little)); break;
      case TagConv::ApexAperture:
      case TagConv::ApexShutter: {
        if (e.count != 1 || e.type == kTiffAscii || e.type == kTiffUndefined) break;
        double x = 0;
        if (!element_number(v, e.type, 0, end, x)) break;
        if (t.conv == TagConv::ApexAperture) value = number_value(std::pow(2.0, x / 2));
        else value = std::fabs(x) < 100 ? number_value(std::pow(2.0, -x)) : Value(int64_t{0});
        break;
      }
      case TagConv::FileOffset:
      case TagConv::ByteCounts: image_data(t, e, v, dir); return;
      case TagConv::Degrees: {
        double deg = 0;
        value = degrees(e, v, end, deg) ? number_value(deg) : Value(std::string());
        break;
      }
      case TagConv::GpsLatitude:
      case TagConv::GpsLongitude: {
        // A coordinate with a zero denominator (no fix) is shown as "" (ExifTool's ToDegrees).
        double deg = 0;
        bool valid = degrees(e, v, end, deg);
        (t.conv == TagConv::GpsLatitude ? gps_.latitude : gps_.longitude) =
            valid ? std::optional<double>(deg) : std::optional<double>(std::nan(""));
        return;  // stored signed by finish_gps()
      }
      case TagConv::GpsAltitude: {
        if (e.count != 1 || e.type == kTiffAscii || e.type == kTiffUndefined) break;
        std::string text;
        if (!(e.type == kTiffRational || e.type == kTiffSRational)) {
          gps_.altitude = tiff_real_at(v, e.type, 0, end);
          return;
        }
        double num = 0, den = 0;
        tiff_fraction_at(v, e.type, 0, end, num, den);
        if (!rational_text(num, den, text)) {
          value = Value(text);  // "inf" / "undef", as ExifTool shows it
          break;
        }
        gps_.altitude = std::strtod(text.c_str(), nullptr);
        return;
      }
      case TagConv::GpsTimeStamp: {
        std::string text;
        if (gps_time(e, v, end, text)) {
          gps_.time = text;
          value = Value(std::move(text));
        }
        break;
      }
      case TagConv::GpsDateStamp: {
        std::string text = exif_date(raw_text(v));
        gps_.date = text;
        value = Value(std::move(text));
        break;
      }
    }
    if (!value) return;
    if (dir.table == Table::Gps) {
      if (e.tag == 0x0001 || e.tag == 0x0003)
        if (auto* s = std::get_if<std::string>(&*value)) (e.tag == 1 ? gps_.latitude_ref : gps_.longitude_ref) = *s;
      if (e.tag == 0x0005)
        if (auto* i = std::get_if<int64_t>(&*value)) gps_.altitude_ref = *i;
    }
    facts(t, *value, dir);
    store(t, std::move(*value), dir);
  }

  // Offsets and byte counts of image data, named as ExifTool names them: JPEG-compressed
  // strips that are not the main image are a preview (CR2 IFD0, JPEG strips in TIFF/DNG);
  // plain strip lists are shown only when short.
  void image_data(const TagInfo& t, const TiffEntry& e, ByteView v, const Dir& dir) {
    if (!tiff_type_is_integer(e.type) || e.count == 0 || e.count > kMaxOffsetValues) return;
    if (o_.container == TiffContainer::ExifBlock && dir.name == "IFD2") return;  // Leica preview
    const bool offsets = t.conv == TagConv::FileOffset;
    FieldId name = t.field;
    bool strips = t.tag == 0x0111 || t.tag == 0x0117;
    if (strips && ((o_.canon_cr2 && dir.name == "IFD0") ||
                   (o_.jpeg_strips_are_previews && dir.compression == 7 && !(dir.has_subfile && dir.subfile == 0)))) {
      if (dir.name == "SubIFD2") name = offsets ? "JpgFromRawStart"_f : "JpgFromRawLength"_f;
      else name = offsets ? "PreviewImageStart"_f : "PreviewImageLength"_f;
    }
    if (name != t.field && e.count > kMaxListValues) return;
    const uint64_t add = offsets ? o_.file_offset : 0;
    std::string text;
    for (uint64_t i = 0; i < e.count; ++i) {
      uint64_t x = tiff_unsigned_at(v, e.type, i, w_.endian());
      if (x > UINT64_MAX - add) return;
      if (i) text += ' ';
      append_uint(text, x + add);
    }
    // ExifTool shows long strip lists as binary data, giving the length of their text.
    if (name == t.field && text.size() > kMaxOffsetText) text = binary_data(text.size());
    store(TagInfo{t.tag, name, TagConv::Plain, false}, e.count == 1 ? number_from_text(text) : Value(std::move(text)),
          dir);
  }

  // Facts the TIFF parser and the priority rules need.
  void facts(const TagInfo& t, const Value& value, Dir& dir) {
    if (dir.table != Table::Exif) return;
    if (t.tag == kTagDngVersion) facts_.dng = true;  // DNG 1.4 section 6: required in IFD0
    const int64_t* n = std::get_if<int64_t>(&value);
    if (!n) return;
    switch (t.tag) {
      case kTagSubfileType:
        // ExifTool: NewSubfileType 0 is the full-resolution image, 2 a page of a document.
        dir.has_subfile = true;
        dir.subfile = static_cast<uint64_t>(*n);
        if (*n == 0 || *n == 2) {
          if (*n == 0 && priority_dir_.empty()) priority_dir_ = dir.name;
          ++facts_.page_count;
          facts_.multi_page |= *n == 2 || facts_.page_count > 1;
        }
        break;
      case kTagOldSubfileType:
        if (*n == 1 || *n == 3) {
          if (*n == 1 && priority_dir_.empty()) priority_dir_ = dir.name;
          ++facts_.page_count;
          facts_.multi_page |= *n == 3 || facts_.page_count > 1;
        }
        break;
      case kTagCompression:
        dir.compression = static_cast<uint16_t>(*n);
        if (dir.name == "IFD0" && facts_.ifd0_compression == 0) facts_.ifd0_compression = static_cast<uint16_t>(*n);
        // Compression values that name a raw format (ExifTool's IdentifyRawFile).
        if (facts_.raw_compression == 0 &&
            (*n == 32767 || *n == 32770 || *n == 32772 || *n == 32867 || *n == 34713 || *n == 65000 || *n == 65535))
          facts_.raw_compression = static_cast<uint16_t>(*n);
        break;
      case kTagPhotometric:
        if (*n == 32803 || *n == 34892) facts_.cfa = true;  // TIFF/EP CFA, DNG LinearRaw
        break;
      default: break;
    }
  }

  // ExifTool's priorities: a later value replaces an earlier one, except that
  //  - tags with "Priority 0" keep their first value unless they come from the priority
  //    IFD (the first with SubfileType "full resolution");
  //  - in EXIF blocks, IFD1 (the thumbnail) never replaces a value, and ImageWidth and
  //    ImageHeight yield to the container's own header.
  void store(const TagInfo& t, Value value, const Dir& dir) {
    if (dir.table == Table::Exif && o_.container == TiffContainer::ExifBlock) {
      if (dir.name == "IFD1" || t.tag == kTagImageWidth || t.tag == kTagImageHeight) {
        md_.set_default(t.field, std::move(value));
        return;
      }
    }
    if (t.priority0 && dir.table == Table::Exif) {
      bool seen = std::find(priority0_seen_.begin(), priority0_seen_.end(), t.tag) != priority0_seen_.end();
      if (seen && dir.name != priority_dir_) return;
      if (!seen) priority0_seen_.push_back(t.tag);
    }
    md_.set(t.field, std::move(value));
  }

  // EXIF 2.32 4.6.6: latitude and longitude signed by their references, altitude by its
  // reference (1 = below sea level), and ExifTool's GPSDateTime from the date and time stamps.
  void finish_gps() {
    static constexpr TagInfo kLatitude{0x0002, "GPSLatitude"_f, TagConv::Plain, false};
    static constexpr TagInfo kLongitude{0x0004, "GPSLongitude"_f, TagConv::Plain, false};
    static constexpr TagInfo kAltitude{0x0006, "GPSAltitude"_f, TagConv::Plain, false};
    static constexpr TagInfo kDateTime{0x001d, "GPSDateTime"_f, TagConv::Plain, false};
    Dir dir{"GPS", Table::Gps, 0};
    auto starts = [](const std::string& s, char c) {
      return !s.empty() && (s[0] == c || s[0] == static_cast<char>(c + ('a' - 'A')));
    };
    auto coordinate = [&](double deg, bool negative) {
      if (std::isnan(deg)) return Value(std::string());
      return number_value(negative ? -deg : deg);
    };
    if (gps_.latitude) store(kLatitude, coordinate(*gps_.latitude, starts(gps_.latitude_ref, 'S')), dir);
    if (gps_.longitude) store(kLongitude, coordinate(*gps_.longitude, starts(gps_.longitude_ref, 'W')), dir);
    if (gps_.altitude) {
      double alt = *gps_.altitude;
      if (gps_.altitude_ref && *gps_.altitude_ref != 0) alt = -std::fabs(alt);
      store(kAltitude, number_value(alt), dir);
    }
    if (!gps_.date.empty() && !gps_.time.empty()) store(kDateTime, Value(gps_.date + " " + gps_.time + "Z"), dir);
  }

  // Panasonic RW2: the image size is the sensor area inside the borders (ExifTool composite).
  void finish_panasonic() {
    double top = 0, left = 0, bottom = 0, right = 0;
    if (md_.get_number("SensorLeftBorder"_f, left) && md_.get_number("SensorRightBorder"_f, right))
      md_.set("ImageWidth"_f, number_value(right - left));
    if (md_.get_number("SensorTopBorder"_f, top) && md_.get_number("SensorBottomBorder"_f, bottom))
      md_.set("ImageHeight"_f, number_value(bottom - top));
  }

  IfdWalker& w_;
  const TiffDecodeOptions& o_;
  Context& ctx_;
  Metadata& md_;
  TiffFacts facts_;
  GpsFix gps_;
  std::string priority_dir_;  // ExifTool's PRIORITY_DIR, by IFD name
  std::optional<uint64_t> thumbnail_offset_, thumbnail_length_;  // IFD1's, offset from the file start
  std::vector<uint16_t> priority0_seen_;
};

}  // namespace

bool decode_exif_text(ByteView raw, Endian block_order, std::string& text, std::string& charset) {
  charset.clear();
  if (raw.size() < 8) {
    text = raw_text(raw);
    return true;
  }
  const std::string_view id = raw.chars(0, 8);
  ByteView body = *raw.tail(8);
  auto nul_or_space = [](std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c == '\0' || c == ' '; });
  };
  bool ok = true;
  // EXIF 2.32 4.6.5 table 9; ExifTool also accepts spaces for the NULs.
  if (id.substr(0, 5) == "ASCII" && (id[5] == '\0' || nul_or_space(id.substr(5)))) {
    charset = "ASCII";
    text = ascii_text(body);
  } else if (id[0] == '\0' || nul_or_space(id)) {
    charset = "Undefined";
    text = ascii_text(body);
  } else if (id.substr(0, 7) == "UNICODE" && (id[7] == '\0' || id[7] == ' ')) {
    // UCS-2/UTF-16; writers disagree on the byte order (Microsoft writes little endian
    // even in big-endian EXIF), so the order is guessed from the text.
    charset = "UNICODE";
    text = utf16_guess_order(body, block_order);
  } else if (id.substr(0, 3) == "JIS" && nul_or_space(id.substr(3))) {
    // JIS X 0208 is not converted; the bytes are kept (invalid UTF-8 becomes U+FFFD).
    charset = "JIS";
    text = raw_text(body);
  } else {
    text = raw_text(raw);
    ok = false;
  }
  trim_trailing(text, false);
  return ok;
}

TiffFacts decode_tiff(IfdWalker& walker, const TiffDecodeOptions& options, Context& ctx) {
  return TiffDecoder(walker, options, ctx).run();
}

void parse_exif(ByteView tiff, uint64_t file_offset, Context& ctx, ExifRoot root) {
  // An EXIF block can hold a Photoshop block holding an EXIF block: bound the nesting.
  thread_local uint32_t nesting = 0;
  if (nesting >= kMaxBlockNesting) {
    ctx.md.warn("EXIF at offset " + std::to_string(file_offset) + ": nested too deeply, not read");
    return;
  }
  struct Nest {
    Nest() { ++nesting; }
    ~Nest() { --nesting; }
  } nest;

  auto header = parse_tiff_header(tiff);
  if (!header) {
    ctx.md.warn("EXIF at offset " + std::to_string(file_offset) + ": " + header.error().message);
    return;
  }
  // EXIF 2.32 4.5.2: the block is a TIFF structure; its offsets are relative to its start.
  MemorySource source(tiff.span());
  Reader reader(source, ctx.limits().max_bytes_read);
  IfdWalker walker(reader, 0, *header, ctx.limits(), ctx.md);
  if (!header->big) ctx.md.set("ExifByteOrder"_f, header->endian == Endian::Little ? "II" : "MM");
  TiffDecodeOptions options;
  options.container = TiffContainer::ExifBlock;
  options.file_offset = file_offset;
  options.root = root;
  decode_tiff(walker, options, ctx);
}

}  // namespace imgmeta::meta
