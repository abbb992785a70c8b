// XMP packets (ISO 16684-1, the XMP specification part 1): RDF/XML read as namespace-resolved
// events (meta/xml_events.hpp). Properties become fields named as ExifTool names them: the
// property's local name with a capital first letter, struct fields flattened onto their
// parent's name (xmpMM:History/stEvt:action -> HistoryAction), arrays as lists.
#include <algorithm>
#include <climits>
#include <cmath>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "meta/base64_runs.hpp"
#include "meta/formats.hpp"
#include "meta/general_format.hpp"
#include "meta/name_slots.hpp"
#include "meta/text_value.hpp"
#include "meta/xml_events.hpp"

namespace imgmeta::meta {
namespace {

constexpr std::string_view kRdfNs = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
constexpr std::string_view kXmlNs = "http://www.w3.org/XML/1998/namespace";
constexpr std::string_view kMetaNs = "adobe:ns:meta/";
constexpr std::string_view kXmpNs = "http://ns.adobe.com/xap/1.0/";
constexpr std::string_view kExifNs = "http://ns.adobe.com/exif/1.0/";
constexpr std::string_view kAuxNs = "http://ns.adobe.com/exif/1.0/aux/";
constexpr std::string_view kTiffNs = "http://ns.adobe.com/tiff/1.0/";
constexpr std::string_view kExifExNs = "http://cipa.jp/exif/1.0/";
constexpr std::string_view kPhotoshopNs = "http://ns.adobe.com/photoshop/1.0/";
constexpr std::string_view kIptcCoreNs = "http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/";
constexpr std::string_view kCrsNs = "http://ns.adobe.com/camera-raw-settings/1.0/";
constexpr std::string_view kPhotoMechNs = "http://ns.camerabits.com/photomechanic/1.0/";
constexpr std::string_view kGImageNs = "http://ns.google.com/photos/1.0/image/";
constexpr std::string_view kGDepthNs = "http://ns.google.com/photos/1.0/depthmap/";
// Some writers drop the trailing slash; ExifTool accepts both.
constexpr std::string_view kMicrosoftPhotoNs = "http://ns.microsoft.com/photo/1.0";

// Caps against hostile packets; real XMP nests about ten deep.
constexpr uint32_t kMaxDepth = 64;
constexpr uint32_t kMaxElements = 200000;
constexpr uint32_t kMaxValues = 200000;
constexpr size_t kMaxInput = 64u << 20;

// Flags a property hands down to its struct fields and array items.
enum : uint8_t {
  kLowPriority = 1,  // ExifTool gives XMP-exif, XMP-tiff (and xmp dates) priority 0: EXIF wins
  kExifLike = 2,     // EXIF-derived: rationals "a/b" are numbers
  kGps = 4,          // XMP part 2 1.2.7.4 GPSCoordinate "DDD,MM.mmk" -> signed degrees
  kDate = 8,         // a date: "YYYY-MM-DD" becomes "YYYY:MM:DD" as well
  kTime = 16,        // an IPTC-style time "HHMMSS-HHMM" (PhotoMechanic's TimeCreated)
  kBinary = 32,      // base64 data: reported by size, like ExifTool, never held
};

// Fields the container parser owns: XMP may add them but never replace them.
bool container_owned(std::string_view name) {
  return name == "FileType" || name == "FileTypeExtension" || name == "MIMEType" || name == "ImageWidth" ||
         name == "ImageHeight";
}

std::string capitalized(std::string_view local) {
  std::string s(local);
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
  return s;
}

bool is_date_name(std::string_view local) {
  static constexpr std::string_view kDates[] = {"CreateDate",       "ModifyDate",        "MetadataDate",
                                                "DateCreated",      "DateTimeOriginal",  "DateTimeDigitized",
                                                "DateTime",         "CreationDate",      "ModDate",
                                                "when",             "DateAcquired",      "GPSTimeStamp"};
  return std::find(std::begin(kDates), std::end(kDates), local) != std::end(kDates);
}

// ExifTool's name for a top-level property where it is not the capitalised local name.
std::string property_name(std::string_view ns, std::string_view local) {
  struct Rename {
    std::string_view ns, local;
    FieldId field;
  };
  static constexpr Rename kRenames[] = {
      {kExifNs, "ExposureBiasValue", "ExposureCompensation"_f},
      {kExifNs, "FocalLengthIn35mmFilm", "FocalLengthIn35mmFormat"_f},
      {kExifNs, "ISOSpeedRatings", "ISO"_f},
      {kExifNs, "PixelXDimension", "ExifImageWidth"_f},
      {kExifNs, "PixelYDimension", "ExifImageHeight"_f},
      {kExifNs, "GPSTimeStamp", "GPSDateTime"_f},
      {kExifNs, "OECF", "Opto-ElectricConvFactor"_f},
      {kTiffNs, "ImageLength", "ImageHeight"_f},
      {kTiffNs, "DateTime", "ModifyDate"_f},
      {kExifExNs, "BodySerialNumber", "SerialNumber"_f},
      {kExifExNs, "LensSpecification", "LensInfo"_f},
      {kExifExNs, "CameraOwnerName", "OwnerName"_f},
      {kPhotoshopNs, "ICCProfile", "ICCProfileName"_f},
      {kIptcCoreNs, "CreatorContactInfo", "Creator"_f},
      {kCrsNs, "Temperature", "ColorTemperature"_f},
      {kGImageNs, "Data", "ImageData"_f},
      {kGDepthNs, "Data", "DepthImage"_f},
      {kGDepthNs, "Confidence", "ConfidenceMap"_f},
  };
  for (const auto& r : kRenames)
    if (r.ns == ns && r.local == local) return std::string(field_name(r.field));
  if (ns.starts_with(kMicrosoftPhotoNs) && local == "Rating") return "RatingPercent";
  return capitalized(local);
}

// A struct field's part of a flattened name.
std::string field_name(std::string_view local) {
  // Iptc4xmpCore ContactInfo fields (CiAdrCity, ...) as ExifTool names them.
  struct Rename {
    std::string_view local, name;
  };
  static constexpr Rename kContact[] = {{"CiAdrCity", "City"},         {"CiAdrCtry", "Country"},
                                        {"CiAdrExtadr", "Address"},    {"CiAdrPcode", "PostalCode"},
                                        {"CiAdrRegion", "Region"},     {"CiEmailWork", "WorkEmail"},
                                        {"CiTelWork", "WorkTelephone"}, {"CiUrlWork", "WorkURL"}};
  for (const auto& r : kContact)
    if (r.local == local) return std::string(r.name);
  return capitalized(local);
}

uint8_t property_flags(std::string_view ns, std::string_view local) {
  uint8_t f = is_date_name(local) ? kDate : 0;
  if (ns == kExifNs || ns == kTiffNs || ns == kExifExNs) f |= kLowPriority | kExifLike;
  if (ns == kAuxNs) f |= kExifLike;
  if (ns == kXmpNs && (local == "CreateDate" || local == "ModifyDate" || local == "MetadataDate")) f |= kLowPriority;
  if (ns == kExifNs && (local == "GPSLatitude" || local == "GPSLongitude" || local == "GPSDestLatitude" ||
                        local == "GPSDestLongitude"))
    f |= kGps;
  if (ns == kPhotoMechNs && local == "TimeCreated") f |= kTime;
  if ((ns == kGImageNs && local == "Data") || (ns == kGDepthNs && (local == "Data" || local == "Confidence")))
    f |= kBinary;
  return f;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// ExifTool's ConvertXMPDate: "2002-07-13T15:58:28+02:00" -> "2002:07:13 15:58:28+02:00"
// (seconds optional, anything after kept); for known date properties also "2002-07-13" ->
// "2002:07:13". ISO 16684-1 8.2.1.1 (Date) follows ISO 8601 / W3C-DTF. Changes the value
// in place, and only when it is a date: most values are not, and are not copied.
void xmp_date(std::string& value, bool known_date) {
  const std::string_view v = value;
  auto digits_at = [&](size_t at, size_t n) {
    if (at + n > v.size()) return false;
    for (size_t i = 0; i < n; ++i)
      if (!is_digit(v[at + i])) return false;
    return true;
  };
  if (digits_at(0, 4) && v.size() >= 16 && v[4] == '-' && digits_at(5, 2) && v[7] == '-' && digits_at(8, 2) &&
      v[10] == 'T' && digits_at(11, 2) && v[13] == ':' && digits_at(14, 2)) {
    size_t rest = 16;
    if (v.size() >= 19 && v[16] == ':' && digits_at(17, 2)) rest = 19;
    std::string_view tail = v.substr(rest);
    if (tail.find_first_of(" \t\r\n") == std::string_view::npos) {
      std::string out;
      out.reserve(v.size());
      out.append(v.substr(0, 4)).append(":").append(v.substr(5, 2)).append(":").append(v.substr(8, 2));
      out.append(" ").append(v.substr(11, rest - 11)).append(tail);
      value = std::move(out);
      return;
    }
  }
  if (known_date && digits_at(0, 4)) std::replace(value.begin(), value.end(), '-', ':');
}

// XMP part 2 1.2.7.4 GPSCoordinate: "DDD,MM,SSk" or "DDD,MM.mmk", k one of N S E W.
// Like ExifTool, the numbers are taken leniently and S or W makes the result negative.
bool gps_degrees(std::string_view v, double& out) {
  double parts[3] = {0, 0, 0};
  int n = 0;
  size_t i = 0;
  while (i < v.size() && n < 3) {
    if (is_digit(v[i]) || (v[i] == '.' && i + 1 < v.size() && is_digit(v[i + 1]))) {
      size_t start = i;
      while (i < v.size() && (is_digit(v[i]) || v[i] == '.')) ++i;
      parts[n++] = std::strtod(std::string(v.substr(start, i - start)).c_str(), nullptr);
    } else {
      ++i;
    }
  }
  if (n == 0) return false;
  double deg = parts[0] + (parts[1] + parts[2] / 60) / 60;
  char ref = v.empty() ? '\0' : v.back();
  if (ref == 'S' || ref == 's' || ref == 'W' || ref == 'w') deg = -deg;
  out = round_sig15(deg);
  return true;
}

// "a/b" with integers a and b (b non-zero) as a number, for EXIF rationals in XMP.
bool rational(std::string_view v, double& out) {
  size_t slash = v.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 >= v.size()) return false;
  std::string_view a = v.substr(0, slash), b = v.substr(slash + 1);
  if (a[0] == '-' || a[0] == '+') a.remove_prefix(1);
  if (a.empty() || !std::all_of(a.begin(), a.end(), is_digit) || !std::all_of(b.begin(), b.end(), is_digit))
    return false;
  double den = std::strtod(std::string(b).c_str(), nullptr);
  if (den == 0) return false;
  out = round_sig15(std::strtod(std::string(v.substr(0, slash)).c_str(), nullptr) / den);
  return true;
}

// ExifTool's ExifTime, as for IPTC: "062751-0500" -> "06:27:51-05:00".
std::string iptc_style_time(std::string_view v) {
  if (v.size() < 6 || !std::all_of(v.begin(), v.begin() + 6, is_digit)) return std::string(v);
  std::string out;
  out.append(v.substr(0, 2)).append(":").append(v.substr(2, 2)).append(":").append(v.substr(4, 2));
  std::string_view zone = v.substr(6);
  if (zone.size() == 5 && (zone[0] == '+' || zone[0] == '-') && std::all_of(zone.begin() + 1, zone.end(), is_digit))
    out.append(zone.substr(0, 3)).append(":").append(zone.substr(3));
  else
    out.append(zone);
  return out;
}

// Space-separated rationals (aux:LensInfo "24/1 70/1 0/0 0/0") the way ExifTool prints
// them: each as a number, "undef" for a zero denominator.
bool rational_list(std::string_view v, std::string& out) {
  if (v.find(' ') == std::string_view::npos) return false;
  std::string result;
  size_t i = 0;
  while (i < v.size()) {
    size_t j = v.find(' ', i);
    if (j == std::string_view::npos) j = v.size();
    std::string_view part = v.substr(i, j - i);
    i = j + 1;
    if (part.empty()) continue;
    size_t slash = part.find('/');
    if (slash == std::string_view::npos || slash == 0 || slash + 1 >= part.size()) return false;
    std::string_view a = part.substr(0, slash), b = part.substr(slash + 1);
    if (a[0] == '-') a.remove_prefix(1);
    if (a.empty() || !std::all_of(a.begin(), a.end(), is_digit) || !std::all_of(b.begin(), b.end(), is_digit))
      return false;
    if (!result.empty()) result += ' ';
    double den = std::strtod(std::string(b).c_str(), nullptr);
    if (den == 0) {
      result += "undef";
      continue;
    }
    append_general(result, std::strtod(std::string(part.substr(0, slash)).c_str(), nullptr) / den, 15);
  }
  out = std::move(result);
  return !out.empty();
}

// ExifTool reports base64 data by its decoded size, never the data itself.
std::string binary_summary(uint64_t chars, uint64_t pad) {
  uint64_t bytes = chars * 6 / 8;
  bytes -= std::min(bytes, pad);
  return "(Binary data " + std::to_string(bytes) + " bytes, use -b option to extract)";
}

struct Entry {
  std::string name;
  uint8_t flags = 0;
  bool list = false;
  std::vector<std::string> values;
};

// What an open element is in the RDF grammar (RDF/XML syntax, section 7.2).
enum class Kind {
  Outside,    // around rdf:RDF (x:xmpmeta, the packet wrapper)
  Rdf,        // rdf:RDF
  Node,       // rdf:Description: a top-level node or a struct value
  Property,   // a property element: simple value, struct or array holder
  Container,  // rdf:Bag, rdf:Seq or rdf:Alt
  Item,       // rdf:li
  Skip,       // anything else, with its contents
};

struct Frame {
  Kind kind = Kind::Skip;
  std::string name;          // flattened tag name (Node: the struct's name, "" at top level)
  uint8_t flags = 0;
  bool in_list = false;      // under a Bag or Seq: values append
  bool fields = false;       // Property/Item whose children are struct fields
  bool has_children = false; // Property/Item: saw child elements, so no simple value
  bool has_value = false;    // Property/Item: rdf:resource gave the value
  bool alt = false;          // Container: rdf:Alt (x-default or first item)
  bool x_default = false;    // Item: xml:lang="x-default"
  std::string text;
  uint64_t b64_chars = 0, b64_pad = 0;  // kBinary: base64 characters seen, '=' among them
  bool has_items = false;  // Container: saw an rdf:li
  // Container (rdf:Alt): the chosen item so far.
  bool alt_has = false, alt_default = false;
  std::string alt_value;
};

class XmpReader final : XmlEvents {
 public:
  explicit XmpReader(Context& ctx) : ctx_(ctx), md_(ctx.md) { slots_.reset(0); }

  void parse(std::string_view xml);

 private:
  bool start(XmlName name, std::span<const XmlAttribute> attributes) override;
  bool end() override;
  void close(Frame f);
  bool text(std::string_view piece) override;
  bool doctype() override { return refuse("a DOCTYPE (entity declarations are not allowed in XMP)"); }
  bool refuse(const std::string& what);
  void node_attributes(const Frame& node, std::span<const XmlAttribute> attributes);
  void property_attributes(Frame& prop, std::span<const XmlAttribute> attributes);
  void add(const std::string& name, uint8_t flags, bool in_list, std::string value);
  std::string value_of(std::string_view text) const { return runs_.restored(text); }
  std::string binary_value_of(std::string_view base64) const {
    uint64_t chars = 0, pad = 0;
    runs_.count_base64(base64, chars, pad);
    return binary_summary(chars, pad);
  }
  void emit();
  int64_t flash_from_struct() const;

  Context& ctx_;
  Metadata& md_;
  Base64Runs runs_;  // long base64 runs kept out of the XML parser's way
  std::vector<Frame> stack_;
  // Entries in the order their names first came, found by name through slots_.
  std::vector<Entry> entries_;
  NameSlots slots_;
  size_t slot_of(std::string_view name) const;  // the slot holding name, or the empty one it would take
  const Entry* find_entry(std::string_view name) const;
  void rehash();
  uint32_t elements_ = 0;
  uint32_t values_ = 0;
  bool stopped_ = false;
  bool text_capped_ = false;
};

bool XmpReader::refuse(const std::string& what) {
  if (!stopped_) md_.warn("XMP: packet holds " + what + "; parsing stopped");
  stopped_ = true;
  return false;
}

size_t XmpReader::slot_of(std::string_view name) const {
  return slots_.find(name, [this](size_t position) { return std::string_view(entries_[position].name); });
}

const Entry* XmpReader::find_entry(std::string_view name) const {
  const uint32_t held = slots_.held(slot_of(name));
  return held ? &entries_[held - 1] : nullptr;
}

void XmpReader::rehash() {
  slots_.reset(entries_.size());
  for (size_t i = 0; i < entries_.size(); ++i) slots_.put(slot_of(entries_[i].name), i);
}

void XmpReader::add(const std::string& name, uint8_t flags, bool in_list, std::string value) {
  if (name.empty()) return;
  if (++values_ > kMaxValues) {
    refuse("more than " + std::to_string(kMaxValues) + " values");
    return;
  }
  const size_t slot = slot_of(name);
  size_t at = slots_.held(slot);  // position + 1
  if (at == 0) {
    entries_.push_back(Entry{name, flags, in_list, {}});
    at = entries_.size();
    slots_.put(slot, at - 1);
    if (slots_.full_for(entries_.size())) rehash();
  }
  Entry& e = entries_[at - 1];
  e.flags |= flags;
  e.list |= in_list;
  if (!in_list && !e.values.empty()) {
    // A simple property given twice: the later one stands, except at ExifTool's priority 0
    // (XMP-exif and XMP-tiff both hold NativeDigest), where the first does.
    if (flags & kLowPriority) return;
    e.values.clear();
  }
  e.values.push_back(std::move(value));
}

// Attributes of rdf:Description are properties (top level) or fields (struct): RDF/XML 7.2.
void XmpReader::node_attributes(const Frame& node, std::span<const XmlAttribute> attributes) {
  for (const auto& [q, value] : attributes) {
    bool rdf = q.ns == kRdfNs || (q.ns.empty() && q.local == "about");
    if (rdf && q.local == "about") {
      if (node.name.empty() && !value.empty()) add("About", 0, false, value_of(value));
      continue;
    }
    if (rdf || q.ns == kXmlNs || q.ns.empty()) continue;
    if (node.name.empty()) {
      uint8_t f = property_flags(q.ns, q.local);
      add(property_name(q.ns, q.local), f, false, f & kBinary ? binary_value_of(value) : value_of(value));
    } else {
      uint8_t f = static_cast<uint8_t>(node.flags | (is_date_name(q.local) ? kDate : 0));
      add(node.name + field_name(q.local), f, node.in_list, value_of(value));
    }
  }
}

// Attributes of a property element or rdf:li: rdf:resource (the value is a URI),
// rdf:parseType="Resource" (children are struct fields), xml:lang, and otherwise
// shorthand struct fields (RDF/XML 7.2.21 emptyPropertyElt with property attributes).
void XmpReader::property_attributes(Frame& prop, std::span<const XmlAttribute> attributes) {
  for (const auto& [q, value] : attributes) {
    if (q.ns == kRdfNs) {
      if (q.local == "resource") {
        prop.text = value_of(value);
        prop.has_value = true;
      } else if (q.local == "parseType" && value == "Resource") {
        prop.fields = true;
      }
    } else if (q.ns == kXmlNs) {
      if (q.local == "lang" && value == "x-default") prop.x_default = true;
    } else if (!q.ns.empty()) {
      prop.has_children = true;
      uint8_t f = static_cast<uint8_t>(prop.flags | (is_date_name(q.local) ? kDate : 0));
      add(prop.name + field_name(q.local), f, prop.in_list, value_of(value));
    }
  }
}

// The events stop at the first call that returns false, so none comes once stopped_ is set.
bool XmpReader::start(XmlName q, std::span<const XmlAttribute> attributes) {
  if (++elements_ > kMaxElements) return refuse("more than " + std::to_string(kMaxElements) + " elements");
  if (stack_.size() >= kMaxDepth) return refuse("elements nested deeper than " + std::to_string(kMaxDepth));
  bool rdf = q.ns == kRdfNs;
  Frame f;
  Frame* parent = stack_.empty() ? nullptr : &stack_.back();
  Kind pk = parent ? parent->kind : Kind::Outside;

  switch (pk) {
    case Kind::Outside:
      if (rdf && q.local == "RDF") {
        f.kind = Kind::Rdf;
      } else {
        f.kind = Kind::Outside;
        // The packet wrapper x:xmpmeta (x:xapmeta before XMP 2004) names the toolkit.
        if (q.ns == kMetaNs)
          for (const auto& [a, value] : attributes) {
            if (a.ns == kMetaNs && (a.local == "xmptk" || a.local == "xaptk"))
              add("XMPToolkit", 0, false, value_of(value));
          }
      }
      break;
    case Kind::Rdf:
      // RDF/XML 7.2.11 nodeElement: rdf:Description (or a typed node) at the top level.
      f.kind = Kind::Node;
      node_attributes(f, attributes);
      break;
    case Kind::Node: {
      // 7.2.14 propertyElt: a property of the node (top level) or a field of the struct.
      f.kind = Kind::Property;
      if (parent->name.empty()) {
        f.name = property_name(q.ns, q.local);
        f.flags = property_flags(q.ns, q.local);
      } else {
        f.name = parent->name + field_name(q.local);
        f.flags = static_cast<uint8_t>(parent->flags | (is_date_name(q.local) ? kDate : 0));
      }
      f.in_list = parent->in_list;
      property_attributes(f, attributes);
      break;
    }
    case Kind::Property:
    case Kind::Item:
      parent->has_children = true;
      f.in_list = parent->in_list;
      f.flags = parent->flags;
      if (rdf && (q.local == "Bag" || q.local == "Seq" || q.local == "Alt")) {
        f.kind = Kind::Container;
        f.name = parent->name;
        f.alt = q.local == "Alt";
        if (!f.alt) f.in_list = true;
      } else if (rdf && q.local == "Description") {
        f.kind = Kind::Node;  // a struct value
        f.name = parent->name;
        node_attributes(f, attributes);
      } else if (rdf && q.local == "value") {
        f.kind = Kind::Property;  // the value of a qualified property
        f.name = parent->name;
        property_attributes(f, attributes);
      } else if (!rdf) {
        // A field of a parseType="Resource" struct (also accepted without the attribute).
        f.kind = Kind::Property;
        f.name = parent->name + field_name(q.local);
        f.flags = static_cast<uint8_t>(f.flags | (is_date_name(q.local) ? kDate : 0));
        property_attributes(f, attributes);
      }
      break;
    case Kind::Container:
      if (rdf && q.local == "li") {
        parent->has_items = true;
        f.kind = Kind::Item;
        f.name = parent->name;
        f.flags = parent->flags;
        f.in_list = parent->in_list;
        property_attributes(f, attributes);
      }
      break;
    case Kind::Skip:
      break;
  }
  stack_.push_back(std::move(f));
  return !stopped_;
}

bool XmpReader::end() {
  Frame f = std::move(stack_.back());
  stack_.pop_back();
  close(std::move(f));
  // At the end of the root element the document is over: what follows is the packet's
  // padding (often half its bytes) and the closing processing instruction.
  return !stack_.empty() && !stopped_;
}

void XmpReader::close(Frame f) {
  Frame* parent = stack_.empty() ? nullptr : &stack_.back();
  if (f.kind == Kind::Container) {
    if (f.alt && f.alt_has) add(f.name, f.flags, f.in_list, std::move(f.alt_value));
    // ExifTool reports an empty array as an empty string.
    else if (!f.has_items && !find_entry(f.name)) add(f.name, f.flags, false, std::string());
    return;
  }
  if ((f.kind != Kind::Property && f.kind != Kind::Item) || (f.has_children && !f.has_value) || f.fields) return;
  if (f.kind == Kind::Item && parent && parent->kind == Kind::Container && parent->alt) {
    // XMP part 1 8.2.2.4: a language alternative; "x-default" first, else the first item.
    if (!parent->alt_has || (f.x_default && !parent->alt_default)) {
      parent->alt_value = std::move(f.text);
      parent->alt_has = true;
      parent->alt_default = f.x_default;
    }
    return;
  }
  if ((f.flags & kBinary) && !f.has_value) f.text = binary_summary(f.b64_chars, f.b64_pad);
  add(f.name, f.flags, f.in_list, std::move(f.text));
}

bool XmpReader::text(std::string_view piece) {
  Frame& f = stack_.back();
  if (piece.empty() || (f.kind != Kind::Property && f.kind != Kind::Item) || f.has_value || f.has_children) return true;
  if (f.flags & kBinary) {
    runs_.count_base64(piece, f.b64_chars, f.b64_pad);
  } else if (f.text.size() + runs_.restored_size(piece) > ctx_.limits().max_value_bytes) {
    if (!text_capped_) md_.warn("XMP: value of " + f.name + " exceeds " + std::to_string(ctx_.limits().max_value_bytes) + " bytes; cut");
    text_capped_ = true;
  } else {
    runs_.append_restored(f.text, piece);
  }
  return true;
}

// ExifTool's Composite:Flash from the XMP-exif Flash struct, in the bits of EXIF 2.32
// 4.6.5 (Flash, tag 0x9209): fired, return (2 bits), mode (2 bits), function, red-eye.
int64_t XmpReader::flash_from_struct() const {
  auto field = [&](const char* name) -> const std::string* {
    const Entry* found = find_entry(name);
    if (!found) return nullptr;
    const Entry& e = *found;
    return (e.flags & kLowPriority) && e.values.size() == 1 ? &e.values.front() : nullptr;
  };
  auto is_true = [](const std::string* v) { return v && v->size() == 4 && (((*v)[0] | 0x20) == 't'); };
  auto number = [](const std::string* v) { return v ? std::strtol(v->c_str(), nullptr, 10) & 3 : 0; };
  const std::string* fired = field("FlashFired");
  const std::string* ret = field("FlashReturn");
  const std::string* mode = field("FlashMode");
  const std::string* function = field("FlashFunction");
  const std::string* red_eye = field("FlashRedEyeMode");
  if (!fired && !ret && !mode && !function && !red_eye) return -1;
  return (is_true(fired) ? 0x01 : 0) | number(ret) << 1 | number(mode) << 3 | (is_true(function) ? 0x20 : 0) |
         (is_true(red_eye) ? 0x40 : 0);
}

void XmpReader::emit() {
  int64_t flash = flash_from_struct();
  for (auto& e : entries_) {
    for (auto& v : e.values) {
      if (e.flags & kTime) v = iptc_style_time(v);
      else if (!(e.flags & kGps)) xmp_date(v, (e.flags & kDate) != 0);
    }
    Value value;
    std::string text;
    if (e.values.size() == 1) {
      // `exiftool -j` prints a one-item list as its item.
      double d;
      std::string& v = e.values.front();
      if ((e.flags & kGps) && gps_degrees(v, d)) value = d;
      else if ((e.flags & kExifLike) && rational(v, d)) value = d;
      else if ((e.flags & kExifLike) && rational_list(v, text)) value = std::move(text);
      else value = json_typed(std::move(v));
    } else if (e.values.empty()) {
      continue;
    } else {
      value = std::move(e.values);
    }
    if ((e.flags & kLowPriority) || container_owned(e.name)) md_.set_default(e.name, std::move(value));
    else md_.set(e.name, std::move(value));
  }
  if (flash >= 0) md_.set_default("Flash"_f, flash);
}

void XmpReader::parse(std::string_view xml) {
  // Whitespace before the packet is harmless to XMP readers but not to an XML parser.
  while (!xml.empty() && (xml.front() == ' ' || xml.front() == '\t' || xml.front() == '\r' || xml.front() == '\n'))
    xml.remove_prefix(1);
  if (xml.empty()) return;
  if (xml.size() > kMaxInput) return md_.warn("XMP: packet of " + std::to_string(xml.size()) + " bytes is too large");

  std::string elided;
  std::string_view packet = runs_.elide(xml, elided);
  // An element or an attribute needs a '<' or an '='; the tree is bounded by the caps below.
  XmlReadOptions options{.max_markup = 2 * std::max(kMaxElements, kMaxValues) + 16, .max_depth = kMaxDepth + 1};
  if (auto error = read_xml(packet, *this, options)) {
    // Keep what was read before the error, as ExifTool does, and say where it broke.
    std::string where;
    if (error->line) where = " at line " + std::to_string(error->line) + ", column " + std::to_string(error->column);
    md_.warn("XMP: " + error->what + where);
  }
  emit();
}

}  // namespace

void parse_xmp(std::string_view xml, Context& ctx) {
  XmpReader reader(ctx);
  reader.parse(xml);
}

}  // namespace imgmeta::meta
