// ICC profiles (ICC.1:2010, profile version 4.3; version 2 profiles share the header): the
// header fields of section 7.2 and a few descriptive tags of section 9, named as ExifTool
// names them.
#include <cmath>
#include <cstdio>
#include <string>
#include <string_view>

#include "meta/formats.hpp"
#include "meta/text_value.hpp"

namespace imgmeta::meta {
namespace {

constexpr size_t kHeaderSize = 128;
constexpr uint32_t kMaxTags = 1024;

// A 4-byte signature field as text, up to its first NUL (ExifTool: "RGB ", "" for zeros).
Value signature(ByteView p, size_t at) { return json_typed(std::string(until_nul(p.chars(at, 4)))); }

// s15Fixed16Number (ICC.1 4.6), rounded to 5 decimals as ExifTool does, printed as a Perl
// number.
std::string fixed_text(int32_t raw) {
  double v = raw / 65536.0;
  v = std::round(v * 1e5) / 1e5;
  return perl_number(v);
}

std::string xyz_text(ByteView p, size_t at, size_t count) {
  std::string s;
  for (size_t i = 0; i < count; ++i) {
    if (i) s += ' ';
    s += fixed_text(static_cast<int32_t>(p.u32(at + 4 * i, Endian::Big).value_or(0)));
  }
  return s;
}

// The text of a tag of type textDescriptionType (ICC.1:2001 6.5.17, v2) or textType (10.24);
// multiLocalizedUnicodeType (10.15, v4) is set_mluc's.
bool tag_text(ByteView t, std::string& out) {
  std::string_view type = t.chars(0, 4);
  if (type == "desc") {
    auto count = t.u32(8, Endian::Big);
    if (!count || !t.has(12, *count)) return false;
    out = until_nul(t.chars(12, *count));
    return true;
  }
  if (type == "text") {
    out = until_nul(t.chars(8, t.size() > 8 ? t.size() - 8 : 0));
    return true;
  }
  return false;
}

// multiLocalizedUnicodeType (ICC.1:2010 10.15) as ExifTool reports it: one field per
// record, the en-US record (or one with no valid language code) under the tag's own name,
// the others under "<name>-<language>-<COUNTRY>" (ProfileDescriptionML-de-DE).
void set_mluc(ByteView t, FieldId name, Metadata& md) {
  if (t.size() < 28) return;
  uint32_t count = t.u32(8, Endian::Big).value_or(0);
  uint32_t record_size = t.u32(12, Endian::Big).value_or(0);
  if (record_size < 12) return;
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t at = 16 + i * record_size;
    if (!t.has(at, record_size)) break;
    std::string_view lang = t.chars(static_cast<size_t>(at), 4);
    auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
    std::string localised;  // the other languages' names come from the file: dynamic fields
    if (lang.size() == 4 && letter(lang[0]) && letter(lang[1]) && letter(lang[2]) && letter(lang[3])) {
      std::string code{static_cast<char>(lang[0] | 0x20), static_cast<char>(lang[1] | 0x20), '-',
                       static_cast<char>(lang[2] & ~0x20), static_cast<char>(lang[3] & ~0x20)};
      if (code != "en-US") localised = std::string(field_name(name)) + "-" + code;
    }
    uint32_t len = t.u32(static_cast<size_t>(at) + 4, Endian::Big).value_or(0);
    uint32_t off = t.u32(static_cast<size_t>(at) + 8, Endian::Big).value_or(0);
    auto s = t.sub(off, len);
    if (!s) break;
    std::string out;
    for (size_t k = 0; k + 1 < s->size(); k += 2) {
      uint32_t u = static_cast<uint32_t>((*s)[k] << 8 | (*s)[k + 1]);
      if (u >= 0xD800 && u <= 0xDBFF && k + 3 < s->size()) {
        uint32_t lo = static_cast<uint32_t>((*s)[k + 2] << 8 | (*s)[k + 3]);
        if (lo >= 0xDC00 && lo <= 0xDFFF) {
          append_utf8(out, 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00));
          k += 2;
          continue;
        }
      }
      if (u >= 0xD800 && u <= 0xDFFF) u = 0xFFFD;
      if (u == 0) break;
      append_utf8(out, u);
    }
    if (localised.empty()) md.set(name, json_typed(std::move(out)));
    else md.set(localised, json_typed(std::move(out)));
  }
}

}  // namespace

void parse_icc(ByteView p, Context& ctx) {
  Metadata& md = ctx.md;
  if (p.size() < kHeaderSize) {
    md.warn("ICC: profile of " + std::to_string(p.size()) + " bytes is shorter than its 128-byte header");
    return;
  }
  // ICC.1:2010 7.2 profile header.
  md.set("ProfileCMMType"_f, signature(p, 4));
  md.set("ProfileVersion"_f, int64_t{static_cast<int16_t>(p.u16(8, Endian::Big).value_or(0))});
  md.set("ProfileClass"_f, signature(p, 12));
  md.set("ColorSpaceData"_f, signature(p, 16));
  md.set("ProfileConnectionSpace"_f, signature(p, 20));
  {
    // 7.2.8 dateTimeNumber (4.2): year, month, day, hours, minutes, seconds.
    uint16_t v[6];
    for (size_t i = 0; i < 6; ++i) v[i] = p.u16(24 + 2 * i, Endian::Big).value_or(0);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04u:%02u:%02u %02u:%02u:%02u", v[0], v[1], v[2], v[3], v[4], v[5]);
    md.set("ProfileDateTime"_f, std::string(buf));
  }
  md.set("ProfileFileSignature"_f, signature(p, 36));
  md.set("PrimaryPlatform"_f, signature(p, 40));
  md.set("CMMFlags"_f, int64_t{p.u32(44, Endian::Big).value_or(0)});
  md.set("DeviceManufacturer"_f, signature(p, 48));
  md.set("DeviceModel"_f, signature(p, 52));
  md.set("DeviceAttributes"_f, std::to_string(p.u32(56, Endian::Big).value_or(0)) + " " +
                                 std::to_string(p.u32(60, Endian::Big).value_or(0)));
  md.set("RenderingIntent"_f, int64_t{p.u32(64, Endian::Big).value_or(0)});
  md.set("ConnectionSpaceIlluminant"_f, xyz_text(p, 68, 3));
  md.set("ProfileCreator"_f, signature(p, 80));
  {
    std::string id;
    for (size_t i = 0; i < 16; ++i) id += (i ? " " : "") + std::to_string(p[84 + i]);
    md.set("ProfileID"_f, id);
  }

  // 7.3 tag table: a count, then (signature, offset, size) per tag; offsets from the start.
  uint32_t count = p.u32(kHeaderSize, Endian::Big).value_or(0);
  if (count > kMaxTags || !p.has(kHeaderSize + 4, uint64_t{count} * 12)) {
    md.warn("ICC: tag table of " + std::to_string(count) + " entries does not fit the profile");
    return;
  }
  for (uint32_t i = 0; i < count; ++i) {
    size_t at = kHeaderSize + 4 + 12 * size_t{i};
    std::string_view sig = p.chars(at, 4);
    uint32_t off = p.u32(at + 4, Endian::Big).value_or(0);
    uint32_t size = p.u32(at + 8, Endian::Big).value_or(0);
    auto tag = p.sub(off, size);
    if (!tag || tag->size() < 8) continue;
    ByteView t = *tag;
    std::string text;
    // 9.2: the tags below, ExifTool's names.
    struct TextTag {
      std::string_view sig;
      FieldId name;
    };
    static constexpr TextTag kText[] = {{"desc", "ProfileDescription"_f}, {"cprt", "ProfileCopyright"_f},
                                        {"dmnd", "DeviceMfgDesc"_f},      {"dmdd", "DeviceModelDesc"_f},
                                        {"vued", "ViewingCondDesc"_f},    {"dscm", "ProfileDescriptionML"_f}};
    struct XyzTag {
      std::string_view sig;
      FieldId name;
    };
    static constexpr XyzTag kXyz[] = {{"wtpt", "MediaWhitePoint"_f},   {"bkpt", "MediaBlackPoint"_f},
                                      {"rXYZ", "RedMatrixColumn"_f},   {"gXYZ", "GreenMatrixColumn"_f},
                                      {"bXYZ", "BlueMatrixColumn"_f},  {"lumi", "Luminance"_f}};
    bool done = false;
    for (const auto& tt : kText) {
      if (sig == tt.sig) {
        if (t.chars(0, 4) == "mluc") set_mluc(t, tt.name, md);
        else if (tag_text(t, text)) md.set(tt.name, json_typed(std::move(text)));
        done = true;
        break;
      }
    }
    if (done) continue;
    for (const auto& xt : kXyz) {
      // 10.31 XYZType: 'XYZ ', reserved, then XYZNumbers.
      if (sig == xt.sig && t.chars(0, 4) == "XYZ " && t.size() >= 20) {
        md.set(xt.name, xyz_text(t, 8, 3));
        break;
      }
    }
    // 10.23 signatureType: 'sig ', reserved, a signature.
    if (sig == "tech" && t.chars(0, 4) == "sig " && t.size() >= 12) md.set("Technology"_f, signature(t, 8));
    // 10.14 measurementType: observer, backing XYZ, geometry, flare (u16Fixed16), illuminant.
    if (sig == "meas" && t.chars(0, 4) == "meas" && t.size() >= 36) {
      md.set("MeasurementObserver"_f, int64_t{t.u32(8, Endian::Big).value_or(0)});
      md.set("MeasurementBacking"_f, xyz_text(t, 12, 3));
      md.set("MeasurementGeometry"_f, int64_t{t.u32(24, Endian::Big).value_or(0)});
      md.set("MeasurementFlare"_f, std::round(t.u32(28, Endian::Big).value_or(0) / 65536.0 * 1e5) / 1e5);
      md.set("MeasurementIlluminant"_f, int64_t{t.u32(32, Endian::Big).value_or(0)});
    }
    // 10.30 viewingConditionsType: illuminant XYZ, surround XYZ, illuminant type.
    if (sig == "view" && t.chars(0, 4) == "view" && t.size() >= 36) {
      md.set("ViewingCondIlluminant"_f, xyz_text(t, 8, 3));
      md.set("ViewingCondSurround"_f, xyz_text(t, 20, 3));
      md.set("ViewingCondIlluminantType"_f, int64_t{t.u32(32, Endian::Big).value_or(0)});
    }
    // 9.2.13 chromaticAdaptationTag: an s15Fixed16ArrayType (10.22) of nine numbers.
    if (sig == "chad" && t.chars(0, 4) == "sf32" && t.size() >= 8 + 36) md.set("ChromaticAdaptation"_f, xyz_text(t, 8, 9));
    // Curves and lookup tables: ExifTool reports them by size only.
    struct BinaryTag {
      std::string_view sig;
      FieldId name;
    };
    static constexpr BinaryTag kBinary[] = {{"rTRC", "RedTRC"_f}, {"gTRC", "GreenTRC"_f}, {"bTRC", "BlueTRC"_f},
                                            {"kTRC", "GrayTRC"_f}, {"A2B0", "AToB0"_f},   {"A2B1", "AToB1"_f},
                                            {"A2B2", "AToB2"_f},   {"B2A0", "BToA0"_f},   {"B2A1", "BToA1"_f},
                                            {"B2A2", "BToA2"_f},   {"gamt", "Gamut"_f},
                                            // Apple's display profiles
                                            {"vcgt", "VideoCardGamma"_f}, {"ndin", "NativeDisplayInfo"_f},
                                            {"mmod", "MakeAndModel"_f}};
    for (const auto& bt : kBinary)
      if (sig == bt.sig) md.set(bt.name, "(Binary data " + std::to_string(size) + " bytes, use -b option to extract)");
  }
}

}  // namespace imgmeta::meta
