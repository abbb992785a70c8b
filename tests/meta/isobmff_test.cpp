// HEIF / HEIC / AVIF container parsing (ISO/IEC 14496-12, ISO/IEC 23008-12), on files built
// box by box in each test.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "box_builder.hpp"

namespace imgmeta::meta::test {
namespace {

// ---- expectations --------------------------------------------------------------------------

int64_t integer(const Metadata& md, std::string_view name) {
  const Value* v = md.get(name);
  if (!v || !std::holds_alternative<int64_t>(*v)) return -1;
  return std::get<int64_t>(*v);
}

std::string text(const Metadata& md, std::string_view name) {
  const std::string* s = md.get_string(name);
  return s ? *s : "<absent>";
}

bool warned(const Metadata& md, std::string_view part) {
  for (const auto& w : md.warnings)
    if (w.find(part) != std::string::npos) return true;
  return false;
}

// ---- HEIF boxes ----------------------------------------------------------------------------

Bytes ftyp(std::string_view major, std::initializer_list<std::string_view> compatible = {"mif1"}) {
  Bytes p;
  p.chars(major).u32(0);
  for (auto b : compatible) p.chars(b);
  return box("ftyp", p);
}

Bytes hdlr(std::string_view handler = "pict", std::string_view name = "") {
  return full_box("hdlr", 0, 0, Bytes().u32(0).chars(handler).u32(0).u32(0).u32(0).cstring(name));
}

Bytes pitm(uint32_t id) { return full_box("pitm", 0, 0, Bytes().u16(id)); }

// infe version 2 (16-bit ids); content_type only for 'mime' items.
Bytes infe(uint32_t id, std::string_view type, std::string_view content_type = "") {
  Bytes p;
  p.u16(id).u16(0).chars(type).cstring("");
  if (type == "mime") p.cstring(content_type);
  return full_box("infe", 2, 0, p);
}

Bytes iinf(std::initializer_list<Bytes> entries) {
  Bytes p;
  p.u16(entries.size());
  for (const auto& e : entries) p.bytes(e);
  return full_box("iinf", 0, 0, p);
}

struct Location {
  uint32_t id;
  uint8_t construction_method;
  uint64_t offset;
  uint64_t length;
};

// iloc version 1: 4-byte offsets and lengths, no base offset, one extent per item.
Bytes iloc(std::initializer_list<Location> items) {
  Bytes p;
  p.u8(0x44).u8(0x00).u16(items.size());
  for (const auto& it : items) p.u16(it.id).u16(it.construction_method).u16(0).u16(1).u32(it.offset).u32(it.length);
  return full_box("iloc", 1, 0, p);
}

Bytes ispe(uint32_t w, uint32_t h) { return full_box("ispe", 0, 0, Bytes().u32(w).u32(h)); }
Bytes irot(uint8_t angle) { return box("irot", Bytes().u8(angle)); }
Bytes imir(uint8_t axis) { return box("imir", Bytes().u8(axis)); }
Bytes pixi(std::initializer_list<uint8_t> bits) {
  Bytes p;
  p.u8(bits.size());
  for (auto b : bits) p.u8(b);
  return full_box("pixi", 0, 0, p);
}
Bytes clap(uint32_t w, uint32_t h) {
  return box("clap", Bytes().u32(w).u32(1).u32(h).u32(1).u32(0).u32(1).u32(0).u32(1));
}
Bytes nclx(uint16_t primaries, uint16_t transfer, uint16_t matrix, bool full_range) {
  return box("colr", Bytes().chars("nclx").u16(primaries).u16(transfer).u16(matrix).u8(full_range ? 0x80 : 0));
}
Bytes auxc(std::string_view urn) { return full_box("auxC", 0, 0, Bytes().cstring(urn)); }
// HEVCDecoderConfigurationRecord up to the bit depths (14496-15 8.3.3.1), Main profile 4:2:0.
Bytes hvcc(uint8_t luma_bits) {
  return box("hvcC", Bytes().u8(1).u8(0x01).u32(0x60000000).fill(6, 0).u8(90).u16(0xF000).u8(0xFC).u8(0xFD)
                         .u8(static_cast<uint8_t>(0xF8 | (luma_bits - 8))).u8(static_cast<uint8_t>(0xF8 | (luma_bits - 8)))
                         .u16(0).u8(0x0F).u8(0));
}
// AV1CodecConfigurationRecord (AV1-ISOBMFF 2.3.3): byte 2 holds depth and chroma flags.
Bytes av1c(uint8_t flags) { return box("av1C", Bytes().u8(0x81).u8(0x00).u8(flags).u8(0)); }

Bytes ipco(std::initializer_list<Bytes> properties) { return box("ipco", concat(properties)); }

struct ItemProperties {
  uint32_t item;
  std::vector<uint16_t> indices;  // 1-based; the top bit (0x80 / 0x8000) marks essential
};

// ipma version 0; flags & 1 selects 15-bit indices.
Bytes ipma(std::initializer_list<ItemProperties> entries, uint32_t flags = 0) {
  Bytes p;
  p.u32(entries.size());
  for (const auto& e : entries) {
    p.u16(e.item).u8(e.indices.size());
    for (auto i : e.indices) (flags & 1) ? p.u16(i) : p.u8(i);
  }
  return full_box("ipma", 0, flags, p);
}

Bytes iprp(const Bytes& container, const Bytes& associations) { return box("iprp", concat({container, associations})); }

struct Reference {
  std::string_view type;
  uint32_t from;
  std::vector<uint32_t> to;
};

Bytes iref(std::initializer_list<Reference> refs) {
  Bytes p;
  for (const auto& r : refs) {
    Bytes body;
    body.u16(r.from).u16(r.to.size());
    for (auto t : r.to) body.u16(t);
    p.bytes(box(r.type, body));
  }
  return full_box("iref", 0, 0, p);
}

Bytes meta(std::initializer_list<Bytes> children) { return full_box("meta", 0, 0, concat(children)); }

// A one-item still image: item 1 of the given type with these properties, all associated.
Bytes still_image(std::string_view major, std::string_view item_type, std::initializer_list<Bytes> properties) {
  std::vector<uint16_t> indices;
  for (size_t i = 1; i <= properties.size(); ++i) indices.push_back(static_cast<uint16_t>(i));
  return concat({ftyp(major), meta({hdlr(), pitm(1), iinf({infe(1, item_type)}),
                                    iprp(ipco(properties), ipma({{1, indices}}))}),
                 box("mdat", Bytes().fill(16, 0xAB))});
}

// A big-endian TIFF block whose IFD0 holds Make = "Cam".
Bytes tiff_with_make() {
  return Bytes().chars("MM").u16(42).u32(8).u16(1).u16(0x010F).u16(2).u32(4).chars("Cam").u8(0).u32(0);
}

// An image with an Exif item in mdat (construction method 0): the iloc offset is the
// absolute file offset of the item, found by building the file twice.
Bytes image_with_exif_item(const Bytes& exif_payload, std::initializer_list<Reference> refs = {{"cdsc", 2, {1}}}) {
  auto build = [&](uint64_t offset) {
    return concat({ftyp("heic", {"mif1", "heic"}),
                   meta({hdlr(), pitm(1), iinf({infe(1, "hvc1"), infe(2, "Exif")}),
                         iloc({{2, 0, offset, exif_payload.size()}}), iref(refs),
                         iprp(ipco({ispe(640, 480)}), ipma({{1, {1}}}))}),
                   box("mdat", exif_payload)});
  };
  Bytes first = build(0);
  return build(first.size() - exif_payload.size());
}

// ---- file type -----------------------------------------------------------------------------

TEST(Isobmff, HeicMajorBrandIsHeic) {
  auto md = extract_bytes(still_image("heic", "hvc1", {ispe(64, 64)}));
  ASSERT_TRUE(md) << md.error().message;
  EXPECT_EQ(text(*md, "FileType"), "HEIC");
  EXPECT_EQ(text(*md, "FileTypeExtension"), "HEIC");
  EXPECT_EQ(text(*md, "MIMEType"), "image/heic");
}

TEST(Isobmff, Mif1MajorBrandIsHeif) {
  auto md = extract_bytes(still_image("mif1", "hvc1", {ispe(64, 64)}));
  ASSERT_TRUE(md);
  EXPECT_EQ(text(*md, "FileType"), "HEIF");
  EXPECT_EQ(text(*md, "MIMEType"), "image/heif");
}

TEST(Isobmff, AvifMajorBrandIsAvif) {
  auto md = extract_bytes(still_image("avif", "av01", {ispe(64, 64)}));
  ASSERT_TRUE(md);
  EXPECT_EQ(text(*md, "FileType"), "AVIF");
  EXPECT_EQ(text(*md, "MIMEType"), "image/avif");
}

TEST(Isobmff, UnknownMajorBrandWithMp42IsMp4) {
  auto md = extract_bytes(concat({ftyp("abcd", {"isom", "mp42"}), box("free")}));
  ASSERT_TRUE(md);
  EXPECT_EQ(text(*md, "FileType"), "MP4");
  EXPECT_EQ(text(*md, "MIMEType"), "video/mp4");
}

TEST(Isobmff, QuickTimeBrandAfterTheFirstCompatibleOneIsMov) {
  auto md = extract_bytes(concat({ftyp("abcd", {"isom", "qt  "}), box("free")}));
  ASSERT_TRUE(md);
  EXPECT_EQ(text(*md, "FileType"), "MOV");
  EXPECT_EQ(text(*md, "MIMEType"), "video/quicktime");
}

TEST(Isobmff, FirstCompatibleBrandDoesNotDecideTheFileType) {
  // ExifTool's pattern skips the first compatible brand: an unknown major brand is MP4.
  auto md = extract_bytes(concat({ftyp("abcd", {"qt  "}), box("free")}));
  ASSERT_TRUE(md);
  EXPECT_EQ(text(*md, "FileType"), "MP4");
}

TEST(Isobmff, FtypFieldsAsExifToolPrintsThem) {
  Bytes file = concat({box("ftyp", Bytes().chars("heic").u32(0x00010203).chars("mif1").u32(0).chars("heic")),
                       box("free")});
  auto md = extract_bytes(file);
  ASSERT_TRUE(md);
  EXPECT_EQ(text(*md, "MajorBrand"), "heic");
  EXPECT_EQ(text(*md, "MinorVersion"), "1.2.3");
  // A brand holding a NUL byte is dropped, as ExifTool does.
  EXPECT_EQ(std::get<std::vector<std::string>>(*md->get("CompatibleBrands"_f)), (std::vector<std::string>{"mif1", "heic"}));
}

TEST(Isobmff, FtypShorterThanBrandsIsAnError) {
  auto md = extract_bytes(box("ftyp", Bytes().chars("heic")));
  ASSERT_FALSE(md);
  EXPECT_NE(md.error().message.find("fewer than 8"), std::string::npos);
}

// ---- the primary image ---------------------------------------------------------------------

TEST(Isobmff, PrimaryItemIspeIsImageSize) {
  auto md = extract_bytes(still_image("heic", "hvc1", {ispe(4032, 3024)}));
  ASSERT_TRUE(md);
  EXPECT_EQ(integer(*md, "ImageWidth"), 4032);
  EXPECT_EQ(integer(*md, "ImageHeight"), 3024);
  EXPECT_EQ(text(*md, "ImageSpatialExtent"), "4032 3024");
  EXPECT_EQ(integer(*md, "PrimaryItemReference"), 1);
  EXPECT_EQ(text(*md, "HandlerType"), "pict");
}

TEST(Isobmff, ImageSizeComesFromThePrimaryNotTheThumbnail) {
  Bytes file = concat({ftyp("heic"),
                       meta({hdlr(), pitm(2), iinf({infe(1, "hvc1"), infe(2, "hvc1")}), iref({{"thmb", 1, {2}}}),
                             iprp(ipco({ispe(320, 240), ispe(4000, 3000)}), ipma({{1, {1}}, {2, {2}}}))})});
  auto md = extract_bytes(file);
  ASSERT_TRUE(md);
  EXPECT_EQ(integer(*md, "ImageWidth"), 4000);
  EXPECT_EQ(integer(*md, "ImageHeight"), 3000);
}

TEST(Isobmff, QuarterTurnSwapsTheDisplayedSize) {
  auto md = extract_bytes(still_image("heic", "hvc1", {ispe(4032, 3024), irot(3)}));
  ASSERT_TRUE(md);
  EXPECT_EQ(integer(*md, "Rotation"), 270);  // ExifTool: angle * 90, anti-clockwise
  EXPECT_EQ(integer(*md, "ImageWidth"), 4032);
  EXPECT_EQ(integer(*md, "DisplayWidth"), 3024);
  EXPECT_EQ(integer(*md, "DisplayHeight"), 4032);
}

TEST(Isobmff, HalfTurnAndMirrorKeepTheDisplayedSize) {
  auto md = extract_bytes(still_image("heic", "hvc1", {ispe(400, 300), irot(2), imir(1)}));
  ASSERT_TRUE(md);
  EXPECT_EQ(integer(*md, "Rotation"), 180);
  EXPECT_EQ(integer(*md, "DisplayWidth"), 400);
  EXPECT_EQ(integer(*md, "DisplayHeight"), 300);
}

TEST(Isobmff, CleanApertureThenRotationGiveTheDisplayedSize) {
  // MIAF 7.3.6.7: clap first, then irot, in ipma order.
  auto md = extract_bytes(still_image("avif", "av01", {ispe(722, 1024), clap(385, 330), irot(1)}));
  ASSERT_TRUE(md);
  EXPECT_EQ(text(*md, "CleanAperture"), "385 330 0 0");
  EXPECT_EQ(integer(*md, "DisplayWidth"), 330);
  EXPECT_EQ(integer(*md, "DisplayHeight"), 385);
}

TEST(Isobmff, CleanApertureLargerThanTheImageIsIgnored) {
  auto md = extract_bytes(still_image("avif", "av01", {ispe(100, 100), clap(200, 50)}));
  ASSERT_TRUE(md);
  EXPECT_EQ(integer(*md, "DisplayWidth"), 100);
  EXPECT_EQ(integer(*md, "DisplayHeight"), 100);
  EXPECT_TRUE(warned(*md, "'clap'"));
}

TEST(Isobmff, PixiGivesPixelDepthAndBitDepth) {
  auto md = extract_bytes(still_image("avif", "av01", {ispe(8, 8), pixi({10, 10, 10})}));
  ASSERT_TRUE(md);
  EXPECT_EQ(text(*md, "ImagePixelDepth"), "10 10 10");
  EXPECT_EQ(integer(*md, "BitDepth"), 10);
}

TEST(Isobmff, SingleChannelPixiIsANumber) {
  auto md = extract_bytes(still_image("avif", "av01", {ispe(8, 8), pixi({8})}));
  ASSERT_TRUE(md);
  EXPECT_EQ(integer(*md, "ImagePixelDepth"), 8);
}

TEST(Isobmff, HevcConfigurationGivesChromaAndBitDepth) {
  auto md = extract_bytes(still_image("heic", "hvc1", {ispe(8, 8), hvcc(10)}));
  ASSERT_TRUE(md);
  EXPECT_EQ(integer(*md, "HEVCConfigurationVersion"), 1);
  EXPECT_EQ(integer(*md, "GeneralProfileIDC"), 1);
  EXPECT_EQ(integer(*md, "GeneralLevelIDC"), 90);
  EXPECT_EQ(integer(*md, "ChromaFormat"), 1);  // 4:2:0
  EXPECT_EQ(integer(*md, "BitDepthLuma"), 10);
  EXPECT_EQ(integer(*md, "BitDepth"), 10);
}

TEST(Isobmff, Av1ConfigurationTwelveBitMonochrome) {
  // high_bitdepth | twelve_bit | monochrome | subsampling x and y.
  auto md = extract_bytes(still_image("avif", "av01", {ispe(8, 8), av1c(0x40 | 0x20 | 0x10 | 0x08 | 0x04)}));
  ASSERT_TRUE(md);
  EXPECT_EQ(integer(*md, "AV1ConfigurationVersion"), 1);
  EXPECT_EQ(integer(*md, "ChromaFormat"), 7);  // ExifTool: monochrome + both subsamplings
  EXPECT_EQ(integer(*md, "BitDepth"), 12);
}

TEST(Isobmff, GridTakesBitDepthFromItsFirstTile) {
  Bytes file = concat({ftyp("heic"),
                       meta({hdlr(), pitm(10), iinf({infe(10, "grid"), infe(1, "hvc1"), infe(2, "hvc1")}),
                             iref({{"dimg", 10, {1, 2}}}),
                             iprp(ipco({ispe(1024, 512), ispe(512, 512), hvcc(10)}),
                                  ipma({{10, {1}}, {1, {2, 3}}, {2, {2, 3}}}))})});
  auto md = extract_bytes(file);
  ASSERT_TRUE(md);
  EXPECT_EQ(integer(*md, "ImageWidth"), 1024);
  EXPECT_EQ(integer(*md, "BitDepth"), 10);
}

TEST(Isobmff, NclxColourGivesCicpFields) {
  auto md = extract_bytes(still_image("avif", "av01", {ispe(8, 8), nclx(9, 16, 9, true)}));
  ASSERT_TRUE(md);
  EXPECT_EQ(text(*md, "ColorProfiles"), "nclx");
  EXPECT_EQ(integer(*md, "ColorPrimaries"), 9);
  EXPECT_EQ(integer(*md, "TransferCharacteristics"), 16);
  EXPECT_EQ(integer(*md, "MatrixCoefficients"), 9);
  EXPECT_EQ(integer(*md, "VideoFullRangeFlag"), 1);
}

TEST(Isobmff, AlphaAuxiliaryImageGivesHasAlpha) {
  Bytes file = concat({ftyp("avif"),
                       meta({hdlr(), pitm(1), iinf({infe(1, "av01"), infe(2, "av01")}), iref({{"auxl", 2, {1}}}),
                             iprp(ipco({ispe(64, 64), auxc("urn:mpeg:mpegB:cicp:systems:auxiliary:alpha")}),
                                  ipma({{1, {1}}, {2, {1, 0x82}}}))})});
  auto md = extract_bytes(file);
  ASSERT_TRUE(md);
  EXPECT_EQ(std::get<bool>(*md->get("HasAlpha"_f)), true);
  EXPECT_EQ(text(*md, "AuxiliaryImageType"), "urn:mpeg:mpegB:cicp:systems:auxiliary:alpha");
}

TEST(Isobmff, DepthAuxiliaryImageIsNotAlpha) {
  Bytes file = concat({ftyp("avif"),
                       meta({hdlr(), pitm(1), iinf({infe(1, "av01"), infe(2, "av01")}), iref({{"auxl", 2, {1}}}),
                             iprp(ipco({ispe(64, 64), auxc("urn:mpeg:mpegB:cicp:systems:auxiliary:depth")}),
                                  ipma({{1, {1}}, {2, {1, 2}}}))})});
  auto md = extract_bytes(file);
  ASSERT_TRUE(md);
  EXPECT_EQ(std::get<bool>(*md->get("HasAlpha"_f)), false);
}

TEST(Isobmff, FifteenBitPropertyIndices) {
  // 200 properties: the primary's ispe is the 200th, only reachable with flags & 1.
  Bytes properties;
  for (int i = 0; i < 199; ++i) properties.bytes(box("free"));
  properties.bytes(ispe(1234, 567));
  Bytes file = concat({ftyp("heic"), meta({hdlr(), pitm(1), iinf({infe(1, "hvc1")}),
                                           iprp(box("ipco", properties), ipma({{1, {0x8000 | 200}}}, 1))})});
  auto md = extract_bytes(file);
  ASSERT_TRUE(md);
  EXPECT_EQ(integer(*md, "ImageWidth"), 1234);
  EXPECT_EQ(integer(*md, "ImageHeight"), 567);
}

TEST(Isobmff, AssociationsFromSeveralIpmaBoxes) {
  Bytes file = concat({ftyp("avif"), meta({hdlr(), pitm(1), iinf({infe(1, "av01"), infe(2, "av01")}),
                                           iprp(ipco({ispe(64, 32), ispe(8, 8)}),
                                                concat({ipma({{2, {2}}}), ipma({{1, {1}}})}))})});
  auto md = extract_bytes(file);
  ASSERT_TRUE(md);
  EXPECT_EQ(integer(*md, "ImageWidth"), 64);
}

TEST(Isobmff, ThirtyTwoBitItemIds) {
  // infe version 3, pitm version 1, iloc version 2 and ipma version 1 carry 32-bit ids.
  const uint32_t id = 0x12345;
  Bytes file = concat({
      ftyp("heic"),
      meta({hdlr(), full_box("pitm", 1, 0, Bytes().u32(id)),
            full_box("iinf", 1, 0, Bytes().u32(1).bytes(full_box("infe", 3, 0, Bytes().u32(id).u16(0).chars("hvc1").cstring("")))),
            full_box("iloc", 2, 0, Bytes().u8(0x44).u8(0).u32(1).u32(id).u16(0).u16(0).u16(1).u32(0).u32(0)),
            iprp(ipco({ispe(99, 77)}), full_box("ipma", 1, 0, Bytes().u32(1).u32(id).u8(1).u8(1)))}),
  });
  auto md = extract_bytes(file);
  ASSERT_TRUE(md);
  EXPECT_EQ(integer(*md, "PrimaryItemReference"), id);
  EXPECT_EQ(integer(*md, "ImageWidth"), 99);
  EXPECT_FALSE(warned(*md, "not in 'iinf'"));
}

TEST(Isobmff, QuickTimeStyleMetaWithoutVersionAndFlags) {
  Bytes file = concat({ftyp("heic"), box("meta", concat({hdlr(), pitm(1), iinf({infe(1, "hvc1")}),
                                                         iprp(ipco({ispe(10, 20)}), ipma({{1, {1}}}))}))});
  auto md = extract_bytes(file);
  ASSERT_TRUE(md);
  EXPECT_EQ(integer(*md, "ImageWidth"), 10);
}

TEST(Isobmff, HandlerDescriptionFromHdlrName) {
  Bytes file = concat({ftyp("avif"), meta({hdlr("pict", "libavif"), pitm(1)})});
  auto md = extract_bytes(file);
  ASSERT_TRUE(md);
  EXPECT_EQ(text(*md, "HandlerDescription"), "libavif");
}

// ---- metadata items ------------------------------------------------------------------------

TEST(Isobmff, ExifItemGoesToTheExifParser) {
  Bytes payload = Bytes().u32(0).bytes(tiff_with_make());  // 23008-12 A.2.1: offset 0
  auto md = extract_bytes(image_with_exif_item(payload));
  ASSERT_TRUE(md) << md.error().message;
  EXPECT_EQ(text(*md, "Make"), "Cam");
}

TEST(Isobmff, ExifItemWithExifHeaderBeforeTheTiffBlock) {
  Bytes payload = Bytes().u32(6).chars("Exif").u16(0).bytes(tiff_with_make());
  auto md = extract_bytes(image_with_exif_item(payload));
  ASSERT_TRUE(md);
  EXPECT_EQ(text(*md, "Make"), "Cam");
}

TEST(Isobmff, ExifItemInIdat) {
  // construction_method 1: the offset counts from the start of idat's payload.
  Bytes payload = Bytes().u32(0).bytes(tiff_with_make());
  Bytes file = concat({ftyp("heic"),
                       meta({hdlr(), pitm(1), iinf({infe(1, "hvc1"), infe(2, "Exif")}),
                             iloc({{2, 1, 3, payload.size()}}), iref({{"cdsc", 2, {1}}}),
                             box("idat", Bytes().fill(3, 0xEE).bytes(payload))})});
  auto md = extract_bytes(file);
  ASSERT_TRUE(md);
  EXPECT_EQ(text(*md, "Make"), "Cam");
}

TEST(Isobmff, ExifItemDescribingAnotherImageIsSkipped) {
  Bytes payload = Bytes().u32(0).bytes(tiff_with_make());
  auto md = extract_bytes(image_with_exif_item(payload, {{"cdsc", 2, {7}}}));
  ASSERT_TRUE(md);
  EXPECT_FALSE(md->has("Make"_f));
}

TEST(Isobmff, ExifTiffOffsetPastTheItemIsAWarning) {
  Bytes payload = Bytes().u32(1000).bytes(tiff_with_make());
  auto md = extract_bytes(image_with_exif_item(payload));
  ASSERT_TRUE(md);
  EXPECT_FALSE(md->has("Make"_f));
  EXPECT_TRUE(warned(*md, "TIFF header offset past"));
}

TEST(Isobmff, XmpMimeItemGoesToTheXmpParser) {
  std::string xmp =
      "<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>"
      "<rdf:Description xmlns:xmp='http://ns.adobe.com/xap/1.0/' xmp:CreatorTool='Tester'/></rdf:RDF></x:xmpmeta>";
  Bytes file = concat({ftyp("avif"),
                       meta({hdlr(), pitm(1), iinf({infe(1, "av01"), infe(2, "mime", "application/rdf+xml")}),
                             iloc({{2, 1, 0, xmp.size()}}), box("idat", Bytes().chars(xmp))})});
  auto md = extract_bytes(file);
  ASSERT_TRUE(md);
  EXPECT_EQ(text(*md, "CreatorTool"), "Tester");
}

TEST(Isobmff, InfeVersion0MimeItem) {
  std::string xmp =
      "<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>"
      "<rdf:Description xmlns:xmp='http://ns.adobe.com/xap/1.0/' xmp:CreatorTool='Old'/></rdf:RDF></x:xmpmeta>";
  Bytes v0 = full_box("infe", 0, 0, Bytes().u16(2).u16(0).cstring("xmp").cstring("application/rdf+xml").cstring(""));
  Bytes file = concat({ftyp("heic"), meta({hdlr(), pitm(1), iinf({infe(1, "hvc1"), v0}), iloc({{2, 1, 0, xmp.size()}}),
                                           box("idat", Bytes().chars(xmp))})});
  auto md = extract_bytes(file);
  ASSERT_TRUE(md);
  EXPECT_EQ(text(*md, "CreatorTool"), "Old");
}

TEST(Isobmff, ProtectedExifItemIsNotRead) {
  Bytes payload = Bytes().u32(0).bytes(tiff_with_make());
  Bytes protected_infe = full_box("infe", 2, 0, Bytes().u16(2).u16(1).chars("Exif").cstring(""));
  Bytes file = concat({ftyp("heic"), meta({hdlr(), pitm(1), iinf({infe(1, "hvc1"), protected_infe}),
                                           iloc({{2, 1, 0, payload.size()}}), box("idat", payload)})});
  auto md = extract_bytes(file);
  ASSERT_TRUE(md);
  EXPECT_FALSE(md->has("Make"_f));
  EXPECT_TRUE(warned(*md, "protected"));
}

// A source that is not in memory, so that every byte fetched is counted.
class FileLikeSource : public Source {
 public:
  explicit FileLikeSource(const Bytes& bytes) : bytes_(bytes.vec()) {}
  uint64_t size() const override { return bytes_.size(); }
  Result<size_t> read_at(uint64_t offset, std::span<uint8_t> out) override {
    size_t n = 0;
    for (; n < out.size() && offset + n < bytes_.size(); ++n) out[n] = bytes_[offset + n];
    return n;
  }
  size_t preferred_block_size() const override { return 4096; }

 private:
  std::vector<uint8_t> bytes_;
};

TEST(Isobmff, OnlyMetaAndTheMetadataExtentAreRead) {
  // 1 MiB of coded image data, then the Exif item, in one mdat.
  Bytes exif = Bytes().u32(0).bytes(tiff_with_make());
  Bytes mdat_payload = Bytes().fill(1 << 20, 0x5A).bytes(exif);
  auto build = [&](uint64_t exif_offset) {
    return concat({ftyp("heic"),
                   meta({hdlr(), pitm(1), iinf({infe(1, "hvc1"), infe(2, "Exif")}),
                         iloc({{1, 0, exif_offset - (1 << 20), 1 << 20}, {2, 0, exif_offset, exif.size()}}),
                         iref({{"cdsc", 2, {1}}}), iprp(ipco({ispe(64, 64)}), ipma({{1, {1}}}))}),
                   box("mdat", mdat_payload)});
  };
  Bytes file = build(0);
  file = build(file.size() - exif.size());
  FileLikeSource source(file);
  auto md = extract(source);
  ASSERT_TRUE(md);
  EXPECT_EQ(text(*md, "Make"), "Cam");
  EXPECT_LE(md->bytes_read, 3u * 4096);  // the first block, the Exif extent's block (or two)
}

// ---- box structure -------------------------------------------------------------------------

TEST(Isobmff, LargesizeBox) {
  Bytes file = concat({ftyp("heic"), Bytes().u32(1).chars("mdat").u64(16 + 5).fill(5, 0)});
  auto md = extract_bytes(file);
  ASSERT_TRUE(md);
  EXPECT_EQ(integer(*md, "MediaDataSize"), 5);
}

TEST(Isobmff, SizeZeroRunsToTheEndOfTheFile) {
  Bytes file = concat({ftyp("heic"), Bytes().u32(0).chars("mdat").fill(7, 0)});
  auto md = extract_bytes(file);
  ASSERT_TRUE(md);
  EXPECT_EQ(integer(*md, "MediaDataSize"), 7);
  EXPECT_FALSE(warned(*md, "mdat"));
}

TEST(Isobmff, UuidBoxHeaderHoldsTheExtendedType) {
  Bytes uuid = Bytes().u32(8 + 16 + 2).chars("uuid").fill(16, 0x11).fill(2, 0);
  Bytes file = concat({ftyp("heic"), uuid, box("mdat", Bytes().fill(3, 0))});
  auto md = extract_bytes(file);
  ASSERT_TRUE(md);
  EXPECT_EQ(integer(*md, "MediaDataSize"), 3);
}

TEST(Isobmff, UuidBoxSmallerThanItsExtendedHeaderIsAWarning) {
  Bytes file = concat({ftyp("heic"), Bytes().u32(20).chars("uuid").fill(12, 0)});
  auto md = extract_bytes(file);
  ASSERT_TRUE(md);
  EXPECT_TRUE(warned(*md, "smaller than its 24-byte header"));
}

// ---- hostile input -------------------------------------------------------------------------

TEST(Isobmff, FirstBoxSmallerThanItsHeaderIsAnError) {
  Bytes file = Bytes().u32(4).chars("ftyp").chars("heic").u32(0).chars("mif1");
  auto md = extract_bytes(file);
  ASSERT_FALSE(md);
  EXPECT_NE(md.error().message.find("smaller than its 8-byte header"), std::string::npos);
}

TEST(Isobmff, BoxSmallerThanItsHeaderStopsTheWalk) {
  Bytes file = concat({ftyp("heic"), Bytes().u32(3).chars("free"), box("mdat")});
  auto md = extract_bytes(file);
  ASSERT_TRUE(md);
  EXPECT_EQ(text(*md, "FileType"), "HEIC");
  EXPECT_TRUE(warned(*md, "size 3 smaller than its 8-byte header"));
  EXPECT_FALSE(md->has("MediaDataSize"_f));
}

TEST(Isobmff, MetaLargerThanTheFileIsAWarning) {
  Bytes file = concat({ftyp("heic"), Bytes().u32(0xFFFFFFFF).chars("meta").fill(40, 'A')});
  auto md = extract_bytes(file);
  ASSERT_TRUE(md);
  EXPECT_TRUE(warned(*md, "exceeds the 48 bytes left"));
  EXPECT_FALSE(md->has("ImageWidth"_f));
}

TEST(Isobmff, ChildLargerThanItsParentIsAWarning) {
  // iinf claims 100 bytes inside a meta box that holds fewer.
  Bytes file = concat({ftyp("heic"), meta({hdlr(), pitm(1), Bytes().u32(100).chars("iinf").u32(0).u16(0)})});
  auto md = extract_bytes(file);
  ASSERT_TRUE(md);
  EXPECT_TRUE(warned(*md, "box 'iinf'"));
  EXPECT_TRUE(warned(*md, "exceeds the"));
  EXPECT_EQ(integer(*md, "PrimaryItemReference"), 1);
}

TEST(Isobmff, LargesizeBeyondTheFileIsAWarning) {
  Bytes file = concat({ftyp("heic"), Bytes().u32(1).chars("mdat").u64(UINT64_MAX).fill(4, 0)});
  auto md = extract_bytes(file);
  ASSERT_TRUE(md);
  EXPECT_TRUE(warned(*md, "size 18446744073709551615 exceeds"));
}

TEST(Isobmff, LargesizeCutOffIsAWarning) {
  Bytes file = concat({ftyp("heic"), Bytes().u32(1).chars("mdat").u32(0)});
  auto md = extract_bytes(file);
  ASSERT_TRUE(md);
  EXPECT_TRUE(warned(*md, "largesize cut off"));
}

TEST(Isobmff, IlocExtentPastTheEndOfTheFileIsAWarning) {
  Bytes file = concat({ftyp("heic"), meta({hdlr(), pitm(1), iinf({infe(1, "hvc1"), infe(2, "Exif")}),
                                           iloc({{2, 0, 0xFFFFFF00, 100}}), iref({{"cdsc", 2, {1}}})})});
  auto md = extract_bytes(file);
  ASSERT_TRUE(md);
  EXPECT_TRUE(warned(*md, "past the end"));
}

TEST(Isobmff, IlocExtentLongerThanIdatIsAWarning) {
  Bytes file = concat({ftyp("heic"), meta({hdlr(), pitm(1), iinf({infe(1, "hvc1"), infe(2, "Exif")}),
                                           iloc({{2, 1, 2, 50}}), box("idat", Bytes().fill(10, 0))})});
  auto md = extract_bytes(file);
  ASSERT_TRUE(md);
  EXPECT_TRUE(warned(*md, "run past the end at 10"));
}

TEST(Isobmff, IlocOffsetOverflowIsAWarning) {
  // Version 1 with 8-byte base offset and extent offset that sum past 2^64.
  Bytes loc = full_box("iloc", 1, 0,
                       Bytes().u8(0x88).u8(0x80).u16(1).u16(2).u16(0).u16(0).u64(UINT64_MAX - 1).u16(1).u64(16).u64(4));
  Bytes file = concat({ftyp("heic"), meta({hdlr(), pitm(1), iinf({infe(1, "hvc1"), infe(2, "Exif")}), loc})});
  auto md = extract_bytes(file);
  ASSERT_TRUE(md);
  EXPECT_TRUE(warned(*md, "offset overflows"));
}

TEST(Isobmff, IlocHugeExtentCountsAreCapped) {
  // Zero-sized offset and length fields make every extent free: 65535 items x 65535 extents
  // would be four billion iterations without the cap on extents.
  Bytes p;
  p.u8(0x00).u8(0x00).u16(0xFFFF);
  for (uint32_t id = 1; id <= 0xFFFF; ++id) p.u16(id).u16(0).u16(0).u16(0xFFFF);
  Bytes file = concat({ftyp("heic"), meta({hdlr(), pitm(1), iinf({infe(1, "hvc1")}), full_box("iloc", 1, 0, p)})});
  auto start = std::chrono::steady_clock::now();
  auto md = extract_bytes(file);
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(md);
  EXPECT_TRUE(warned(*md, "more than 65536 extents"));
  EXPECT_LT(elapsed, std::chrono::seconds(5));
}

TEST(Isobmff, IlocExtentCountBeyondTheBoxIsAWarning) {
  Bytes loc = full_box("iloc", 1, 0, Bytes().u8(0x44).u8(0).u16(1).u16(2).u16(0).u16(0).u16(5000).u32(0).u32(0));
  Bytes file = concat({ftyp("heic"), meta({hdlr(), pitm(1), loc})});
  auto md = extract_bytes(file);
  ASSERT_TRUE(md);
  EXPECT_TRUE(warned(*md, "5000 extents of 8 bytes exceed the box"));
}

TEST(Isobmff, IlocInvalidFieldSizeIsAWarning) {
  Bytes loc = full_box("iloc", 1, 0, Bytes().u8(0x34).u8(0).u16(0));
  auto md = extract_bytes(concat({ftyp("heic"), meta({hdlr(), loc})}));
  ASSERT_TRUE(md);
  EXPECT_TRUE(warned(*md, "field size 3 is not 0, 4 or 8"));
}

TEST(Isobmff, IpmaIndexPastIpcoIsIgnored) {
  Bytes file = concat({ftyp("heic"), meta({hdlr(), pitm(1), iinf({infe(1, "hvc1")}),
                                           iprp(ipco({ispe(64, 48)}), ipma({{1, {9, 1}}}))})});
  auto md = extract_bytes(file);
  ASSERT_TRUE(md);
  EXPECT_TRUE(warned(*md, "names property 9 but 'ipco' holds 1"));
  EXPECT_EQ(integer(*md, "ImageWidth"), 64);
}

TEST(Isobmff, IpmaTruncatedEntryIsAWarning) {
  Bytes cut = full_box("ipma", 0, 0, Bytes().u32(3).u16(1).u8(5).u8(1));
  Bytes file = concat({ftyp("heic"), meta({hdlr(), pitm(1), iinf({infe(1, "hvc1")}), iprp(ipco({ispe(1, 1)}), cut)})});
  auto md = extract_bytes(file);
  ASSERT_TRUE(md);
  EXPECT_TRUE(warned(*md, "'ipma'"));
}

TEST(Isobmff, SamePropertyListedTwiceIsHarmless) {
  auto md = extract_bytes(concat({ftyp("heic"), meta({hdlr(), pitm(1), iinf({infe(1, "hvc1")}),
                                                      iprp(ipco({ispe(30, 20), irot(1)}), ipma({{1, {1, 2, 2, 2, 2}}}))})}));
  ASSERT_TRUE(md);
  // Each irot listed is a transformation: four quarter turns and one more.
  EXPECT_EQ(integer(*md, "DisplayWidth"), 30);
  EXPECT_EQ(integer(*md, "DisplayHeight"), 20);
}

TEST(Isobmff, DerivationLoopDoesNotHang) {
  Bytes file = concat({ftyp("heic"), meta({hdlr(), pitm(1), iinf({infe(1, "grid"), infe(2, "iden")}),
                                           iref({{"dimg", 1, {2}}, {"dimg", 2, {1}}}),
                                           iprp(ipco({ispe(64, 64)}), ipma({{1, {1}}}))})});
  auto md = extract_bytes(file);
  ASSERT_TRUE(md);
  EXPECT_EQ(integer(*md, "ImageWidth"), 64);
  EXPECT_FALSE(md->has("BitDepth"_f));
}

TEST(Isobmff, PitmNamingAMissingItemIsAWarning) {
  Bytes file = concat({ftyp("heic"), meta({hdlr(), pitm(42), iinf({infe(1, "hvc1")}),
                                           iprp(ipco({ispe(64, 64)}), ipma({{1, {1}}}))})});
  auto md = extract_bytes(file);
  ASSERT_TRUE(md);
  EXPECT_TRUE(warned(*md, "primary item 42 is not in 'iinf'"));
  EXPECT_FALSE(md->has("ImageWidth"_f));
}

TEST(Isobmff, UnknownInfeVersionIsAWarning) {
  Bytes v9 = full_box("infe", 9, 0, Bytes().u16(1).u16(0).chars("hvc1").cstring(""));
  auto md = extract_bytes(concat({ftyp("heic"), meta({hdlr(), pitm(1), iinf({v9})})}));
  ASSERT_TRUE(md);
  EXPECT_TRUE(warned(*md, "unsupported version 9"));
}

TEST(Isobmff, UnknownMetaVersionIsReadAsVersionZero) {
  Bytes file = concat({ftyp("heic"), full_box("meta", 32, 0, concat({hdlr(), pitm(1), iinf({infe(1, "hvc1")}),
                                                                     iprp(ipco({ispe(5, 6)}), ipma({{1, {1}}}))}))});
  auto md = extract_bytes(file);
  ASSERT_TRUE(md);
  EXPECT_TRUE(warned(*md, "unknown version 32"));
  EXPECT_EQ(integer(*md, "ImageWidth"), 5);
}

TEST(Isobmff, TooManyBoxesStopTheWalk) {
  Bytes file = ftyp("heic");
  for (int i = 0; i < 5000; ++i) file.bytes(box("free"));
  Options options;
  options.limits.max_segments = 100;
  auto md = extract_bytes(file, options);
  ASSERT_TRUE(md);
  EXPECT_TRUE(warned(*md, "more than 100 boxes"));
}

TEST(Isobmff, MetaChildLargerThanTheValueLimitIsAWarning) {
  Bytes big = box("iinf", Bytes().u32(0).u16(0).fill(4096, 0));
  Options options;
  options.limits.max_value_bytes = 1024;
  auto md = extract_bytes(concat({ftyp("heic"), meta({hdlr(), pitm(1), big})}), options);
  ASSERT_TRUE(md);
  EXPECT_TRUE(warned(*md, "exceeds the limit of 1024"));
}

TEST(Isobmff, ItemReferenceWithMoreTargetsThanBytesIsAWarning) {
  Bytes refs = full_box("iref", 0, 0, box("cdsc", Bytes().u16(2).u16(1000).u16(1)));
  auto md = extract_bytes(concat({ftyp("heic"), meta({hdlr(), pitm(1), refs})}));
  ASSERT_TRUE(md);
  EXPECT_TRUE(warned(*md, "'cdsc'"));
}

// ---- image sequences -----------------------------------------------------------------------

Bytes track(std::string_view handler, uint32_t width, uint32_t height, const Bytes& sample_sizes) {
  Bytes tkhd = full_box("tkhd", 0, 0, Bytes().fill(20, 0).fill(8 + 2 + 2 + 2 + 2 + 36, 0).u32(width << 16).u32(height << 16));
  Bytes mdia = box("mdia", concat({full_box("hdlr", 0, 0, Bytes().u32(0).chars(handler).fill(12, 0).cstring("")),
                                   box("minf", box("stbl", sample_sizes))}));
  return box("trak", concat({tkhd, mdia}));
}

TEST(Isobmff, SequenceFrameCountFromSampleSizes) {
  Bytes stsz = full_box("stsz", 0, 0, Bytes().u32(0).u32(3).u32(10).u32(11).u32(12));
  Bytes file = concat({ftyp("msf1", {"msf1", "iso8"}), box("moov", track("pict", 320, 240, stsz))});
  auto md = extract_bytes(file);
  ASSERT_TRUE(md);
  EXPECT_EQ(text(*md, "FileType"), "HEIFS");
  EXPECT_EQ(integer(*md, "FrameCount"), 3);
  EXPECT_EQ(integer(*md, "ImageWidth"), 320);
  EXPECT_EQ(integer(*md, "ImageHeight"), 240);
}

TEST(Isobmff, SequenceFrameCountFromCompactSampleSizes) {
  Bytes stz2 = full_box("stz2", 0, 0, Bytes().u24(0).u8(8).u32(4).u8(1).u8(2).u8(3).u8(4));
  Bytes file = concat({ftyp("avis", {"avis", "msf1"}), box("moov", concat({track("soun", 0, 0, full_box("stsz", 0, 0, Bytes().u32(0).u32(99))),
                                                                            track("pict", 64, 64, stz2)}))});
  auto md = extract_bytes(file);
  ASSERT_TRUE(md);
  EXPECT_EQ(integer(*md, "FrameCount"), 4);
}

TEST(Isobmff, SequenceStillImageSizeWinsOverTrackSize) {
  Bytes stsz = full_box("stsz", 0, 0, Bytes().u32(0).u32(2).u32(1).u32(1));
  Bytes file = concat({ftyp("avis", {"avif", "avis"}),
                       meta({hdlr(), pitm(1), iinf({infe(1, "av01")}), iprp(ipco({ispe(100, 50)}), ipma({{1, {1}}}))}),
                       box("moov", track("pict", 320, 240, stsz))});
  auto md = extract_bytes(file);
  ASSERT_TRUE(md);
  EXPECT_EQ(integer(*md, "ImageWidth"), 100);
  EXPECT_EQ(integer(*md, "FrameCount"), 2);
}

}  // namespace
}  // namespace imgmeta::meta::test
