// TIFF 6.0 (sections 2 "TIFF Structure" and 8 "Baseline Field Reference"), TIFF/EP and DNG 1.6
// for SubIFDs, ITU T.81 (JPEG) Annex B for the SOF header, ISO/IEC 14496-12 section 4.2 for the
// CR3 box structure, and Fujifilm's RAF header as ExifTool documents it (FujiFilm.pm).
#include "preview/embedded.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <set>

namespace imgmeta::preview {

using meta::make_error;
using meta::Result;

Result<size_t> SpanSource::read_at(uint64_t offset, std::span<uint8_t> out) {
  if (offset >= bytes_.size()) return size_t{0};
  size_t n = std::min<uint64_t>(out.size(), bytes_.size() - offset);
  std::memcpy(out.data(), bytes_.data() + offset, n);
  return n;
}

namespace {

// Caps for hostile files.
constexpr int kMaxIfds = 64;
constexpr int kMaxDepth = 4;
constexpr uint64_t kMaxEntries = 1024;
constexpr int kMaxSubIfds = 16;
constexpr uint64_t kMaxBytesRead = 4u << 20;
constexpr size_t kSofScan = 64 * 1024;  // bytes of a JPEG searched for its SOF header

// TIFF 6.0 tags.
constexpr uint16_t kNewSubfileType = 0x00FE;
constexpr uint16_t kImageWidth = 0x0100;
constexpr uint16_t kCompression = 0x0103;
constexpr uint16_t kPhotometric = 0x0106;
constexpr uint16_t kStripOffsets = 0x0111;
constexpr uint16_t kOrientation = 0x0112;
constexpr uint16_t kStripByteCounts = 0x0117;
constexpr uint16_t kSubIfds = 0x014A;          // TIFF/EP, DNG
constexpr uint16_t kJpegOffset = 0x0201;        // JPEGInterchangeFormat
constexpr uint16_t kJpegLength = 0x0202;        // JPEGInterchangeFormatLength
constexpr uint16_t kJpgFromRaw = 0x002E;        // Panasonic RW2, inline JPEG (UNDEFINED)
constexpr uint16_t kDngVersion = 0xC612;
constexpr uint16_t kPhotometricCfa = 32803;
constexpr uint16_t kPhotometricLinearRaw = 34892;

// Reads through the Source with a total budget, so a hostile file cannot make us read forever.
class Reader {
 public:
  Reader(meta::Source& source, bool little) : source_(source), little_(little) {}
  uint64_t size() const { return source_.size(); }
  bool little() const { return little_; }
  void set_little(bool little) { little_ = little; }

  Result<size_t> read(uint64_t offset, std::span<uint8_t> out) {
    if (out.size() > kMaxBytesRead - spent_) return make_error("read budget exhausted");
    spent_ += out.size();
    return source_.read_at(offset, out);
  }
  // Exactly out.size() bytes or an error.
  meta::Status read_exact(uint64_t offset, std::span<uint8_t> out) {
    if (offset > size() || out.size() > size() - offset)
      return make_error("range " + std::to_string(offset) + "+" + std::to_string(out.size()) + " past the end");
    size_t n = TRY(read(offset, out));
    if (n != out.size()) return make_error("short read at " + std::to_string(offset));
    return meta::ok_status();
  }
  uint16_t u16(const uint8_t* p) const {
    return little_ ? uint16_t(p[0] | p[1] << 8) : uint16_t(p[0] << 8 | p[1]);
  }
  uint32_t u32(const uint8_t* p) const {
    return little_ ? uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24
                   : uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | uint32_t(p[3]);
  }
  uint64_t u64(const uint8_t* p) const {
    uint64_t a = u32(p), b = u32(p + 4);
    return little_ ? (b << 32 | a) : (a << 32 | b);
  }

 private:
  meta::Source& source_;
  bool little_;
  uint64_t spent_ = 0;
};

bool in_file(uint64_t offset, uint64_t length, uint64_t size) {
  return offset <= size && length <= size - offset;
}

// T.81 B.1.1.3/B.2.2: walks marker segments from SOI to the first SOF; accepts SOF0-2 (what
// libjpeg decodes for display), rejects lossless and hierarchical JPEGs (raw data in CR2/DNG).
bool read_sof(Reader& reader, EmbeddedJpeg& jpeg) {
  if (jpeg.length < 4) return false;
  std::vector<uint8_t> head(std::min<uint64_t>(jpeg.length, kSofScan));
  if (!reader.read_exact(jpeg.offset, head).ok()) return false;
  if (head[0] != 0xFF || head[1] != 0xD8) return false;
  size_t pos = 2;
  while (pos + 4 <= head.size()) {
    if (head[pos] != 0xFF) return false;
    uint8_t marker = head[pos + 1];
    if (marker == 0xFF) { ++pos; continue; }  // fill byte
    size_t length = size_t(head[pos + 2]) << 8 | head[pos + 3];
    if (length < 2) return false;
    if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) {
      if (marker > 0xC2) return false;
      if (length < 8 || pos + 9 > head.size()) return false;
      jpeg.height = head[pos + 5] << 8 | head[pos + 6];
      jpeg.width = head[pos + 7] << 8 | head[pos + 8];
      return jpeg.width > 0 && jpeg.height > 0;
    }
    if (marker == 0xDA || marker == 0xD9) return false;  // scan before any frame header
    pos += 2 + length;
  }
  return false;
}

struct Entry {
  uint16_t tag = 0;
  uint16_t type = 0;
  uint64_t count = 0;
  uint64_t value_offset = 0;  // file offset of the value (inline or pointed to)
};

size_t type_size(uint16_t type) {
  switch (type) {  // TIFF 6.0 section 2, plus TIFF 6.0 IFD (13) and BigTIFF LONG8/IFD8 (16, 18)
    case 1: case 2: case 6: case 7: return 1;
    case 3: case 8: return 2;
    case 4: case 9: case 11: case 13: return 4;
    case 5: case 10: case 12: case 16: case 17: case 18: return 8;
    default: return 0;
  }
}

class TiffWalker {
 public:
  TiffWalker(Reader& reader, bool big, RawPreviews& out) : reader_(reader), big_(big), out_(out) {}

  void walk(uint64_t offset, int depth, const std::string& name) {
    for (int index = 0; offset != 0 && index < kMaxIfds; ++index) {
      if (depth > kMaxDepth || int(visited_.size()) >= kMaxIfds || !visited_.insert(offset).second) return;
      std::string label = depth == 0 ? "IFD" + std::to_string(index) : name;
      auto next = walk_one(offset, depth, label);
      if (!next.ok() || depth > 0) return;  // SubIFD chains: only the first
      offset = *next;
    }
  }

 private:
  // TIFF 6.0 section 2 "Image File Directory": count, 12-byte entries, next IFD offset
  // (BigTIFF: 8-byte count, 20-byte entries, 8-byte next offset).
  Result<uint64_t> walk_one(uint64_t offset, int depth, const std::string& label) {
    const size_t count_size = big_ ? 8 : 2, entry_size = big_ ? 20 : 12, off_size = big_ ? 8 : 4;
    std::array<uint8_t, 8> buf{};
    TRY(reader_.read_exact(offset, std::span(buf.data(), count_size)));
    uint64_t count = big_ ? reader_.u64(buf.data()) : reader_.u16(buf.data());
    if (count > kMaxEntries) return make_error(label + ": entry count over the cap");
    uint64_t body = offset + count_size;
    if (!in_file(body, count * entry_size + off_size, reader_.size())) {
      return make_error(label + " at " + std::to_string(offset) + ": entries past the end");
    }
    std::vector<uint8_t> bytes(count * entry_size + off_size);
    TRY(reader_.read_exact(body, bytes));

    std::vector<Entry> entries;
    for (uint64_t i = 0; i < count; ++i) {
      const uint8_t* p = bytes.data() + i * entry_size;
      Entry e;
      e.tag = reader_.u16(p);
      e.type = reader_.u16(p + 2);
      e.count = big_ ? reader_.u64(p + 4) : reader_.u32(p + 4);
      size_t unit = type_size(e.type);
      if (unit == 0 || e.count > (UINT64_MAX / 16)) continue;  // unknown type: skip the entry
      uint64_t total = e.count * unit;
      if (total <= off_size) {
        e.value_offset = body + i * entry_size + (big_ ? 12 : 8);
      } else {
        e.value_offset = big_ ? reader_.u64(p + 12) : reader_.u32(p + 8);
        if (!in_file(e.value_offset, total, reader_.size())) continue;
      }
      entries.push_back(e);
    }
    uint64_t next = big_ ? reader_.u64(bytes.data() + count * entry_size)
                         : reader_.u32(bytes.data() + count * entry_size);

    auto find = [&](uint16_t tag) -> const Entry* {
      for (const auto& e : entries)
        if (e.tag == tag) return &e;
      return nullptr;
    };
    uint64_t compression = first_value(find(kCompression)).value_or(0);
    uint64_t photometric = first_value(find(kPhotometric)).value_or(0);
    if (find(kDngVersion) != nullptr || photometric == kPhotometricCfa || photometric == kPhotometricLinearRaw)
      out_.is_raw = true;
    if (depth == 0 && label == "IFD0") {
      uint64_t o = first_value(find(kOrientation)).value_or(0);
      if (o >= 1 && o <= 8) out_.orientation = int(o);
    }
    (void)kNewSubfileType;
    (void)kImageWidth;

    // A JPEG stored as one strip (CR2's IFD0, DNG's preview SubIFD), not raw data.
    if ((compression == 6 || compression == 7) && photometric != kPhotometricCfa &&
        photometric != kPhotometricLinearRaw) {
      const Entry* offsets = find(kStripOffsets);
      const Entry* lengths = find(kStripByteCounts);
      if (offsets && lengths && offsets->count == 1 && lengths->count == 1) {
        auto o = first_value(offsets), n = first_value(lengths);
        if (o.ok() && n.ok()) add(*o, *n, label + " strip");
      }
    }
    // TIFF 6.0 section 22 (JPEGInterchangeFormat): the EXIF thumbnail, NEF/ARW previews.
    if (const Entry* o = find(kJpegOffset)) {
      auto start = first_value(o);
      auto length = first_value(find(kJpegLength));
      if (start.ok() && length.ok()) add(*start, *length, label + " JPEGInterchangeFormat");
    }
    // RW2: the JPEG is the tag's value itself.
    if (const Entry* j = find(kJpgFromRaw); j && (j->type == 7 || j->type == 1)) {
      add(j->value_offset, j->count, label + " JpgFromRaw");
    }
    if (const Entry* sub = find(kSubIfds)) {
      size_t unit = type_size(sub->type);
      uint64_t n = std::min<uint64_t>(sub->count, kMaxSubIfds);
      for (uint64_t k = 0; k < n && (unit == 4 || unit == 8); ++k) {
        std::array<uint8_t, 8> v{};
        if (!reader_.read_exact(sub->value_offset + k * unit, std::span(v.data(), unit)).ok()) break;
        uint64_t child = unit == 8 ? reader_.u64(v.data()) : reader_.u32(v.data());
        walk(child, depth + 1, label + " SubIFD " + std::to_string(k));
      }
    }
    return next;
  }

  Result<uint64_t> first_value(const Entry* e) {
    if (e == nullptr || e->count == 0) return make_error("missing");
    size_t unit = type_size(e->type);
    std::array<uint8_t, 8> v{};
    if (unit != 2 && unit != 4 && unit != 8) return make_error("not an integer");
    TRY(reader_.read_exact(e->value_offset, std::span(v.data(), unit)));
    if (unit == 2) return uint64_t(reader_.u16(v.data()));
    if (unit == 4) return uint64_t(reader_.u32(v.data()));
    return reader_.u64(v.data());
  }

  void add(uint64_t offset, uint64_t length, std::string where) {
    if (length == 0 || !in_file(offset, length, reader_.size())) return;
    for (const auto& j : out_.jpegs)
      if (j.offset == offset) return;
    EmbeddedJpeg jpeg{offset, length, 0, 0, std::move(where)};
    if (read_sof(reader_, jpeg)) out_.jpegs.push_back(std::move(jpeg));
  }

  Reader& reader_;
  bool big_;
  RawPreviews& out_;
  std::set<uint64_t> visited_;
};

Result<RawPreviews> walk_tiff(meta::Source& source, const std::array<uint8_t, 16>& head) {
  RawPreviews out;
  out.container = "TIFF";
  bool little = head[0] == 'I';
  Reader reader(source, little);
  uint16_t magic = reader.u16(head.data() + 2);
  bool big = magic == 43;
  uint64_t first;
  if (big) {
    if (reader.u16(head.data() + 4) != 8) return make_error("BigTIFF: offset size is not 8");
    first = reader.u64(head.data() + 8);
  } else {
    first = reader.u32(head.data() + 4);
  }
  // Panasonic (IIU, 0x55), Olympus (IIRO/IIRS/MMOR) and Canon CR2 ("CR" at byte 8) are raws
  // whatever their IFDs say.
  if (magic == 0x55 || magic == 0x4F52 || magic == 0x5352 || (head[8] == 'C' && head[9] == 'R'))
    out.is_raw = true;
  TiffWalker(reader, big, out).walk(first, 0, "IFD0");
  return out;
}

// RAF: "FUJIFILMCCD-RAW " magic, then at byte 84 the JPEG's offset and length (big-endian).
Result<RawPreviews> walk_raf(meta::Source& source) {
  RawPreviews out;
  out.container = "RAF";
  out.is_raw = true;
  Reader reader(source, false);
  std::array<uint8_t, 8> v{};
  TRY(reader.read_exact(84, v));
  EmbeddedJpeg jpeg{reader.u32(v.data()), reader.u32(v.data() + 4), 0, 0, "RAF header"};
  if (in_file(jpeg.offset, jpeg.length, reader.size()) && read_sof(reader, jpeg)) out.jpegs.push_back(jpeg);
  return out;
}

// CR3 (ISO/IEC 14496-12 4.2 boxes): a top-level 'uuid' box with Canon's preview UUID holds a
// 'PRVW' box: 4 unknown bytes, u16 unknown, u16 width, u16 height, u16 unknown, u32 JPEG
// length, then the JPEG.
Result<RawPreviews> walk_cr3(meta::Source& source) {
  static constexpr std::array<uint8_t, 16> kPreviewUuid = {0xea, 0xf4, 0x2b, 0x5e, 0x1c, 0x98, 0x4b, 0x88,
                                                           0xb9, 0xfb, 0xb7, 0xdc, 0x40, 0x6e, 0x4d, 0x16};
  RawPreviews out;
  out.container = "CR3";
  out.is_raw = true;
  Reader reader(source, false);
  uint64_t pos = 0;
  for (int boxes = 0; boxes < 64 && pos + 8 <= reader.size(); ++boxes) {
    std::array<uint8_t, 24> h{};
    size_t avail = std::min<uint64_t>(h.size(), reader.size() - pos);
    TRY(reader.read_exact(pos, std::span(h.data(), avail)));
    uint64_t size = reader.u32(h.data());
    uint64_t header = 8;
    if (size == 1) {
      if (avail < 16) break;
      size = reader.u64(h.data() + 8);
      header = 16;
    } else if (size == 0) {
      size = reader.size() - pos;
    }
    if (size < header || !in_file(pos, size, reader.size())) break;
    if (std::memcmp(h.data() + 4, "uuid", 4) == 0 && header == 8 && size >= 24 + 8 + 24 &&
        std::equal(kPreviewUuid.begin(), kPreviewUuid.end(), h.begin() + 8)) {
      uint64_t inner = pos + 24 + 8;  // after the uuid and 8 bytes Canon puts before PRVW
      std::array<uint8_t, 24> p{};
      TRY(reader.read_exact(inner, p));
      if (std::memcmp(p.data() + 4, "PRVW", 4) == 0) {
        EmbeddedJpeg jpeg{inner + 24, reader.u32(p.data() + 20), 0, 0, "CR3 PRVW"};
        if (in_file(jpeg.offset, jpeg.length, pos + size) && read_sof(reader, jpeg)) out.jpegs.push_back(jpeg);
      }
    }
    pos += size;
  }
  return out;
}

}  // namespace

Result<RawPreviews> find_embedded_previews(meta::Source& source) {
  std::array<uint8_t, 16> head{};
  if (source.size() < head.size()) return make_error("too short for a raw container");
  size_t n = TRY(source.read_at(0, head));
  if (n != head.size()) return make_error("short read of the header");
  if (std::memcmp(head.data(), "FUJIFILMCCD-RAW ", 16) == 0) return walk_raf(source);
  if (std::memcmp(head.data() + 4, "ftypcrx ", 8) == 0) return walk_cr3(source);
  if ((head[0] == 'I' && head[1] == 'I') || (head[0] == 'M' && head[1] == 'M')) return walk_tiff(source, head);
  return make_error("not a TIFF, RAF or CR3 container");
}

const EmbeddedJpeg* choose_embedded(const RawPreviews& previews, int wanted) {
  const EmbeddedJpeg* best_fit = nullptr;
  const EmbeddedJpeg* largest = nullptr;
  auto edge = [](const EmbeddedJpeg& j) { return std::max(j.width, j.height); };
  for (const auto& j : previews.jpegs) {
    if (largest == nullptr || edge(j) > edge(*largest)) largest = &j;
    if (edge(j) >= wanted && (best_fit == nullptr || edge(j) < edge(*best_fit))) best_fit = &j;
  }
  return best_fit ? best_fit : largest;
}

}  // namespace imgmeta::preview
