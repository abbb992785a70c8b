// ExifTool's Composite tags that EXIF (and XMP) alone determine, computed as ExifTool 12.57
// computes them with -n: the definitions are %Image::ExifTool::Exif::Composite in
// lib/Image/ExifTool/Exif.pm (with CalculateLV and CalcScaleFactor35efl there, and
// CalcSensorDiag in Canon.pm). Maker-note inputs (BulbDuration, FocusDistance,
// FocalPlaneDiagonal, CanonImageWidth, LensType...) are not read, so the composites that
// depend on them are left out or computed from the EXIF inputs alone.
#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "meta/decimal_fields.hpp"
#include "meta/formats.hpp"
#include "meta/text_value.hpp"

namespace imgmeta::meta {
namespace {

// Whether any white-balance levels field is present (most files have none).
bool any_white_balance(const Metadata& md) {
  static constexpr FieldId kLevels[] = {"WB_RGGBLevels"_f, "WB_RGBGLevels"_f, "WB_RBGGLevels"_f, "WB_GRBGLevels"_f,
                                        "WB_GRGBLevels"_f, "WB_GBRGLevels"_f, "WB_RGBLevels"_f,  "WB_GRBLevels"_f,
                                        "WB_RBLevels"_f,   "WBRedLevel"_f,    "WBGreenLevel"_f,  "WBBlueLevel"_f};
  return std::any_of(std::begin(kLevels), std::end(kLevels), [&](FieldId id) { return md.has(id); });
}

// Perl's ToFloat: the first decimal number in the value's text, or nothing.
std::optional<double> to_float(const Value* v) {
  if (!v) return std::nullopt;
  if (auto* i = std::get_if<int64_t>(v)) return static_cast<double>(*i);
  if (auto* d = std::get_if<double>(v)) return std::isfinite(*d) ? std::optional<double>(*d) : std::nullopt;
  if (auto* b = std::get_if<bool>(v)) return *b ? 1.0 : 0.0;
  if (auto* list = std::get_if<std::vector<double>>(v)) {
    if (list->empty() || !std::isfinite(list->front())) return std::nullopt;
    return list->front();
  }
  const std::string* s = std::get_if<std::string>(v);
  if (auto* list = std::get_if<std::vector<std::string>>(v)) s = list->empty() ? nullptr : &list->front();
  if (!s) return std::nullopt;
  for (size_t i = 0; i < s->size(); ++i) {
    char c = (*s)[i];
    bool digit_next = i + 1 < s->size() && (*s)[i + 1] >= '0' && (*s)[i + 1] <= '9';
    bool starts = (c >= '0' && c <= '9') || ((c == '+' || c == '-' || c == '.') && digit_next) ||
                  ((c == '+' || c == '-') && i + 2 < s->size() && (*s)[i + 1] == '.' && (*s)[i + 2] >= '0' &&
                   (*s)[i + 2] <= '9');
    if (!starts) continue;
    char* stop = nullptr;
    double x = std::strtod(s->c_str() + i, &stop);
    if (stop == s->c_str() + i || !std::isfinite(x)) return std::nullopt;
    return x;
  }
  return std::nullopt;
}

std::optional<double> number(const Metadata& md, FieldId name) { return to_float(md.get(name)); }

// Perl truth: undef, 0, "" and "0" are false.
bool truthy(const Value* v) {
  if (!v) return false;
  if (auto* s = std::get_if<std::string>(v)) return !s->empty() && *s != "0";
  if (auto* i = std::get_if<int64_t>(v)) return *i != 0;
  if (auto* d = std::get_if<double>(v)) return *d != 0;
  if (auto* b = std::get_if<bool>(v)) return *b;
  return true;
}

// ShutterSpeed: ExposureTime, else ShutterSpeedValue (BulbDuration is a maker-note tag).
void add_shutter_speed(Metadata& md) {
  const Value* v = md.get("ExposureTime"_f);
  if (!v) v = md.get("ShutterSpeedValue"_f);
  if (v) md.set_default("ShutterSpeed"_f, Value(*v));
}

// Aperture: FNumber, else ApertureValue, when either is true in Perl's sense.
void add_aperture(Metadata& md) {
  const Value* f = md.get("FNumber"_f);
  const Value* a = md.get("ApertureValue"_f);
  if (truthy(f)) md.set_default("Aperture"_f, Value(*f));
  else if (truthy(a)) md.set_default("Aperture"_f, Value(*a));
}

// LightValue = log2(Aperture^2 * 100 / (ShutterSpeed * ISO)), every input > 0 (CalculateLV).
void add_light_value(Metadata& md) {
  auto a = number(md, "Aperture"_f), t = number(md, "ShutterSpeed"_f), iso = number(md, "ISO"_f);
  if (!a || !t || !iso || *a <= 0 || *t <= 0 || *iso <= 0) return;
  md.set_default("LightValue"_f, std::log(*a * *a * 100 / (*t * *iso)) / std::log(2.0));
}

// Canon's sensor diagonal from FocalPlaneX/YResolution (Canon.pm CalcSensorDiag): the
// numerators are the image size * 1000 and the denominators the sensor size in inches * 1000.
std::optional<double> canon_sensor_diagonal(const CompositeFacts& f) {
  const double xn = f.focal_plane_x_res[0], xd = f.focal_plane_x_res[1];
  const double yn = f.focal_plane_y_res[0], yd = f.focal_plane_y_res[1];
  if (xd == 0 || yd == 0) return std::nullopt;
  if (std::fmod(xn, 1000) == 0 && std::fmod(yn, 1000) == 0 && xn >= 640000 && yn >= 480000 && xn < 10000000 &&
      yn < 10000000 && xd >= 61 && xd < 1500 && yd >= 61 && yd < 1000 && xd != yd)
    return std::sqrt(xd * xd + yd * yd) * 0.0254;
  return std::nullopt;
}

// ScaleFactor35efl (Exif.pm CalcScaleFactor35efl): from the 35 mm focal length when there
// is one, else from the sensor diagonal, else from the focal-plane resolution and the
// image size.
std::optional<double> scale_factor_35efl(const Metadata& md, const CompositeFacts& facts) {
  auto focal = number(md, "FocalLength"_f), foc35 = number(md, "FocalLengthIn35mmFormat"_f);
  if (focal && *focal != 0 && foc35 && *foc35 != 0) return *foc35 / *focal;
  std::optional<double> diag;
  const std::string* make = md.get_string("Make"_f);
  if (make && *make == "Canon") diag = canon_sensor_diagonal(facts);
  if (!diag) {
    // FocalPlaneResolutionUnit: 3 = cm, 4 = mm, 5 = um; anything else counts as inches.
    double units = 25.4;
    if (auto u = number(md, "FocalPlaneResolutionUnit"_f)) {
      if (*u == 3) units = 10;
      else if (*u == 4) units = 1;
      else if (*u == 5) units = 0.001;
    }
    auto x_res = number(md, "FocalPlaneXResolution"_f);
    if (!x_res || *x_res == 0) return std::nullopt;
    auto y_res = number(md, "FocalPlaneYResolution"_f);
    if (!y_res || *y_res == 0) y_res = x_res;
    static constexpr FieldId kSizes[][2] = {{"ExifImageWidth"_f, "ExifImageHeight"_f}, {"ImageWidth"_f, "ImageHeight"_f}};
    std::optional<double> w, h;
    for (const auto& pair : kSizes) {
      auto pw = number(md, pair[0]), ph = number(md, pair[1]);
      if (!pw || !ph || *pw == 0 || *ph == 0) continue;
      w = pw;
      h = ph;
      double aspect = *pw / *ph;
      if (aspect > 0.5 && aspect < 2) break;
      w.reset();  // ExifTool keeps looking, and gives up after the last pair
    }
    if (!w) return std::nullopt;
    double wmm = *w * units / *x_res, hmm = *h * units / *y_res;
    diag = std::sqrt(wmm * wmm + hmm * hmm);
    if (!(*diag > 1 && *diag < 100)) return std::nullopt;
  }
  if (!(*diag > 0) || !std::isfinite(*diag)) return std::nullopt;
  return std::sqrt(36.0 * 36 + 24 * 24) / *diag;
}

// The distance DOF is computed for, in metres, as ExifTool picks it; nullopt when none.
std::optional<double> focus_distance(const Metadata& md) {
  if (md.has("FocusDistance"_f)) {
    auto d = number(md, "FocusDistance"_f).value_or(0);
    return d == 0 ? 1e10 : d;  // 0 is infinity
  }
  for (FieldId name : {"SubjectDistance"_f, "ObjectDistance"_f, "ApproximateFocusDistance"_f})
    if (auto d = number(md, name); d && *d != 0) return d;
  // Perl's `$a || $b || $c` yields the last value even when it is 0; only undef means none.
  return number(md, "ApproximateFocusDistance"_f);
}

void add_lens_composites(Metadata& md, const CompositeFacts& facts) {
  if (!md.has("FocalLength"_f) && !md.has("FocalPlaneXResolution"_f)) return;  // nothing to compute
  auto focal = number(md, "FocalLength"_f);
  auto scale = scale_factor_35efl(md, facts);
  if (scale) md.set_default("ScaleFactor35efl"_f, *scale);
  // FocalLength35efl requires only FocalLength: without a scale factor it is FocalLength.
  // Later formulas read ScaleFactor35efl and CircleOfConfusion back through ToFloat.
  const double scale_read = scale ? round_sig15(*scale) : 0;
  if (md.has("FocalLength"_f)) md.set_default("FocalLength35efl"_f, focal.value_or(0) * (scale_read != 0 ? scale_read : 1));
  if (!scale || *scale == 0) return;
  const double coc_exact = std::sqrt(24.0 * 24 + 36 * 36) / (*scale * 1440);
  md.set_default("CircleOfConfusion"_f, coc_exact);
  const double coc = round_sig15(coc_exact);
  const bool has_focal = md.has("FocalLength"_f);
  const double f = focal.value_or(0);
  // FOV for the long side, rectilinear lens; a focus distance corrects it and adds the width
  // of the field at that distance.
  if (has_focal && f != 0) {
    auto d = number(md, "FocusDistance"_f);
    double corr = 1;
    if (d && *d != 0) {
      double dd = 1000 * *d - f;
      if (dd > 0) corr += f / dd;
    }
    double fd2 = std::atan2(36, 2 * f * scale_read * corr);
    double fov = fd2 * 360 / 3.14159;
    if (d && *d > 0 && *d < 10000)
      md.set_default("FOV"_f, perl_number(fov) + " " + perl_number(2 * *d * std::sin(fd2) / std::cos(fd2)));
    else
      md.set_default("FOV"_f, fov);
  }
  if (!has_focal || !md.has("Aperture"_f)) return;
  const double aperture = number(md, "Aperture"_f).value_or(0);
  if (aperture == 0 || coc == 0) md.set_default("HyperfocalDistance"_f, std::string("inf"));
  else md.set_default("HyperfocalDistance"_f, f * f / (aperture * coc * 1000));
  auto distance = focus_distance(md);
  if (!distance) return;
  if (f == 0) {
    md.set_default("DOF"_f, int64_t{0});
    return;
  }
  double t = aperture * coc * (*distance * 1000 - f) / (f * f);
  double near = *distance / (1 + t), far = *distance / (1 - t);
  if (far < 0) far = 0;  // 0 means infinity
  md.set_default("DOF"_f, perl_number(near) + " " + perl_number(far));
}

// SubSecDateTimeOriginal and friends: the EXIF date with its sub-seconds and zone.
void add_subsec_date(Metadata& md, FieldId composite, FieldId date_field, FieldId subsec_field,
                     FieldId offset_field) {
  const std::string* date = md.get_string(date_field);
  if (!date) return;
  std::optional<std::string> v;
  const std::string* subsec = md.get_string(subsec_field);
  std::string digits;
  if (subsec)
    for (char c : *subsec) {
      if (c < '0' || c > '9') break;
      digits += c;
    }
  if (!digits.empty()) {
    // Inserted after the first " HH:MM:SS" not already followed by ".digits".
    for (size_t i = 0; i + 9 <= date->size(); ++i) {
      auto d = [&](size_t k) { return (*date)[k] >= '0' && (*date)[k] <= '9'; };
      if ((*date)[i] != ' ' || !d(i + 1) || !d(i + 2) || (*date)[i + 3] != ':' || !d(i + 4) || !d(i + 5) ||
          (*date)[i + 6] != ':' || !d(i + 7) || !d(i + 8))
        continue;
      if (i + 10 < date->size() && (*date)[i + 9] == '.' && d(i + 10)) continue;
      v = date->substr(0, i + 9) + "." + digits + date->substr(i + 9);
      break;
    }
  }
  const std::string* offset = md.get_string(offset_field);
  int oh = 0, om = 0;
  char sign = 0;
  if (offset && date->find_first_of("+-") == std::string::npos && offset->size() >= 4 &&
      (sign = (*offset)[0], sign == '+' || sign == '-')) {
    size_t at = 1;
    // At least four characters read after the sign; then printf's "%c%.2d:%.2d".
    if (scan_hours_minutes(*offset, at, oh, om) && at >= 5) {
      std::string zone(1, sign);
      append_min_digits(zone, oh, 2);
      zone += ':';
      append_min_digits(zone, om, 2);
      v = (v ? *v : *date) + zone;
    }
  }
  if (v) md.set_default(composite, *v);
}

// GPSPosition: "lat lon", as Perl joins the two numbers.
void add_gps_position(Metadata& md) {
  const Value* lat = md.get("GPSLatitude"_f);
  const Value* lon = md.get("GPSLongitude"_f);
  if (!lat || !lon) return;
  auto text = [](const Value* v) -> std::string {
    if (auto* s = std::get_if<std::string>(v)) return *s;
    if (auto x = to_float(v)) return perl_number(*x);
    return "";
  };
  std::string a = text(lat), b = text(lon);
  if (a.empty() && b.empty()) return;
  md.set_default("GPSPosition"_f, a + " " + b);
}

// LensID when no maker note's LensType decides it ("LensID-2" in Exif.pm): LensModel, or
// else Lens, when it looks like a lens name ("mm" or "<digit>/F"); not when XMP-aux:LensID
// and Make are both present.
void add_lens_id(Metadata& md, const CompositeFacts& facts) {
  if (md.has("LensID"_f)) return;
  // The makers whose maker notes carry a LensType: ExifTool's own LensID composite then
  // names the lens from its lens table, which we do not have.
  if (facts.maker_note) {
    const std::string* make = md.get_string("Make"_f);
    static constexpr std::string_view kLensTypeMakers[] = {"Canon", "NIKON", "Nikon", "PENTAX", "Pentax", "RICOH",
                                                           "SONY", "Sony", "Minolta", "KONICA", "OLYMPUS", "OM Digital",
                                                           "SAMSUNG", "SIGMA", "LEICA", "Leica", "Panasonic"};
    if (make)
      for (auto m : kLensTypeMakers)
        if (make->rfind(m, 0) == 0) return;
  }
  auto looks_like_lens = [](const std::string* s) {
    if (!s) return false;
    if (s->find("mm") != std::string::npos) return true;
    for (size_t i = 0; i + 2 < s->size(); ++i)
      if ((*s)[i] >= '0' && (*s)[i] <= '9' && (*s)[i + 1] == '/' && (*s)[i + 2] == 'F') return true;
    return false;
  };
  const std::string* model = md.get_string("LensModel"_f);
  const std::string* lens = md.get_string("Lens"_f);
  if (looks_like_lens(model)) md.set("LensID"_f, *model);
  else if (looks_like_lens(lens)) md.set("LensID"_f, *lens);
}

// The numbers of a space-separated list ("384 601 384 515"), or of a number list value.
std::vector<double> levels_of(const Value* v) {
  std::vector<double> out;
  if (!v) return out;
  if (auto* list = std::get_if<std::vector<double>>(v)) return *list;
  if (auto x = std::get_if<int64_t>(v)) return {static_cast<double>(*x)};
  if (auto x = std::get_if<double>(v)) return {*x};
  const std::string* s = std::get_if<std::string>(v);
  if (!s) return out;
  const char* p = s->c_str();
  while (*p) {
    char* stop = nullptr;
    double x = std::strtod(p, &stop);
    if (stop == p) break;
    out.push_back(x);
    p = stop;
    while (*p == ' ') ++p;
  }
  return out;
}

// RedBalance and BlueBalance (Exif.pm RedBlueBalance): red or blue level over green, from
// the first white-balance levels tag present, whatever order its components are in.
void add_red_blue_balance(Metadata& md) {
  if (!any_white_balance(md)) return;
  struct Order {
    FieldId name;
    int r, g1, g2, b;  // component indices; a green index of 256 means "green is 256"
  };
  static constexpr Order kOrders[] = {
      {"WB_RGGBLevels"_f, 0, 1, 2, 3}, {"WB_RGBGLevels"_f, 0, 1, 3, 2}, {"WB_RBGGLevels"_f, 0, 2, 3, 1},
      {"WB_GRBGLevels"_f, 1, 0, 3, 2}, {"WB_GRGBLevels"_f, 1, 0, 2, 3}, {"WB_GBRGLevels"_f, 2, 3, 0, 1},
      {"WB_RGBLevels"_f, 0, 1, 1, 2},  {"WB_GRBLevels"_f, 1, 0, 0, 2},  {"WB_RBLevels"_f, 0, 256, 256, 1}};
  for (int blue = 0; blue < 2; ++blue) {
    std::optional<double> value;
    for (const auto& o : kOrders) {
      const Value* v = md.get(o.name);
      if (!truthy(v)) continue;
      auto levels = levels_of(v);
      if (levels.size() < 2) continue;
      size_t component = static_cast<size_t>(blue ? o.b : o.r);
      double g;
      if (o.g1 < 4) {
        if (levels.size() < 3) continue;
        size_t a = static_cast<size_t>(o.g1), b = static_cast<size_t>(o.g2);
        if (a >= levels.size() || b >= levels.size()) continue;
        g = (levels[a] + levels[b]) / 2;
        if (g == 0) continue;
      } else {
        g = o.g1;
        if (component < levels.size() && levels[component] < 4) g = 1;  // some Nikons scale by 1
      }
      if (component >= levels.size()) continue;  // Perl reads undef as 0
      value = levels[component] / g;
      break;
    }
    if (!value) {
      auto c = number(md, blue ? "WBBlueLevel"_f : "WBRedLevel"_f), g = number(md, "WBGreenLevel"_f);
      if (c && g && *c != 0 && *g != 0) value = *c / *g;
    }
    if (value) md.set_default(blue ? "BlueBalance"_f : "RedBalance"_f, *value);
  }
}

// ImageSize prefers FujiFilm's RawImageCroppedSize, then ExifImageWidth/Height for Canon's
// TIFF-based raws, then ImageWidth/Height; Megapixels follows it.
void add_image_size(Metadata& md) {
  if (const Value* cropped = md.get("RawImageCroppedSize"_f); truthy(cropped))
    if (auto* s = std::get_if<std::string>(cropped)) md.set("ImageSize"_f, *s);
  const std::string* type = md.get_string("FileType"_f);
  auto ew = number(md, "ExifImageWidth"_f), eh = number(md, "ExifImageHeight"_f);
  if (!md.get("RawImageCroppedSize"_f) && type && *type == "CR2" && ew && eh && *ew != 0 && *eh != 0)
    md.set("ImageSize"_f, perl_number(*ew) + " " + perl_number(*eh));
  double w = 0, h = 0;
  if (!md.has("ImageSize"_f) && md.get_number("ImageWidth"_f, w) && md.get_number("ImageHeight"_f, h)) {
    auto text = [](double x) {
      return x == std::floor(x) && std::fabs(x) < 1e15 ? std::to_string(static_cast<int64_t>(x)) : perl_number(x);
    };
    md.set("ImageSize"_f, text(w) + " " + text(h));
  }
  const std::string* size = md.get_string("ImageSize"_f);
  if (!size) return;
  double dims[2];
  int found = 0;
  for (size_t i = 0; i < size->size() && found < 2;) {
    if ((*size)[i] < '0' || (*size)[i] > '9') {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < size->size() && (*size)[j] >= '0' && (*size)[j] <= '9') ++j;
    dims[found++] = std::strtod(size->substr(i, j - i).c_str(), nullptr);
    i = j;
  }
  if (found == 2) md.set_default("Megapixels"_f, dims[0] * dims[1] / 1e6);
}

// DateTimeOriginal when no EXIF/XMP one was read: IPTC's (or XMP's) DateCreated and
// TimeCreated (Exif.pm's Composite DateTimeOriginal), and IPTC.pm's DigitalCreationDateTime.
void add_created_dates(Metadata& md) {
  const std::string* date = md.get_string("DateCreated"_f);
  const std::string* time = md.get_string("TimeCreated"_f);
  if (!md.has("DateTimeOriginal"_f) && date && time && !date->empty() && !time->empty()) {
    const std::string* joined = md.get_string("DateTimeCreated"_f);
    if (joined && joined->find(' ') != std::string::npos) md.set("DateTimeOriginal"_f, *joined);
    else md.set("DateTimeOriginal"_f, *date + " " + *time);
  }
  const std::string* digital_date = md.get_string("DigitalCreationDate"_f);
  const std::string* digital_time = md.get_string("DigitalCreationTime"_f);
  if (digital_date && digital_time) md.set_default("DigitalCreationDateTime"_f, *digital_date + " " + *digital_time);
}

}  // namespace

void add_exiftool_composites(Context& ctx) {
  Metadata& md = ctx.md;
  add_created_dates(md);
  add_image_size(md);
  add_shutter_speed(md);
  add_aperture(md);
  add_light_value(md);
  add_lens_composites(md, ctx.facts);
  add_subsec_date(md, "SubSecDateTimeOriginal"_f, "DateTimeOriginal"_f, "SubSecTimeOriginal"_f, "OffsetTimeOriginal"_f);
  add_subsec_date(md, "SubSecCreateDate"_f, "CreateDate"_f, "SubSecTimeDigitized"_f, "OffsetTimeDigitized"_f);
  add_subsec_date(md, "SubSecModifyDate"_f, "ModifyDate"_f, "SubSecTime"_f, "OffsetTime"_f);
  add_gps_position(md);
  add_lens_id(md, ctx.facts);
  add_red_blue_balance(md);
}

}  // namespace imgmeta::meta
