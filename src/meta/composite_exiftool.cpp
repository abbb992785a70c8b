// ExifTool's Composite tags that EXIF (and XMP) alone determine, computed as ExifTool 12.57
// computes them with -n: the definitions are %Image::ExifTool::Exif::Composite in
// lib/Image/ExifTool/Exif.pm (with CalculateLV and CalcScaleFactor35efl there, and
// CalcSensorDiag in Canon.pm). Maker-note inputs (BulbDuration, FocusDistance,
// FocalPlaneDiagonal, CanonImageWidth, LensType...) are not read, so the composites that
// depend on them are left out or computed from the EXIF inputs alone.
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "meta/formats.hpp"
#include "meta/text_value.hpp"

namespace imgmeta::meta {
namespace {

// The fields these formulas read and write, found in one pass over the field list: the
// composites look up some 60 names per file, and an array slot is cheaper than hashing a name.
// Indices (not pointers) into md.fields, so appending keeps them valid.
class Fields {
 public:
  explicit Fields(Metadata& md) : md_(md) {
    at_.fill(kAbsent);
    for (size_t i = 0; i < md.fields.size(); ++i)
      if (auto s = slot(md.fields[i].name)) at_[*s] = i;
  }
  const Value* get(std::string_view name) const {
    auto s = slot(name);
    if (!s) return md_.get(name);
    return at_[*s] == kAbsent ? nullptr : &md_.fields[at_[*s]].value;
  }
  bool has(std::string_view name) const { return get(name) != nullptr; }
  // Whether any white-balance level field is present (most files have none).
  bool any_white_balance() const {
    for (size_t i = 0; i < kSlots; ++i)
      if (at_[i] != kAbsent && (kNames[i].starts_with("WB_") || kNames[i].starts_with("WBR") ||
                                 kNames[i].starts_with("WBG") || kNames[i].starts_with("WBB")))
        return true;
    return false;
  }
  const std::string* get_string(std::string_view name) const {
    const Value* v = get(name);
    return v ? std::get_if<std::string>(v) : nullptr;
  }
  bool get_number(std::string_view name, double& out) const {
    const Value* v = get(name);
    if (!v) return false;
    if (auto* i = std::get_if<int64_t>(v)) out = static_cast<double>(*i);
    else if (auto* d = std::get_if<double>(v)) out = *d;
    else return false;
    return true;
  }
  void set(std::string_view name, Value value) {
    auto s = slot(name);
    md_.set(name, std::move(value));  // replaces in place, or appends
    if (s && at_[*s] == kAbsent) at_[*s] = md_.fields.size() - 1;
  }
  void set_default(std::string_view name, Value value) {
    if (!has(name)) set(name, std::move(value));
  }

 private:
  static constexpr std::string_view kNames[] = {
    "ImageWidth",
    "ImageHeight",
    "ExifImageWidth",
    "ExifImageHeight",
    "RawImageCroppedSize",
    "FileType",
    "ImageSize",
    "Megapixels",
    "ExposureTime",
    "ShutterSpeedValue",
    "FNumber",
    "ApertureValue",
    "ISO",
    "FocalLength",
    "FocalLengthIn35mmFormat",
    "Make",
    "FocalPlaneResolutionUnit",
    "FocalPlaneXResolution",
    "FocalPlaneYResolution",
    "FocusDistance",
    "SubjectDistance",
    "ObjectDistance",
    "ApproximateFocusDistance",
    "DateTimeOriginal",
    "SubSecTimeOriginal",
    "OffsetTimeOriginal",
    "CreateDate",
    "SubSecTimeDigitized",
    "OffsetTimeDigitized",
    "ModifyDate",
    "SubSecTime",
    "OffsetTime",
    "GPSLatitude",
    "GPSLongitude",
    "LensID",
    "LensModel",
    "Lens",
    "WB_RGGBLevels",
    "WB_RGBGLevels",
    "WB_RBGGLevels",
    "WB_GRBGLevels",
    "WB_GRGBLevels",
    "WB_GBRGLevels",
    "WB_RGBLevels",
    "WB_GRBLevels",
    "WB_RBLevels",
    "WBRedLevel",
    "WBGreenLevel",
    "WBBlueLevel",
    "DateCreated",
    "TimeCreated",
    "DateTimeCreated",
    "DigitalCreationDate",
    "DigitalCreationTime",
    "DigitalCreationDateTime",
    "ShutterSpeed",
    "Aperture",
    "LightValue",
    "ScaleFactor35efl",
    "FocalLength35efl",
    "CircleOfConfusion",
    "FOV",
    "HyperfocalDistance",
    "DOF",
    "SubSecDateTimeOriginal",
    "SubSecCreateDate",
    "SubSecModifyDate",
    "GPSPosition",
    "RedBalance",
    "BlueBalance"};
  static constexpr size_t kSlots = std::size(kNames);
  static constexpr size_t kAbsent = SIZE_MAX;
  // Names grouped by first letter: a field name is compared with the few names sharing it
  // (a hash of every name costs more than the scans it replaces).
  static std::optional<size_t> slot(std::string_view name) {
    static const auto by_first = [] {
      std::array<std::vector<uint8_t>, 128> groups;
      for (size_t i = 0; i < kSlots; ++i) groups[static_cast<unsigned char>(kNames[i][0])].push_back(static_cast<uint8_t>(i));
      return groups;
    }();
    if (name.empty() || static_cast<unsigned char>(name[0]) >= 128) return std::nullopt;
    for (uint8_t i : by_first[static_cast<unsigned char>(name[0])])
      if (kNames[i] == name) return i;
    return std::nullopt;
  }
  Metadata& md_;
  std::array<size_t, kSlots> at_;
};

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

std::optional<double> number(const Fields& md, std::string_view name) { return to_float(md.get(name)); }

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
void add_shutter_speed(Fields& md) {
  const Value* v = md.get("ExposureTime");
  if (!v) v = md.get("ShutterSpeedValue");
  if (v) md.set_default("ShutterSpeed", Value(*v));
}

// Aperture: FNumber, else ApertureValue, when either is true in Perl's sense.
void add_aperture(Fields& md) {
  const Value* f = md.get("FNumber");
  const Value* a = md.get("ApertureValue");
  if (truthy(f)) md.set_default("Aperture", Value(*f));
  else if (truthy(a)) md.set_default("Aperture", Value(*a));
}

// LightValue = log2(Aperture^2 * 100 / (ShutterSpeed * ISO)), every input > 0 (CalculateLV).
void add_light_value(Fields& md) {
  auto a = number(md, "Aperture"), t = number(md, "ShutterSpeed"), iso = number(md, "ISO");
  if (!a || !t || !iso || *a <= 0 || *t <= 0 || *iso <= 0) return;
  md.set_default("LightValue", std::log(*a * *a * 100 / (*t * *iso)) / std::log(2.0));
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
std::optional<double> scale_factor_35efl(const Fields& md, const CompositeFacts& facts) {
  auto focal = number(md, "FocalLength"), foc35 = number(md, "FocalLengthIn35mmFormat");
  if (focal && *focal != 0 && foc35 && *foc35 != 0) return *foc35 / *focal;
  std::optional<double> diag;
  const std::string* make = md.get_string("Make");
  if (make && *make == "Canon") diag = canon_sensor_diagonal(facts);
  if (!diag) {
    // FocalPlaneResolutionUnit: 3 = cm, 4 = mm, 5 = um; anything else counts as inches.
    double units = 25.4;
    if (auto u = number(md, "FocalPlaneResolutionUnit")) {
      if (*u == 3) units = 10;
      else if (*u == 4) units = 1;
      else if (*u == 5) units = 0.001;
    }
    auto x_res = number(md, "FocalPlaneXResolution");
    if (!x_res || *x_res == 0) return std::nullopt;
    auto y_res = number(md, "FocalPlaneYResolution");
    if (!y_res || *y_res == 0) y_res = x_res;
    static constexpr const char* kSizes[][2] = {{"ExifImageWidth", "ExifImageHeight"}, {"ImageWidth", "ImageHeight"}};
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
std::optional<double> focus_distance(const Fields& md) {
  if (md.has("FocusDistance")) {
    auto d = number(md, "FocusDistance").value_or(0);
    return d == 0 ? 1e10 : d;  // 0 is infinity
  }
  for (const char* name : {"SubjectDistance", "ObjectDistance", "ApproximateFocusDistance"})
    if (auto d = number(md, name); d && *d != 0) return d;
  // Perl's `$a || $b || $c` yields the last value even when it is 0; only undef means none.
  return number(md, "ApproximateFocusDistance");
}

void add_lens_composites(Fields& md, const CompositeFacts& facts) {
  if (!md.has("FocalLength") && !md.has("FocalPlaneXResolution")) return;  // nothing to compute
  auto focal = number(md, "FocalLength");
  auto scale = scale_factor_35efl(md, facts);
  if (scale) md.set_default("ScaleFactor35efl", *scale);
  // FocalLength35efl requires only FocalLength: without a scale factor it is FocalLength.
  // Later formulas read ScaleFactor35efl and CircleOfConfusion back through ToFloat.
  const double scale_read = scale ? round_sig15(*scale) : 0;
  if (md.has("FocalLength")) md.set_default("FocalLength35efl", focal.value_or(0) * (scale_read != 0 ? scale_read : 1));
  if (!scale || *scale == 0) return;
  const double coc_exact = std::sqrt(24.0 * 24 + 36 * 36) / (*scale * 1440);
  md.set_default("CircleOfConfusion", coc_exact);
  const double coc = round_sig15(coc_exact);
  const bool has_focal = md.has("FocalLength");
  const double f = focal.value_or(0);
  // FOV for the long side, rectilinear lens; a focus distance corrects it and adds the width
  // of the field at that distance.
  if (has_focal && f != 0) {
    auto d = number(md, "FocusDistance");
    double corr = 1;
    if (d && *d != 0) {
      double dd = 1000 * *d - f;
      if (dd > 0) corr += f / dd;
    }
    double fd2 = std::atan2(36, 2 * f * scale_read * corr);
    double fov = fd2 * 360 / 3.14159;
    if (d && *d > 0 && *d < 10000)
      md.set_default("FOV", perl_number(fov) + " " + perl_number(2 * *d * std::sin(fd2) / std::cos(fd2)));
    else
      md.set_default("FOV", fov);
  }
  if (!has_focal || !md.has("Aperture")) return;
  const double aperture = number(md, "Aperture").value_or(0);
  if (aperture == 0 || coc == 0) md.set_default("HyperfocalDistance", std::string("inf"));
  else md.set_default("HyperfocalDistance", f * f / (aperture * coc * 1000));
  auto distance = focus_distance(md);
  if (!distance) return;
  if (f == 0) {
    md.set_default("DOF", int64_t{0});
    return;
  }
  double t = aperture * coc * (*distance * 1000 - f) / (f * f);
  double near = *distance / (1 + t), far = *distance / (1 - t);
  if (far < 0) far = 0;  // 0 means infinity
  md.set_default("DOF", perl_number(near) + " " + perl_number(far));
}

// SubSecDateTimeOriginal and friends: the EXIF date with its sub-seconds and zone.
void add_subsec_date(Fields& md, const char* composite, const char* date_field, const char* subsec_field,
                     const char* offset_field) {
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
    int consumed = 0;
    if (std::sscanf(offset->c_str() + 1, "%2d:%2d%n", &oh, &om, &consumed) == 2 && consumed >= 4) {
      char buf[16];
      std::snprintf(buf, sizeof buf, "%c%.2d:%.2d", sign, oh, om);
      v = (v ? *v : *date) + buf;
    }
  }
  if (v) md.set_default(composite, *v);
}

// GPSPosition: "lat lon", as Perl joins the two numbers.
void add_gps_position(Fields& md) {
  const Value* lat = md.get("GPSLatitude");
  const Value* lon = md.get("GPSLongitude");
  if (!lat || !lon) return;
  auto text = [](const Value* v) -> std::string {
    if (auto* s = std::get_if<std::string>(v)) return *s;
    if (auto x = to_float(v)) return perl_number(*x);
    return "";
  };
  std::string a = text(lat), b = text(lon);
  if (a.empty() && b.empty()) return;
  md.set_default("GPSPosition", a + " " + b);
}

// LensID when no maker note's LensType decides it ("LensID-2" in Exif.pm): LensModel, or
// else Lens, when it looks like a lens name ("mm" or "<digit>/F"); not when XMP-aux:LensID
// and Make are both present.
void add_lens_id(Fields& md, const CompositeFacts& facts) {
  if (md.has("LensID")) return;
  // The makers whose maker notes carry a LensType: ExifTool's own LensID composite then
  // names the lens from its lens table, which we do not have.
  if (facts.maker_note) {
    const std::string* make = md.get_string("Make");
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
  const std::string* model = md.get_string("LensModel");
  const std::string* lens = md.get_string("Lens");
  if (looks_like_lens(model)) md.set("LensID", *model);
  else if (looks_like_lens(lens)) md.set("LensID", *lens);
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
void add_red_blue_balance(Fields& md) {
  if (!md.any_white_balance()) return;
  struct Order {
    const char* name;
    int r, g1, g2, b;  // component indices; a green index of 256 means "green is 256"
  };
  static constexpr Order kOrders[] = {
      {"WB_RGGBLevels", 0, 1, 2, 3}, {"WB_RGBGLevels", 0, 1, 3, 2}, {"WB_RBGGLevels", 0, 2, 3, 1},
      {"WB_GRBGLevels", 1, 0, 3, 2}, {"WB_GRGBLevels", 1, 0, 2, 3}, {"WB_GBRGLevels", 2, 3, 0, 1},
      {"WB_RGBLevels", 0, 1, 1, 2},  {"WB_GRBLevels", 1, 0, 0, 2},  {"WB_RBLevels", 0, 256, 256, 1}};
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
      auto c = number(md, blue ? "WBBlueLevel" : "WBRedLevel"), g = number(md, "WBGreenLevel");
      if (c && g && *c != 0 && *g != 0) value = *c / *g;
    }
    if (value) md.set_default(blue ? "BlueBalance" : "RedBalance", *value);
  }
}

// ImageSize prefers FujiFilm's RawImageCroppedSize, then ExifImageWidth/Height for Canon's
// TIFF-based raws, then ImageWidth/Height; Megapixels follows it.
void add_image_size(Fields& md) {
  if (const Value* cropped = md.get("RawImageCroppedSize"); truthy(cropped))
    if (auto* s = std::get_if<std::string>(cropped)) md.set("ImageSize", *s);
  const std::string* type = md.get_string("FileType");
  auto ew = number(md, "ExifImageWidth"), eh = number(md, "ExifImageHeight");
  if (!md.get("RawImageCroppedSize") && type && *type == "CR2" && ew && eh && *ew != 0 && *eh != 0)
    md.set("ImageSize", perl_number(*ew) + " " + perl_number(*eh));
  double w = 0, h = 0;
  if (!md.has("ImageSize") && md.get_number("ImageWidth", w) && md.get_number("ImageHeight", h)) {
    auto text = [](double x) {
      return x == std::floor(x) && std::fabs(x) < 1e15 ? std::to_string(static_cast<int64_t>(x)) : perl_number(x);
    };
    md.set("ImageSize", text(w) + " " + text(h));
  }
  const std::string* size = md.get_string("ImageSize");
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
  if (found == 2) md.set_default("Megapixels", dims[0] * dims[1] / 1e6);
}

// DateTimeOriginal when no EXIF/XMP one was read: IPTC's (or XMP's) DateCreated and
// TimeCreated (Exif.pm's Composite DateTimeOriginal), and IPTC.pm's DigitalCreationDateTime.
void add_created_dates(Fields& md) {
  const std::string* date = md.get_string("DateCreated");
  const std::string* time = md.get_string("TimeCreated");
  if (!md.has("DateTimeOriginal") && date && time && !date->empty() && !time->empty()) {
    const std::string* joined = md.get_string("DateTimeCreated");
    if (joined && joined->find(' ') != std::string::npos) md.set("DateTimeOriginal", *joined);
    else md.set("DateTimeOriginal", *date + " " + *time);
  }
  const std::string* digital_date = md.get_string("DigitalCreationDate");
  const std::string* digital_time = md.get_string("DigitalCreationTime");
  if (digital_date && digital_time) md.set_default("DigitalCreationDateTime", *digital_date + " " + *digital_time);
}

}  // namespace

void add_exiftool_composites(Context& ctx) {
  Fields md(ctx.md);
  add_created_dates(md);
  add_image_size(md);
  add_shutter_speed(md);
  add_aperture(md);
  add_light_value(md);
  add_lens_composites(md, ctx.facts);
  add_subsec_date(md, "SubSecDateTimeOriginal", "DateTimeOriginal", "SubSecTimeOriginal", "OffsetTimeOriginal");
  add_subsec_date(md, "SubSecCreateDate", "CreateDate", "SubSecTimeDigitized", "OffsetTimeDigitized");
  add_subsec_date(md, "SubSecModifyDate", "ModifyDate", "SubSecTime", "OffsetTime");
  add_gps_position(md);
  add_lens_id(md, ctx.facts);
  add_red_blue_balance(md);
}

}  // namespace imgmeta::meta
