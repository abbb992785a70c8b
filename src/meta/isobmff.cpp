// ISOBMFF container parser for HEIF, HEIC and AVIF still images (and a cheap look at image
// sequences). Specifications followed:
//   ISO/IEC 14496-12:2022 (ISOBMFF): box structure 4.2, ftyp 4.3, hdlr 8.4.3, meta 8.11.1,
//     iloc 8.11.3, pitm 8.11.4, iinf/infe 8.11.6, iref 8.11.12, idat 8.11.11, iprp/ipco/ipma
//     8.11.14, colr 12.1.5, clap 12.1.4, tkhd 8.3.2, stsz/stz2 8.7.3;
//   ISO/IEC 23008-12:2022 (HEIF): item properties ispe 6.5.3, pixi 6.5.6, auxC 6.5.8,
//     irot 6.5.10, imir 6.5.12, transformative properties 6.5.1, Exif items Annex A.2.1,
//     XMP items Annex A.2.2, derived images (grid, iden) 6.6;
//   ISO/IEC 14496-15 8.3.3.1 (HEVCDecoderConfigurationRecord, 'hvcC');
//   AV1 Codec ISO Media File Format Binding v1.2.0 section 2.3 ('av1C') and AVIF 1.1 section 4
//     (alpha auxiliary images);
//   ISO/IEC 23000-22 (MIAF) 7.3.6.7: clap, irot, imir are applied in their ipma order.
// Field names and values follow ExifTool 12.57 (QuickTime.pm) with -n.
//
// Only the 'meta' box, the Exif/XMP item extents, box headers at the top level and (for image
// sequences) the sample-table headers inside 'moov' are read: never the coded image data.
#include <algorithm>
#include <cstdio>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "meta/cursor.hpp"
#include "meta/formats.hpp"
#include "meta/general_format.hpp"
#include "meta/isobmff_boxes.hpp"

namespace imgmeta::meta {
namespace {

using bmff::BoxHeader;
using bmff::fourcc;
using bmff::fourcc_text;

constexpr uint32_t kFtyp = fourcc("ftyp"), kMeta = fourcc("meta"), kMoov = fourcc("moov"),
                   kMdat = fourcc("mdat"), kHdlr = fourcc("hdlr"), kPitm = fourcc("pitm"),
                   kIinf = fourcc("iinf"), kInfe = fourcc("infe"), kIloc = fourcc("iloc"),
                   kIprp = fourcc("iprp"), kIpco = fourcc("ipco"), kIpma = fourcc("ipma"),
                   kIref = fourcc("iref"), kIdat = fourcc("idat");
// Item types (23008-12 and 14496-12 8.11.6) and reference types (8.11.12).
constexpr uint32_t kMime = fourcc("mime"), kExif = fourcc("Exif"), kDimg = fourcc("dimg"),
                   kCdsc = fourcc("cdsc"), kAuxl = fourcc("auxl");
// Item properties.
constexpr uint32_t kIspe = fourcc("ispe"), kIrot = fourcc("irot"),
                   kPixi = fourcc("pixi"), kColr = fourcc("colr"), kHvcC = fourcc("hvcC"),
                   kAv1C = fourcc("av1C"), kClap = fourcc("clap"), kAuxC = fourcc("auxC"),
                   kPasp = fourcc("pasp");
// Canon CR3: the 'uuid' box in moov and its TIFF children.
constexpr uint32_t kUuid = fourcc("uuid"), kCmt1 = fourcc("CMT1"), kCmt2 = fourcc("CMT2"), kCmt3 = fourcc("CMT3"), kCmt4 = fourcc("CMT4");
// Sequences (14496-12 8.3-8.7).
constexpr uint32_t kTrak = fourcc("trak"), kTkhd = fourcc("tkhd"), kMdia = fourcc("mdia"),
                   kMinf = fourcc("minf"), kStbl = fourcc("stbl"), kStsz = fourcc("stsz"),
                   kStz2 = fourcc("stz2");

constexpr std::string_view kXmpContentType = "application/rdf+xml";
// AVIF 1.1 section 4 and 23008-12 (HEVC): the aux_type URNs of an alpha plane.
constexpr std::string_view kAlphaUrnMpeg = "urn:mpeg:mpegB:cicp:systems:auxiliary:alpha";
constexpr std::string_view kAlphaUrnHevc = "urn:mpeg:hevc:2015:auxid:1";

// Caps beyond Limits: what a real file needs many times over.
constexpr size_t kMaxItems = 16384;          // distinct item ids held
constexpr size_t kMaxExtents = 65536;        // iloc extents in total
constexpr size_t kMaxRefsPerItem = 256;      // iref targets kept per item and type
constexpr size_t kMaxBrands = 64;            // compatible brands reported
constexpr size_t kMaxMetadataItems = 4;      // Exif or XMP items parsed
constexpr uint32_t kMaxDerivationHops = 8;   // dimg chain followed for the coded image

struct Extent {
  uint64_t offset = 0;
  uint64_t length = 0;  // 0: to the end of the file or idat (8.11.3.3)
};

struct Association {
  uint16_t index = 0;  // 1-based into ipco; 0 means "none" (8.11.14.3)
  bool essential = false;
};

struct Item {
  uint32_t id = 0;
  // iinf/infe
  bool has_info = false;
  uint32_t type = 0;  // item_type; 'mime' for infe versions 0 and 1
  uint16_t protection_index = 0;
  std::string content_type;
  std::string content_encoding;
  // iloc
  bool has_location = false;
  uint8_t construction_method = 0;
  uint16_t data_reference_index = 0;
  uint64_t base_offset = 0;
  std::vector<Extent> extents;
  // ipma
  std::vector<Association> properties;
  // iref, from this item
  std::vector<uint32_t> dimg, cdsc, auxl;
};

struct Property {
  uint32_t type = 0;
  uint64_t offset = 0;  // of the box, in the file
  ByteView payload;     // into MetaBox::ipco
};

// What the 'meta' box says, gathered before anything is reported.
struct MetaBox {
  bool has_handler = false;
  uint32_t handler = 0;
  std::string handler_name;
  std::optional<uint32_t> primary;
  std::vector<Item> items;
  std::unordered_map<uint32_t, size_t> by_id;
  bool has_ipco = false;  // Property::payload views into the first ipco's payload
  std::vector<Property> properties;
  bool has_idat = false;
  uint64_t idat_offset = 0;  // payload, in the file
  uint64_t idat_size = 0;
  size_t extents = 0;  // held across all items
  bool items_capped = false;

  const Item* find(uint32_t id) const {
    auto it = by_id.find(id);
    return it == by_id.end() ? nullptr : &items[it->second];
  }
  // The item with this id, created on first mention; nullptr once kMaxItems are held.
  Item* item(uint32_t id) {
    auto it = by_id.find(id);
    if (it != by_id.end()) return &items[it->second];
    if (items.size() >= kMaxItems) {
      items_capped = true;
      return nullptr;
    }
    by_id.emplace(id, items.size());
    items.push_back(Item{});
    items.back().id = id;
    return &items.back();
  }
  const Property* property(uint16_t index) const {
    return index >= 1 && index <= properties.size() ? &properties[index - 1u] : nullptr;
  }
};

// The bytes of one item, assembled from its extents, and where each piece came from.
struct ItemData {
  std::vector<uint8_t> bytes;
  struct Piece {
    uint64_t file_offset;
    uint64_t length;
  };
  std::vector<Piece> pieces;
  // The file offset of the byte at pos of bytes.
  uint64_t file_offset(uint64_t pos) const {
    for (const auto& p : pieces) {
      if (pos < p.length) return p.file_offset + pos;
      pos -= p.length;
    }
    return pieces.empty() ? 0 : pieces.back().file_offset + pieces.back().length;
  }
};

bool has_alpha_urn(std::string_view aux_type) { return aux_type == kAlphaUrnMpeg || aux_type == kAlphaUrnHevc; }

// ExifTool 12.57's ftypLookup: the major brands it names a file type after.
struct BrandType {
  const char* brand;
  const char* type;
};
constexpr BrandType kBrandTypes[] = {
    {"heic", "HEIC"}, {"hevc", "HEICS"}, {"mif1", "HEIF"}, {"msf1", "HEIFS"}, {"heix", "HEIF"},
    {"avif", "AVIF"}, {"crx ", "CR3"},   {"qt  ", "MOV"},  {"3g2a", "3G2"},   {"3g2b", "3G2"},
    {"3g2c", "3G2"},  {"3ge6", "3GP"},   {"3ge7", "3GP"},  {"3gg6", "3GP"},   {"3gp1", "3GP"},
    {"3gp2", "3GP"},  {"3gp3", "3GP"},   {"3gp4", "3GP"},  {"3gp5", "3GP"},   {"3gp6", "3GP"},
    {"3gs7", "3GP"},  {"aax ", "AAX"},   {"dvr1", "DVB"},  {"dvt1", "DVB"},   {"F4A ", "F4A"},
    {"F4B ", "F4B"},  {"F4P ", "F4P"},   {"F4V ", "F4V"},  {"M4A ", "M4A"},   {"M4B ", "M4B"},
    {"M4P ", "M4P"},  {"M4V ", "M4V"},   {"M4VH", "M4V"},  {"M4VP", "M4V"},   {"mqt ", "MQV"},
    {"MSNV", "MP4"},  {"NDSC", "MP4"},   {"NDSH", "MP4"},  {"NDSM", "MP4"},   {"NDSP", "MP4"},
    {"NDSS", "MP4"},  {"NDXC", "MP4"},   {"NDXH", "MP4"},  {"NDXM", "MP4"},   {"NDXP", "MP4"},
    {"NDXS", "MP4"},  {"mmp4", "MP4"},
};
struct TypeMime {
  const char* type;
  const char* mime;
};
constexpr TypeMime kTypeMimes[] = {
    {"HEIC", "image/heic"},  {"HEICS", "image/heic-sequence"}, {"HEIF", "image/heif"},
    {"HEIFS", "image/heif-sequence"}, {"AVIF", "image/avif"}, {"CR3", "image/x-canon-cr3"},
    {"MOV", "video/quicktime"}, {"MQV", "video/quicktime"}, {"3G2", "video/3gpp2"}, {"3GP", "video/3gpp"},
    {"AAX", "audio/vnd.audible.aax"}, {"DVB", "video/vnd.dvb.file"}, {"F4A", "audio/mp4"},
    {"F4B", "audio/mp4"}, {"M4A", "audio/mp4"}, {"M4B", "audio/mp4"}, {"M4P", "audio/mp4"},
    {"M4V", "video/x-m4v"},
};

std::string join_numbers(const std::vector<int64_t>& values) {
  std::string out;
  for (int64_t v : values) {
    if (!out.empty()) out += ' ';
    out += std::to_string(v);
  }
  return out;
}

std::string format_number(double v) {
  std::string out;
  append_general(out, v, 10);
  return out;
}

// A number as ExifTool -n prints it: integral values as integers.
Value number_value(double v) {
  if (v == static_cast<double>(static_cast<int64_t>(v))) return static_cast<int64_t>(v);
  return v;
}

class IsobmffParser {
 public:
  explicit IsobmffParser(Context& ctx) : ctx_(ctx), r_(ctx.reader), md_(ctx.md), boxes_left_(ctx.limits().max_segments) {}

  Status run() {
    // 14496-12 4.3: the FileTypeBox comes first; detect_format saw 'ftyp' at offset 4.
    BoxHeader ftyp = TRY(next_box(r_, 0, r_.size()));
    if (ftyp.type != kFtyp)
      return make_error("ISOBMFF: first box is '" + fourcc_text(ftyp.type) + "', not 'ftyp'");
    TRY(parse_ftyp(ftyp));

    // The top level: ftyp, meta, moov, mdat, free, ... Only headers are read here.
    std::optional<BoxHeader> meta, moov;
    for (uint64_t pos = ftyp.end(); pos < r_.size();) {
      auto box = next_box(r_, pos, r_.size());
      if (!box) {
        md_.warn("ISOBMFF: " + box.error().message);
        break;
      }
      if (box->type == kMeta && !meta) meta = *box;
      if (box->type == kMoov && !moov) moov = *box;
      if (box->type == kMdat) {
        // ExifTool's MediaDataSize/MediaDataOffset: the payload of the last 'mdat'.
        md_.set("MediaDataSize"_f, static_cast<int64_t>(box->payload_size()));
        md_.set("MediaDataOffset"_f, static_cast<int64_t>(box->payload_offset()));
      }
      pos = box->end();
    }

    if (meta) {
      MetaBox m;
      Status s = parse_meta(*meta, m);
      if (!s) md_.warn("ISOBMFF: " + s.error().message);
      report(m);
    } else if (!moov) {
      md_.warn("ISOBMFF: no 'meta' box (no image items)");
    }
    if (moov) {
      Status s = parse_moov(*moov);
      if (!s) md_.warn("ISOBMFF: " + s.error().message);
    }
    return ok_status();
  }

 private:
  // Every box header goes through here: one budget of boxes for the whole file.
  template <class Src>
  Result<BoxHeader> next_box(Src& src, uint64_t pos, uint64_t end) {
    if (boxes_left_ == 0)
      return make_error("box at " + std::to_string(pos) + ": more than " + std::to_string(ctx_.limits().max_segments) +
                        " boxes");
    --boxes_left_;
    return bmff::read_box_header(src, pos, end);
  }

  // A box payload, at most max_value_bytes.
  Result<ByteView> load(const BoxHeader& box) {
    if (box.payload_size() > ctx_.limits().max_value_bytes)
      return make_error(bmff::box_name(box) + ": payload of " + std::to_string(box.payload_size()) +
                        " bytes exceeds the limit of " + std::to_string(ctx_.limits().max_value_bytes));
    return r_.view(box.payload_offset(), static_cast<size_t>(box.payload_size()));
  }

  // 14496-12 4.3 FileTypeBox: major_brand, minor_version, compatible_brands[].
  Status parse_ftyp(const BoxHeader& box) {
    if (box.payload_size() < 8) return make_error("ISOBMFF: 'ftyp' payload of " + std::to_string(box.payload_size()) + " bytes, fewer than 8");
    size_t want = static_cast<size_t>(std::min<uint64_t>(box.payload_size(), 8 + 4 * kMaxBrands));
    ByteView p = TRY(r_.view(box.payload_offset(), want));
    uint32_t major = TRY(p.u32(0, Endian::Big));
    uint32_t minor = TRY(p.u32(4, Endian::Big));
    std::vector<std::string> brands;
    bool mp4 = false, f4v = false, qt = false;
    for (size_t at = 8; at + 4 <= p.size(); at += 4) {
      uint32_t b = TRY(p.u32(at, Endian::Big));
      // ExifTool's pattern /^.{8}(.{4})+(mp41|mp42|avc1)/ never looks at the first brand.
      if (at > 8) {
        if (b == fourcc("mp41") || b == fourcc("mp42") || b == fourcc("avc1")) mp4 = true;
        if (b == fourcc("f4v ")) f4v = true;
        if (b == fourcc("qt  ")) qt = true;
      }
      std::string raw = bmff::fourcc_raw(b);
      if (raw.find('\0') != std::string::npos) continue;  // ExifTool drops brands holding a NUL
      brands.push_back(std::move(raw));
    }

    // File type as ExifTool decides: by major brand, else by compatible brands, else MP4.
    std::string type;
    std::string major_raw = bmff::fourcc_raw(major);
    for (const auto& bt : kBrandTypes)
      if (major_raw == bt.brand) type = bt.type;
    if (type.empty()) type = mp4 ? "MP4" : f4v ? "F4V" : qt ? "MOV" : "MP4";
    std::string mime = "video/mp4";
    for (const auto& tm : kTypeMimes)
      if (type == tm.type) mime = tm.mime;
    md_.set("FileType"_f, type);
    md_.set("FileTypeExtension"_f, type);
    md_.set("MIMEType"_f, mime);
    md_.set("MajorBrand"_f, major_raw);
    char version[32];
    std::snprintf(version, sizeof version, "%x.%x.%x", minor >> 16, (minor >> 8) & 0xFF, minor & 0xFF);
    md_.set("MinorVersion"_f, std::string(version));
    md_.set("CompatibleBrands"_f, std::move(brands));
    return ok_status();
  }

  // 14496-12 8.11.1 MetaBox: FullBox(version 0) holding hdlr, pitm, iloc, iinf, iref, iprp, idat.
  Status parse_meta(const BoxHeader& meta, MetaBox& m) {
    ByteView head = TRY(r_.view(meta.payload_offset(), static_cast<size_t>(std::min<uint64_t>(meta.payload_size(), 8))));
    uint64_t first = meta.payload_offset();
    // QuickTime writes 'meta' as a plain box: its payload starts with the hdlr box.
    if (!(head.size() >= 8 && head.chars(4, 4) == "hdlr")) {
      auto full = bmff::read_full_box(head);
      if (!full) return make_error(bmff::box_name(meta) + ": no version and flags");
      // Read on as version 0, the only one defined: the child boxes say what they are.
      if (full->version != 0)
        md_.warn("ISOBMFF: " + bmff::box_name(meta) + ": unknown version " + std::to_string(full->version) +
                 ", read as version 0");
      first += 4;
    }
    for (uint64_t pos = first; pos < meta.end();) {
      BoxHeader box = TRY(next_box(r_, pos, meta.end()));
      pos = box.end();
      Status s = parse_meta_child(box, m);
      if (!s) md_.warn("ISOBMFF: " + s.error().message);
    }
    if (m.items_capped) md_.warn("ISOBMFF: more than " + std::to_string(kMaxItems) + " items; the rest ignored");
    return ok_status();
  }

  Status parse_meta_child(const BoxHeader& box, MetaBox& m) {
    if (box.type == kIdat) {
      // 8.11.11: data of items with construction_method 1; read only when an item needs it.
      if (!m.has_idat) {
        m.has_idat = true;
        m.idat_offset = box.payload_offset();
        m.idat_size = box.payload_size();
      }
      return ok_status();
    }
    if (box.type != kHdlr && box.type != kPitm && box.type != kIinf && box.type != kIloc && box.type != kIprp &&
        box.type != kIref)
      return ok_status();  // dinf, grpl, free, ...: nothing reported from them
    ByteView p = TRY(load(box));
    std::string what = bmff::box_name(box);
    if (box.type == kHdlr) return parse_hdlr(p, what, m);
    if (box.type == kPitm) return parse_pitm(p, what, m);
    if (box.type == kIinf) return parse_iinf(p, box, m);
    if (box.type == kIloc) return parse_iloc(p, what, m);
    if (box.type == kIref) return parse_iref(p, box, m);
    return parse_iprp(p, box, m);
  }

  // 14496-12 8.4.3 HandlerBox: pre_defined, handler_type, reserved[3], name.
  Status parse_hdlr(ByteView p, const std::string& what, MetaBox& m) {
    Cursor c(p, what);
    TRY(c.skip(4 + 4));  // version/flags, pre_defined
    m.handler = TRY(c.u32());
    m.has_handler = true;
    if (c.skip(12)) m.handler_name = c.cstring();
    return ok_status();
  }

  // 14496-12 8.11.4 PrimaryItemBox: item_ID, 16 bits in version 0, else 32.
  Status parse_pitm(ByteView p, const std::string& what, MetaBox& m) {
    Cursor c(p, what);
    uint8_t version = TRY(c.u8());
    TRY(c.skip(3));
    if (m.primary) return make_error(what + ": second 'pitm' ignored");
    m.primary = version == 0 ? uint32_t{TRY(c.u16())} : TRY(c.u32());
    return ok_status();
  }

  // 14496-12 8.11.6.2 ItemInfoBox: entry_count (16 bits in version 0, else 32), ItemInfoEntry boxes.
  Status parse_iinf(ByteView p, const BoxHeader& box, MetaBox& m) {
    std::string what = bmff::box_name(box);
    Cursor c(p, what);
    uint8_t version = TRY(c.u8());
    TRY(c.skip(3));
    TRY(version == 0 ? c.skip(2) : c.skip(4));  // entry_count: the boxes themselves are walked
    for (uint64_t pos = c.pos(); pos < p.size();) {
      BoxHeader infe = TRY(next_box(p, pos, p.size()));
      pos = infe.end();
      if (infe.type != kInfe) continue;
      ByteView body = TRY(p.sub(infe.payload_offset(), infe.payload_size()));
      Status s = parse_infe(body, what + ": 'infe' at byte " + std::to_string(infe.offset), m);
      if (!s) md_.warn("ISOBMFF: " + s.error().message);
    }
    return ok_status();
  }

  // 14496-12 8.11.6.2 ItemInfoEntry, versions 0 to 3.
  Status parse_infe(ByteView p, const std::string& what, MetaBox& m) {
    Cursor c(p, what);
    uint8_t version = TRY(c.u8());
    TRY(c.skip(3));
    uint32_t id;
    uint16_t protection;
    uint32_t type = kMime;
    std::string content_type, content_encoding;
    if (version <= 1) {
      // Versions 0 and 1: item_ID, protection_index, item_name, content_type, content_encoding.
      id = TRY(c.u16());
      protection = TRY(c.u16());
      c.cstring();  // item_name
      content_type = c.cstring();
      content_encoding = c.cstring();
    } else if (version <= 3) {
      // Version 2: 16-bit item_ID; version 3: 32-bit. Then protection_index, item_type, item_name.
      id = version == 2 ? uint32_t{TRY(c.u16())} : TRY(c.u32());
      protection = TRY(c.u16());
      type = TRY(c.u32());
      c.cstring();  // item_name
      if (type == kMime) {
        content_type = c.cstring();
        content_encoding = c.cstring();
      }
    } else {
      return make_error(what + ": unsupported version " + std::to_string(version));
    }
    Item* item = m.item(id);
    if (!item) return ok_status();
    if (item->has_info) return make_error(what + ": second entry for item " + std::to_string(id) + " ignored");
    item->has_info = true;
    item->type = type;
    item->protection_index = protection;
    item->content_type = std::move(content_type);
    item->content_encoding = std::move(content_encoding);
    return ok_status();
  }

  // 14496-12 8.11.3 ItemLocationBox, versions 0, 1 and 2.
  Status parse_iloc(ByteView p, const std::string& what, MetaBox& m) {
    Cursor c(p, what);
    uint8_t version = TRY(c.u8());
    TRY(c.skip(3));
    if (version > 2) return make_error(what + ": unsupported version " + std::to_string(version));
    uint8_t sizes1 = TRY(c.u8());
    uint8_t sizes2 = TRY(c.u8());
    const unsigned offset_size = sizes1 >> 4, length_size = sizes1 & 15u, base_offset_size = sizes2 >> 4;
    const unsigned index_size = version >= 1 ? sizes2 & 15u : 0;  // reserved in version 0
    for (unsigned s : {offset_size, length_size, base_offset_size, index_size})
      if (s != 0 && s != 4 && s != 8) return c.error("field size " + std::to_string(s) + " is not 0, 4 or 8");
    uint32_t item_count = version < 2 ? uint32_t{TRY(c.u16())} : TRY(c.u32());
    const size_t extent_bytes = index_size + offset_size + length_size;
    size_t duplicates = 0;
    struct Report {  // one warning for all repeated item ids, however the loop ends
      IsobmffParser& p;
      const std::string& what;
      size_t& n;
      ~Report() {
        if (n) p.md_.warn("ISOBMFF: " + what + ": " + std::to_string(n) + " repeated item locations ignored");
      }
    } report{*this, what, duplicates};
    for (uint32_t i = 0; i < item_count; ++i) {
      uint32_t id = version < 2 ? uint32_t{TRY(c.u16())} : TRY(c.u32());
      uint8_t method = 0;
      if (version >= 1) method = static_cast<uint8_t>(TRY(c.u16()) & 15u);  // 12 reserved bits
      uint16_t data_ref = TRY(c.u16());
      uint64_t base = TRY(c.uint(base_offset_size));
      uint16_t extent_count = TRY(c.u16());
      if (extent_bytes != 0 && extent_count > c.left() / extent_bytes)
        return c.error("item " + std::to_string(id) + ": " + std::to_string(extent_count) + " extents of " +
                       std::to_string(extent_bytes) + " bytes exceed the box");
      if (m.extents + extent_count > kMaxExtents)
        return c.error("more than " + std::to_string(kMaxExtents) + " extents");
      m.extents += extent_count;
      Item* item = m.item(id);
      bool keep = item && !item->has_location;
      if (keep) {
        item->has_location = true;
        item->construction_method = method;
        item->data_reference_index = data_ref;
        item->base_offset = base;
        item->extents.reserve(extent_count);
      } else if (item) {
        ++duplicates;
      }
      for (uint16_t e = 0; e < extent_count; ++e) {
        TRY(c.uint(index_size));  // item_reference_index: construction_method 2 only
        Extent x;
        x.offset = TRY(c.uint(offset_size));
        x.length = TRY(c.uint(length_size));
        if (keep) item->extents.push_back(x);
      }
    }
    return ok_status();
  }

  // 14496-12 8.11.12 ItemReferenceBox: SingleItemTypeReferenceBox children, item ids of 16
  // bits (version 0) or 32 bits (version 1).
  Status parse_iref(ByteView p, const BoxHeader& box, MetaBox& m) {
    std::string what = bmff::box_name(box);
    Cursor head(p, what);
    uint8_t version = TRY(head.u8());
    TRY(head.skip(3));
    if (version > 1) return make_error(what + ": unsupported version " + std::to_string(version));
    for (uint64_t pos = head.pos(); pos < p.size();) {
      BoxHeader ref = TRY(next_box(p, pos, p.size()));
      pos = ref.end();
      ByteView body = TRY(p.sub(ref.payload_offset(), ref.payload_size()));
      Cursor c(body, what + ": '" + fourcc_text(ref.type) + "' at byte " + std::to_string(ref.offset));
      uint32_t from = version == 0 ? uint32_t{TRY(c.u16())} : TRY(c.u32());
      uint16_t count = TRY(c.u16());
      Item* item = m.item(from);
      std::vector<uint32_t>* list = nullptr;
      if (item && ref.type == kDimg) list = &item->dimg;
      if (item && ref.type == kCdsc) list = &item->cdsc;
      if (item && ref.type == kAuxl) list = &item->auxl;
      for (uint16_t i = 0; i < count; ++i) {
        uint32_t to = version == 0 ? uint32_t{TRY(c.u16())} : TRY(c.u32());
        if (list && list->size() < kMaxRefsPerItem) list->push_back(to);
      }
    }
    return ok_status();
  }

  // 14496-12 8.11.14 ItemPropertiesBox: one ItemPropertyContainerBox, then ipma boxes.
  Status parse_iprp(ByteView p, const BoxHeader& box, MetaBox& m) {
    std::string what = bmff::box_name(box);
    std::optional<BoxHeader> ipco;
    std::vector<BoxHeader> ipmas;
    for (uint64_t pos = 0; pos < p.size();) {
      BoxHeader child = TRY(next_box(p, pos, p.size()));
      pos = child.end();
      if (child.type == kIpco && !ipco) ipco = child;
      if (child.type == kIpma) ipmas.push_back(child);
    }
    if (ipco && !m.has_ipco) {
      m.has_ipco = true;
      const ByteView props = TRY(p.sub(ipco->payload_offset(), ipco->payload_size()));
      const uint64_t base = box.payload_offset() + ipco->payload_offset();
      for (uint64_t pos = 0; pos < props.size();) {
        auto prop = next_box(props, pos, props.size());
        if (!prop) {
          md_.warn("ISOBMFF: " + what + ": 'ipco': " + prop.error().message);
          break;
        }
        pos = prop->end();
        m.properties.push_back(Property{prop->type, base + prop->offset,
                                        TRY(props.sub(prop->payload_offset(), prop->payload_size()))});
      }
    }
    for (const auto& ipma : ipmas) {
      Status s = parse_ipma(TRY(p.sub(ipma.payload_offset(), ipma.payload_size())),
                            what + ": 'ipma' at byte " + std::to_string(ipma.offset), m);
      if (!s) md_.warn("ISOBMFF: " + s.error().message);
    }
    return ok_status();
  }

  // 14496-12 8.11.14.2 ItemPropertyAssociationBox: per item, property indices of 7 bits, or 15
  // bits when flags & 1, each under an essential bit; 32-bit item ids from version 1.
  Status parse_ipma(ByteView p, const std::string& what, MetaBox& m) {
    Cursor c(p, what);
    uint8_t version = TRY(c.u8());
    uint32_t flags = uint32_t{TRY(c.u8())} << 16;
    flags |= TRY(c.u16());
    if (version > 1) return make_error(what + ": unsupported version " + std::to_string(version));
    uint32_t entry_count = TRY(c.u32());
    const bool wide = flags & 1u;
    for (uint32_t i = 0; i < entry_count; ++i) {
      uint32_t id = version == 0 ? uint32_t{TRY(c.u16())} : TRY(c.u32());
      uint8_t count = TRY(c.u8());
      std::vector<Association> list;
      list.reserve(count);
      for (uint8_t k = 0; k < count; ++k) {
        Association a;
        if (wide) {
          uint16_t v = TRY(c.u16());
          a.essential = v & 0x8000u;
          a.index = v & 0x7FFFu;
        } else {
          uint8_t v = TRY(c.u8());
          a.essential = v & 0x80u;
          a.index = v & 0x7Fu;
        }
        list.push_back(a);
      }
      if (Item* item = m.item(id)) item->properties = std::move(list);
    }
    return ok_status();
  }

  // ---- reporting -------------------------------------------------------------------------

  void report(MetaBox& m) {
    if (m.has_handler) {
      md_.set("HandlerType"_f, bmff::fourcc_raw(m.handler));
      // ExifTool: a leading length byte marks a Pascal string.
      std::string name = m.handler_name;
      if (!name.empty() && static_cast<unsigned char>(name[0]) < 0x20 &&
          size_t{static_cast<unsigned char>(name[0])} < name.size())
        name = name.substr(1, static_cast<unsigned char>(name[0]));
      if (!name.empty()) md_.set("HandlerDescription"_f, name);
      if (m.handler != fourcc("pict")) md_.warn("ISOBMFF: 'meta' handler is '" + fourcc_text(m.handler) + "', not 'pict'");
    }
    if (m.primary) md_.set("PrimaryItemReference"_f, static_cast<int64_t>(*m.primary));
    report_idat(m);

    const Item* primary = m.primary ? m.find(*m.primary) : nullptr;
    if (m.primary && (!primary || !primary->has_info)) {
      md_.warn("ISOBMFF: primary item " + std::to_string(*m.primary) + " is not in 'iinf'");
    } else if (!m.primary && !m.items.empty()) {
      md_.warn("ISOBMFF: no 'pitm' (primary item)");
    }
    check_associations(m);

    // ExifTool's order: metadata items first, then the item properties (ispe's ImageWidth wins).
    report_metadata_items(m);
    report_properties(m);
    if (primary) report_primary(m, *primary);
  }

  // ExifTool reports the idat of a grid as 16-bit numbers ("MetaImageSize"); short ones only.
  void report_idat(const MetaBox& m) {
    if (!m.has_idat || m.idat_size == 0 || m.idat_size > 64) return;
    auto v = r_.view(m.idat_offset, static_cast<size_t>(m.idat_size));
    if (!v) return;
    std::vector<int64_t> values;
    for (size_t i = 0; i + 2 <= v->size(); i += 2) values.push_back(v->u16(i, Endian::Big).value_or(0));
    if (!values.empty()) md_.set("MetaImageSize"_f, join_numbers(values));
  }

  void check_associations(const MetaBox& m) {
    for (const auto& item : m.items) {
      for (const auto& a : item.properties) {
        if (a.index != 0 && !m.property(a.index)) {
          md_.warn("ISOBMFF: 'ipma': item " + std::to_string(item.id) + " names property " + std::to_string(a.index) +
                   " but 'ipco' holds " + std::to_string(m.properties.size()));
          return;
        }
      }
    }
  }

  static bool refers_to(const std::vector<uint32_t>& list, uint32_t id) {
    return std::find(list.begin(), list.end(), id) != list.end();
  }

  // Exif and XMP items that describe the primary image ('cdsc' to it), or that describe
  // nothing in particular, in item id order as ExifTool takes them.
  void report_metadata_items(const MetaBox& m) {
    std::vector<const Item*> exif, xmp;
    for (const auto& item : m.items) {
      if (!item.has_info) continue;
      bool describes_primary = item.cdsc.empty() || (m.primary && refers_to(item.cdsc, *m.primary));
      if (!describes_primary) continue;
      if (item.type == kExif) exif.push_back(&item);
      if (item.type == kMime && item.content_type == kXmpContentType) xmp.push_back(&item);
    }
    auto by_id = [](const Item* a, const Item* b) { return a->id < b->id; };
    std::sort(exif.begin(), exif.end(), by_id);
    std::sort(xmp.begin(), xmp.end(), by_id);
    for (size_t i = 0; i < exif.size() && i < kMaxMetadataItems; ++i) report_exif(m, *exif[i]);
    for (size_t i = 0; i < xmp.size() && i < kMaxMetadataItems; ++i) report_xmp(m, *xmp[i]);
  }

  // The bytes of an item, from the file (construction_method 0) or idat (1), at most cap.
  Result<ItemData> read_item(const MetaBox& m, const Item& item, uint64_t cap) {
    std::string what = "item " + std::to_string(item.id);
    if (!item.has_location) return make_error(what + ": no location in 'iloc'");
    if (item.data_reference_index != 0)
      return make_error(what + ": data in another file (data_reference_index " +
                        std::to_string(item.data_reference_index) + ")");
    if (item.construction_method > 1)
      return make_error(what + ": construction_method " + std::to_string(item.construction_method) +
                        " not supported");
    if (item.extents.empty()) return make_error(what + ": no extents");
    const bool in_idat = item.construction_method == 1;
    if (in_idat && !m.has_idat) return make_error(what + ": construction_method 1 but no 'idat'");
    const uint64_t space = in_idat ? m.idat_size : r_.size();  // where offsets point into
    ItemData data;
    for (size_t i = 0; i < item.extents.size(); ++i) {
      const Extent& e = item.extents[i];
      std::string ext = what + " extent " + std::to_string(i);
      // 8.11.3.3: offset = base_offset + extent_offset; a length of 0 means "to the end".
      if (e.offset > UINT64_MAX - item.base_offset) return make_error(ext + ": offset overflows");
      uint64_t off = item.base_offset + e.offset;
      if (off > space) return make_error(ext + ": offset " + std::to_string(off) + " past the end at " + std::to_string(space));
      uint64_t len = e.length == 0 ? space - off : e.length;
      if (len > space - off)
        return make_error(ext + ": " + std::to_string(len) + " bytes at " + std::to_string(off) + " run past the end at " +
                          std::to_string(space));
      if (len > cap - data.bytes.size())
        return make_error(what + ": more than " + std::to_string(cap) + " bytes");
      uint64_t file_off = in_idat ? m.idat_offset + off : off;
      ByteView v = TRY(r_.view(file_off, static_cast<size_t>(len)));
      data.bytes.insert(data.bytes.end(), v.span().begin(), v.span().end());
      data.pieces.push_back({file_off, len});
    }
    return data;
  }

  // Why an item's data cannot be read as metadata, or "" when it can.
  static std::string unreadable(const Item& item) {
    if (item.protection_index != 0) return "protected (protection_index " + std::to_string(item.protection_index) + ")";
    if (!item.content_encoding.empty()) return "content_encoding '" + item.content_encoding + "'";
    return "";
  }

  // 23008-12 Annex A.2.1 ExifDataBlock: exif_tiff_header_offset (32 bits), then the Exif
  // payload, whose TIFF header starts that many bytes after the offset field.
  void report_exif(const MetaBox& m, const Item& item) {
    std::string what = "ISOBMFF: Exif item " + std::to_string(item.id);
    if (auto why = unreadable(item); !why.empty()) return md_.warn(what + ": " + why);
    auto data = read_item(m, item, ctx_.limits().max_value_bytes);
    if (!data) return md_.warn("ISOBMFF: Exif " + data.error().message);
    ByteView b(data->bytes);
    uint64_t start;
    if (tiff_header_at(b, 0)) {
      start = 0;  // no offset field (seen in the wild; ExifTool: "Missing Exif header")
    } else if (b.starts_with(kExifPrefix)) {
      start = kExifPrefix.size();  // ExifTool: "Missing Exif header size"
    } else {
      auto offset = b.u32(0, Endian::Big);
      if (!offset || *offset > b.size() - 4) return md_.warn(what + ": TIFF header offset past the item's end");
      start = 4 + uint64_t{*offset};
      // Some writers count the "Exif\0\0" before the TIFF header, some do not.
      if (!tiff_header_at(b, start) && tiff_header_at(b, start + kExifPrefix.size()) && b.equals_at(start, kExifPrefix))
        start += kExifPrefix.size();
    }
    if (!tiff_header_at(b, start)) return md_.warn(what + ": no TIFF header at byte " + std::to_string(start));
    auto tiff = b.tail(start);
    if (!tiff) return;
    parse_exif(*tiff, data->file_offset(start), ctx_);
  }

  // 23008-12 Annex A.2.2: an XMP item is a 'mime' item of type application/rdf+xml.
  void report_xmp(const MetaBox& m, const Item& item) {
    std::string what = "ISOBMFF: XMP item " + std::to_string(item.id);
    if (auto why = unreadable(item); !why.empty()) return md_.warn(what + ": " + why);
    auto data = read_item(m, item, ctx_.limits().max_value_bytes);
    if (!data) return md_.warn("ISOBMFF: XMP " + data.error().message);
    std::string_view xml(reinterpret_cast<const char*>(data->bytes.data()), data->bytes.size());
    parse_xmp(xml, ctx_);
  }

  // ---- item properties as ExifTool reports them ----------------------------------------
  //
  // ExifTool puts a property in the main document when it is associated with the primary
  // item, or (except ispe and hvcC) with any item that does not 'cdsc'-describe another item,
  // or with no item at all; main-document values override earlier ones, the others only fill
  // fields still empty, first found first. Reproduced here so the fields match exiftool -n.

  void report_properties(const MetaBox& m) {
    const size_t n = m.properties.size();
    std::vector<char> associated(n), with_primary(n), with_inheriting(n);
    for (const auto& item : m.items) {
      const bool is_primary = m.primary && item.id == *m.primary;
      const bool inheriting = item.cdsc.empty() || (m.primary && refers_to(item.cdsc, *m.primary));
      for (const auto& a : item.properties) {
        if (a.index == 0 || a.index > n) continue;
        const size_t i = a.index - 1u;
        associated[i] = 1;
        if (is_primary) with_primary[i] = 1;
        if (inheriting) with_inheriting[i] = 1;
      }
    }
    std::vector<char> main(n);
    for (size_t i = 0; i < n; ++i) {
      const uint32_t type = m.properties[i].type;
      main[i] = !associated[i] || with_primary[i] || (type != kIspe && type != kHvcC && with_inheriting[i]);
    }
    for (int pass = 0; pass < 2; ++pass) {
      const bool main_pass = pass == 0;
      for (size_t i = 0; i < n; ++i) {
        if (static_cast<bool>(main[i]) != main_pass) continue;
        auto put = [&](FieldId name, Value v) {
          if (main_pass) md_.set(name, std::move(v));
          else md_.set_default(name, std::move(v));
        };
        property_fields(m.properties[i], put);
      }
    }
    report_icc(m, main);
  }

  template <class Put>
  void property_fields(const Property& prop, Put& put) {
    ByteView p = prop.payload;
    auto u8 = [&](size_t at) { return int64_t{p.u8(at).value_or(0)}; };
    auto u16 = [&](size_t at) { return int64_t{p.u16(at, Endian::Big).value_or(0)}; };
    auto u32 = [&](size_t at) { return int64_t{p.u32(at, Endian::Big).value_or(0)}; };
    if (prop.type == kIspe) {
      // 23008-12 6.5.3: FullBox, image_width, image_height (ExifTool: version and flags 0).
      if (p.size() < 12 || u32(0) != 0) return;
      std::vector<int64_t> dims;
      for (size_t at = 4; at + 4 <= p.size(); at += 4) dims.push_back(u32(at));
      put("ImageSpatialExtent"_f, join_numbers(dims));
    } else if (prop.type == kIrot) {
      // 23008-12 6.5.10: 6 reserved bits, angle (2 bits) in anti-clockwise quarter turns.
      if (p.size() >= 1) put("Rotation"_f, (u8(0) & 3) * 90);
    } else if (prop.type == kPixi) {
      // 23008-12 6.5.6: FullBox, num_channels, bits_per_channel[num_channels].
      if (p.size() < 5 || u32(0) != 0) return;
      std::vector<int64_t> bits;
      for (size_t at = 5; at < p.size() && bits.size() < static_cast<size_t>(u8(4)); ++at) bits.push_back(u8(at));
      if (bits.size() == 1) put("ImagePixelDepth"_f, bits[0]);
      else if (!bits.empty()) put("ImagePixelDepth"_f, join_numbers(bits));
    } else if (prop.type == kAuxC) {
      // 23008-12 6.5.8: FullBox, aux_type (NUL-terminated URN), aux_subtype.
      std::string_view rest = p.chars(4, p.size());
      if (p.size() > 4) put("AuxiliaryImageType"_f, std::string(rest.substr(0, rest.find('\0'))));
    } else if (prop.type == kPasp) {
      // 14496-12 12.1.4: hSpacing, vSpacing.
      if (p.size() >= 8) put("PixelAspectRatio"_f, join_numbers({u32(0), u32(4)}));
    } else if (prop.type == kClap) {
      // 14496-12 12.1.4: width, height, horizOff, vertOff, each numerator/denominator. ExifTool
      // reads signed 32-bit pairs to the end of the box; so do we, up to a sane count.
      if (p.size() < 32) return;
      std::string out;
      for (size_t at = 0; at + 8 <= p.size() && at < 8 * 256; at += 8) {
        auto n = static_cast<int32_t>(static_cast<uint32_t>(u32(at)));
        auto d = static_cast<int32_t>(static_cast<uint32_t>(u32(at + 4)));
        if (!out.empty()) out += ' ';
        out += d == 0 ? (n == 0 ? "undef" : "inf") : format_number(static_cast<double>(n) / d);
      }
      put("CleanAperture"_f, out);
    } else if (prop.type == kColr) {
      // 14496-12 12.1.5: colour_type 'nclx' (primaries, transfer, matrix, full_range_flag),
      // 'rICC'/'prof' (an ICC profile, reported by report_icc), or QuickTime's 'nclc'.
      std::string_view kind = p.chars(0, 4);
      if (kind == "prof" || kind == "rICC" || p.size() < 4) return;
      put("ColorProfiles"_f, std::string(kind));
      if (p.has(4, 2)) put("ColorPrimaries"_f, u16(4));
      if (p.has(6, 2)) put("TransferCharacteristics"_f, u16(6));
      if (p.has(8, 2)) put("MatrixCoefficients"_f, u16(8));
      if (kind == "nclx" && p.has(10, 1)) put("VideoFullRangeFlag"_f, u8(10) >> 7);
    } else if (prop.type == kHvcC) {
      // 14496-15 8.3.3.1 HEVCDecoderConfigurationRecord.
      if (p.has(0, 1)) put("HEVCConfigurationVersion"_f, u8(0));
      if (p.has(1, 1)) {
        put("GeneralProfileSpace"_f, u8(1) >> 6);
        put("GeneralTierFlag"_f, (u8(1) >> 5) & 1);
        put("GeneralProfileIDC"_f, u8(1) & 0x1F);
      }
      if (p.has(2, 4)) put("GenProfileCompatibilityFlags"_f, u32(2));
      if (p.has(6, 6)) put("ConstraintIndicatorFlags"_f, join_numbers({u8(6), u8(7), u8(8), u8(9), u8(10), u8(11)}));
      if (p.has(12, 1)) put("GeneralLevelIDC"_f, u8(12));
      if (p.has(13, 2)) put("MinSpatialSegmentationIDC"_f, u16(13) & 0x0FFF);
      if (p.has(15, 1)) put("ParallelismType"_f, u8(15) & 3);
      if (p.has(16, 1)) put("ChromaFormat"_f, u8(16) & 3);
      if (p.has(17, 1)) put("BitDepthLuma"_f, (u8(17) & 7) + 8);
      if (p.has(18, 1)) put("BitDepthChroma"_f, (u8(18) & 7) + 8);
      if (p.has(19, 2)) put("AverageFrameRate"_f, number_value(static_cast<double>(u16(19)) / 256));
      if (p.has(21, 1)) {
        put("ConstantFrameRate"_f, u8(21) >> 6);
        put("NumTemporalLayers"_f, (u8(21) >> 3) & 7);
        put("TemporalIDNested"_f, (u8(21) >> 2) & 1);
      }
    } else if (prop.type == kAv1C) {
      // AV1-ISOBMFF 2.3.3: marker, version; seq_profile, seq_level_idx_0; seq_tier_0,
      // high_bitdepth, twelve_bit, monochrome, chroma_subsampling_x/y, chroma_sample_position.
      if (p.has(0, 1)) put("AV1ConfigurationVersion"_f, u8(0) & 0x7F);
      if (p.has(2, 1)) {
        put("ChromaFormat"_f, (u8(2) >> 2) & 7);  // monochrome, subsampling_x, subsampling_y
        put("ChromaSamplePosition"_f, u8(2) & 3);
      }
    }
  }

  static bool is_icc_colr(const Property& p) {
    std::string_view kind = p.payload.chars(0, 4);
    return p.type == kColr && (kind == "prof" || kind == "rICC");
  }

  // The ICC profile of the primary image, else the first in ExifTool's main document.
  void report_icc(const MetaBox& m, const std::vector<char>& main) {
    const Property* chosen = nullptr;
    if (const Item* primary = m.primary ? m.find(*m.primary) : nullptr) {
      for (const auto& a : primary->properties) {
        const Property* p = m.property(a.index);
        if (p && is_icc_colr(*p)) {
          chosen = p;
          break;
        }
      }
    }
    for (size_t i = 0; !chosen && i < m.properties.size(); ++i)
      if (main[i] && is_icc_colr(m.properties[i])) chosen = &m.properties[i];
    if (!chosen) return;
    if (auto profile = chosen->payload.tail(4)) parse_icc(*profile, ctx_);
  }

  // ---- the primary image ---------------------------------------------------------------

  // The first property of a type associated with an item.
  static const Property* find_property(const MetaBox& m, const Item& item, uint32_t type) {
    for (const auto& a : item.properties) {
      const Property* p = m.property(a.index);
      if (p && p->type == type) return p;
    }
    return nullptr;
  }

  // The coded item that holds a derived item's samples: derived images (23008-12 6.6: grid,
  // iden, iovl, tmap) name their inputs with 'dimg'; the first input stands for them.
  static const Item* coded_item(const MetaBox& m, const Item& start) {
    const Item* item = &start;
    std::vector<uint32_t> seen{item->id};
    for (uint32_t hop = 0; hop < kMaxDerivationHops && !item->dimg.empty(); ++hop) {
      uint32_t next = item->dimg.front();
      if (refers_to(seen, next)) return nullptr;  // a derivation loop
      const Item* n = m.find(next);
      if (!n) return nullptr;
      seen.push_back(next);
      item = n;
    }
    return item;
  }

  static std::optional<int64_t> bit_depth(const MetaBox& m, const Item& item) {
    if (const Property* pixi = find_property(m, item, kPixi)) {
      if (auto n = pixi->payload.u8(4); n && *n > 0)
        if (auto bits = pixi->payload.u8(5)) return *bits;
    }
    if (const Property* hvcc = find_property(m, item, kHvcC))
      if (auto b = hvcc->payload.u8(17)) return (*b & 7) + 8;
    if (const Property* av1c = find_property(m, item, kAv1C)) {
      if (auto b = av1c->payload.u8(2)) {
        // AV1 spec 5.5.2 color_config: twelve_bit only counts when high_bitdepth is set.
        bool high = *b & 0x40, twelve = *b & 0x20;
        return high ? (twelve ? 12 : 10) : 8;
      }
    }
    return std::nullopt;
  }

  void report_primary(const MetaBox& m, const Item& primary) {
    // ImageWidth/ImageHeight: the primary item's ispe, as ExifTool reports it (pre-transform).
    const Property* ispe = find_property(m, primary, kIspe);
    uint64_t width = 0, height = 0;
    if (ispe && ispe->payload.size() >= 12) {
      width = ispe->payload.u32(4, Endian::Big).value_or(0);
      height = ispe->payload.u32(8, Endian::Big).value_or(0);
      md_.set("ImageWidth"_f, static_cast<int64_t>(width));
      md_.set("ImageHeight"_f, static_cast<int64_t>(height));
    } else {
      md_.warn("ISOBMFF: primary item " + std::to_string(primary.id) + " has no 'ispe'");
    }

    // 23008-12 6.5.1 and MIAF 7.3.6.7: the transformative properties, in ipma order, give the
    // displayed image (imir, 6.5.12, flips it without changing its size). EXIF Orientation
    // does not apply to HEIF.
    if (width && height) {
      for (const auto& a : primary.properties) {
        const Property* p = m.property(a.index);
        if (!p) continue;
        if (p->type == kIrot && p->payload.size() >= 1 && (p->payload[0] & 1)) std::swap(width, height);
        if (p->type == kClap) apply_clap(*p, width, height);
      }
      md_.set("DisplayWidth"_f, static_cast<int64_t>(width));
      md_.set("DisplayHeight"_f, static_cast<int64_t>(height));
    }

    const Item* coded = coded_item(m, primary);
    auto depth = bit_depth(m, primary);
    if (!depth && coded) depth = bit_depth(m, *coded);
    if (depth) md_.set("BitDepth"_f, *depth);

    // AVIF 1.1 section 4 / 23008-12 6.5.8: an auxiliary image with an alpha aux_type that
    // names the primary with 'auxl'.
    bool alpha = false;
    for (const auto& item : m.items) {
      if (!refers_to(item.auxl, primary.id)) continue;
      const Property* aux = find_property(m, item, kAuxC);
      if (!aux) continue;
      std::string_view urn = aux->payload.chars(4, aux->payload.size());
      if (has_alpha_urn(urn.substr(0, urn.find('\0')))) alpha = true;
    }
    md_.set("HasAlpha"_f, alpha);
  }

  // 14496-12 12.1.4.1: the clean aperture's width and height replace the image's (a crop).
  void apply_clap(const Property& p, uint64_t& width, uint64_t& height) {
    if (p.payload.size() < 16) return;
    uint64_t wn = p.payload.u32(0, Endian::Big).value_or(0), wd = p.payload.u32(4, Endian::Big).value_or(0);
    uint64_t hn = p.payload.u32(8, Endian::Big).value_or(0), hd = p.payload.u32(12, Endian::Big).value_or(0);
    if (wd == 0 || hd == 0 || wn / wd == 0 || hn / hd == 0 || wn / wd > width || hn / hd > height) {
      md_.warn("ISOBMFF: 'clap' at " + std::to_string(p.offset) + " outside the image; ignored");
      return;
    }
    width = wn / wd;
    height = hn / hd;
  }

  // ---- image sequences (14496-12 8.3 to 8.7, 23008-12 section 7) -------------------------

  struct Track {
    uint32_t handler = 0;
    uint64_t width = 0, height = 0;
    std::optional<uint64_t> samples;
  };

  // Walks moov/trak/{tkhd, mdia/{hdlr, minf/stbl/{stsz, stz2}}} reading only those headers.
  Status parse_moov(const BoxHeader& moov) {
    std::optional<Track> chosen;
    for (uint64_t pos = moov.payload_offset(); pos < moov.end();) {
      BoxHeader box = TRY(next_box(r_, pos, moov.end()));
      pos = box.end();
      if (box.type == kUuid) {
        Status s = parse_canon_uuid(box);
        if (!s) md_.warn("ISOBMFF: Canon CR3 metadata: " + s.error().message);
        continue;
      }
      if (box.type != kTrak) continue;
      Track t;
      TRY(walk_track(box, t, 2));
      // 23008-12 7.2: image sequences use the 'pict' handler; ordinary video 'vide'.
      bool visual = t.handler == fourcc("pict") || t.handler == fourcc("vide");
      if (visual && !chosen) chosen = t;
    }
    if (!chosen) return ok_status();
    if (chosen->samples) md_.set("FrameCount"_f, static_cast<int64_t>(*chosen->samples));
    if (chosen->width && chosen->height) {
      md_.set_default("ImageWidth"_f, static_cast<int64_t>(chosen->width));
      md_.set_default("ImageHeight"_f, static_cast<int64_t>(chosen->height));
    }
    return ok_status();
  }

  // Canon CR3 (ExifTool's Canon.pm / QuickTime.pm "UUID-Canon"): moov holds a 'uuid' box
  // of type 85c0b687-820f-11e0-8111-f4ce462b6a48 whose children CMT1..CMT4 are complete TIFF
  // structures: IFD0, the Exif IFD, Canon's maker note (not decoded) and the GPS IFD.
  Status parse_canon_uuid(const BoxHeader& uuid) {
    static constexpr uint8_t kCanonUuid[16] = {0x85, 0xc0, 0xb6, 0x87, 0x82, 0x0f, 0x11, 0xe0,
                                               0x81, 0x11, 0xf4, 0xce, 0x46, 0x2b, 0x6a, 0x48};
    ByteView type = TRY(r_.view(uuid.payload_offset() - 16, 16));
    if (!std::ranges::equal(type.span(), kCanonUuid)) return ok_status();
    for (uint64_t pos = uuid.payload_offset(); pos < uuid.end();) {
      BoxHeader box = TRY(next_box(r_, pos, uuid.end()));
      pos = box.end();
      ExifRoot root;
      if (box.type == kCmt1) root = ExifRoot::Ifd0;
      else if (box.type == kCmt2) root = ExifRoot::ExifIfd;
      else if (box.type == kCmt4) root = ExifRoot::GpsIfd;
      else {
        if (box.type == kCmt3) ctx_.facts.maker_note = true;  // Canon's maker note: not decoded
        continue;
      }
      auto bytes = load(box);
      if (!bytes) {
        md_.warn("ISOBMFF: " + bytes.error().message);
        continue;
      }
      parse_exif(*bytes, box.payload_offset(), ctx_, root);
    }
    return ok_status();
  }

  Status walk_track(const BoxHeader& parent, Track& t, uint32_t depth) {
    if (depth > ctx_.limits().max_depth) return make_error(bmff::box_name(parent) + ": nested too deep");
    for (uint64_t pos = parent.payload_offset(); pos < parent.end();) {
      BoxHeader box = TRY(next_box(r_, pos, parent.end()));
      pos = box.end();
      if (box.type == kMdia || box.type == kMinf || box.type == kStbl) {
        TRY(walk_track(box, t, depth + 1));
      } else if (box.type == kTkhd) {
        // 8.3.2 TrackHeaderBox: width and height (16.16 fixed point) end the box; the fields
        // before them are 60 bytes longer in version 1.
        ByteView p = TRY(r_.view(box.payload_offset(), static_cast<size_t>(std::min<uint64_t>(box.payload_size(), 92))));
        uint8_t version = TRY(p.u8(0));
        size_t at = version == 1 ? 88 : 76;
        if (p.has(at, 8)) {
          t.width = TRY(p.u32(at, Endian::Big)) >> 16;
          t.height = TRY(p.u32(at + 4, Endian::Big)) >> 16;
        }
      } else if (box.type == kHdlr && parent.type == kMdia) {
        ByteView p = TRY(r_.view(box.payload_offset(), static_cast<size_t>(std::min<uint64_t>(box.payload_size(), 12))));
        t.handler = TRY(p.u32(8, Endian::Big));
      } else if (box.type == kStsz || box.type == kStz2) {
        // 8.7.3.2 SampleSizeBox: sample_size, sample_count; CompactSampleSizeBox: reserved,
        // field_size, sample_count. Either way the count is the third 32-bit word.
        ByteView p = TRY(r_.view(box.payload_offset(), static_cast<size_t>(std::min<uint64_t>(box.payload_size(), 12))));
        t.samples = TRY(p.u32(8, Endian::Big));
      }
    }
    return ok_status();
  }

  Context& ctx_;
  Reader& r_;
  Metadata& md_;
  uint32_t boxes_left_;
};

}  // namespace

Status parse_isobmff(Context& ctx) {
  IsobmffParser parser(ctx);
  return parser.run();
}

}  // namespace imgmeta::meta
