// Derived fields, computed once every block of a file is parsed (ExifTool's "Composite"
// group, and the normalised values the service sorts and filters on).
#include <cstdio>
#include <optional>

#include "meta/formats.hpp"

namespace imgmeta::meta {
namespace {

struct LocalTime {
  int year, month, day, hour, minute, second;
};

// "YYYY:MM:DD HH:MM:SS" (EXIF 2.32 section 4.6.5, DateTime) with an optional trailing
// "+HH:MM"/"-HH:MM"/"Z" as ExifTool prints XMP dates. Returns the offset in minutes when the
// string carries one.
std::optional<LocalTime> parse_exif_date(const std::string& s, std::optional<int>& inline_offset) {
  LocalTime t{};
  int consumed = 0;
  if (std::sscanf(s.c_str(), "%4d:%2d:%2d %2d:%2d:%2d%n", &t.year, &t.month, &t.day, &t.hour, &t.minute, &t.second,
                  &consumed) != 6)
    return std::nullopt;
  if (t.year < 1 || t.month < 1 || t.month > 12 || t.day < 1 || t.day > 31 || t.hour > 23 || t.minute > 59 ||
      t.second > 60)
    return std::nullopt;
  std::string rest = s.substr(static_cast<size_t>(consumed));
  if (!rest.empty() && rest[0] == '.') {  // fractional seconds before the zone
    size_t i = 1;
    while (i < rest.size() && rest[i] >= '0' && rest[i] <= '9') ++i;
    rest = rest.substr(i);
  }
  int oh = 0, om = 0;
  if (rest == "Z") inline_offset = 0;
  else if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && std::sscanf(rest.c_str() + 1, "%2d:%2d", &oh, &om) == 2)
    inline_offset = (rest[0] == '-' ? -1 : 1) * (oh * 60 + om);
  return t;
}

// "+HH:MM" / "-HH:MM" (EXIF 2.32 OffsetTime*), in minutes.
std::optional<int> parse_offset(const std::string* s) {
  int h = 0, m = 0;
  if (!s || s->size() < 6 || ((*s)[0] != '+' && (*s)[0] != '-')) return std::nullopt;
  if (std::sscanf(s->c_str() + 1, "%2d:%2d", &h, &m) != 2 || h > 14 || m > 59) return std::nullopt;
  return ((*s)[0] == '-' ? -1 : 1) * (h * 60 + m);
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void civil_from_days(int64_t z, int& y, int& m, int& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  y = static_cast<int>(yoe + era * 400 + (m <= 2));
}

std::string format_offset(int minutes) {
  char buf[8];
  int a = minutes < 0 ? -minutes : minutes;
  std::snprintf(buf, sizeof buf, "%c%02d:%02d", minutes < 0 ? '-' : '+', a / 60 % 100, a % 60);
  return buf;
}

// DateTimeOriginal pairs with OffsetTimeOriginal, CreateDate with OffsetTimeDigitized
// (EXIF 2.32 section 4.6.6); the plain OffsetTime belongs to ModifyDate only.
void add_utc(Metadata& md, const char* date_field, const char* offset_field, const char* subsec_field) {
  const std::string* date = md.get_string(date_field);
  if (!date) return;
  std::optional<int> offset;
  auto t = parse_exif_date(*date, offset);
  if (!t) return;
  if (!offset) offset = parse_offset(md.get_string(offset_field));
  std::string zone_field = std::string(date_field) + "TimeZone";
  if (!offset) {
    md.set(zone_field, std::string("local"));  // no offset recorded: wall-clock time, zone unknown
    return;
  }
  md.set(zone_field, format_offset(*offset));
  int64_t secs = days_from_civil(t->year, t->month, t->day) * 86400 + t->hour * 3600 + t->minute * 60 + t->second -
                 int64_t{*offset} * 60;
  int y, mo, d;
  civil_from_days(secs >= 0 ? secs / 86400 : (secs - 86399) / 86400, y, mo, d);
  int64_t sod = secs - days_from_civil(y, mo, d) * 86400;
  std::string frac;
  if (const std::string* sub = md.get_string(subsec_field)) {
    for (char c : *sub) {
      if (c < '0' || c > '9' || frac.size() >= 9) break;
      frac += c;
    }
    if (!frac.empty()) frac = "." + frac;
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d%sZ", y, mo, d, static_cast<int>(sod / 3600),
                static_cast<int>(sod / 60 % 60), static_cast<int>(sod % 60), frac.c_str());
  md.set(std::string(date_field) + "UTC", std::string(buf));
}

// Width and height as shown: EXIF orientations 5-8 (EXIF 2.32 section 4.6.4 A, Orientation)
// swap the axes. HEIF/AVIF parsers set these themselves from irot/imir.
void add_display_size(Metadata& md) {
  double w = 0, h = 0, orientation = 1;
  if (md.has("DisplayWidth") || !md.get_number("ImageWidth", w) || !md.get_number("ImageHeight", h)) return;
  md.get_number("Orientation", orientation);
  bool swap = orientation >= 5 && orientation <= 8;
  md.set("DisplayWidth", static_cast<int64_t>(swap ? h : w));
  md.set("DisplayHeight", static_cast<int64_t>(swap ? w : h));
}

void add_image_size(Metadata& md) {
  double w = 0, h = 0;
  if (!md.get_number("ImageWidth", w) || !md.get_number("ImageHeight", h)) return;
  md.set_default("ImageSize", std::to_string(static_cast<int64_t>(w)) + " " + std::to_string(static_cast<int64_t>(h)));
  md.set_default("Megapixels", w * h / 1e6);
}

}  // namespace

void add_composite_fields(Context& ctx) {
  Metadata& md = ctx.md;
  add_image_size(md);
  add_display_size(md);
  add_utc(md, "DateTimeOriginal", "OffsetTimeOriginal", "SubSecTimeOriginal");
  add_utc(md, "CreateDate", "OffsetTimeDigitized", "SubSecTimeDigitized");
}

}  // namespace imgmeta::meta
