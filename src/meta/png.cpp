// PNG and APNG. Section numbers are those of the PNG Specification, Third Edition (W3C
// Recommendation 2025; ISO/IEC 15948 for the earlier editions), which also holds the APNG
// chunks (11.3.6) and eXIf (11.3.4.5). Field names follow ExifTool's PNG tables.
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "meta/ascii.hpp"
#include "meta/formats.hpp"
#include "meta/inflate.hpp"

namespace imgmeta::meta {
namespace {

// 5.2 PNG signature.
constexpr std::string_view kSignature("\x89PNG\r\n\x1A\n", 8);
// 5.3 Chunk layout: length (4), type (4), data (length), CRC (4). Lengths are at most 2^31-1.
constexpr uint64_t kChunkHeaderSize = 8;
constexpr uint64_t kCrcSize = 4;
constexpr uint32_t kMaxChunkLength = 0x7FFFFFFF;
// 11.3.3.1: keywords are 1 to 79 bytes.
constexpr size_t kMaxKeyword = 79;
// Text values are kept to what Metadata keeps of a string; inflating more would be wasted work.
constexpr uint64_t kMaxTextBytes = 64 * 1024;
// Inflated bytes for a whole file, as a multiple of Limits::max_inflate (which caps one chunk).
constexpr uint64_t kInflateBudgetChunks = 4;
// Tail scan windows (see PngParser::scan_tail).
constexpr std::array<uint64_t, 3> kTailWindows = {64 * 1024, 256 * 1024, 1024 * 1024};
constexpr int kMaxTailCrcChains = 32;

constexpr uint32_t fourcc(const char (&s)[5]) {
  return (uint32_t{static_cast<uint8_t>(s[0])} << 24) | (uint32_t{static_cast<uint8_t>(s[1])} << 16) |
         (uint32_t{static_cast<uint8_t>(s[2])} << 8) | uint32_t{static_cast<uint8_t>(s[3])};
}

constexpr uint32_t kIHDR = fourcc("IHDR"), kPLTE = fourcc("PLTE"), kIDAT = fourcc("IDAT"), kIEND = fourcc("IEND");
constexpr uint32_t kTRNS = fourcc("tRNS"), kCHRM = fourcc("cHRM"), kGAMA = fourcc("gAMA"), kICCP = fourcc("iCCP");
constexpr uint32_t kSBIT = fourcc("sBIT"), kSRGB = fourcc("sRGB"), kCICP = fourcc("cICP");
constexpr uint32_t kTEXT = fourcc("tEXt"), kZTXT = fourcc("zTXt"), kITXT = fourcc("iTXt");
constexpr uint32_t kBKGD = fourcc("bKGD"), kPHYS = fourcc("pHYs"), kEXIF = fourcc("eXIf"), kTIME = fourcc("tIME");
constexpr uint32_t kACTL = fourcc("acTL"), kFDAT = fourcc("fdAT");

constexpr Endian kBE = Endian::Big;

// 5.4 Chunk naming conventions: four ASCII letters (false when v ends before them).
// Called for every link of a candidate chain in a tail window: no Result per call.
bool is_chunk_type(ByteView v, size_t at) {
  if (!v.has(at, 4)) return false;
  for (size_t i = at; i < at + 4; ++i) {
    const uint8_t c = v[i];
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) return false;
  }
  return true;
}

// A chunk type for messages: its letters, or its code in hex when it has none.
std::string type_name(uint32_t type) {
  std::string s(4, ' ');
  for (size_t i = 0; i < 4; ++i) {
    auto c = static_cast<char>((type >> (24 - 8 * i)) & 0xFF);
    if (c < 0x20 || c >= 0x7F) {
      char buf[16];
      std::snprintf(buf, sizeof buf, "0x%08x", static_cast<unsigned>(type));
      return buf;
    }
    s[i] = c;
  }
  return s;
}

bool is_image_data(uint32_t type) { return type == kIDAT || type == kFDAT; }

// 11.3.3.2: tEXt and zTXt hold Latin-1; Metadata wants UTF-8. NULs (not allowed in text, but
// seen in the wild) are dropped, as ExifTool does.
std::string latin1_to_utf8(std::string_view s) {
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

std::string drop_nuls(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s)
    if (c != '\0') out += c;
  return out;
}

std::string binary_placeholder(uint64_t n) {
  return "(Binary data " + std::to_string(n) + " bytes, use -b option to extract)";
}

// ExifTool's convention for small arrays: one number stays a number, several become a
// space-separated string.
Value join_numbers(const std::vector<uint32_t>& v) {
  if (v.size() == 1) return static_cast<int64_t>(v[0]);
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) s += ' ';
    s += std::to_string(v[i]);
  }
  return s;
}

std::string_view as_chars(ByteView v) { return v.chars(0, v.size()); }

// ExifTool's PNG TextualData table: keywords with a name of their own.
struct TextTag {
  std::string_view keyword;
  FieldId field;
};
constexpr TextTag kTextTags[] = {
    {"Title", "Title"_f},           {"Author", "Author"_f},         {"Description", "Description"_f},
    {"Copyright", "Copyright"_f},   {"Creation Time", "CreationTime"_f}, {"Software", "Software"_f},
    {"Disclaimer", "Disclaimer"_f}, {"Warning", "PNGWarning"_f},     {"Source", "Source"_f},
    {"Comment", "Comment"_f},       {"Collection", "Collection"_f}, {"Artist", "Artist"_f},
    {"Document", "Document"_f},     {"Label", "Label"_f},           {"Make", "Make"_f},
    {"Model", "Model"_f},           {"create-date", "CreateDate"_f}, {"modify-date", "ModDate"_f},
    {"TimeStamp", "TimeStamp"_f},   {"URL", "URL"_f},
};

std::string ucfirst(std::string_view s) {
  std::string out(s);
  if (!out.empty() && out[0] >= 'a' && out[0] <= 'z') out[0] = static_cast<char>(out[0] - 'a' + 'A');
  return out;
}

const TextTag* find_text_tag(std::string_view keyword) {
  const std::string upper = ucfirst(keyword);
  for (const auto& t : kTextTags)
    if (t.keyword == keyword || t.keyword == upper) return &t;
  return nullptr;
}

// A field name for a keyword ExifTool has no name for: white space followed by a character
// becomes that character upper-cased, other characters outside [-_A-Za-z0-9] go, the first
// letter is upper-cased, and names that are too short or start with a digit get "Tag".
std::string keyword_field_name(std::string_view keyword) {
  std::string name;
  bool upper_next = false;
  for (char c : keyword) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
      upper_next = !name.empty() || upper_next;
      continue;
    }
    if (upper_next && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    upper_next = false;
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')
      name += c;
  }
  name = ucfirst(name);
  if (name.size() < 2 || !((name[0] >= 'A' && name[0] <= 'Z') || (name[0] >= 'a' && name[0] <= 'z')))
    name = "Tag" + name;
  return name;
}

// RFC 3066 language tag in ExifTool's standard case: "en-us" -> "en-US".
std::string standard_lang_case(std::string_view lang) {
  std::string s;
  for (char c : lang) {
    if (c == '_') c = '-';
    s += ascii_lower(c);
  }
  auto is_lower = [](char c) { return c >= 'a' && c <= 'z'; };
  auto is_word = [&](char c) { return is_lower(c) || (c >= '0' && c <= '9') || c == '_'; };
  for (size_t prefix : {size_t{2}, size_t{3}, size_t{1}}) {
    if (s.size() < prefix + 3) continue;
    bool ok = true;
    for (size_t i = 0; i < prefix; ++i) ok = ok && is_lower(s[i]);
    if (prefix == 1) ok = ok && (s[0] == 'x' || s[0] == 'i');
    if (!ok || s[prefix] != '-' || !is_lower(s[prefix + 1]) || !is_lower(s[prefix + 2])) continue;
    if (s.size() > prefix + 3 && is_word(s[prefix + 3])) continue;
    s[prefix + 1] = static_cast<char>(s[prefix + 1] - 'a' + 'A');
    s[prefix + 2] = static_cast<char>(s[prefix + 2] - 'a' + 'A');
    break;
  }
  return s;
}

// "Creation Time" holds an RFC 1123 date ("Mon, 07 Jan 2019 10:13:34 GMT"); ExifTool shows it
// as "2019:01:07 10:13:34+00:00" and leaves anything else as it is.
std::string convert_png_date(const std::string& text) {
  if (text.size() > 200) return text;
  static constexpr std::pair<std::string_view, std::string_view> kZones[] = {
      {"UT", "+00:00"},  {"GMT", "+00:00"}, {"UTC", "+00:00"}, {"Z", "+00:00"},  {"EST", "-05:00"},
      {"EDT", "-04:00"}, {"CST", "-06:00"}, {"CDT", "-05:00"}, {"MST", "-07:00"}, {"MDT", "-06:00"},
      {"PST", "-08:00"}, {"PDT", "-07:00"}};
  // Built once: a std::regex costs far more to compile than to run.
  static const std::regex date(R"((\d+)\s*(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\s*(\d+)\s+(\d+):(\d{2})(:\d{2})?\s*(\S*))",
                        std::regex::icase);
  std::smatch m;
  if (!std::regex_search(text, m, date)) return text;
  static constexpr std::string_view kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                                 "jul", "aug", "sep", "oct", "nov", "dec"};
  const std::string mon = ascii_lower(m[2].str());
  int month = 0;
  for (int i = 0; i < 12; ++i)
    if (mon == kMonths[i]) month = i + 1;
  long year = std::strtol(m[3].str().c_str(), nullptr, 10);
  if (year < 100) year += year > 70 ? 1900 : 2000;
  std::string tz = m[7].str();
  std::string zone;
  if (!tz.empty()) {
    for (const auto& [name, offset] : kZones)
      if (iequals(tz, name)) zone = offset;
    if (zone.empty()) {
      std::smatch z;
      static const std::regex numeric(R"(^([-+]\d+):?(\d{2}))");
      if (!std::regex_search(tz, z, numeric)) return text;
      zone = z[1].str() + ":" + z[2].str();
    }
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.4ld:%.2d:%.2ld %.2ld:%.2ld%s", year, month,
                std::strtol(m[1].str().c_str(), nullptr, 10), std::strtol(m[4].str().c_str(), nullptr, 10),
                std::strtol(m[5].str().c_str(), nullptr, 10), m[6].matched ? m[6].str().c_str() : ":00");
  return buf + zone;
}

// XMP-style dates ("2020-03-13T10:43:59+00:00") in ExifTool's form ("2020:03:13 10:43:59+00:00").
std::string convert_xmp_date(std::string s) {
  if (s.size() >= 10 && s[4] == '-' && s[7] == '-') {
    s[4] = ':';
    s[7] = ':';
    if (s.size() > 10 && s[10] == 'T') s[10] = ' ';
  }
  return s;
}

bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
uint8_t hex_value(char c) {
  if (c <= '9') return static_cast<uint8_t>(c - '0');
  if (c <= 'F') return static_cast<uint8_t>(c - 'A' + 10);
  return static_cast<uint8_t>(c - 'a' + 10);
}

// ImageMagick's "Raw profile type <type>" text chunks and ExifTool's names for them.
struct RawProfileKind {
  std::string_view type;
  std::string_view name;
};
constexpr RawProfileKind kRawProfiles[] = {
    {"APP1", "APP1_Profile"}, {"exif", "EXIF_Profile"}, {"icc", "ICC_Profile"},       {"icm", "ICC_Profile"},
    {"iptc", "IPTC_Profile"}, {"xmp", "XMP_Profile"},   {"8bim", "Photoshop_Profile"},
};
constexpr std::string_view kRawProfilePrefix = "Raw profile type ";

const RawProfileKind* find_raw_profile(std::string_view keyword) {
  if (!keyword.starts_with(kRawProfilePrefix)) return nullptr;
  keyword.remove_prefix(kRawProfilePrefix.size());
  for (const auto& k : kRawProfiles)
    if (k.type == keyword) return &k;
  return nullptr;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

class PngParser {
 public:
  explicit PngParser(Context& ctx) : ctx_(ctx), md_(ctx.md), r_(ctx.reader) {
    const uint64_t per_chunk = ctx.limits().max_inflate;
    inflate_budget_ = per_chunk > UINT64_MAX / kInflateBudgetChunks ? UINT64_MAX : per_chunk * kInflateBudgetChunks;
  }

  void walk();
  void finish();

 private:
  struct ChunkRef {
    uint32_t type;
    uint64_t data_offset;  // in the file
    uint32_t length;
    size_t buffer_offset;  // in the tail buffer
  };

  bool needs_data(uint32_t type) const;
  void read_and_handle(uint32_t type, uint64_t data_offset, uint32_t length);
  Status handle(uint32_t type, ByteView data, uint64_t data_offset);
  void handle_or_warn(uint32_t type, ByteView data, uint64_t data_offset);
  bool scan_tail(uint64_t from);
  std::optional<std::vector<ChunkRef>> find_chain(ByteView tail, uint64_t tail_offset);

  Status on_ihdr(ByteView d);
  Status on_trns(ByteView d);
  Status on_chrm(ByteView d);
  void on_iccp(ByteView d, uint64_t offset);
  void on_text(uint32_t type, ByteView d, uint64_t offset);
  void on_exif(ByteView d, uint64_t offset);
  void text_value(std::string_view keyword, std::string value, std::string_view lang);
  void raw_profile(const RawProfileKind& kind, std::string_view text);
  // Inflates a zlib stream within the per-chunk cap and the per-file budget; nullopt (with a
  // warning) when it cannot.
  std::optional<Inflated> inflate(ByteView compressed, uint64_t cap, const std::string& what);

  Context& ctx_;
  Metadata& md_;
  Reader& r_;
  int color_type_ = -1;
  bool has_trns_ = false;
  bool seen_idat_ = false;
  bool tail_scanned_ = false;
  bool warned_after_idat_ = false;
  bool animated_ = false;
  uint32_t chunks_ = 0;
  uint64_t inflate_budget_ = 0;
};

// Which chunks the parser reads. Everything else, the image data above all, is seeked past.
bool PngParser::needs_data(uint32_t type) const {
  switch (type) {
    case kIHDR: case kPLTE: case kTRNS: case kCHRM: case kGAMA: case kICCP: case kSBIT: case kSRGB: case kCICP:
    case kTEXT: case kZTXT: case kITXT: case kBKGD: case kPHYS: case kEXIF: case kTIME: case kACTL:
      return true;
    default:
      return false;
  }
}

// 5.3 Chunk layout; 5.6 Chunk ordering.
//
// Where the walk stops: metadata may legally follow the image data (ExifTool writes text
// before IDAT, but eXIf and text after IDAT are common: ImageMagick, Pillow), so stopping at
// the first IDAT would lose it. Walking on costs one header read per IDAT chunk, and encoders
// split IDAT into 8-64 KiB chunks, so on a large file that means fetching nearly every block.
// Instead, at the first IDAT with more than 64 KiB of file after it, the parser reads the
// file's tail in one go and finds the chunk chain that ends at IEND (scan_tail): everything
// that follows the image data is in it. Only when that fails (no IEND, a truncated file, more
// than 1 MiB of chunks after the image data) does the walk hop on from header to header, up
// to Limits::max_segments chunks and the read budget.
void PngParser::walk() {
  const uint64_t size = r_.size();
  uint64_t pos = kSignature.size();
  bool first = true;
  for (;;) {
    if (pos == size) {
      md_.warn("Truncated PNG image");
      return;
    }
    if (size - pos < kChunkHeaderSize) {
      md_.warn("Truncated PNG image: " + std::to_string(size - pos) + " bytes at offset " + hex_offset(pos) +
               " cannot hold a chunk header");
      return;
    }
    auto header = r_.view(pos, kChunkHeaderSize);
    if (!header) {
      md_.warn("PNG chunk header at " + hex_offset(pos) + ": " + header.error().message);
      return;
    }
    auto length_field = header->u32(0, kBE), type_field = header->u32(4, kBE);
    if (!length_field || !type_field) {
      md_.warn("PNG chunk header at " + hex_offset(pos) + ": cut short");
      return;
    }
    const uint32_t length = *length_field, type = *type_field;
    if (first) {
      // 5.6: IHDR shall be first.
      if (type != kIHDR) md_.warn("PNG image did not start with IHDR");
      first = false;
    }
    if (length > kMaxChunkLength) {
      md_.warn("Invalid PNG chunk size: " + type_name(type) + " chunk at " + hex_offset(pos) + " claims " +
               std::to_string(length) + " bytes (at most 2^31-1)");
      return;
    }
    if (++chunks_ > ctx_.limits().max_segments) {
      md_.warn("PNG: stopped after " + std::to_string(ctx_.limits().max_segments) + " chunks");
      return;
    }
    const uint64_t data = pos + kChunkHeaderSize;
    if (length > size - data) {
      if (is_image_data(type))
        md_.warn("Truncated PNG image: " + type_name(type) + " chunk at " + hex_offset(pos) + " runs past the end");
      else
        md_.warn("Corrupted PNG image: " + type_name(type) + " chunk at " + hex_offset(pos) + " claims " +
                 std::to_string(length) + " bytes, past the end of the file");
      return;
    }
    if (type == kIEND) {
      if (size - data > length + kCrcSize) md_.warn("[minor] Trailer data after PNG IEND chunk");
      return;
    }
    if (is_image_data(type)) {
      seen_idat_ = seen_idat_ || type == kIDAT;
      const uint64_t after = data + length + kCrcSize;
      if (type == kIDAT && !tail_scanned_ && after <= size && size - after > kTailWindows[0]) {
        tail_scanned_ = true;
        if (scan_tail(after)) return;
      }
    } else if (needs_data(type)) {
      read_and_handle(type, data, length);
    }
    if (length + kCrcSize > size - data) {
      md_.warn("Truncated PNG image: the CRC of the " + type_name(type) + " chunk at " + hex_offset(pos) +
               " is missing");
      return;
    }
    pos = data + length + kCrcSize;
  }
}

void PngParser::read_and_handle(uint32_t type, uint64_t data_offset, uint32_t length) {
  if (length > ctx_.limits().max_value_bytes) {
    md_.warn("PNG " + type_name(type) + " chunk at " + hex_offset(data_offset - kChunkHeaderSize) + ": " +
             std::to_string(length) + " bytes exceed the " + std::to_string(ctx_.limits().max_value_bytes) +
             "-byte limit; skipped");
    return;
  }
  auto bytes = r_.view(data_offset, length);
  if (!bytes) {
    md_.warn("PNG " + type_name(type) + " chunk at " + hex_offset(data_offset - kChunkHeaderSize) + ": " +
             bytes.error().message);
    return;
  }
  handle_or_warn(type, *bytes, data_offset);
}

// Reads growing windows at the end of the file and looks for the chunk chain that ends at
// IEND. The window is accepted once that chain starts with image data (IDAT or fdAT): then
// every chunk after the image data is in it. Returns false when the walk must go on instead.
bool PngParser::scan_tail(uint64_t from) {
  const uint64_t size = r_.size();
  for (uint64_t window : kTailWindows) {
    const uint64_t avail = size - from;
    const uint64_t n = std::min(window, avail);
    const uint64_t start = size - n;
    auto tail = r_.view(start, static_cast<size_t>(n));
    if (!tail) return false;
    auto chain = find_chain(*tail, start);
    if (chain && !chain->empty() && is_image_data(chain->front().type)) {
      for (const ChunkRef& c : *chain) {
        if (c.type == kIEND) {
          if (c.data_offset + c.length + kCrcSize < size) md_.warn("[minor] Trailer data after PNG IEND chunk");
          break;
        }
        if (++chunks_ > ctx_.limits().max_segments) {
          md_.warn("PNG: stopped after " + std::to_string(ctx_.limits().max_segments) + " chunks");
          break;
        }
        if (is_image_data(c.type) || !needs_data(c.type)) continue;
        if (c.length > ctx_.limits().max_value_bytes) {
          md_.warn("PNG " + type_name(c.type) + " chunk at " + hex_offset(c.data_offset - kChunkHeaderSize) +
                   ": " + std::to_string(c.length) + " bytes exceed the limit; skipped");
          continue;
        }
        handle_or_warn(c.type, ByteView(tail->span().subspan(c.buffer_offset, c.length)), c.data_offset);
      }
      return true;
    }
    if (n == avail) return false;
  }
  return false;
}

// Finds, in a window of the file, the first offset where a chain of well-formed chunks that
// starts with image data (IDAT or fdAT: the only chain scan_tail can use) runs to an empty IEND
// chunk. Compressed image data that happens to look like a chain is caught by the CRCs (5.5),
// checked on every chunk but the image data itself: a chain can only start inside image data
// by way of a fake header, and a fake header is not IDAT's or fdAT's. Only offsets where one
// of those two types stands are tried, found by a memchr-speed search rather than byte by
// byte; the steps taken and the chains CRC-checked are capped, so a crafted tail costs linear
// time.
std::optional<std::vector<PngParser::ChunkRef>> PngParser::find_chain(ByteView t, uint64_t tail_offset) {
  const size_t n = t.size();
  const uint64_t overhead = kChunkHeaderSize + kCrcSize;
  if (n < overhead) return std::nullopt;
  size_t steps_left = 4 * 1024 + n / 8;
  int crc_chains = 0;
  const std::string_view window = t.chars(0, n);
  constexpr auto npos = std::string_view::npos;
  size_t next_idat = window.find("IDAT", 4), next_fdat = window.find("fdAT", 4);
  while (next_idat != npos || next_fdat != npos) {
    const size_t at = std::min(next_idat, next_fdat);
    if (at == next_idat) next_idat = window.find("IDAT", at + 1);
    else next_fdat = window.find("fdAT", at + 1);
    const size_t p = at - 4;
    if (p + overhead > n) break;
    // Follow the lengths from p to IEND, or to a malformed header.
    bool reaches_end = false;
    for (size_t q = p;;) {
      if (steps_left-- == 0) return std::nullopt;
      if (n - q < overhead || !is_chunk_type(t, q + 4)) break;
      auto len = t.u32(q, kBE);
      auto type = t.u32(q + 4, kBE);
      if (!len || !type || *len > n - q - overhead) break;
      if (*type == kIEND) {
        reaches_end = *len == 0;
        break;
      }
      q += overhead + *len;
    }
    if (!reaches_end) continue;
    if (++crc_chains > kMaxTailCrcChains) return std::nullopt;
    std::vector<ChunkRef> chain;
    bool crc_ok = true;
    for (size_t c = p;;) {
      // The chain was followed above, so these reads succeed; a failed one ends it all the same.
      auto len_r = t.u32(c, kBE);
      auto type_r = t.u32(c + 4, kBE);
      if (!len_r || !type_r) {
        crc_ok = false;
        break;
      }
      const uint32_t len = *len_r, type = *type_r;
      if (!is_image_data(type)) {
        auto covered = t.sub(c + 4, uint64_t{len} + 4);  // type and data (5.3)
        auto stored = t.u32(c + 8 + uint64_t{len}, kBE);
        if (!covered || !stored ||
            crc32(crc32(0L, Z_NULL, 0), covered->data(), static_cast<uInt>(covered->size())) != *stored) {
          crc_ok = false;
          break;
        }
      }
      chain.push_back(ChunkRef{type, tail_offset + c + kChunkHeaderSize, len, c + kChunkHeaderSize});
      if (type == kIEND) break;
      c += overhead + len;
    }
    if (crc_ok) return chain;
  }
  return std::nullopt;
}

// The fields handlers read are checked against the chunk's size first, so a failed read is a
// bug rather than a bad file; it is reported, not fatal, like any other bad chunk.
void PngParser::handle_or_warn(uint32_t type, ByteView d, uint64_t offset) {
  if (Status s = handle(type, d, offset); !s)
    md_.warn("PNG " + type_name(type) + " chunk at " + hex_offset(offset - kChunkHeaderSize) + ": " + s.error().message);
}

Status PngParser::handle(uint32_t type, ByteView d, uint64_t offset) {
  auto too_short = [&](size_t need) {
    if (d.size() >= need) return false;
    md_.warn("PNG " + type_name(type) + " chunk at " + hex_offset(offset - kChunkHeaderSize) + ": " +
             std::to_string(d.size()) + " bytes, expected " + std::to_string(need));
    return true;
  };
  if ((type == kTEXT || type == kZTXT || type == kITXT || type == kEXIF) && seen_idat_ && !warned_after_idat_) {
    warned_after_idat_ = true;
    md_.warn("[minor] Text/EXIF chunk(s) found after " + std::string(animated_ ? "APNG" : "PNG") +
             " IDAT (may be ignored by some readers)");
  }
  switch (type) {
    case kIHDR:
      if (!too_short(13)) TRY(on_ihdr(d));
      break;
    case kPLTE:  // 11.2.2: ExifTool lists up to one entry, and the size of anything longer
      if (d.size() <= 3) {
        std::vector<uint32_t> v(d.span().begin(), d.span().end());
        if (!v.empty()) md_.set("Palette"_f, join_numbers(v));
      } else {
        md_.set("Palette"_f, binary_placeholder(d.size()));
      }
      break;
    case kTRNS:
      TRY(on_trns(d));
      break;
    case kCHRM:
      if (!too_short(32)) TRY(on_chrm(d));
      break;
    case kGAMA:  // 11.3.2.2: gamma times 100000; ExifTool shows the decoding gamma, 1/g
      if (!too_short(4)) {
        const uint32_t g = TRY(d.u32(0, kBE));
        if (g == 0)
          md_.set("Gamma"_f, int64_t{0});
        else
          md_.set("Gamma"_f, static_cast<double>(static_cast<int64_t>(1e9 / g + 0.5)) / 1e4);
      }
      break;
    case kICCP:
      on_iccp(d, offset);
      break;
    case kSBIT: {  // 11.3.2.4
      std::vector<uint32_t> bits(d.span().begin(), d.span().end());
      if (!bits.empty()) md_.set("SignificantBits"_f, join_numbers(bits));
      break;
    }
    case kSRGB:  // 11.3.2.5
      if (!too_short(1)) md_.set("SRGBRendering"_f, int64_t{d[0]});
      break;
    case kCICP:  // 11.3.2.6
      if (!too_short(4)) {
        md_.set("ColorPrimaries"_f, int64_t{d[0]});
        md_.set("TransferCharacteristics"_f, int64_t{d[1]});
        md_.set("MatrixCoefficients"_f, int64_t{d[2]});
        md_.set("VideoFullRangeFlag"_f, int64_t{d[3]});
      }
      break;
    case kTEXT:
    case kZTXT:
    case kITXT:
      on_text(type, d, offset);
      break;
    case kBKGD: {  // 11.3.4.1: a palette index (1 byte) or one or three 16-bit samples
      std::vector<uint32_t> v;
      if (d.size() < 2) {
        for (size_t i = 0; i < d.size(); ++i) v.push_back(d[i]);
      } else {
        for (size_t i = 0; i + 2 <= d.size(); i += 2) v.push_back(TRY(d.u16(i, kBE)));
      }
      if (!v.empty()) md_.set("BackgroundColor"_f, join_numbers(v));
      break;
    }
    case kPHYS:  // 11.3.4.3
      if (!too_short(9)) {
        md_.set("PixelsPerUnitX"_f, int64_t{TRY(d.u32(0, kBE))});
        md_.set("PixelsPerUnitY"_f, int64_t{TRY(d.u32(4, kBE))});
        md_.set("PixelUnits"_f, int64_t{d[8]});
      }
      break;
    case kEXIF:
      on_exif(d, offset);
      break;
    case kTIME:  // 11.3.5.1: year (2), month, day, hour, minute, second
      if (!too_short(7)) {
        char buf[40];
        std::snprintf(buf, sizeof buf, "%.4u:%.2u:%.2u %.2u:%.2u:%.2u", unsigned{TRY(d.u16(0, kBE))}, unsigned{d[2]},
                      unsigned{d[3]}, unsigned{d[4]}, unsigned{d[5]}, unsigned{d[6]});
        md_.set("ModifyDate"_f, std::string(buf));
      }
      break;
    case kACTL:  // 11.3.6.1: num_frames, num_plays (0 = forever)
      if (!too_short(8)) {
        animated_ = true;
        md_.set("FileType"_f, std::string("APNG"));
        md_.set("MIMEType"_f, std::string("image/apng"));
        md_.set("AnimationFrames"_f, int64_t{TRY(d.u32(0, kBE))});
        md_.set("AnimationPlays"_f, int64_t{TRY(d.u32(4, kBE))});
      }
      break;
    default:
      break;
  }
  return ok_status();
}

// 11.2.1 IHDR: width, height, bit depth, colour type, compression, filter, interlace.
Status PngParser::on_ihdr(ByteView d) {
  md_.set("ImageWidth"_f, int64_t{TRY(d.u32(0, kBE))});
  md_.set("ImageHeight"_f, int64_t{TRY(d.u32(4, kBE))});
  md_.set("BitDepth"_f, int64_t{d[8]});
  md_.set("ColorType"_f, int64_t{d[9]});
  md_.set("Compression"_f, int64_t{d[10]});
  md_.set("Filter"_f, int64_t{d[11]});
  md_.set("Interlace"_f, int64_t{d[12]});
  color_type_ = d[9];
  return ok_status();
}

// 11.3.1.1 tRNS: alpha per palette entry (colour type 3) or one grey / RGB sample (0, 2).
Status PngParser::on_trns(ByteView d) {
  has_trns_ = true;
  if (d.size() > 6) {
    md_.set("Transparency"_f, binary_placeholder(d.size()));
    return ok_status();
  }
  std::vector<uint32_t> v;
  if (color_type_ == 3) {
    for (size_t i = 0; i < d.size(); ++i) v.push_back(d[i]);
  } else {
    for (size_t i = 0; i + 2 <= d.size(); i += 2) v.push_back(TRY(d.u16(i, kBE)));
  }
  if (!v.empty()) md_.set("Transparency"_f, join_numbers(v));
  return ok_status();
}

// 11.3.2.1 cHRM: eight values times 100000.
Status PngParser::on_chrm(ByteView d) {
  static constexpr FieldId kNames[] = {"WhitePointX"_f, "WhitePointY"_f, "RedX"_f,  "RedY"_f,
                                       "GreenX"_f,      "GreenY"_f,      "BlueX"_f, "BlueY"_f};
  for (size_t i = 0; i < 8; ++i) md_.set(kNames[i], static_cast<double>(TRY(d.u32(4 * i, kBE))) / 100000.0);
  return ok_status();
}

std::optional<Inflated> PngParser::inflate(ByteView compressed, uint64_t cap, const std::string& what) {
  if (inflate_budget_ == 0) {
    md_.warn(what + ": not inflated, the file's inflate budget is spent");
    return std::nullopt;
  }
  auto out = inflate_zlib(compressed, std::min(cap, inflate_budget_));
  if (!out) {
    md_.warn("Error inflating " + what + ": " + out.error().message);
    return std::nullopt;
  }
  inflate_budget_ -= std::min<uint64_t>(inflate_budget_, out->bytes.size());
  return std::move(*out);
}

// 11.3.2.3 iCCP: profile name (Latin-1 keyword), NUL, compression method 0, zlib stream.
void PngParser::on_iccp(ByteView d, uint64_t offset) {
  const std::string_view all = as_chars(d);
  const size_t nul = all.find('\0');
  if (nul == std::string_view::npos || nul > kMaxKeyword || nul + 2 > all.size()) {
    md_.warn("PNG iCCP chunk at " + hex_offset(offset - kChunkHeaderSize) + ": no profile name terminator");
    return;
  }
  if (nul > 0) md_.set("ProfileName"_f, latin1_to_utf8(all.substr(0, nul)));
  if (d[nul + 1] != 0) {
    md_.warn("PNG iCCP: unknown compression method " + std::to_string(d[nul + 1]));
    return;
  }
  auto profile = inflate(ByteView(d.span().subspan(nul + 2)), ctx_.limits().max_inflate, "iCCP");
  if (!profile) return;
  if (profile->truncated)
    md_.warn("PNG iCCP: profile larger than " + std::to_string(profile->bytes.size()) + " bytes; cut there");
  parse_icc(ByteView(profile->bytes), ctx_);
}

// 11.3.3.2 tEXt: keyword, NUL, Latin-1 text.
// 11.3.3.3 zTXt: keyword, NUL, compression method 0, zlib stream of Latin-1 text.
// 11.3.3.4 iTXt: keyword, NUL, compression flag, method, language tag, NUL, translated
//          keyword, NUL, UTF-8 text (a zlib stream when the flag is 1).
void PngParser::on_text(uint32_t type, ByteView d, uint64_t offset) {
  auto where = [&] { return "PNG " + type_name(type) + " chunk at " + hex_offset(offset - kChunkHeaderSize); };
  const std::string_view all = as_chars(d);
  const size_t nul = all.find('\0');
  if (nul == std::string_view::npos || nul == 0 || nul > kMaxKeyword) {
    md_.warn(where() + ": keyword missing or longer than 79 bytes");
    return;
  }
  const std::string keyword = latin1_to_utf8(all.substr(0, nul));
  std::string_view rest = all.substr(nul + 1);
  bool compressed = false;
  bool utf8 = false;
  std::string_view lang;
  if (type == kZTXT) {
    if (rest.empty()) {
      md_.warn(where() + ": no compression method");
      return;
    }
    if (rest[0] != 0) {
      md_.warn("Unknown compression method " + std::to_string(static_cast<uint8_t>(rest[0])) + " for " + keyword);
      return;
    }
    compressed = true;
    rest.remove_prefix(1);
  } else if (type == kITXT) {
    utf8 = true;
    if (rest.size() < 2) {
      md_.warn(where() + ": compression fields missing");
      return;
    }
    compressed = rest[0] != 0;
    if (compressed && rest[1] != 0) {
      md_.warn("Unknown compression method " + std::to_string(static_cast<uint8_t>(rest[1])) + " for " + keyword);
      return;
    }
    rest.remove_prefix(2);
    const size_t lang_end = rest.find('\0');
    if (lang_end == std::string_view::npos) {
      md_.warn(where() + ": language tag not terminated");
      return;
    }
    lang = rest.substr(0, lang_end);
    rest.remove_prefix(lang_end + 1);
    const size_t translated_end = rest.find('\0');
    if (translated_end == std::string_view::npos) {
      md_.warn(where() + ": translated keyword not terminated");
      return;
    }
    rest.remove_prefix(translated_end + 1);
  }

  const bool is_xmp = keyword == "XML:com.adobe.xmp";
  const RawProfileKind* profile_kind = find_raw_profile(keyword);
  const bool is_profile = profile_kind != nullptr;
  std::optional<Inflated> inflated;
  if (compressed) {
    // Text values need no more than Metadata keeps; XMP and raw profiles get the full cap.
    const uint64_t cap = (is_xmp || is_profile) ? ctx_.limits().max_inflate : kMaxTextBytes;
    inflated = inflate(ByteView(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(rest.data()), rest.size())),
                       cap, type_name(type) + " '" + keyword + "'");
    if (!inflated) return;
    if (inflated->truncated)
      md_.warn(where() + ": '" + keyword + "' inflates to more than " + std::to_string(inflated->bytes.size()) +
               " bytes; cut there");
    rest = as_chars(ByteView(inflated->bytes));
  }
  if (is_xmp) {
    parse_xmp(rest, ctx_);
    return;
  }
  if (profile_kind) {
    raw_profile(*profile_kind, rest);
    return;
  }
  text_value(keyword, utf8 ? drop_nuls(rest) : latin1_to_utf8(rest), lang);
}

// A text chunk as a field, named as ExifTool names it.
void PngParser::text_value(std::string_view keyword, std::string value, std::string_view lang) {
  const std::string suffix = lang.empty() ? std::string() : "-" + standard_lang_case(lang);
  if (const TextTag* tag = find_text_tag(keyword)) {
    if (tag->field == "CreationTime"_f) value = convert_png_date(value);
    if (tag->field == "CreateDate"_f || tag->field == "ModDate"_f) value = convert_xmp_date(std::move(value));
    if (suffix.empty()) md_.set(tag->field, std::move(value));
    else md_.set(std::string(field_name(tag->field)) + suffix, std::move(value));  // "Title-de"
    return;
  }
  // Any other keyword; set_default so a text chunk cannot replace a field the image header set.
  if (keyword.starts_with(kRawProfilePrefix)) value = binary_placeholder(value.size());
  md_.set_default(keyword_field_name(keyword) + suffix, std::move(value));
}

// The text is "\n<type>\n<spaces><decimal length>\n" and then the profile in hex digits,
// broken into lines. The decoded block goes to the parser its type names.
void PngParser::raw_profile(const RawProfileKind& kind, std::string_view text) {
  const std::string name(kind.name);
  auto malformed = [&](const char* why) { md_.warn("PNG " + name + ": " + why); };
  if (text.empty() || text[0] != '\n') return malformed("not in raw profile format");
  const size_t type_end = text.find('\n', 1);
  if (type_end == std::string_view::npos) return malformed("profile type not terminated");
  const std::string_view profile_type = text.substr(1, type_end - 1);
  size_t p = type_end + 1;
  while (p < text.size() && is_space(text[p])) ++p;
  uint64_t declared = 0;
  size_t digits = 0;
  for (; p < text.size() && text[p] >= '0' && text[p] <= '9'; ++p, ++digits)
    if (declared < (uint64_t{1} << 40)) declared = declared * 10 + static_cast<uint64_t>(text[p] - '0');
  if (digits == 0 || p >= text.size() || text[p] != '\n') return malformed("length line missing");
  ++p;
  std::vector<uint8_t> bytes;
  bytes.reserve(static_cast<size_t>(std::min<uint64_t>(declared, (text.size() - p) / 2)));
  int pending = -1;
  for (; p < text.size(); ++p) {
    const char c = text[p];
    if (is_space(c)) continue;
    if (!is_hex(c)) {
      md_.warn("PNG " + name + ": stray character in the hex digits at " + std::to_string(p) + "; cut there");
      break;
    }
    if (pending < 0) {
      pending = hex_value(c);
    } else {
      bytes.push_back(static_cast<uint8_t>((pending << 4) | hex_value(c)));
      pending = -1;
    }
  }
  if (declared != bytes.size())
    md_.warn(name + " is wrong size (should be " + std::to_string(declared) + " bytes but is " +
             std::to_string(bytes.size()) + ")");
  ByteView block(bytes);
  // The decoded block lives in no file position; 0 stands for "not in the file".
  constexpr uint64_t kNotInFile = 0;
  if (kind.name == "EXIF_Profile" || kind.name == "APP1_Profile") {
    static constexpr std::string_view kXmpHeader("http://ns.adobe.com/xap/1.0/\0", 29);
    const std::string_view chars = as_chars(block);
    if (chars.starts_with(kExifPrefix)) {
      parse_exif(ByteView(block.span().subspan(kExifPrefix.size())), kNotInFile, ctx_);
    } else if (chars.starts_with(kXmpHeader)) {
      parse_xmp(chars.substr(kXmpHeader.size()), ctx_);
    } else if (tiff_header_at(block)) {
      parse_exif(block, kNotInFile, ctx_);
    } else {
      md_.warn("Unknown raw profile '" + latin1_to_utf8(profile_type) + "'");
    }
  } else if (kind.name == "ICC_Profile") {
    parse_icc(block, ctx_);
  } else if (kind.name == "XMP_Profile") {
    parse_xmp(as_chars(block), ctx_);
  } else if (kind.name == "IPTC_Profile" && !block.empty() && block[0] == 0x1C) {
    parse_iptc(block, ctx_);  // bare IPTC IIM records (tag marker 0x1C)
  } else {
    parse_photoshop_irb(block, ctx_);  // IPTC inside Photoshop image resources, or 8BIM
  }
}

// 11.3.4.5 eXIf: a TIFF-structured Exif block, starting at its byte-order mark.
void PngParser::on_exif(ByteView d, uint64_t offset) {
  ByteView tiff = d;
  uint64_t tiff_offset = offset;
  if (d.starts_with(kExifPrefix)) {
    md_.warn("Improper \"Exif00\" header in EXIF chunk");
    tiff = ByteView(d.span().subspan(kExifPrefix.size()));
    tiff_offset += kExifPrefix.size();
  }
  if (!tiff_header_at(tiff)) {
    md_.warn("Invalid eXIf chunk at " + hex_offset(offset - kChunkHeaderSize) + ": no TIFF byte-order mark");
    return;
  }
  parse_exif(tiff, tiff_offset, ctx_);
}

// HasAlpha (not an ExifTool field): an alpha channel (colour types 4 and 6) or a tRNS chunk.
void PngParser::finish() {
  if (color_type_ >= 0) md_.set("HasAlpha"_f, color_type_ == 4 || color_type_ == 6 || has_trns_);
}

}  // namespace

Status parse_png(Context& ctx) {
  ByteView head = TRY(ctx.reader.view_upto(0, kSignature.size()));
  if (!head.starts_with(kSignature))
    return make_error("PNG: the 8-byte signature (5.2) is missing");
  ctx.md.set("FileType"_f, std::string("PNG"));
  ctx.md.set("FileTypeExtension"_f, std::string("PNG"));
  ctx.md.set("MIMEType"_f, std::string("image/png"));
  PngParser parser(ctx);
  parser.walk();
  parser.finish();
  return ok_status();
}

}  // namespace imgmeta::meta
