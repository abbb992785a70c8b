// Metadata removal without re-encoding: the container is walked, metadata blocks are dropped
// or edited in place, and every other byte (the compressed pixels above all) is copied as is.
// Edits that keep a block's length (EXIF GPS removal, XMP GPS blanking) are done in place so
// that no offset elsewhere in the file needs fixing.
#include "strip/strip.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <vector>

namespace imgmeta::strip {
namespace {

using meta::Error;
using meta::Result;
using meta::Status;
using Bytes = std::span<uint8_t>;

Error malformed(std::string what) { return meta::make_error(meta::Errc::Malformed, std::move(what)); }
Error unsupported(std::string what) { return meta::make_error(meta::Errc::Unsupported, std::move(what)); }

std::string hex(uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

// `len` bytes at `off` lie inside `size` bytes (no overflow: compares against size - off).
bool fits(uint64_t size, uint64_t off, uint64_t len) { return off <= size && len <= size - off; }

uint32_t be32(const uint8_t* p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | uint32_t(p[3]);
}
uint16_t be16(const uint8_t* p) { return uint16_t(p[0] << 8 | p[1]); }
void put_be32(std::string& s, uint32_t v) {
  for (int i = 3; i >= 0; --i) s.push_back(char(uint8_t(v >> (8 * i))));
}
void put_be16(std::string& s, uint16_t v) {
  s.push_back(char(uint8_t(v >> 8)));
  s.push_back(char(uint8_t(v)));
}

Bytes bytes_of(std::string& s) { return {reinterpret_cast<uint8_t*>(s.data()), s.size()}; }
bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// ---------------------------------------------------------------------------------------------
// XMP: GPS properties are overwritten with spaces, so the packet keeps its length.
// Whitespace is allowed between elements and between attributes (XML 1.0, 2.3 and 3.1), so an
// element or attribute replaced by spaces leaves a well-formed packet. Anything this small
// scanner does not understand (a DOCTYPE, an unbalanced tag, an unterminated quote) answers
// false: the caller then drops the whole packet.

bool gps_name(std::string_view qname) {
  size_t colon = qname.find(':');
  if (colon != std::string_view::npos && qname.substr(0, colon) == "xmlns") return false;
  std::string_view local = colon == std::string_view::npos ? qname : qname.substr(colon + 1);
  if (local.size() < 3) return false;
  return (local[0] | 0x20) == 'g' && (local[1] | 0x20) == 'p' && (local[2] | 0x20) == 's';
}

bool xml_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool name_end(char c) { return xml_space(c) || c == '/' || c == '>' || c == '=' ; }

bool blank_gps_xmp8(std::span<char> x) {
  std::string_view s(x.data(), x.size());
  struct Open {
    std::string_view name;
    size_t blank_from;  // npos: not blanked
  };
  std::vector<Open> stack;
  auto blank = [&](size_t from, size_t to) { std::fill(x.begin() + long(from), x.begin() + long(to), ' '); };
  size_t pos = 0;
  while (true) {
    size_t lt = s.find('<', pos);
    if (lt == std::string_view::npos) break;
    std::string_view rest = s.substr(lt);
    auto skip_to = [&](std::string_view end) {
      size_t e = s.find(end, lt);
      if (e == std::string_view::npos) return false;
      pos = e + end.size();
      return true;
    };
    if (starts_with(rest, "<!--")) {
      if (!skip_to("-->")) return false;
      continue;
    }
    if (starts_with(rest, "<![CDATA[")) {
      if (!skip_to("]]>")) return false;
      continue;
    }
    if (starts_with(rest, "<?")) {
      if (!skip_to("?>")) return false;
      continue;
    }
    if (starts_with(rest, "<!")) return false;  // DOCTYPE and entity declarations: not edited
    if (starts_with(rest, "</")) {
      size_t gt = s.find('>', lt);
      if (gt == std::string_view::npos) return false;
      std::string_view name = s.substr(lt + 2, gt - lt - 2);
      while (!name.empty() && xml_space(name.back())) name.remove_suffix(1);
      if (stack.empty() || stack.back().name != name) return false;
      if (stack.back().blank_from != std::string_view::npos &&
          (stack.size() == 1 || stack[stack.size() - 2].blank_from == std::string_view::npos))
        blank(stack.back().blank_from, gt + 1);
      stack.pop_back();
      pos = gt + 1;
      continue;
    }
    // A start tag: name, attributes, then '>' or "/>".
    size_t i = lt + 1;
    while (i < s.size() && !name_end(s[i])) ++i;
    std::string_view name = s.substr(lt + 1, i - lt - 1);
    if (name.empty()) return false;
    bool inside_blanked = !stack.empty() && stack.back().blank_from != std::string_view::npos;
    bool self_closing = false;
    while (true) {
      while (i < s.size() && xml_space(s[i])) ++i;
      if (i >= s.size()) return false;
      if (s[i] == '>') break;
      if (s[i] == '/') {
        if (i + 1 >= s.size() || s[i + 1] != '>') return false;
        self_closing = true;
        ++i;
        break;
      }
      size_t attr_start = i;
      while (i < s.size() && !name_end(s[i])) ++i;
      std::string_view attr = s.substr(attr_start, i - attr_start);
      while (i < s.size() && xml_space(s[i])) ++i;
      if (attr.empty() || i >= s.size() || s[i] != '=') return false;
      ++i;
      while (i < s.size() && xml_space(s[i])) ++i;
      if (i >= s.size() || (s[i] != '"' && s[i] != '\'')) return false;
      size_t close = s.find(s[i], i + 1);
      if (close == std::string_view::npos) return false;
      if (!inside_blanked && gps_name(attr)) blank(attr_start, close + 1);
      i = close + 1;
    }
    size_t gt = i;  // at '>'
    bool gps = !inside_blanked && gps_name(name);
    if (self_closing) {
      if (gps) blank(lt, gt + 1);
    } else {
      if (stack.size() >= 10000) return false;
      stack.push_back({name, gps ? lt : (inside_blanked ? stack.back().blank_from : std::string_view::npos)});
    }
    pos = gt + 1;
  }
  return stack.empty();
}

// XMP may be serialised in UTF-16 (XMP Specification Part 1, 7.3.2): such a packet is edited
// through an 8-bit view of its code units (those above 0x7F become a byte no XML syntax uses),
// and the units blanked there become UTF-16 spaces in place.
bool blank_gps_xmp(std::span<char> x) {
  size_t units = x.size() / 2, probe = std::min<size_t>(units, 64), zero_hi = 0, zero_lo = 0;
  for (size_t i = 0; i < probe; ++i) {
    zero_hi += x[2 * i] == 0;
    zero_lo += x[2 * i + 1] == 0;
  }
  bool be = probe >= 8 && zero_hi > probe / 2 && zero_lo == 0;
  bool le = probe >= 8 && zero_lo > probe / 2 && zero_hi == 0;
  if (!be && !le) return blank_gps_xmp8(x);
  auto unit = [&](size_t i) {
    auto hi = uint8_t(x[2 * i + (be ? 0 : 1)]), lo = uint8_t(x[2 * i + (be ? 1 : 0)]);
    return uint16_t(hi << 8 | lo);
  };
  std::string narrow(units, '\0');
  for (size_t i = 0; i < units; ++i) narrow[i] = unit(i) < 0x80 ? char(unit(i)) : '\x80';
  if (!blank_gps_xmp8(narrow)) return false;
  for (size_t i = 0; i < units; ++i) {
    if (narrow[i] != ' ' || unit(i) == ' ') continue;
    x[2 * i + (be ? 0 : 1)] = 0;
    x[2 * i + (be ? 1 : 0)] = ' ';
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// TIFF structure (TIFF 6.0, section 2: image file header and IFDs), shared by TIFF files and
// by EXIF blocks (EXIF 2.32, 4.6.2). All edits are in place.

constexpr uint16_t kTagGps = 0x8825;
constexpr uint16_t kTagExif = 0x8769;
constexpr uint16_t kTagInterop = 0xA005;
constexpr uint16_t kTagXmp = 700;
constexpr uint16_t kTagOrientation = 274;
constexpr size_t kMaxIfds = 512;

struct Range {
  uint64_t from, to;  // [from, to)
};
bool overlaps(const Range& a, const Range& b) { return a.from < b.to && b.from < a.to; }

class Tiff {
 public:
  explicit Tiff(Bytes b) : b_(b) {}

  Status parse_header() {
    if (b_.size() < 8) return malformed("TIFF header: " + std::to_string(b_.size()) + " bytes");
    if (b_[0] == 'I' && b_[1] == 'I') le_ = true;
    else if (b_[0] == 'M' && b_[1] == 'M') le_ = false;
    else return malformed("TIFF header: byte order is neither II nor MM");
    uint16_t magic = u16(2);
    if (magic == 43) return unsupported("BigTIFF");
    if (magic != 42) return malformed("TIFF header: magic " + std::to_string(magic));
    ifd0_ = u32(4);
    return meta::ok_status();
  }
  uint32_t ifd0() const { return ifd0_; }
  size_t size() const { return b_.size(); }
  Bytes bytes() const { return b_; }

  uint16_t u16(size_t at) const {
    return le_ ? uint16_t(b_[at] | b_[at + 1] << 8) : uint16_t(b_[at] << 8 | b_[at + 1]);
  }
  uint32_t u32(size_t at) const {
    return le_ ? uint32_t(b_[at]) | uint32_t(b_[at + 1]) << 8 | uint32_t(b_[at + 2]) << 16 | uint32_t(b_[at + 3]) << 24
               : be32(&b_[at]);
  }
  void set_u16(size_t at, uint16_t v) {
    b_[at + (le_ ? 0 : 1)] = uint8_t(v);
    b_[at + (le_ ? 1 : 0)] = uint8_t(v >> 8);
  }
  void set_u32(size_t at, uint32_t v) {
    for (size_t i = 0; i < 4; ++i) b_[at + (le_ ? i : 3 - i)] = uint8_t(v >> (8 * i));
  }
  void zero(Range r) { std::fill(b_.begin() + long(r.from), b_.begin() + long(r.to), uint8_t(0)); }

  struct Ifd {
    uint32_t off;
    uint16_t count;
    size_t entry(size_t i) const { return off + 2 + 12 * i; }
    // The table, with its next-IFD offset when the file has room for it.
    Range table(size_t file_size) const {
      uint64_t end = uint64_t(off) + 2 + 12ull * count;
      return {off, std::min<uint64_t>(end + 4, file_size)};
    }
  };

  // TIFF 6.0, section 2 ("Image File Directory"): a 2-byte count, 12-byte entries, the next
  // offset.
  Result<Ifd> ifd(uint32_t off) const {
    if (!fits(b_.size(), off, 2)) return malformed("IFD at " + hex(off) + ": past the end");
    uint16_t n = u16(off);
    if (!fits(b_.size(), uint64_t(off) + 2, 12ull * n))
      return malformed("IFD at " + hex(off) + ": " + std::to_string(n) + " entries exceed the remaining bytes");
    return Ifd{off, n};
  }
  uint32_t next(const Ifd& d) const {
    size_t at = d.entry(d.count);
    return fits(b_.size(), at, 4) ? u32(at) : 0;
  }

  // TIFF 6.0, section 2 ("Types"): the size of one value of a field type; 0 when unknown.
  static uint64_t type_size(uint16_t type) {
    switch (type) {
      case 1: case 2: case 6: case 7: return 1;
      case 3: case 8: return 2;
      case 4: case 9: case 11: case 13: return 4;
      case 5: case 10: case 12: return 8;
      default: return 0;
    }
  }
  // The out-of-line value of an entry, when it has one inside the file.
  std::optional<Range> value(size_t entry) const {
    uint64_t len = type_size(u16(entry + 2)) * u32(entry + 4);
    if (len <= 4) return std::nullopt;
    uint32_t off = u32(entry + 8);
    if (!fits(b_.size(), off, len)) return std::nullopt;
    return Range{off, off + len};
  }
  // All the integer values of an entry (SHORT or LONG), for strip and tile offsets.
  std::vector<uint32_t> ints(size_t entry, size_t cap) const {
    std::vector<uint32_t> out;
    uint16_t type = u16(entry + 2);
    uint32_t count = u32(entry + 4);
    uint64_t sz = type_size(type);
    if ((type != 3 && type != 4) || count > cap) return out;
    uint64_t at = sz * count <= 4 ? entry + 8 : u32(entry + 8);
    if (!fits(b_.size(), at, sz * count)) return out;
    for (uint32_t i = 0; i < count; ++i) out.push_back(type == 3 ? u16(size_t(at + 2 * i)) : u32(size_t(at + 4 * i)));
    return out;
  }

  // The chain IFD0 -> IFD1 -> ..., each IFD once.
  Result<std::vector<Ifd>> chain() const {
    std::vector<Ifd> out;
    std::set<uint32_t> seen;
    for (uint32_t off = ifd0_; off != 0; off = next(out.back())) {
      if (!seen.insert(off).second) return malformed("IFD chain loops back to " + hex(off));
      if (out.size() >= kMaxIfds) return malformed("more than " + std::to_string(kMaxIfds) + " IFDs");
      // An IFD inside the header, or over another IFD of the chain, would be corrupted by
      // rewriting its neighbour.
      if (off < 8) return malformed("IFD at " + hex(off) + " overlaps the TIFF header");
      Ifd d = TRY(ifd(off));
      for (const Ifd& o : out)
        if (overlaps(d.table(b_.size()), o.table(b_.size())))
          return malformed("IFDs at " + hex(o.off) + " and " + hex(off) + " overlap");
      out.push_back(d);
    }
    return out;
  }

  // The encoded pixels of the chain's images: strips, tiles and old-style JPEG streams.
  std::vector<Range> image_data(const std::vector<Ifd>& ifds) const {
    std::vector<Range> out;
    for (const Ifd& d : ifds) {
      std::map<uint16_t, size_t> at;
      for (size_t i = 0; i < d.count; ++i) at[u16(d.entry(i))] = d.entry(i);
      for (auto [o, c] : {std::pair<uint16_t, uint16_t>{273, 279}, {324, 325}, {513, 514}}) {
        if (!at.count(o) || !at.count(c)) continue;
        auto offs = ints(at[o], 1 << 20), lens = ints(at[c], 1 << 20);
        for (size_t i = 0; i < std::min(offs.size(), lens.size()); ++i)
          if (fits(b_.size(), offs[i], lens[i])) out.push_back({offs[i], uint64_t(offs[i]) + lens[i]});
      }
    }
    return out;
  }

  // Removes the entries `drop` selects from an IFD: the others move up, the count shrinks, the
  // next-IFD offset follows them and the freed bytes become zeros.
  template <class Pred>
  void remove_entries(Ifd& d, Pred drop) {
    uint32_t next_off = next(d);
    bool had_next = fits(b_.size(), d.entry(d.count), 4);
    size_t kept = 0;
    for (size_t i = 0; i < d.count; ++i) {
      size_t from = d.entry(i);
      if (drop(from)) continue;
      if (kept != i) std::memmove(&b_[d.entry(kept)], &b_[from], 12);
      ++kept;
    }
    if (kept == d.count) return;
    size_t old_end = had_next ? d.entry(d.count) + 4 : d.entry(d.count);
    set_u16(d.off, uint16_t(kept));
    set_u32(d.entry(kept), next_off);
    zero({d.entry(kept) + 4, old_end});
    d.count = uint16_t(kept);
  }

 private:
  Bytes b_;
  bool le_ = true;
  uint32_t ifd0_ = 0;
};

// The byte ranges of a sub-IFD (EXIF, GPS, Interop) and of the values its entries point to,
// following nested EXIF/Interop pointers up to a small depth. Strict: what cannot be read is
// Malformed (for IFDs about to be erased); otherwise it is skipped (for IFDs that stay).
Status collect_sub_ifd(const Tiff& t, uint32_t off, int depth, std::set<uint32_t>& seen, std::vector<Range>& out,
                       bool strict = true) {
  auto fail = [&](Error e) -> Status {
    if (strict) return e;
    return meta::ok_status();
  };
  if (depth > 4) return fail(malformed("sub-IFDs nested too deep at " + hex(off)));
  if (!seen.insert(off).second) return fail(malformed("sub-IFD at " + hex(off) + " is reached twice"));
  if (off < 8) return fail(malformed("sub-IFD at " + hex(off) + " overlaps the TIFF header"));
  auto d = t.ifd(off);
  if (!d.ok()) return fail(d.error());
  out.push_back(d->table(t.size()));
  for (size_t i = 0; i < d->count; ++i) {
    size_t e = d->entry(i);
    if (auto v = t.value(e)) out.push_back(*v);
    uint16_t tag = t.u16(e);
    if ((tag == kTagExif || tag == kTagInterop || tag == kTagGps) && t.u32(e + 4) != 0)
      TRY(collect_sub_ifd(t, t.u32(e + 8), depth + 1, seen, out, strict));
  }
  return meta::ok_status();
}

// Zeroes the ranges, except where they overlap bytes that stay (the header, the IFDs, the
// pixels, values of kept tags): a hostile or sloppy file may share bytes between them, and
// those bytes are not orphans.
void zero_except(Tiff& t, const std::vector<Range>& ranges, std::vector<Range> keep) {
  keep.push_back({0, 8});
  std::sort(keep.begin(), keep.end(), [](const Range& a, const Range& b) { return a.from < b.from; });
  for (const Range& r : ranges) {
    uint64_t cur = r.from;
    for (const Range& k : keep) {
      if (k.to <= cur || k.from >= r.to) continue;
      if (k.from > cur) t.zero({cur, k.from});
      cur = std::max(cur, k.to);
    }
    if (cur < r.to) t.zero({cur, r.to});
  }
}

// Keep::AllButLocation on a TIFF structure: the GPSInfo entries leave every IFD of the chain
// and the GPS IFDs they pointed to become zeros; XMP (tag 700) loses its GPS properties.
// In a TIFF file (`is_file`) the pixels are never written.
Status tiff_remove_gps(Bytes b, bool is_file) {
  Tiff t(b);
  TRY(t.parse_header());
  auto ifds = TRY(t.chain());
  std::vector<Range> structure = is_file ? t.image_data(ifds) : std::vector<Range>{};
  for (const auto& d : ifds) structure.push_back(d.table(t.size()));
  std::vector<Range> kept = structure, gps, xmp;
  std::set<uint32_t> seen_gps, seen_kept;
  for (auto& d : ifds) {
    for (size_t i = 0; i < d.count; ++i) {
      size_t e = d.entry(i);
      uint16_t tag = t.u16(e);
      if (tag == kTagGps) {
        // A count of 0 points nowhere (ExifTool: "Empty GPSInfo data").
        if (t.u32(e + 4) != 0 && !seen_gps.count(t.u32(e + 8)))
          TRY(collect_sub_ifd(t, t.u32(e + 8), 1, seen_gps, gps));
        continue;
      }
      auto v = t.value(e);
      if (v) kept.push_back(*v);
      if (tag == kTagXmp && v) xmp.push_back(*v);
      if ((tag == kTagExif || tag == kTagInterop) && t.u32(e + 4) != 0)
        TRY(collect_sub_ifd(t, t.u32(e + 8), 1, seen_kept, kept, false));
    }
  }
  // XMP is edited in place: it must share no byte with anything else that stays, or the edit
  // would change that too (and the next reading of the file would differ).
  for (const Range& v : xmp) {
    for (const Range& r : kept)
      if ((r.from != v.from || r.to != v.to) && overlaps(v, r))
        return malformed("XMP at " + hex(v.from) + " overlaps other data at " + hex(r.from));
    std::span<char> x(reinterpret_cast<char*>(&b[v.from]), size_t(v.to - v.from));
    if (!blank_gps_xmp(x)) std::fill(x.begin(), x.end(), ' ');  // packet dropped: all spaces
  }
  zero_except(t, gps, kept);
  for (auto& d : ifds) t.remove_entries(d, [&](size_t e) { return t.u16(e) == kTagGps; });
  return meta::ok_status();
}

// TIFF tags needed to decode the image, its colours and its orientation (TIFF 6.0 sections 8,
// 9, 14, 16, 17, 18, 19, 21 and 22, plus the ICC profile and TIFF/EP's Orientation).
bool decoding_tag(uint16_t tag) {
  switch (tag) {
    case 254: case 255: case 256: case 257: case 258: case 259: case 262: case 266: case 273:
    case 274: case 277: case 278: case 279: case 280: case 281: case 282: case 283: case 284:
    case 290: case 291: case 296: case 317: case 318: case 319: case 320: case 322: case 323:
    case 324: case 325: case 332: case 338: case 339: case 340: case 341: case 347:
    case 512: case 513: case 514: case 515: case 517: case 518: case 519: case 520: case 521:
    case 529: case 530: case 531: case 532: case 34675:
      return true;
    default:
      return false;
  }
}

// Keep::Nothing on a TIFF file: each IFD of the chain keeps only decoding tags; the values of
// the others, and the EXIF/GPS/Interop IFDs they pointed to, become zeros.
Status tiff_keep_decoding_only(Bytes b) {
  Tiff t(b);
  TRY(t.parse_header());
  auto ifds = TRY(t.chain());
  std::vector<Range> protect = t.image_data(ifds);
  std::vector<Range> gone;
  std::set<uint32_t> seen;
  for (const auto& d : ifds) {
    protect.push_back(d.table(t.size()));
    for (size_t i = 0; i < d.count; ++i) {
      size_t e = d.entry(i);
      uint16_t tag = t.u16(e);
      auto v = t.value(e);
      if (decoding_tag(tag)) {
        if (v) protect.push_back(*v);
        continue;
      }
      if (v) gone.push_back(*v);
      if ((tag == kTagExif || tag == kTagGps) && t.u32(e + 4) != 0)
        TRY(collect_sub_ifd(t, t.u32(e + 8), 1, seen, gone));
    }
  }
  zero_except(t, gone, protect);
  for (auto& d : ifds) t.remove_entries(d, [&](size_t e) { return !decoding_tag(t.u16(e)); });
  return meta::ok_status();
}

// IFD0's Orientation of an EXIF block; 1 when absent or unreadable.
uint16_t exif_orientation(Bytes b) {
  Tiff t(b);
  if (!t.parse_header().ok()) return 1;
  auto d = t.ifd(t.ifd0());
  if (!d.ok()) return 1;
  for (size_t i = 0; i < d->count; ++i) {
    size_t e = d->entry(i);
    if (t.u16(e) == kTagOrientation && t.u16(e + 2) == 3 && t.u32(e + 4) == 1) {
      uint16_t v = t.u16(e + 8);
      return v >= 1 && v <= 8 ? v : 1;
    }
  }
  return 1;
}

// An EXIF block may start with "Exif\0\0" (JPEG's APP1 does, WebP and PNG writers vary).
Bytes skip_exif_prefix(Bytes b) {
  static constexpr uint8_t kPrefix[] = {'E', 'x', 'i', 'f', 0, 0};
  if (b.size() >= 6 && std::equal(kPrefix, kPrefix + 6, b.begin())) return b.subspan(6);
  return b;
}

// ---------------------------------------------------------------------------------------------
// JPEG (ITU T.81, B.1.1.2 markers and B.2.4 segments).

constexpr std::string_view kExifId("Exif\0\0", 6);
constexpr std::string_view kXmpId("http://ns.adobe.com/xap/1.0/\0", 29);
constexpr std::string_view kXmpExtId("http://ns.adobe.com/xmp/extension/\0", 35);
constexpr std::string_view kIccId("ICC_PROFILE\0", 12);
constexpr std::string_view kMpfId("MPF\0", 4);
constexpr std::string_view kPhotoshopId("Photoshop 3.0\0", 14);
constexpr std::string_view kFlirId("FLIR\0", 5);

struct Segment {
  uint8_t marker;
  size_t start;  // the 0xFF of the marker
  size_t end;    // one past the payload
  size_t payload;
  bool drop = false;
  std::string data;  // the payload to write (copied, possibly edited)
};

// Photoshop image resources (Photoshop File Formats, "Image Resource Blocks"): 8BIM, id,
// padded Pascal name, size, padded data. EXIF (0x0422) and XMP (0x0424) resources are edited
// in place.
Status photoshop_remove_gps(Bytes b) {
  size_t at = kPhotoshopId.size();
  while (at < b.size()) {
    if (!fits(b.size(), at, 7) || std::memcmp(&b[at], "8BIM", 4) != 0)
      return malformed("Photoshop resource at " + hex(at) + ": no 8BIM signature");
    uint16_t id = be16(&b[at + 4]);
    size_t name_len = b[at + 6];
    size_t name_total = (name_len + 2) & ~size_t(1);
    size_t size_at = at + 6 + name_total;
    if (!fits(b.size(), size_at, 4)) return malformed("Photoshop resource at " + hex(at) + ": truncated");
    uint32_t size = be32(&b[size_at]);
    size_t data = size_at + 4;
    if (!fits(b.size(), data, size)) return malformed("Photoshop resource " + hex(id) + ": size past the end");
    Bytes d = b.subspan(data, size);
    if (id == 0x0422) {
      TRY(tiff_remove_gps(skip_exif_prefix(d), false));
    } else if (id == 0x0424) {
      std::span<char> x(reinterpret_cast<char*>(d.data()), d.size());
      if (!blank_gps_xmp(x)) std::fill(x.begin(), x.end(), ' ');
    }
    at = data + size + (size & 1);
  }
  return meta::ok_status();
}

// MPF (CIPA DC-007, 5.2): MP Entry offsets count from the MPF block's TIFF header to the later
// images, which follow this file's EOI. When bytes between the two change, they move by delta.
Status shift_mpf_offsets(Bytes tiff, int64_t delta) {
  Tiff t(tiff);
  TRY(t.parse_header());
  auto d = TRY(t.ifd(t.ifd0()));
  for (size_t i = 0; i < d.count; ++i) {
    size_t e = d.entry(i);
    if (t.u16(e) != 0xB002) continue;
    auto v = t.value(e);
    if (!v) return malformed("MPF: MP Entry out of range");
    for (uint64_t at = v->from; at + 16 <= v->to; at += 16) {
      uint32_t off = t.u32(size_t(at + 8));
      if (off == 0) continue;  // the first image: this file
      int64_t moved = int64_t(off) + delta;
      if (moved <= 0 || moved > int64_t(UINT32_MAX)) return malformed("MPF: MP Entry offset out of range");
      t.set_u32(size_t(at + 8), uint32_t(moved));
    }
  }
  return meta::ok_status();
}

// A TIFF structure holding IFD0 with Orientation alone: what Keep::Nothing writes back so the
// picture stays upright.
std::string orientation_tiff(uint16_t orientation) {
  std::string s("MM\0\x2A\0\0\0\x08", 8);
  put_be16(s, 1);
  put_be16(s, kTagOrientation);
  put_be16(s, 3);
  put_be32(s, 1);
  put_be16(s, orientation);
  put_be16(s, 0);
  put_be32(s, 0);
  return s;
}

std::string orientation_app1(uint16_t orientation) {
  std::string payload = std::string(kExifId) + orientation_tiff(orientation);
  std::string s("\xFF\xE1", 2);
  put_be16(s, uint16_t(payload.size() + 2));
  return s + payload;
}

// One past the EOI that ends the image whose first SOS (or EOI) is at `at`; npos when the
// file ends first. Entropy-coded data holds 0xFF only before 0x00, RSTn or fill bytes
// (T.81, B.1.1.5).
size_t end_of_image(std::string_view in, size_t at) {
  const auto* p = reinterpret_cast<const uint8_t*>(in.data());
  while (fits(in.size(), at, 2)) {
    uint8_t m = p[at + 1];
    if (p[at] != 0xFF) return std::string_view::npos;
    if (m == 0xD9) return at + 2;
    if (m == 0xFF) {
      ++at;
      continue;
    }
    if (!fits(in.size(), at + 2, 2)) return std::string_view::npos;
    uint16_t len = be16(&p[at + 2]);
    if (len < 2 || !fits(in.size(), at + 2, len)) return std::string_view::npos;
    at += 2 + size_t(len);
    if (m != 0xDA) continue;
    while (at + 1 < in.size() && !(p[at] == 0xFF && p[at + 1] != 0x00 && p[at + 1] != 0xFF &&
                                   (p[at + 1] < 0xD0 || p[at + 1] > 0xD7)))
      ++at;
  }
  return std::string_view::npos;
}

Result<std::string> strip_jpeg(std::string_view in, Keep keep) {
  const auto* p = reinterpret_cast<const uint8_t*>(in.data());
  std::vector<Segment> segs;
  size_t at = 2;
  size_t tail = in.size();  // from here on, copied verbatim (SOS onwards, or after EOI)
  while (true) {
    if (at >= in.size()) return malformed("JPEG: no SOS before the end of the file");
    if (p[at] != 0xFF) return malformed("JPEG: expected a marker at " + hex(at));
    size_t start = at;
    while (at < in.size() && p[at] == 0xFF) ++at;  // fill bytes (B.1.1.2)
    if (at >= in.size()) return malformed("JPEG: truncated marker");
    uint8_t m = p[at++];
    if (m == 0xDA || m == 0xD9) {
      tail = start;
      break;
    }
    if (m == 0x01 || (m >= 0xD0 && m <= 0xD7)) {  // standalone markers
      segs.push_back({m, start, at, at});
      continue;
    }
    if (m == 0x00 || m == 0xD8) return malformed("JPEG: unexpected marker " + hex(m) + " at " + hex(start));
    if (!fits(in.size(), at, 2)) return malformed("JPEG: truncated segment length at " + hex(at));
    uint16_t len = be16(&p[at]);
    if (len < 2 || !fits(in.size(), at, len))
      return malformed("JPEG: segment " + hex(m) + " at " + hex(start) + " of length " + std::to_string(len) + " runs past the end");
    segs.push_back({m, start, at + len, at + 2});
    at += len;
  }
  for (auto& s : segs) s.data.assign(in.substr(s.payload, s.end - s.payload));

  uint16_t orientation = 1;
  std::optional<size_t> mpf;  // index of the MPF segment
  // Extended XMP (XMP Specification Part 3, 1.1.3.1): chunks by GUID, reassembled, edited and
  // split back at the same places.
  std::map<std::string, std::vector<size_t>> extended;
  std::vector<size_t> photoshop;
  for (size_t i = 0; i < segs.size(); ++i) {
    auto& s = segs[i];
    std::string_view d = s.data;
    bool app = s.marker >= 0xE0 && s.marker <= 0xEF;
    if (s.marker == 0xE2 && starts_with(d, kMpfId) && !mpf) mpf = i;
    if (keep == Keep::Nothing) {
      if (s.marker == 0xE1 && starts_with(d, kExifId) && orientation == 1)
        orientation = exif_orientation(bytes_of(s.data).subspan(kExifId.size()));
      bool colour = (s.marker == 0xE0 && (starts_with(d, std::string_view("JFIF\0", 5)) ||
                                          starts_with(d, std::string_view("JFXX\0", 5)))) ||
                    (s.marker == 0xE2 && (starts_with(d, kIccId) || starts_with(d, kMpfId))) ||
                    (s.marker == 0xEE && starts_with(d, "Adobe"));
      if ((app && !colour) || s.marker == 0xFE) s.drop = true;
      continue;
    }
    if (s.marker == 0xE1 && starts_with(d, kExifId)) {
      TRY(tiff_remove_gps(bytes_of(s.data).subspan(kExifId.size()), false));
    } else if (s.marker == 0xE1 && starts_with(d, kXmpId)) {
      std::span<char> x(s.data.data() + kXmpId.size(), s.data.size() - kXmpId.size());
      if (!blank_gps_xmp(x)) s.drop = true;
    } else if (s.marker == 0xE1 && starts_with(d, kXmpExtId)) {
      if (d.size() < kXmpExtId.size() + 40) return malformed("JPEG: extended XMP chunk shorter than its header");
      extended[std::string(d.substr(kXmpExtId.size(), 32))].push_back(i);
    } else if (s.marker == 0xE1 && starts_with(d, kFlirId)) {
      s.drop = true;  // FLIR's FFF records carry a GPS record of their own
    } else if (s.marker == 0xED && starts_with(d, kPhotoshopId)) {
      photoshop.push_back(i);
    }
  }
  // Photoshop resources may continue from one APP13 segment into the next: edited as one
  // block, then split back at the same places.
  if (!photoshop.empty()) {
    std::string irb(kPhotoshopId);
    for (size_t i : photoshop) irb.append(segs[i].data, kPhotoshopId.size());
    TRY(photoshop_remove_gps(bytes_of(irb)));
    size_t from = kPhotoshopId.size();
    for (size_t i : photoshop) {
      size_t n = segs[i].data.size() - kPhotoshopId.size();
      segs[i].data.replace(kPhotoshopId.size(), n, irb, from, n);
      from += n;
    }
  }
  for (auto& [guid, chunks] : extended) {
    const size_t head = kXmpExtId.size() + 40;
    uint32_t full = be32(reinterpret_cast<const uint8_t*>(&segs[chunks[0]].data[kXmpExtId.size() + 32]));
    bool ok = full <= (64u << 20);
    std::string whole(ok ? full : 0, ' ');
    for (size_t i : chunks) {
      const std::string& d = segs[i].data;
      uint32_t this_full = be32(reinterpret_cast<const uint8_t*>(&d[kXmpExtId.size() + 32]));
      uint32_t off = be32(reinterpret_cast<const uint8_t*>(&d[kXmpExtId.size() + 36]));
      if (!ok || this_full != full || !fits(full, off, d.size() - head)) {
        ok = false;
        break;
      }
      std::copy(d.begin() + long(head), d.end(), whole.begin() + off);
    }
    if (ok) ok = blank_gps_xmp(whole);
    for (size_t i : chunks) {
      std::string& d = segs[i].data;
      if (!ok) {
        segs[i].drop = true;
        continue;
      }
      uint32_t off = be32(reinterpret_cast<const uint8_t*>(&d[kXmpExtId.size() + 36]));
      std::copy(whole.begin() + off, whole.begin() + off + long(d.size() - head), d.begin() + long(head));
    }
  }

  std::string out(in.substr(0, 2));
  bool orientation_written = keep != Keep::Nothing || orientation == 1;
  std::optional<size_t> mpf_out;
  for (size_t i = 0; i < segs.size(); ++i) {
    const auto& s = segs[i];
    if (!orientation_written && s.marker != 0xE0) {
      out += orientation_app1(orientation);
      orientation_written = true;
    }
    if (s.drop) continue;
    if (mpf && *mpf == i) mpf_out = out.size() + (s.payload - s.start) + kMpfId.size();
    out.append(in.substr(s.start, s.payload - s.start));
    out += s.data;
  }
  if (!orientation_written) out += orientation_app1(orientation);
  // Bytes after EOI hold trailers (Photo Mechanic, Samsung, motion-photo video...) or, with
  // MPF, the further images. Keep::Nothing keeps them only for MPF.
  size_t eoi = keep == Keep::Nothing && !mpf ? end_of_image(in, tail) : std::string_view::npos;
  out.append(in.substr(tail, eoi == std::string_view::npos ? std::string_view::npos : eoi - tail));
  if (mpf_out) {
    size_t mpf_in = segs[*mpf].payload + kMpfId.size();
    int64_t delta = int64_t(out.size() - *mpf_out) - int64_t(in.size() - mpf_in);
    if (delta != 0) {
      size_t len = segs[*mpf].end - segs[*mpf].payload - kMpfId.size();
      TRY(shift_mpf_offsets(bytes_of(out).subspan(*mpf_out, len), delta));
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// PNG (PNG 3rd edition, 5.3 chunk layout; 11.3.3 tEXt/zTXt/iTXt; eXIf, 11.3.4.6).

constexpr std::string_view kPngSig("\x89PNG\r\n\x1A\n", 8);
constexpr uint32_t kMaxInflated = 64u << 20;

Result<std::string> inflate_all(std::string_view z) {
  z_stream s{};
  if (inflateInit(&s) != Z_OK) return malformed("zlib init failed");
  std::string out;
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(z.data()));
  s.avail_in = uInt(z.size());
  int rc = Z_OK;
  char buf[16384];
  while (rc == Z_OK) {
    s.next_out = reinterpret_cast<Bytef*>(buf);
    s.avail_out = sizeof buf;
    rc = inflate(&s, Z_NO_FLUSH);
    out.append(buf, sizeof buf - s.avail_out);
    if (out.size() > kMaxInflated) rc = Z_MEM_ERROR;
    if (rc == Z_OK && s.avail_in == 0 && s.avail_out != 0) rc = Z_BUF_ERROR;
  }
  inflateEnd(&s);
  if (rc != Z_STREAM_END) return malformed("compressed XMP does not inflate");
  return out;
}

void put_chunk(std::string& out, std::string_view type, std::string_view data) {
  put_be32(out, uint32_t(data.size()));
  out.append(type);
  out.append(data);
  uLong crc = crc32(0, reinterpret_cast<const Bytef*>(type.data()), 4);
  crc = crc32(crc, reinterpret_cast<const Bytef*>(data.data()), uInt(data.size()));
  put_be32(out, uint32_t(crc));
}

bool raw_profile_keyword(std::string_view keyword) {
  return keyword == "Raw profile type exif" || keyword == "Raw profile type APP1" || keyword == "Raw profile type xmp";
}

Result<std::string> deflate_all(std::string_view data) {
  uLongf n = compressBound(uLong(data.size()));
  std::string out(n, '\0');
  if (compress2(reinterpret_cast<Bytef*>(out.data()), &n, reinterpret_cast<const Bytef*>(data.data()), uLong(data.size()),
                Z_BEST_COMPRESSION) != Z_OK)
    return malformed("zlib could not compress " + std::to_string(data.size()) + " bytes");
  out.resize(n);
  return out;
}

// A tEXt, zTXt or iTXt chunk (PNG 11.3.3): its keyword, the bytes before the text, and the text
// itself (inflated).
struct PngText {
  std::string_view keyword;
  std::string head;
  std::string text;
  bool compressed = false;
};

Result<PngText> read_text(std::string_view type, std::string_view data) {
  size_t nul = data.find('\0');
  if (nul == std::string_view::npos) return malformed("PNG: " + std::string(type) + " without a keyword end");
  PngText t{data.substr(0, nul), std::string(data.substr(0, nul + 1)), {}};
  if (type == "tEXt") {
    t.text = std::string(data.substr(nul + 1));
  } else if (type == "zTXt") {
    if (nul + 1 >= data.size()) return malformed("PNG: zTXt without its compression method");
    t.head.push_back(data[nul + 1]);
    t.compressed = true;
    t.text = TRY(inflate_all(data.substr(nul + 2)));
  } else {
    // iTXt: keyword\0, compression flag, method, language\0, translated keyword\0, text.
    size_t flag = nul + 1;
    if (!fits(data.size(), flag, 2)) return malformed("PNG: truncated iTXt");
    size_t lang_end = data.find('\0', flag + 2);
    size_t tkw_end = lang_end == std::string_view::npos ? lang_end : data.find('\0', lang_end + 1);
    if (tkw_end == std::string_view::npos) return malformed("PNG: iTXt without its language fields");
    t.head = std::string(data.substr(0, tkw_end + 1));
    t.compressed = data[flag] != 0;
    t.text = t.compressed ? TRY(inflate_all(data.substr(tkw_end + 1))) : std::string(data.substr(tkw_end + 1));
  }
  return t;
}

Result<std::string> write_text(const PngText& t) {
  if (!t.compressed) return t.head + t.text;
  return t.head + TRY(deflate_all(t.text));
}

// ImageMagick's raw profiles: "\n<type>\n<length>\n" then the profile's bytes as hex digits,
// 72 to a line. The bytes, and where each hex digit sits, so that edits go back in place.
struct RawProfile {
  std::string bytes;
  std::vector<size_t> digits;
};

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') return (c | 0x20) - 'a' + 10;
  return -1;
}

std::optional<RawProfile> read_raw_profile(std::string_view t) {
  size_t i = 0;
  while (i < t.size() && xml_space(t[i])) ++i;
  size_t type_end = t.find('\n', i);
  if (type_end == std::string_view::npos) return std::nullopt;
  i = type_end + 1;
  while (i < t.size() && xml_space(t[i])) ++i;
  uint64_t len = 0;
  size_t digits = 0;
  for (; i < t.size() && t[i] >= '0' && t[i] <= '9' && digits < 10; ++i, ++digits) len = len * 10 + uint64_t(t[i] - '0');
  if (digits == 0 || len > t.size() / 2) return std::nullopt;
  RawProfile r;
  r.digits.reserve(size_t(len) * 2);
  for (; i < t.size() && r.digits.size() < len * 2; ++i) {
    if (hex_value(t[i]) >= 0) r.digits.push_back(i);
    else if (!xml_space(t[i])) return std::nullopt;
  }
  if (r.digits.size() != len * 2) return std::nullopt;
  for (size_t k = 0; k < len; ++k)
    r.bytes.push_back(char(hex_value(t[r.digits[2 * k]]) << 4 | hex_value(t[r.digits[2 * k + 1]])));
  return r;
}

bool is_tiff_header(std::string_view b) {
  return starts_with(b, std::string_view("II*\0", 4)) || starts_with(b, std::string_view("MM\0*", 4));
}

// Keep::AllButLocation on a raw profile's text, in place; false when it is to be dropped.
Result<bool> raw_profile_remove_gps(std::string& text) {
  auto r = read_raw_profile(text);
  if (!r) return false;
  std::string& b = r->bytes;
  if (starts_with(b, kExifId) || is_tiff_header(b)) {
    TRY(tiff_remove_gps(skip_exif_prefix(bytes_of(b)), false));
  } else {
    size_t from = starts_with(b, kXmpId) ? kXmpId.size() : 0;
    if (!blank_gps_xmp(std::span<char>(b.data() + from, b.size() - from))) return false;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  for (size_t k = 0; k < b.size(); ++k) {
    text[r->digits[2 * k]] = kHex[uint8_t(b[k]) >> 4];
    text[r->digits[2 * k + 1]] = kHex[uint8_t(b[k]) & 15];
  }
  return true;
}

Result<std::string> strip_png(std::string_view in, Keep keep) {
  const auto* p = reinterpret_cast<const uint8_t*>(in.data());
  std::string out(kPngSig);
  size_t at = kPngSig.size();
  bool ended = false;
  uint16_t orientation = 1;
  std::optional<size_t> first_idat;  // in `out`
  while (!ended) {
    if (!fits(in.size(), at, 8)) return malformed("PNG: truncated chunk header at " + hex(at));
    uint32_t len = be32(&p[at]);
    std::string_view type = in.substr(at + 4, 4);
    if (len > 0x7FFFFFFFu || !fits(in.size(), at + 8, uint64_t(len) + 4))
      return malformed("PNG: chunk " + std::string(type) + " at " + hex(at) + " runs past the end");
    std::string_view data = in.substr(at + 8, len);
    std::string_view whole = in.substr(at, size_t(len) + 12);
    at += size_t(len) + 12;
    ended = type == "IEND";
    if (type == "IDAT" && !first_idat) first_idat = out.size();
    bool text = type == "tEXt" || type == "zTXt" || type == "iTXt";
    if (keep == Keep::Nothing) {
      // All text and EXIF goes; the EXIF's Orientation comes back in an eXIf of its own.
      if (orientation == 1 && type == "eXIf") {
        std::string d(data);
        orientation = exif_orientation(skip_exif_prefix(bytes_of(d)));
      } else if (orientation == 1 && text && raw_profile_keyword(data.substr(0, data.find('\0')))) {
        auto t = read_text(type, data);
        auto r = t.ok() ? read_raw_profile(t->text) : std::nullopt;
        if (r) orientation = exif_orientation(skip_exif_prefix(bytes_of(r->bytes)));
      }
      if (!text && type != "eXIf") out.append(whole);
      continue;
    }
    if (type == "eXIf") {
      std::string d(data);
      TRY(tiff_remove_gps(skip_exif_prefix(bytes_of(d)), false));
      put_chunk(out, type, d);
      continue;
    }
    std::string_view keyword = text ? data.substr(0, data.find('\0')) : std::string_view();
    bool xmp = keyword == "XML:com.adobe.xmp";
    if (!xmp && !raw_profile_keyword(keyword)) {
      out.append(whole);
      continue;
    }
    PngText t = TRY(read_text(type, data));
    bool keep_it = xmp ? blank_gps_xmp(t.text) : TRY(raw_profile_remove_gps(t.text));
    if (!keep_it) continue;  // not editable safely: dropped
    put_chunk(out, type, TRY(write_text(t)));
  }
  if (orientation != 1 && first_idat) {
    std::string chunk;
    put_chunk(chunk, "eXIf", orientation_tiff(orientation));
    out.insert(*first_idat, chunk);
  }
  out.append(in.substr(at));  // bytes after IEND stay as they were
  return out;
}

// ---------------------------------------------------------------------------------------------
// WebP (RIFF container: "Extended File Format" of the WebP container specification).

constexpr uint8_t kVp8xExif = 0x08;
constexpr uint8_t kVp8xXmp = 0x04;

uint32_t le32(const uint8_t* p) { return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24; }

Result<std::string> strip_webp(std::string_view in, Keep keep) {
  const auto* p = reinterpret_cast<const uint8_t*>(in.data());
  uint32_t riff = le32(&p[4]);
  if (riff < 4 || !fits(in.size(), 8, riff)) return malformed("WebP: RIFF size " + std::to_string(riff) + " past the end");
  size_t end = 8 + size_t(riff);
  std::string body;
  std::optional<size_t> vp8x;  // offset of the VP8X flags in body
  bool has_exif = false, has_xmp = false;
  uint16_t orientation = 1;
  size_t at = 12;
  while (at < end) {
    if (!fits(end, at, 8)) return malformed("WebP: truncated chunk header at " + hex(at));
    std::string_view type = in.substr(at, 4);
    uint32_t size = le32(&p[at + 4]);
    uint64_t padded = uint64_t(size) + (size & 1);
    if (!fits(end, at + 8, size)) return malformed("WebP: chunk " + std::string(type) + " at " + hex(at) + " runs past the end");
    if (at == 12 && type != "VP8 " && type != "VP8L" && type != "VP8X")
      return malformed("WebP: first chunk is " + std::string(type));
    std::string whole(in.substr(at, size_t(std::min<uint64_t>(8 + padded, end - at))));
    if (whole.size() < 8 + padded) whole.push_back('\0');  // the last chunk's missing pad byte
    at += size_t(std::min<uint64_t>(8 + padded, end - at));
    if (type == "VP8X") {
      if (size < 10) return malformed("WebP: VP8X of " + std::to_string(size) + " bytes");
      vp8x = body.size() + 8;
    } else if (type == "EXIF" || type == "XMP ") {
      if (keep == Keep::Nothing) {
        if (type == "EXIF" && orientation == 1) orientation = exif_orientation(skip_exif_prefix(bytes_of(whole).subspan(8, size)));
        continue;
      }
      Bytes payload = bytes_of(whole).subspan(8, size);
      if (type == "EXIF") {
        TRY(tiff_remove_gps(skip_exif_prefix(payload), false));
        has_exif = true;
      } else {
        std::span<char> x(reinterpret_cast<char*>(payload.data()), payload.size());
        if (!blank_gps_xmp(x)) continue;
        has_xmp = true;
      }
    }
    body += whole;
  }
  if (body.empty()) return malformed("WebP: no chunks");
  if (vp8x && orientation != 1) {
    // Keep::Nothing: the Orientation alone comes back in an EXIF chunk (it needs VP8X to
    // announce it, so a simple-format file has none to lose).
    std::string tiff = orientation_tiff(orientation);
    body.append("EXIF");
    for (size_t i = 0; i < 4; ++i) body.push_back(char(uint8_t(tiff.size() >> (8 * i))));
    body += tiff;
    has_exif = true;
  }
  if (vp8x) {
    auto& flags = reinterpret_cast<uint8_t&>(body[*vp8x]);
    if (has_exif) flags |= kVp8xExif;
    if (!has_exif) flags &= uint8_t(~kVp8xExif);
    if (!has_xmp) flags &= uint8_t(~kVp8xXmp);
  }
  std::string out("RIFF");
  for (size_t i = 0; i < 4; ++i) out.push_back(char(uint8_t((body.size() + 4) >> (8 * i))));
  out.append("WEBP");
  out += body;
  out.append(in.substr(end));
  return out;
}

Result<std::string> strip_tiff(std::string_view in, Keep keep) {
  std::string out(in);
  if (keep == Keep::Nothing) TRY(tiff_keep_decoding_only(bytes_of(out)));
  else TRY(tiff_remove_gps(bytes_of(out), true));
  return out;
}

}  // namespace

meta::Result<std::string> strip_metadata(std::string_view image, Keep keep) {
  auto magic = [&](std::string_view m, size_t at = 0) { return image.size() >= at + m.size() && image.substr(at, m.size()) == m; };
  if (magic("\xFF\xD8\xFF")) return strip_jpeg(image, keep);
  if (magic(kPngSig)) return strip_png(image, keep);
  if (magic("RIFF") && magic("WEBP", 8)) return strip_webp(image, keep);
  if (magic(std::string_view("II*\0", 4)) || magic(std::string_view("MM\0*", 4))) return strip_tiff(image, keep);
  if (magic(std::string_view("II+\0", 4)) || magic(std::string_view("MM\0+", 4))) return unsupported("BigTIFF is not rewritten");
  return unsupported("not a JPEG, PNG, WebP or TIFF file");
}

}  // namespace imgmeta::strip
