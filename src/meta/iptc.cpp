// IPTC-NAA Information Interchange Model 4.2 (IIM): the envelope record (1) and the
// application record (2), named as ExifTool names the datasets.
#include <algorithm>
#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "meta/ascii.hpp"
#include "meta/formats.hpp"
#include "meta/text_value.hpp"

namespace imgmeta::meta {
namespace {

// IIM 1.5.1: every dataset starts with this tag marker.
constexpr uint8_t kTagMarker = 0x1C;
// IIM 1.5.2: an extended length field is at most this many octets here (4 GiB).
constexpr size_t kMaxLengthOctets = 4;

enum class Kind : uint8_t {
  Text,    // a string in the record's character set
  Int16,   // a binary 16-bit unsigned number
  Date,    // CCYYMMDD -> "CCYY:MM:DD"
  Time,    // HHMMSS±HHMM -> "HH:MM:SS±HH:MM"
  Binary,  // not reported
};

struct DataSet {
  uint8_t record, number;
  FieldId field;
  Kind kind;
  bool list;  // repeatable: every occurrence is kept
};

// IIM 4.2 chapter 5 (envelope record) and chapter 6 (application record); ExifTool's names.
constexpr DataSet kDataSets[] = {
    {1, 0, "EnvelopeRecordVersion"_f, Kind::Int16, false},
    {1, 5, "Destination"_f, Kind::Text, true},
    {1, 20, "FileFormat"_f, Kind::Int16, false},
    {1, 22, "FileVersion"_f, Kind::Int16, false},
    {1, 30, "ServiceIdentifier"_f, Kind::Text, false},
    {1, 40, "EnvelopeNumber"_f, Kind::Text, false},
    {1, 50, "ProductID"_f, Kind::Text, true},
    {1, 60, "EnvelopePriority"_f, Kind::Text, false},
    {1, 70, "DateSent"_f, Kind::Date, false},
    {1, 80, "TimeSent"_f, Kind::Time, false},
    {1, 90, "CodedCharacterSet"_f, Kind::Text, false},
    {1, 100, "UniqueObjectName"_f, Kind::Text, false},
    {1, 120, "ARMIdentifier"_f, Kind::Int16, false},
    {1, 122, "ARMVersion"_f, Kind::Int16, false},
    {2, 0, "ApplicationRecordVersion"_f, Kind::Int16, false},
    {2, 3, "ObjectTypeReference"_f, Kind::Text, false},
    {2, 4, "ObjectAttributeReference"_f, Kind::Text, true},
    {2, 5, "ObjectName"_f, Kind::Text, false},
    {2, 7, "EditStatus"_f, Kind::Text, false},
    {2, 8, "EditorialUpdate"_f, Kind::Text, false},
    {2, 10, "Urgency"_f, Kind::Text, false},
    {2, 12, "SubjectReference"_f, Kind::Text, true},
    {2, 15, "Category"_f, Kind::Text, false},
    {2, 20, "SupplementalCategories"_f, Kind::Text, true},
    {2, 22, "FixtureIdentifier"_f, Kind::Text, false},
    {2, 25, "Keywords"_f, Kind::Text, true},
    {2, 26, "ContentLocationCode"_f, Kind::Text, true},
    {2, 27, "ContentLocationName"_f, Kind::Text, true},
    {2, 30, "ReleaseDate"_f, Kind::Date, false},
    {2, 35, "ReleaseTime"_f, Kind::Time, false},
    {2, 37, "ExpirationDate"_f, Kind::Date, false},
    {2, 38, "ExpirationTime"_f, Kind::Time, false},
    {2, 40, "SpecialInstructions"_f, Kind::Text, false},
    {2, 42, "ActionAdvised"_f, Kind::Text, false},
    {2, 45, "ReferenceService"_f, Kind::Text, true},
    {2, 47, "ReferenceDate"_f, Kind::Date, true},
    {2, 50, "ReferenceNumber"_f, Kind::Text, true},
    {2, 55, "DateCreated"_f, Kind::Date, false},
    {2, 60, "TimeCreated"_f, Kind::Time, false},
    {2, 62, "DigitalCreationDate"_f, Kind::Date, false},
    {2, 63, "DigitalCreationTime"_f, Kind::Time, false},
    {2, 65, "OriginatingProgram"_f, Kind::Text, false},
    {2, 70, "ProgramVersion"_f, Kind::Text, false},
    {2, 75, "ObjectCycle"_f, Kind::Text, false},
    {2, 80, "By-line"_f, Kind::Text, true},
    {2, 85, "By-lineTitle"_f, Kind::Text, true},
    {2, 90, "City"_f, Kind::Text, false},
    {2, 92, "Sub-location"_f, Kind::Text, false},
    {2, 95, "Province-State"_f, Kind::Text, false},
    {2, 100, "Country-PrimaryLocationCode"_f, Kind::Text, false},
    {2, 101, "Country-PrimaryLocationName"_f, Kind::Text, false},
    {2, 103, "OriginalTransmissionReference"_f, Kind::Text, false},
    {2, 105, "Headline"_f, Kind::Text, false},
    {2, 110, "Credit"_f, Kind::Text, false},
    {2, 115, "Source"_f, Kind::Text, false},
    {2, 116, "CopyrightNotice"_f, Kind::Text, false},
    {2, 118, "Contact"_f, Kind::Text, true},
    {2, 120, "Caption-Abstract"_f, Kind::Text, false},
    {2, 121, "LocalCaption"_f, Kind::Text, false},
    {2, 122, "Writer-Editor"_f, Kind::Text, true},
    {2, 125, "RasterizedCaption"_f, Kind::Binary, false},
    {2, 130, "ImageType"_f, Kind::Text, false},
    {2, 131, "ImageOrientation"_f, Kind::Text, false},
    {2, 135, "LanguageIdentifier"_f, Kind::Text, false},
    {2, 150, "AudioType"_f, Kind::Text, false},
    {2, 151, "AudioSamplingRate"_f, Kind::Text, false},
    {2, 152, "AudioSamplingResolution"_f, Kind::Text, false},
    {2, 153, "AudioDuration"_f, Kind::Text, false},
    {2, 154, "AudioOutcue"_f, Kind::Text, false},
    {2, 184, "JobID"_f, Kind::Text, false},
    {2, 185, "MasterDocumentID"_f, Kind::Text, false},
    {2, 186, "ShortDocumentID"_f, Kind::Text, false},
    {2, 187, "UniqueDocumentID"_f, Kind::Text, false},
    {2, 188, "OwnerID"_f, Kind::Text, false},
    {2, 200, "ObjectPreviewFileFormat"_f, Kind::Int16, false},
    {2, 201, "ObjectPreviewFileVersion"_f, Kind::Int16, false},
    {2, 202, "ObjectPreviewData"_f, Kind::Binary, false},
    {2, 221, "Prefs"_f, Kind::Text, false},
    {2, 225, "ClassifyState"_f, Kind::Text, false},
    {2, 228, "SimilarityIndex"_f, Kind::Text, false},
    {2, 230, "DocumentNotes"_f, Kind::Text, false},
    {2, 231, "DocumentHistory"_f, Kind::Text, false},
    {2, 232, "ExifCameraInfo"_f, Kind::Text, false},
    {2, 255, "CatalogSets"_f, Kind::Text, true},
};

// RFC 1321 MD5, for ExifTool's CurrentIPTCDigest: the digest of the IPTC block as stored,
// which Photoshop compares with the one it recorded (IPTCDigest) to notice outside edits.
class Md5 {
 public:
  void update(const uint8_t* p, size_t n) {
    for (size_t i = 0; i < n; ++i) {
      block_[fill_++] = p[i];
      if (fill_ == 64) {
        transform();
        fill_ = 0;
      }
    }
    bytes_ += n;
  }

  std::array<uint8_t, 16> digest() {
    uint64_t bits = bytes_ * 8;
    const uint8_t pad = 0x80, zero = 0;
    update(&pad, 1);
    while (fill_ != 56) update(&zero, 1);
    uint8_t len[8];
    for (int i = 0; i < 8; ++i) len[i] = static_cast<uint8_t>(bits >> (8 * i));
    update(len, 8);
    std::array<uint8_t, 16> out{};
    for (size_t i = 0; i < 4; ++i)
      for (size_t k = 0; k < 4; ++k) out[4 * i + k] = static_cast<uint8_t>(h_[i] >> (8 * k));
    return out;
  }

 private:
  static uint32_t rotl(uint32_t x, uint32_t c) { return (x << c) | (x >> (32 - c)); }

  // RFC 1321 3.4: four rounds of sixteen operations on one 512-bit block.
  void transform() {
    static constexpr uint32_t kShift[64] = {7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
                                            5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20,
                                            4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
                                            6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21};
    static constexpr uint32_t kSine[64] = {
        0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
        0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
        0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
        0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
        0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
        0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
        0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
        0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391};
    uint32_t m[16];
    for (int i = 0; i < 16; ++i)
      m[i] = uint32_t{block_[4 * i]} | uint32_t{block_[4 * i + 1]} << 8 | uint32_t{block_[4 * i + 2]} << 16 |
             uint32_t{block_[4 * i + 3]} << 24;
    uint32_t a = h_[0], b = h_[1], c = h_[2], d = h_[3];
    for (uint32_t i = 0; i < 64; ++i) {
      uint32_t f, g;
      if (i < 16) { f = (b & c) | (~b & d); g = i; }
      else if (i < 32) { f = (d & b) | (~d & c); g = (5 * i + 1) % 16; }
      else if (i < 48) { f = b ^ c ^ d; g = (3 * i + 5) % 16; }
      else { f = c ^ (b | ~d); g = (7 * i) % 16; }
      uint32_t t = d;
      d = c;
      c = b;
      b = b + rotl(a + f + kSine[i] + m[g], kShift[i]);
      a = t;
    }
    h_[0] += a;
    h_[1] += b;
    h_[2] += c;
    h_[3] += d;
  }

  uint32_t h_[4] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
  uint8_t block_[64] = {};
  size_t fill_ = 0;
  uint64_t bytes_ = 0;
};

std::string md5_hex(ByteView v) {
  Md5 md5;
  md5.update(v.data(), v.size());
  return hex_lower(md5.digest());
}

const DataSet* find_dataset(uint8_t record, uint8_t number) {
  for (const auto& d : kDataSets)
    if (d.record == record && d.number == number) return &d;
  return nullptr;
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// ExifTool's ExifDate: "20020620" -> "2002:06:20"; anything else unchanged.
std::string iptc_date(std::string_view v) {
  if (v.size() == 8 && all_digits(v))
    return std::string(v.substr(0, 4)) + ":" + std::string(v.substr(4, 2)) + ":" + std::string(v.substr(6, 2));
  return std::string(v);
}

// ExifTool's ExifTime: "HHMMSS" then an optional "±HHMM" zone -> "HH:MM:SS±HH:MM".
std::string iptc_time(std::string_view v) {
  if (v.size() < 6 || !all_digits(v.substr(0, 6))) return std::string(v);
  std::string out = std::string(v.substr(0, 2)) + ":" + std::string(v.substr(2, 2)) + ":" + std::string(v.substr(4, 2));
  std::string_view zone = v.substr(6);
  if (zone.size() == 5 && (zone[0] == '+' || zone[0] == '-') && all_digits(zone.substr(1)))
    out += std::string(zone.substr(0, 3)) + ":" + std::string(zone.substr(3));
  else
    out += zone;
  return out;
}

struct Collected {
  const DataSet* set;
  std::vector<std::string> values;
};

}  // namespace

void parse_iptc(ByteView iim, Context& ctx) {
  Metadata& md = ctx.md;
  md.set("CurrentIPTCDigest"_f, md5_hex(iim));
  std::vector<Collected> found;
  bool utf8 = false;  // IIM 1:90 says ISO 2022 "ESC % G": UTF-8
  size_t pos = 0;
  while (pos < iim.size()) {
    // IIM 1.5.1: tag marker, record number, dataset number, data field octet count.
    if (iim[pos] != kTagMarker) {
      // Padding after the last dataset is common; anything else is worth a word.
      bool padding = std::ranges::all_of(iim.span().subspan(pos), [](uint8_t b) { return b == 0; });
      if (!padding) md.warn("IPTC: no tag marker at offset " + std::to_string(pos) + "; the rest is ignored");
      break;
    }
    if (!iim.has(pos, 5)) {
      md.warn("IPTC: dataset header at offset " + std::to_string(pos) + " is truncated");
      break;
    }
    uint8_t record = iim[pos + 1], number = iim[pos + 2];
    uint64_t length = static_cast<uint64_t>(iim[pos + 3] & 0x7F) << 8 | iim[pos + 4];
    size_t header = 5;
    if (iim[pos + 3] & 0x80) {
      // IIM 1.5.2: extended dataset; the 15 bits count the octets of the real length.
      size_t octets = static_cast<size_t>(length);
      if (octets == 0 || octets > kMaxLengthOctets || !iim.has(pos + 5, octets)) {
        md.warn("IPTC: dataset " + std::to_string(record) + ":" + std::to_string(number) + " at offset " +
                std::to_string(pos) + " has an invalid extended length of " + std::to_string(octets) + " octets");
        break;
      }
      length = 0;
      for (size_t i = 0; i < octets; ++i) length = length << 8 | iim[pos + 5 + i];
      header += octets;
    }
    if (!iim.has(pos + header, length)) {
      md.warn("IPTC: dataset " + std::to_string(record) + ":" + std::to_string(number) + " at offset " +
              std::to_string(pos) + ": length " + std::to_string(length) + " exceeds the " +
              std::to_string(iim.size() - pos - header) + " bytes left");
      break;
    }
    std::string_view raw = iim.chars(pos + header, static_cast<size_t>(length));
    pos += header + static_cast<size_t>(length);

    const DataSet* set = find_dataset(record, number);
    if (!set || set->kind == Kind::Binary) continue;
    if (record == 1 && number == 90) utf8 = raw == "\x1b%G";

    std::string value;
    if (set->kind != Kind::Int16)
      while (!raw.empty() && raw.back() == '\0') raw.remove_suffix(1);  // NUL padding some writers add
    switch (set->kind) {
      case Kind::Int16:
        if (raw.size() != 2) continue;
        value = std::to_string(static_cast<unsigned>(static_cast<uint8_t>(raw[0])) << 8 |
                               static_cast<uint8_t>(raw[1]));
        break;
      case Kind::Date: value = iptc_date(raw); break;
      case Kind::Time: value = iptc_time(raw); break;
      case Kind::Text:
        // Without "ESC % G" the text is in some ISO 2022 set; ExifTool assumes Latin-1. Text
        // that is valid UTF-8 anyway is far more likely UTF-8 than Latin-1 mojibake.
        if (utf8 || is_utf8(raw)) value = std::string(raw);
        else value = latin1_to_utf8(raw);
        break;
      case Kind::Binary: continue;
    }
    auto it = std::find_if(found.begin(), found.end(), [&](const Collected& c) { return c.set == set; });
    if (it == found.end()) {
      found.push_back({set, {std::move(value)}});
    } else if (set->list) {
      it->values.push_back(std::move(value));
    } else {
      it->values.back() = std::move(value);  // a non-repeatable dataset given twice: the last stands
    }
  }
  const std::string* date = nullptr;
  const std::string* time = nullptr;
  for (const auto& c : found) {
    if (c.set->record == 2 && c.set->number == 55) date = &c.values.back();
    if (c.set->record == 2 && c.set->number == 60) time = &c.values.back();
  }
  // ExifTool's Composite:DateTimeCreated joins the application record's date and time.
  std::string created = date && time ? *date + " " + *time : std::string();
  for (auto& c : found) {
    if (c.values.size() == 1) md.set(c.set->field, json_typed(std::move(c.values.front())));
    else md.set(c.set->field, std::move(c.values));
  }
  if (!created.empty()) md.set("DateTimeCreated"_f, std::move(created));
}

}  // namespace imgmeta::meta
