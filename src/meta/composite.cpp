// Derived fields, computed once every block of a file is parsed (ExifTool's "Composite"
// group, and the normalised values the service sorts and filters on).
#include <cmath>
#include <optional>

#include "meta/decimal_fields.hpp"
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
  const std::string_view text(s);
  size_t at = 0;
  // scanf's "%4d:%2d:%2d %2d:%2d:%2d"
  bool ok = scan_int(text, at, 4, t.year) && scan_char(text, at, ':') && scan_int(text, at, 2, t.month) &&
            scan_char(text, at, ':') && scan_int(text, at, 2, t.day);
  if (ok) scan_spaces(text, at);
  ok = ok && scan_int(text, at, 2, t.hour) && scan_char(text, at, ':') && scan_int(text, at, 2, t.minute) &&
       scan_char(text, at, ':') && scan_int(text, at, 2, t.second);
  if (!ok) return std::nullopt;
  if (t.year < 1 || t.month < 1 || t.month > 12 || t.day < 1 || t.day > 31 || t.hour > 23 || t.minute > 59 ||
      t.second > 60)
    return std::nullopt;
  std::string_view rest = text.substr(at);
  if (!rest.empty() && rest[0] == '.') {  // fractional seconds before the zone
    size_t i = 1;
    while (i < rest.size() && rest[i] >= '0' && rest[i] <= '9') ++i;
    rest = rest.substr(i);
  }
  int h = 0, m = 0;
  size_t at_zone = 1;
  if (rest == "Z") inline_offset = 0;
  else if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && scan_hours_minutes(rest, at_zone, h, m))
    inline_offset = (rest[0] == '-' ? -1 : 1) * (h * 60 + m);
  return t;
}

// "+HH:MM" / "-HH:MM" (EXIF 2.32 OffsetTime*), in minutes.
std::optional<int> parse_offset(const std::string* s) {
  if (!s || s->size() < 6 || ((*s)[0] != '+' && (*s)[0] != '-')) return std::nullopt;
  size_t at = 1;
  int h = 0, m = 0;
  if (!scan_hours_minutes(*s, at, h, m) || h > 14 || m > 59) return std::nullopt;
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
  int a = minutes < 0 ? -minutes : minutes;
  std::string out(1, minutes < 0 ? '-' : '+');  // printf's "%c%02d:%02d"
  append_zero_padded(out, a / 60 % 100, 2);
  out += ':';
  append_zero_padded(out, a % 60, 2);
  return out;
}

int64_t epoch_seconds(const LocalTime& t) {
  return days_from_civil(t.year, t.month, t.day) * 86400 + t.hour * 3600 + t.minute * 60 + t.second;
}

// The GPS fix's time (EXIF 2.32 section 4.6.6: GPSDateStamp and GPSTimeStamp are UTC), as
// seconds since the epoch: ExifTool's GPSDateTime when a parser made it, else the two stamps.
std::optional<int64_t> gps_utc_seconds(const Metadata& md) {
  std::string joined;
  const std::string* text = md.get_string("GPSDateTime"_f);
  if (!text) {
    const std::string* date = md.get_string("GPSDateStamp"_f);
    const std::string* time = md.get_string("GPSTimeStamp"_f);
    if (!date || !time) return std::nullopt;
    joined = *date + " " + *time;
    text = &joined;
  }
  std::optional<int> zone;
  auto t = parse_exif_date(*text, zone);
  if (!t || (zone && *zone != 0)) return std::nullopt;
  return epoch_seconds(*t);
}

// A camera with no zone setting but a GPS receiver still tells us its zone: the wall-clock
// time minus the GPS (UTC) time, rounded to the nearest 15 minutes (the finest step real
// zones use, e.g. Nepal's +05:45). It is trusted only for a real zone (-12:00..+14:00) and
// when the two clocks then agree to within a minute; a fix from another moment (a stale
// fix, a clock off by minutes) gives nothing rather than a wrong zone.
constexpr int64_t kZoneStepSeconds = 15 * 60;
constexpr int64_t kMinZoneSeconds = -12 * 3600;
constexpr int64_t kMaxZoneSeconds = 14 * 3600;
constexpr int64_t kClockAgreementSeconds = 60;

// The GPS time, parsed once for both dates.
struct GpsClock {
  const Metadata& md;
  bool parsed = false;
  std::optional<int64_t> utc;
  const std::optional<int64_t>& get() {
    if (!parsed) utc = gps_utc_seconds(md);
    parsed = true;
    return utc;
  }
};

std::optional<int> zone_from_gps(GpsClock& gps, int64_t local_seconds) {
  const auto& utc = gps.get();
  if (!utc) return std::nullopt;
  int64_t diff = local_seconds - *utc;
  int64_t steps = (diff >= 0 ? diff + kZoneStepSeconds / 2 : diff - kZoneStepSeconds / 2) / kZoneStepSeconds;
  int64_t offset = steps * kZoneStepSeconds;
  if (offset < kMinZoneSeconds || offset > kMaxZoneSeconds) return std::nullopt;
  int64_t residual = diff - offset;
  if (residual <= -kClockAgreementSeconds || residual >= kClockAgreementSeconds) return std::nullopt;
  return static_cast<int>(offset / 60);
}

// DateTimeOriginal pairs with OffsetTimeOriginal, CreateDate with OffsetTimeDigitized
// (EXIF 2.32 section 4.6.6); the plain OffsetTime belongs to ModifyDate only. Without an
// offset, the zone may come from the GPS clock (zone_from_gps). <date>TimeZoneSource names
// where the zone came from: the offset tag, "GPSDateTime", or "none".
struct UtcFields {
  FieldId date, offset, subsec;  // read
  FieldId zone, zone_source, utc;  // written: <date>TimeZone, <date>TimeZoneSource, <date>UTC
};

void add_utc(Metadata& md, GpsClock& gps, const UtcFields& f) {
  const std::string* date = md.get_string(f.date);
  if (!date) return;
  std::optional<int> offset;
  auto t = parse_exif_date(*date, offset);
  if (!t) return;
  std::string source(field_name(f.offset));  // an inline XMP zone plays the offset tag's part
  if (!offset) offset = parse_offset(md.get_string(f.offset));
  if (!offset) {
    offset = zone_from_gps(gps, epoch_seconds(*t));
    source = "GPSDateTime";
  }
  if (!offset) {
    md.set(f.zone, std::string("local"));  // no offset recorded: wall-clock time, zone unknown
    md.set(f.zone_source, std::string("none"));
    return;
  }
  md.set(f.zone, format_offset(*offset));
  md.set(f.zone_source, std::move(source));
  int64_t secs = epoch_seconds(*t) - int64_t{*offset} * 60;
  int y, mo, d;
  civil_from_days(secs >= 0 ? secs / 86400 : (secs - 86399) / 86400, y, mo, d);
  int64_t sod = secs - days_from_civil(y, mo, d) * 86400;
  std::string frac;
  if (const std::string* sub = md.get_string(f.subsec)) {
    for (char c : *sub) {
      if (c < '0' || c > '9' || frac.size() >= 9) break;
      frac += c;
    }
    if (!frac.empty()) frac = "." + frac;
  }
  std::string utc;  // printf's "%04d-%02d-%02dT%02d:%02d:%02d%sZ"
  append_zero_padded(utc, y, 4);
  utc += '-';
  append_zero_padded(utc, mo, 2);
  utc += '-';
  append_zero_padded(utc, d, 2);
  utc += 'T';
  append_zero_padded(utc, sod / 3600, 2);
  utc += ':';
  append_zero_padded(utc, sod / 60 % 60, 2);
  utc += ':';
  append_zero_padded(utc, sod % 60, 2);
  utc += frac;
  utc += 'Z';
  md.set(f.utc, std::move(utc));
}

// Width and height as shown: EXIF orientations 5-8 (EXIF 2.32 section 4.6.4 A, Orientation)
// swap the axes. HEIF/AVIF parsers set these themselves from irot/imir.
void add_display_size(Metadata& md) {
  double w = 0, h = 0, orientation = 1;
  if (md.has("DisplayWidth"_f) || !md.get_number("ImageWidth"_f, w) || !md.get_number("ImageHeight"_f, h)) return;
  // A dimension read from a hostile file may be any double; only one int64_t holds is shown.
  if (!(std::fabs(w) < 9007199254740992.0) || !(std::fabs(h) < 9007199254740992.0)) return;
  md.get_number("Orientation"_f, orientation);
  bool swap = orientation >= 5 && orientation <= 8;
  md.set("DisplayWidth"_f, static_cast<int64_t>(swap ? h : w));
  md.set("DisplayHeight"_f, static_cast<int64_t>(swap ? w : h));
}

}  // namespace

void add_composite_fields(Context& ctx) {
  Metadata& md = ctx.md;
  add_exiftool_composites(ctx);
  add_display_size(md);
  GpsClock gps{md};
  add_utc(md, gps, {"DateTimeOriginal"_f, "OffsetTimeOriginal"_f, "SubSecTimeOriginal"_f, "DateTimeOriginalTimeZone"_f,
                    "DateTimeOriginalTimeZoneSource"_f, "DateTimeOriginalUTC"_f});
  add_utc(md, gps, {"CreateDate"_f, "OffsetTimeDigitized"_f, "SubSecTimeDigitized"_f, "CreateDateTimeZone"_f,
                    "CreateDateTimeZoneSource"_f, "CreateDateUTC"_f});
}

}  // namespace imgmeta::meta
