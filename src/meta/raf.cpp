// FujiFilm RAF, as ExifTool's FujiFilm.pm (ProcessRAF, ProcessFujiDir) reads it. Fujifilm
// publishes no specification; the layout below is ExifTool's and dcraw's:
//
//   0x00  "FUJIFILMCCD-RAW " magic, format and camera ids
//   0x3c  4-character version ("0106")
//   0x54  embedded JPEG: offset, length (big-endian u32); its EXIF holds the camera fields
//   0x5c  first RAF directory offset     0x64  FujiIFD (TIFF, some models; not read)
//   0x78  second RAF directory offset    0x80  second FujiIFD (not read)
//
// A RAF directory is a big-endian entry count, then entries of (tag u16, length u16, bytes).
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "meta/formats.hpp"
#include "meta/general_format.hpp"
#include "meta/text_value.hpp"

namespace imgmeta::meta {
namespace {

constexpr uint64_t kHeaderSize = 0x5c;
constexpr size_t kJpegOffsetAt = 0x54, kVersionAt = 0x3c;
constexpr uint64_t kDirectoryOffsets[] = {0x5c, 0x78};  // RAF directories; 0x64/0x80 are FujiIFDs
constexpr uint32_t kMaxEntries = 255;                    // ExifTool rejects 256 or more

// The embedded JPEG as a source of its own, read through the file's Reader (so the byte
// budget and the read counts stay the file's).
class WindowSource final : public Source {
 public:
  WindowSource(Reader& file, uint64_t offset, uint64_t size) : file_(file), offset_(offset), size_(size) {}
  uint64_t size() const override { return size_; }
  Result<size_t> read_at(uint64_t offset, std::span<uint8_t> out) override {
    if (offset >= size_) return size_t{0};
    size_t want = static_cast<size_t>(std::min<uint64_t>(out.size(), size_ - offset));
    ByteView v = TRY(file_.view_upto(offset_ + offset, want));
    std::memcpy(out.data(), v.data(), v.size());
    return v.size();
  }

 private:
  Reader& file_;
  uint64_t offset_, size_;
};

std::string binary_placeholder(uint64_t size) {
  return "(Binary data " + std::to_string(size) + " bytes, use -b option to extract)";
}

// int16u values of an entry, big-endian, at most `count` of them.
std::vector<uint16_t> u16s(ByteView v, size_t count) {
  std::vector<uint16_t> out;
  for (size_t i = 0; i < count && v.has(2 * i, 2); ++i) out.push_back(v.u16(2 * i, Endian::Big).value_or(0));
  return out;
}

std::string joined(const std::vector<uint16_t>& v, bool reversed) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) s += ' ';
    s += std::to_string(reversed ? v[v.size() - 1 - i] : v[i]);
  }
  return s;
}

// rational32s as ExifTool's ReadValue gives it (a zero denominator is "inf"/"undef").
std::optional<double> srational(ByteView v) {
  if (!v.has(0, 8)) return std::nullopt;
  auto num = static_cast<int32_t>(v.u32(0, Endian::Big).value_or(0));
  auto den = static_cast<int32_t>(v.u32(4, Endian::Big).value_or(0));
  if (den == 0) return std::nullopt;
  return static_cast<double>(num) / den;
}

struct RafState {
  bool fuji_layout = false;  // FujiLayout's first byte has 0x80: RawImageSize is stored halved
};

// One entry of FujiFilm.pm's %RAF table. The table has PRIORITY 0: the first directory's
// value stays, so every field is set only when absent.
void raf_entry(uint16_t tag, ByteView v, RafState& st, Metadata& md, const std::string* model) {
  struct WbTag {
    uint16_t tag;
    FieldId name;
  };
  static constexpr WbTag kWhiteBalance[] = {
      {0x2000, "WB_GRGBLevelsAuto"_f},          {0x2100, "WB_GRGBLevelsDaylight"_f},
      {0x2200, "WB_GRGBLevelsCloudy"_f},        {0x2300, "WB_GRGBLevelsDaylightFluor"_f},
      {0x2301, "WB_GRGBLevelsDayWhiteFluor"_f}, {0x2302, "WB_GRGBLevelsWhiteFluorescent"_f},
      {0x2310, "WB_GRGBLevelsWarmWhiteFluor"_f}, {0x2311, "WB_GRGBLevelsLivingRoomWarmWhiteFluor"_f},
      {0x2400, "WB_GRGBLevelsTungsten"_f},      {0x2ff0, "WB_GRGBLevels"_f}};
  for (const auto& wb : kWhiteBalance) {
    if (tag != wb.tag) continue;
    auto values = u16s(v, 4);
    if (!values.empty()) md.set_default(wb.name, joined(values, false));
    return;
  }
  switch (tag) {
    case 0x100:  // RawImageFullSize, height then width: shown width first
    case 0x111:  // RawImageCroppedSize
    case 0x115: {  // RawImageAspectRatio
      auto values = u16s(v, 2);
      if (values.empty()) return;
      FieldId name = tag == 0x100 ? "RawImageFullSize"_f : tag == 0x111 ? "RawImageCroppedSize"_f : "RawImageAspectRatio"_f;
      md.set_default(name, json_typed(joined(values, true)));
      return;
    }
    case 0x110: {  // RawImageCropTopLeft: top margin, then left
      auto values = u16s(v, 2);
      if (!values.empty()) md.set_default("RawImageCropTopLeft"_f, json_typed(joined(values, false)));
      return;
    }
    case 0x121: {  // RawImageSize
      auto values = u16s(v, 2);
      if (values.size() != 2) {
        if (!values.empty()) md.set_default("RawImageSize"_f, json_typed(joined(values, true)));
        return;
      }
      double a = values[0], b = values[1];
      double w, h;
      if (model && *model == "FinePixS2Pro") {
        w = a * 2;
        h = b / 2;
      } else {
        w = b;
        h = a;
        if (st.fuji_layout) {
          w /= 2;
          h *= 2;
        }
      }
      std::string size;
      append_general(size, w, 15);
      size += ' ';
      append_general(size, h, 15);
      md.set_default("RawImageSize"_f, std::move(size));
      return;
    }
    case 0x130: {  // FujiLayout: bytes
      std::string s;
      for (size_t i = 0; i < v.size() && i < 64; ++i) s += (i ? " " : "") + std::to_string(v[i]);
      if (!v.empty()) st.fuji_layout = (v[0] & 0x80) != 0;
      if (!s.empty()) md.set_default("FujiLayout"_f, json_typed(s));
      return;
    }
    case 0x131: {  // XTransLayout: 36 bytes
      if (v.size() < 36) return;
      std::string s;
      for (size_t i = 0; i < 36; ++i) s += (i ? " " : "") + std::to_string(v[i]);
      md.set_default("XTransLayout"_f, s);
      return;
    }
    case 0x9200: {  // RelativeExposure: log2 of a signed rational
      auto r = srational(v);
      if (r && *r > 0) md.set_default("RelativeExposure"_f, std::log(*r) / std::log(2.0));
      return;
    }
    case 0x9650: {  // RawExposureBias
      auto r = srational(v);
      if (r) md.set_default("RawExposureBias"_f, *r);
      return;
    }
    default: return;  // unknown, or RAFData (0xc000, maker-note-like camera data)
  }
}

void parse_raf_directory(Context& ctx, uint64_t start, RafState& st) {
  Reader& r = ctx.reader;
  Metadata& md = ctx.md;
  auto count = r.u32(start, Endian::Big);
  if (!count) return md.warn("RAF: directory at " + std::to_string(start) + ": " + count.error().message);
  if (*count > kMaxEntries)
    return md.warn("RAF: directory at " + std::to_string(start) + ": " + std::to_string(*count) + " entries");
  const std::string* model_ptr = md.get_string("Model"_f);
  std::string model = model_ptr ? *model_ptr : "";
  uint64_t pos = start + 4;
  for (uint32_t i = 0; i < *count; ++i) {
    auto head = r.view(pos, 4);
    if (!head) return md.warn("RAF: directory at " + std::to_string(start) + ": entry " + std::to_string(i) + " cut off");
    uint16_t tag = head->u16(0, Endian::Big).value_or(0);
    uint16_t len = head->u16(2, Endian::Big).value_or(0);
    pos += 4;
    auto value = r.view(pos, len);
    if (!value)
      return md.warn("RAF: directory at " + std::to_string(start) + ": entry 0x" + std::to_string(tag) + " cut off");
    pos += len;
    raf_entry(tag, *value, st, md, model.empty() ? nullptr : &model);
  }
}

}  // namespace

Status parse_raf(Context& ctx) {
  Reader& r = ctx.reader;
  Metadata& md = ctx.md;
  ByteView head = TRY(r.view(0, kHeaderSize));
  if (head.chars(0, 8) != "FUJIFILM") return make_error("RAF: no FUJIFILM signature");
  const uint32_t jpeg_offset = TRY(head.u32(kJpegOffsetAt, Endian::Big));
  const uint32_t jpeg_length = TRY(head.u32(kJpegOffsetAt + 4, Endian::Big));
  const std::string version(head.chars(kVersionAt, 4));
  // ExifTool reads a directory pointer only when it lies before the JPEG.
  uint64_t dir_starts[2] = {0, 0};
  for (size_t i = 0; i < 2; ++i) {
    if (kDirectoryOffsets[i] >= jpeg_offset) break;
    auto start = r.u32(kDirectoryOffsets[i], Endian::Big);
    if (!start) {
      md.warn("RAF: directory pointer at " + std::to_string(kDirectoryOffsets[i]) + ": " + start.error().message);
      break;
    }
    dir_starts[i] = *start;
  }
  // ExifTool gives up on a RAF whose JPEG offset has bit 15 set or whose JPEG is cut off.
  if ((jpeg_offset & 0x8000) != 0 || !r.has(jpeg_offset, jpeg_length))
    return make_error("RAF: embedded JPEG (" + std::to_string(jpeg_length) + " bytes at " +
                      std::to_string(jpeg_offset) + ") lies outside the file");

  // The embedded JPEG carries the EXIF; its offsets (ThumbnailOffset) count from the file.
  {
    WindowSource window(r, jpeg_offset, jpeg_length);
    Reader jpeg_reader(window, ctx.limits().max_bytes_read);
    Context jpeg_ctx{jpeg_reader, md, ctx.options, ctx.facts};
    Status s = parse_jpeg(jpeg_ctx);
    ctx.facts = jpeg_ctx.facts;
    if (!s) md.warn("RAF: embedded JPEG: " + s.error().message);
    double thumbnail = 0;
    if (md.get_number("ThumbnailOffset"_f, thumbnail))
      md.set("ThumbnailOffset"_f, static_cast<int64_t>(thumbnail) + int64_t{jpeg_offset});
    if (s) md.set("PreviewImage"_f, binary_placeholder(jpeg_length));
  }
  md.set("FileType"_f, std::string("RAF"));
  md.set("FileTypeExtension"_f, std::string("RAF"));
  md.set("MIMEType"_f, std::string("image/x-fujifilm-raf"));
  md.set("RAFVersion"_f, std::string(version));

  RafState st;
  for (uint64_t start : dir_starts)
    if (start != 0) parse_raf_directory(ctx, start, st);
  return ok_status();
}

}  // namespace imgmeta::meta
