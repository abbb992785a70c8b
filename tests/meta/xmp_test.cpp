// parse_xmp: RDF/XML read through meta/xml_events, fields named and typed as `exiftool -j -n` shows them.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "meta/formats.hpp"

namespace imgmeta::meta {
namespace {

using namespace std::string_view_literals;

// A Context over an empty file: parse_xmp works on the bytes it is given.
struct Harness {
  MemorySource source{std::span<const uint8_t>()};
  Reader reader{source, 1 << 20};
  Metadata md;
  Options options;
  Context ctx{reader, md, options};
  Metadata& parse(std::string_view xml) {
    parse_xmp(xml, ctx);
    return md;
  }
};

// An XMP packet around one rdf:Description with the given attributes and body.
const char* const kXpacket = "<?xpacket begin='\xEF\xBB\xBF' id='W5M0MpCehiHzreSzNTczkc9d'?>\n";

std::string packet(const std::string& attributes, const std::string& body = "", const std::string& prologue = kXpacket) {
  return prologue +
         "<x:xmpmeta xmlns:x='adobe:ns:meta/' x:xmptk='Test Toolkit 1.0'>\n"
         "<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>\n"
         "<rdf:Description rdf:about=''\n"
         " xmlns:dc='http://purl.org/dc/elements/1.1/'\n"
         " xmlns:xmp='http://ns.adobe.com/xap/1.0/'\n"
         " xmlns:exif='http://ns.adobe.com/exif/1.0/'\n"
         " xmlns:tiff='http://ns.adobe.com/tiff/1.0/'\n"
         " xmlns:photoshop='http://ns.adobe.com/photoshop/1.0/'\n"
         " xmlns:xmpMM='http://ns.adobe.com/xap/1.0/mm/'\n"
         " xmlns:stEvt='http://ns.adobe.com/xap/1.0/sType/ResourceEvent#'\n"
         " xmlns:stRef='http://ns.adobe.com/xap/1.0/sType/ResourceRef#'\n"
         " xmlns:xmpNote='http://ns.adobe.com/xmp/note/'\n"
         " xmlns:GImage='http://ns.google.com/photos/1.0/image/'\n " +
         attributes + ">\n" + body + "\n</rdf:Description>\n</rdf:RDF>\n</x:xmpmeta>\n<?xpacket end='w'?>";
}

std::string text(const Metadata& md, std::string_view name) {
  const std::string* s = md.get_string(name);
  return s ? *s : "<absent or not a string>";
}

int64_t integer(const Metadata& md, std::string_view name) {
  const Value* v = md.get(name);
  return v && std::holds_alternative<int64_t>(*v) ? std::get<int64_t>(*v) : -999;
}

double number(const Metadata& md, std::string_view name) {
  double d = -999;
  md.get_number(name, d);
  return d;
}

std::vector<std::string> list(const Metadata& md, std::string_view name) {
  const Value* v = md.get(name);
  return v && std::holds_alternative<std::vector<std::string>>(*v) ? std::get<std::vector<std::string>>(*v)
                                                                    : std::vector<std::string>{"<not a list>"};
}

TEST(Xmp, AttributesOfDescriptionAreProperties) {
  Harness h;
  auto& md = h.parse(packet("xmp:Rating='5' xmp:Label='Red' xmp:CreatorTool='Editor 2.0'"));
  EXPECT_EQ(integer(md, "Rating"), 5);  // numeric text becomes a number, as exiftool -j prints it
  EXPECT_EQ(text(md, "Label"), "Red");
  EXPECT_EQ(text(md, "CreatorTool"), "Editor 2.0");
  EXPECT_EQ(text(md, "XMPToolkit"), "Test Toolkit 1.0");
  EXPECT_TRUE(md.warnings.empty());
}

TEST(Xmp, ChildElementsAreProperties) {
  Harness h;
  auto& md = h.parse(packet("", "<xmp:Rating>3</xmp:Rating><photoshop:City>Kingston</photoshop:City>"));
  EXPECT_EQ(integer(md, "Rating"), 3);
  EXPECT_EQ(text(md, "City"), "Kingston");
}

TEST(Xmp, LanguageAlternativePrefersXDefault) {
  Harness h;
  auto& md = h.parse(packet("", "<dc:title><rdf:Alt>"
                                "<rdf:li xml:lang='de-DE'>Titel</rdf:li>"
                                "<rdf:li xml:lang='x-default'>Title</rdf:li>"
                                "</rdf:Alt></dc:title>"));
  EXPECT_EQ(text(md, "Title"), "Title");
}

TEST(Xmp, LanguageAlternativeWithoutXDefaultTakesTheFirst) {
  Harness h;
  auto& md = h.parse(packet("", "<dc:description><rdf:Alt>"
                                "<rdf:li xml:lang='fr-FR'>Bonjour</rdf:li>"
                                "<rdf:li xml:lang='en-US'>Hello</rdf:li>"
                                "</rdf:Alt></dc:description>"));
  EXPECT_EQ(text(md, "Description"), "Bonjour");
}

TEST(Xmp, BagOfSeveralItemsIsAList) {
  Harness h;
  auto& md = h.parse(packet("", "<dc:subject><rdf:Bag><rdf:li>ExifTool</rdf:li><rdf:li>Test</rdf:li>"
                                "<rdf:li>XMP</rdf:li></rdf:Bag></dc:subject>"));
  EXPECT_EQ(list(md, "Subject"), (std::vector<std::string>{"ExifTool", "Test", "XMP"}));
}

TEST(Xmp, ArrayOfOneItemIsAString) {
  Harness h;
  auto& md = h.parse(packet("", "<dc:creator><rdf:Seq><rdf:li>Phil Harvey</rdf:li></rdf:Seq></dc:creator>"));
  EXPECT_EQ(text(md, "Creator"), "Phil Harvey");
}

TEST(Xmp, EmptyArrayIsAnEmptyString) {
  Harness h;
  auto& md = h.parse(packet("", "<dc:subject><rdf:Seq/></dc:subject>"));
  EXPECT_EQ(text(md, "Subject"), "");
}

TEST(Xmp, DatesTakeExifToolsForm) {
  Harness h;
  auto& md = h.parse(packet("xmp:CreateDate='2002-07-13T15:58:28+02:00' xmp:ModifyDate='2013-09-24T15:13+02:00'"
                            " photoshop:DateCreated='2004-02-26' xmp:MetadataDate='2018-10-27T13:27:23.53Z'"));
  EXPECT_EQ(text(md, "CreateDate"), "2002:07:13 15:58:28+02:00");
  EXPECT_EQ(text(md, "ModifyDate"), "2013:09:24 15:13+02:00");
  EXPECT_EQ(text(md, "DateCreated"), "2004:02:26");
  EXPECT_EQ(text(md, "MetadataDate"), "2018:10:27 13:27:23.53Z");
}

TEST(Xmp, ExifFieldsFillInOnlyWhereExifHasNone) {
  Harness h;
  h.md.set("DateTimeOriginal"_f, std::string("2001:05:19 18:36:41"));
  h.md.set("Make"_f, std::string("FUJIFILM"));
  auto& md = h.parse(packet("exif:DateTimeOriginal='2009-01-01T10:00:00' tiff:Make='Other' tiff:Model='X100'"
                            " tiff:Orientation='6' xmp:ModifyDate='2010-02-03T04:05:06'"));
  EXPECT_EQ(text(md, "DateTimeOriginal"), "2001:05:19 18:36:41");
  EXPECT_EQ(text(md, "Make"), "FUJIFILM");
  EXPECT_EQ(text(md, "Model"), "X100");
  EXPECT_EQ(integer(md, "Orientation"), 6);
  EXPECT_EQ(text(md, "ModifyDate"), "2010:02:03 04:05:06");
}

TEST(Xmp, ContainerFieldsAreNeverReplaced) {
  Harness h;
  h.md.set("ImageWidth"_f, int64_t{640});
  auto& md = h.parse(packet("tiff:ImageWidth='10' dc:format='image/jpeg'"));
  EXPECT_EQ(integer(md, "ImageWidth"), 640);
  EXPECT_EQ(text(md, "Format"), "image/jpeg");
}

TEST(Xmp, GpsCoordinatesBecomeSignedDegrees) {
  Harness h;
  auto& md = h.parse(packet("exif:GPSLatitude='54,59.38N' exif:GPSLongitude='6,15,29.634W'"
                            " exif:GPSAltitude='3580/100' exif:GPSAltitudeRef='0'"));
  EXPECT_NEAR(number(md, "GPSLatitude"), 54.989666666666665, 1e-12);
  EXPECT_NEAR(number(md, "GPSLongitude"), -6.258231666666667, 1e-12);
  EXPECT_DOUBLE_EQ(number(md, "GPSAltitude"), 35.8);
  EXPECT_EQ(integer(md, "GPSAltitudeRef"), 0);
}

TEST(Xmp, ExifRationalsBecomeNumbers) {
  Harness h;
  auto& md = h.parse(packet("exif:ExposureTime='1/200' exif:FNumber='28/10'",
                            "<aux:LensInfo xmlns:aux='http://ns.adobe.com/exif/1.0/aux/'>24/1 70/1 0/0 0/0"
                            "</aux:LensInfo>"));
  EXPECT_DOUBLE_EQ(number(md, "ExposureTime"), 0.005);
  EXPECT_DOUBLE_EQ(number(md, "FNumber"), 2.8);
  EXPECT_EQ(text(md, "LensInfo"), "24 70 undef undef");
}

TEST(Xmp, RenamedExifProperties) {
  Harness h;
  auto& md = h.parse(packet("exif:PixelXDimension='100' exif:PixelYDimension='80'",
                            "<exif:ISOSpeedRatings><rdf:Seq><rdf:li>200</rdf:li></rdf:Seq></exif:ISOSpeedRatings>"));
  EXPECT_EQ(integer(md, "ExifImageWidth"), 100);
  EXPECT_EQ(integer(md, "ExifImageHeight"), 80);
  EXPECT_EQ(integer(md, "ISO"), 200);
}

TEST(Xmp, StructsInArraysFlattenToLists) {
  Harness h;
  auto& md = h.parse(packet("", "<xmpMM:History><rdf:Seq>"
                                "<rdf:li rdf:parseType='Resource'><stEvt:action>created</stEvt:action>"
                                "<stEvt:when>2013-09-23T10:09:46+02:00</stEvt:when></rdf:li>"
                                "<rdf:li stEvt:action='saved' stEvt:when='2013-09-24T12:22:31+02:00'/>"
                                "</rdf:Seq></xmpMM:History>"));
  EXPECT_EQ(list(md, "HistoryAction"), (std::vector<std::string>{"created", "saved"}));
  EXPECT_EQ(list(md, "HistoryWhen"),
            (std::vector<std::string>{"2013:09:23 10:09:46+02:00", "2013:09:24 12:22:31+02:00"}));
}

TEST(Xmp, StructShorthandAndDescriptionFormFlatten) {
  Harness h;
  auto& md = h.parse(packet("", "<xmpMM:DerivedFrom stRef:documentID='doc-1' stRef:instanceID='inst-1'/>"
                                "<xmpMM:ManagedFrom><rdf:Description stRef:documentID='doc-2'>"
                                "<stRef:filePath>/a/b</stRef:filePath></rdf:Description></xmpMM:ManagedFrom>"));
  EXPECT_EQ(text(md, "DerivedFromDocumentID"), "doc-1");
  EXPECT_EQ(text(md, "DerivedFromInstanceID"), "inst-1");
  EXPECT_EQ(text(md, "ManagedFromDocumentID"), "doc-2");
  EXPECT_EQ(text(md, "ManagedFromFilePath"), "/a/b");
}

TEST(Xmp, FlashStructGivesTheExifFlashNumber) {
  Harness h;
  auto& md = h.parse(packet("", "<exif:Flash rdf:parseType='Resource'><exif:Fired>True</exif:Fired>"
                                "<exif:Return>3</exif:Return><exif:Mode>1</exif:Mode>"
                                "<exif:Function>False</exif:Function><exif:RedEyeMode>True</exif:RedEyeMode>"
                                "</exif:Flash>"));
  EXPECT_EQ(integer(md, "Flash"), 0x01 | 3 << 1 | 1 << 3 | 0x40);
  const Value* fired = md.get("FlashFired"sv);
  ASSERT_TRUE(fired && std::holds_alternative<bool>(*fired));
  EXPECT_TRUE(std::get<bool>(*fired));
}

TEST(Xmp, PriorityZeroKeepsTheFirstValue) {
  Harness h;
  auto& md = h.parse(packet("tiff:NativeDigest='tiff-digest' exif:NativeDigest='exif-digest'"));
  EXPECT_EQ(text(md, "NativeDigest"), "tiff-digest");
}

TEST(Xmp, Base64DataIsReportedBySize) {
  Harness h;
  auto& md = h.parse(packet("GImage:Mime='image/jpeg'", "<GImage:Data>QUJD\nREVG\nRw==</GImage:Data>"));
  EXPECT_EQ(text(md, "ImageData"), "(Binary data 7 bytes, use -b option to extract)");
}

// Depth maps and portrait images run to hundreds of kilobytes of base64; the reader keeps them
// out of the XML parser (Base64Runs) and must report exactly what parsing them would.
TEST(Xmp, LongBase64IsReportedBySizeAndOtherLongValuesWhole) {
  std::string b64;
  for (size_t i = 0; i < 40000; ++i) b64 += "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[(i * 13) % 64];
  Harness h;
  auto& md = h.parse(packet("GImage:Data='" + b64 + "=' xmp:Label='" + b64 + "'",
                            "<dc:description><rdf:Alt><rdf:li xml:lang='x-default'>" + b64 +
                                "</rdf:li></rdf:Alt></dc:description>"));
  EXPECT_EQ(text(md, "ImageData"), "(Binary data 29999 bytes, use -b option to extract)");
  EXPECT_EQ(text(md, "Label"), b64);
  EXPECT_EQ(text(md, "Description"), b64);
  Harness element;
  auto& md2 = element.parse(packet("", "<GImage:Data>" + b64 + "==</GImage:Data>"));
  EXPECT_EQ(text(md2, "ImageData"), "(Binary data 29999 bytes, use -b option to extract)");
}

TEST(Xmp, ResourceAttributeGivesTheValue) {
  Harness h;
  auto& md = h.parse(packet("", "<xmpNote:HasExtendedXMP rdf:resource='ABCDEF0123456789ABCDEF0123456789'/>"));
  EXPECT_EQ(text(md, "HasExtendedXMP"), "ABCDEF0123456789ABCDEF0123456789");
}

TEST(Xmp, Utf16PacketWithByteOrderMarkIsRead) {
  std::string utf8 = packet("xmp:Label='Gr\xC3\xBCn'");
  std::string utf16 = "\xFE\xFF";
  // UTF-8 to UTF-16BE for the code points used here (all in the BMP).
  for (size_t i = 0; i < utf8.size();) {
    auto c = static_cast<unsigned char>(utf8[i]);
    uint32_t cp;
    if (c < 0x80) { cp = c; i += 1; }
    else if (c < 0xE0) { cp = (c & 0x1Fu) << 6 | (static_cast<unsigned char>(utf8[i + 1]) & 0x3Fu); i += 2; }
    else { cp = (c & 0x0Fu) << 12 | (static_cast<unsigned char>(utf8[i + 1]) & 0x3Fu) << 6 | (static_cast<unsigned char>(utf8[i + 2]) & 0x3Fu); i += 3; }
    utf16 += static_cast<char>(cp >> 8);
    utf16 += static_cast<char>(cp & 0xFF);
  }
  Harness h;
  auto& md = h.parse(utf16);
  EXPECT_EQ(text(md, "Label"), "Gr\xC3\xBCn");
}

TEST(Xmp, Latin1DeclaredPacketBecomesUtf8) {
  Harness h;
  auto& md = h.parse(packet("xmp:Label='caf\xE9'", "", "<?xml version='1.0' encoding='ISO-8859-1'?>"));
  EXPECT_EQ(text(md, "Label"), "caf\xC3\xA9");
}

TEST(Xmp, DoctypeWithEntitiesIsRefused) {
  // The "billion laughs": ten levels of ten-fold expansion.
  std::string bomb = "<?xml version='1.0'?>\n<!DOCTYPE lolz [\n<!ENTITY lol 'lol'>\n";
  bomb += "<!ENTITY lol1 '&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;'>\n";
  for (int i = 2; i <= 9; ++i) {
    std::string prev = "&lol" + std::to_string(i - 1) + ";";
    bomb += "<!ENTITY lol" + std::to_string(i) + " '";
    for (int k = 0; k < 10; ++k) bomb += prev;
    bomb += "'>\n";
  }
  bomb += "]>\n<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>"
          "<rdf:Description xmlns:xmp='http://ns.adobe.com/xap/1.0/'><xmp:Label>&lol9;</xmp:Label>"
          "</rdf:Description></rdf:RDF></x:xmpmeta>";
  Harness h;
  auto start = std::chrono::steady_clock::now();
  auto& md = h.parse(bomb);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  EXPECT_FALSE(md.has("Label"_f));
  ASSERT_FALSE(md.warnings.empty());
  EXPECT_NE(md.warnings.front().find("DOCTYPE"), std::string::npos) << md.warnings.front();
}

TEST(Xmp, ExternalEntityIsRefused) {
  Harness h;
  auto& md = h.parse("<?xml version='1.0'?><!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>"
                     "<x:xmpmeta xmlns:x='adobe:ns:meta/'>&e;</x:xmpmeta>");
  EXPECT_TRUE(md.fields.empty());
  EXPECT_FALSE(md.warnings.empty());
}

TEST(Xmp, DeepNestingIsCut) {
  std::string deep = "<x:xmpmeta xmlns:x='adobe:ns:meta/'>";
  for (int i = 0; i < 100000; ++i) deep += "<a>";
  Harness h;
  auto& md = h.parse(deep);
  ASSERT_FALSE(md.warnings.empty());
  EXPECT_NE(md.warnings.front().find("deeper"), std::string::npos) << md.warnings.front();
}

TEST(Xmp, ElementCountIsCapped) {
  std::string body;
  for (int i = 0; i < 210000; ++i) body += "<rdf:li>k</rdf:li>";
  Harness h;
  auto& md = h.parse(packet("", "<dc:subject><rdf:Bag>" + body + "</rdf:Bag></dc:subject>"));
  ASSERT_FALSE(md.warnings.empty());
  EXPECT_NE(md.warnings.front().find("elements"), std::string::npos) << md.warnings.front();
  EXPECT_LE(list(md, "Subject").size(), 200000u);
}

TEST(Xmp, BrokenXmlKeepsWhatCameBeforeAndWarns) {
  Harness h;
  std::string xml = packet("xmp:Label='Blue'", "<xmp:Rating>4</xmp:Rating><broken attr=>");
  auto& md = h.parse(xml);
  EXPECT_EQ(text(md, "Label"), "Blue");
  EXPECT_EQ(integer(md, "Rating"), 4);
  ASSERT_FALSE(md.warnings.empty());
  EXPECT_NE(md.warnings.front().find("line"), std::string::npos) << md.warnings.front();
}

// Nothing of one packet (a refusal, an error, a declared encoding, namespaces, its size) may
// reach the next.
TEST(Xmp, EachPacketStartsFromAFreshParserState) {
  const std::string good = packet("xmp:Label='Gr\xC3\xBCn'", "<xmp:Rating>4</xmp:Rating>");
  auto expect_good = [&](const char* after) {
    Harness h;
    auto& md = h.parse(good);
    EXPECT_EQ(text(md, "Label"), "Gr\xC3\xBCn") << "after " << after;
    EXPECT_EQ(integer(md, "Rating"), 4) << "after " << after;
    EXPECT_TRUE(md.warnings.empty()) << "after " << after << ": " << md.warnings.front();
  };
  expect_good("nothing");
  {
    Harness h;
    h.parse("<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'b'>]><x:xmpmeta xmlns:x='adobe:ns:meta/'/>");
    ASSERT_FALSE(h.md.warnings.empty());  // refused: the parse was stopped midway
  }
  expect_good("a refused packet");
  {
    Harness h;
    h.parse(packet("xmp:Label='x'", "<broken attr=>"));
    ASSERT_FALSE(h.md.warnings.empty());
  }
  expect_good("a broken packet");
  {
    Harness h;
    h.parse(packet("xmp:Label='caf\xE9'", "", "<?xml version='1.0' encoding='ISO-8859-1'?>"));
    EXPECT_EQ(text(h.md, "Label"), "caf\xC3\xA9");
  }
  expect_good("a Latin-1 packet");
  {
    Harness h;
    h.parse("<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>"
            "<rdf:Description xmlns:xmp='urn:not-xmp/'><xmp:Label>other</xmp:Label></rdf:Description></rdf:RDF></x:xmpmeta>");
  }
  expect_good("a packet binding the prefix to another namespace");
  {
    // Over a mebibyte (not base64, so not elided).
    std::string comment = "<!--";
    for (int i = 0; i < 600000; ++i) comment += "a ";
    comment += "-->";
    Harness h;
    h.parse(packet("xmp:Label='big'", comment));
    EXPECT_EQ(text(h.md, "Label"), "big");
  }
  expect_good("a packet of over a mebibyte");
}

TEST(Xmp, InvalidUtf8StopsTheParseWithoutLeakingBadBytes) {
  Harness h;
  auto& md = h.parse(packet("xmp:Label='ok'", "<xmp:Nickname>bad \xC3\x28 bytes</xmp:Nickname>"));
  EXPECT_EQ(text(md, "Label"), "ok");
  EXPECT_FALSE(md.has("Nickname"sv));
  EXPECT_FALSE(md.warnings.empty());
}

TEST(Xmp, TrailingPaddingAfterThePacketIsFine) {
  Harness h;
  std::string xml = packet("xmp:Label='Green'") + std::string(100, '\0');
  auto& md = h.parse(xml);
  EXPECT_EQ(text(md, "Label"), "Green");
  EXPECT_TRUE(md.warnings.empty()) << md.warnings.front();
}

TEST(Xmp, EmptyOrWhitespaceInputSetsNothing) {
  Harness h;
  auto& md = h.parse(" \n\t ");
  EXPECT_TRUE(md.fields.empty());
  EXPECT_TRUE(md.warnings.empty());
}

}  // namespace
}  // namespace imgmeta::meta
