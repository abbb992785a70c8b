// strip_metadata() over every JPEG, PNG, WebP and TIFF file of ../shared/corpus (found by their
// magic bytes, not their names), in both modes, judged by ExifTool and by decoded pixels:
//  - no output has a GPS tag, in any group;
//  - Keep::Nothing leaves no EXIF, XMP, IPTC or Photoshop group (IFD0 may keep Orientation, and
//    a TIFF its decoding tags);
//  - Keep::AllButLocation leaves every other tag ExifTool reports as it was;
//  - ImageMagick decodes the same pixels from input and output;
//  - the malformed files never crash it, and what it does produce is checked like the rest.
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "strip/strip.hpp"

namespace imgmeta::strip {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const fs::path kCorpus = fs::path(IMGMETA_SHARED_DIR) / "corpus";

enum class Format { Jpeg, Png, Webp, Tiff, BigTiff, Other };

Format sniff(std::string_view b) {
  auto at = [&](std::string_view m, size_t off = 0) { return b.size() >= off + m.size() && b.substr(off, m.size()) == m; };
  using namespace std::string_view_literals;
  if (at("\xFF\xD8\xFF"sv)) return Format::Jpeg;
  if (at("\x89PNG\r\n\x1A\n"sv)) return Format::Png;
  if (at("RIFF"sv) && at("WEBP"sv, 8)) return Format::Webp;
  if (at("II*\0"sv) || at("MM\0*"sv)) return Format::Tiff;
  if (at("II+\0"sv) || at("MM\0+"sv)) return Format::BigTiff;
  return Format::Other;
}

std::string read_file(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), {}};
}
void write_file(const fs::path& p, const std::string& s) {
  std::ofstream f(p, std::ios::binary);
  f << s;
}

// Runs a shell command and returns its stdout and exit status.
std::pair<std::string, int> run(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return {"", -1};
  std::array<char, 65536> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  int rc = pclose(p);
  return {out, rc};
}

// ExifTool's view of many files at once: SourceFile -> {"Group:Tag": value}.
std::map<std::string, json> exiftool(const std::vector<fs::path>& files, const fs::path& argfile) {
  std::ofstream args(argfile);
  for (const auto& f : files) args << f.string() << "\n";
  args.close();
  auto [out, rc] = run("exiftool -j -G1 -a -q -q -charset filename=utf8 -@ '" + argfile.string() + "'");
  std::map<std::string, json> by_file;
  if (out.empty()) return by_file;
  for (auto& o : json::parse(out)) by_file[o["SourceFile"].get<std::string>()] = o;
  return by_file;
}

bool has_gps(std::string_view key) {
  auto tag = key.substr(key.find(':') + 1);
  for (size_t i = 0; i + 3 <= tag.size(); ++i)
    if ((tag[i] | 0x20) == 'g' && (tag[i + 1] | 0x20) == 'p' && (tag[i + 2] | 0x20) == 's') return true;
  return false;
}
std::string group(std::string_view key) { return std::string(key.substr(0, key.find(':'))); }

// Every frame ImageMagick decodes, as RGBA. Photoshop's layer data (TIFF tag 37724) is not
// read as extra frames: it is metadata that Keep::Nothing drops, not the image.
std::string decode_pixels(const fs::path& p) {
  auto [out, rc] = run("convert -define tiff:ignore-layers=true '" + p.string() + "' rgba:- 2>/dev/null");
  return rc == 0 && !out.empty() ? out : std::string();
}

struct Case {
  fs::path input;
  Format format;
  bool malformed_dir;
  std::map<Keep, fs::path> output;  // where strip succeeded
  std::map<Keep, std::string> error;
};

const char* mode_name(Keep k) { return k == Keep::Nothing ? "nothing" : "location"; }

class StripCorpus : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("imgmeta-strip-" + std::to_string(::getpid()));
    fs::create_directories(dir_ / "location");
    fs::create_directories(dir_ / "nothing");
    if (!fs::is_directory(kCorpus)) return;
    for (const auto& e : fs::recursive_directory_iterator(kCorpus)) {
      if (!e.is_regular_file()) continue;
      std::string bytes = read_file(e.path());
      Format f = sniff(bytes);
      if (f == Format::Other) continue;
      Case c{e.path(), f, e.path().parent_path().filename() == "malformed", {}, {}};
      std::string name = fs::relative(e.path(), kCorpus).string();
      std::replace(name.begin(), name.end(), '/', '_');
      for (Keep k : {Keep::AllButLocation, Keep::Nothing}) {
        auto r = strip_metadata(bytes, k);
        if (!r.ok()) {
          c.error[k] = std::string(r.error().code_name()) + ": " + r.error().message;
          continue;
        }
        auto again = strip_metadata(*r, k);
        if (!again.ok()) c.error[k] = "stripping the output again failed: " + again.error().message;
        else if (*again != *r) c.error[k] = "stripping the output again changed it";
        fs::path out = dir_ / mode_name(k) / name;
        write_file(out, *r);
        c.output[k] = out;
      }
      cases_.push_back(std::move(c));
    }
    std::vector<fs::path> inputs, location, nothing;
    for (const auto& c : cases_) {
      inputs.push_back(c.input);
      if (c.output.count(Keep::AllButLocation)) location.push_back(c.output.at(Keep::AllButLocation));
      if (c.output.count(Keep::Nothing)) nothing.push_back(c.output.at(Keep::Nothing));
    }
    tags_in_ = exiftool(inputs, dir_ / "inputs.args");
    tags_location_ = exiftool(location, dir_ / "location.args");
    tags_nothing_ = exiftool(nothing, dir_ / "nothing.args");
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }

  static const json& tags_of(const Case& c, Keep k) {
    static const json none = json::object();
    const auto& m = k == Keep::Nothing ? tags_nothing_ : tags_location_;
    auto it = m.find(c.output.at(k).string());
    return it == m.end() ? none : it->second;
  }

  static inline fs::path dir_;
  static inline std::vector<Case> cases_;
  static inline std::map<std::string, json> tags_in_, tags_location_, tags_nothing_;
};

TEST_F(StripCorpus, TheCorpusIsThere) {
  ASSERT_TRUE(fs::is_directory(kCorpus)) << kCorpus << " is missing";
  std::map<Format, int> n;
  for (const auto& c : cases_)
    if (!c.malformed_dir) ++n[c.format];
  EXPECT_GE(n[Format::Jpeg], 100);
  EXPECT_GE(n[Format::Png], 40);
  EXPECT_GE(n[Format::Webp], 20);
  EXPECT_GE(n[Format::Tiff], 25);
  EXPECT_FALSE(tags_in_.empty());
  EXPECT_FALSE(tags_location_.empty());
  EXPECT_FALSE(tags_nothing_.empty());
}

TEST_F(StripCorpus, EveryWellFormedFileIsStrippedInBothModesAndAgainToItself) {
  ASSERT_FALSE(cases_.empty());
  for (const auto& c : cases_) {
    for (Keep k : {Keep::AllButLocation, Keep::Nothing}) {
      if (c.malformed_dir) {
        // Hostile files: any answer but a crash; a refusal names Malformed or Unsupported.
        if (c.error.count(k) && !c.output.count(k)) {
          EXPECT_TRUE(c.error.at(k).starts_with("Malformed") || c.error.at(k).starts_with("Unsupported"))
              << c.input << ": " << c.error.at(k);
        } else {
          EXPECT_FALSE(c.error.count(k)) << c.input << " " << mode_name(k) << ": " << c.error.at(k);
        }
        continue;
      }
      if (c.format == Format::BigTiff) {
        EXPECT_TRUE(c.error.count(k) && c.error.at(k).starts_with("Unsupported")) << c.input;
        continue;
      }
      EXPECT_FALSE(c.error.count(k)) << c.input << " " << mode_name(k) << ": " << c.error.at(k);
    }
  }
}

TEST_F(StripCorpus, NoOutputHasAnyGpsTag) {
  int checked = 0;
  for (const auto& c : cases_) {
    for (Keep k : {Keep::AllButLocation, Keep::Nothing}) {
      if (!c.output.count(k)) continue;
      const json& tags = tags_of(c, k);
      ASSERT_FALSE(tags.empty()) << "ExifTool did not report on " << c.output.at(k);
      ++checked;
      for (auto& [key, value] : tags.items())
        EXPECT_FALSE(has_gps(key)) << c.input << " " << mode_name(k) << ": " << key << " = " << value;
    }
  }
  EXPECT_GT(checked, 400);
}

// What ExifTool may still report after Keep::Nothing: the file, its structure, colour and the
// decoding tags of a TIFF's IFDs (and IFD0's Orientation).
bool allowed_after_nothing(const std::string& key, Format f) {
  static const std::set<std::string> plain_groups = {"System", "File", "ExifTool", "JFIF", "JFXX", "ICC_Profile",
                                                     "Adobe", "MPF0", "RIFF", "PNG", "PNG-pHYs", "APP14"};
  static const std::set<std::string> decoding_tags = {
      "SubfileType", "OldSubfileType", "ImageWidth", "ImageHeight", "BitsPerSample", "Compression",
      "PhotometricInterpretation", "FillOrder", "StripOffsets", "Orientation", "SamplesPerPixel", "RowsPerStrip",
      "StripByteCounts", "XResolution", "YResolution", "PlanarConfiguration", "ResolutionUnit", "Predictor",
      "ColorMap", "TileWidth", "TileLength", "TileOffsets", "TileByteCounts", "ExtraSamples", "SampleFormat",
      "JPEGTables", "YCbCrCoefficients", "YCbCrSubSampling", "YCbCrPositioning", "ReferenceBlackWhite",
      "ICC_Profile", "InkSet", "MinSampleValue", "MaxSampleValue", "SMinSampleValue", "SMaxSampleValue",
      "GrayResponseUnit", "GrayResponseCurve", "ThumbnailOffset", "ThumbnailLength", "JPEGProc",
      "JPEGRestartInterval", "JPEGQTables", "JPEGDCTables", "JPEGACTables", "PreviewImageStart",
      "PreviewImageLength", "PreviewImage", "OtherImageStart", "OtherImageLength", "OtherImage", "CellWidth",
      "CellLength", "WhitePoint", "PrimaryChromaticities", "TransferFunction", "JPEGInterchangeFormat",
      "JPEGInterchangeFormatLength"};
  std::string g = group(key);
  std::string tag = key.substr(key.find(':') + 1);
  if (plain_groups.count(g) || g.starts_with("ICC-") || g.starts_with("MPImage")) return true;
  if (g == "Composite") return !has_gps(key);
  bool ifd = g == "IFD0" || (f == Format::Tiff && g.starts_with("IFD"));
  if (ifd) return f == Format::Tiff ? decoding_tags.count(tag) > 0 : tag == "Orientation";
  return false;
}

TEST_F(StripCorpus, NothingLeavesNoExifXmpOrIptc) {
  for (const auto& c : cases_) {
    if (!c.output.count(Keep::Nothing)) continue;
    for (auto& [key, value] : tags_of(c, Keep::Nothing).items()) {
      if (key == "SourceFile") continue;
      EXPECT_TRUE(allowed_after_nothing(key, c.format)) << c.input << ": " << key << " = " << value;
    }
  }
}

TEST_F(StripCorpus, AllButLocationKeepsEveryTagThatIsNotLocation) {
  // Groups that describe the file rather than its metadata, or are derived from other tags.
  static const std::set<std::string> skip = {"System", "File", "ExifTool", "Composite", "FLIR"};
  int compared = 0, camera_tags = 0;
  for (const auto& c : cases_) {
    if (c.malformed_dir || !c.output.count(Keep::AllButLocation)) continue;
    auto in = tags_in_.find(c.input.string());
    ASSERT_NE(in, tags_in_.end()) << c.input;
    const json& out = tags_of(c, Keep::AllButLocation);
    ++compared;
    for (auto& [key, value] : in->second.items()) {
      if (key == "SourceFile" || skip.count(group(key)) || has_gps(key)) continue;
      if (key.ends_with(":Make") || key.ends_with(":Model") || key == "ExifIFD:DateTimeOriginal" ||
          key == "ExifIFD:ExposureTime")
        ++camera_tags;
      ASSERT_TRUE(out.contains(key)) << c.input << ": " << key << " is gone";
      EXPECT_EQ(out[key], value) << c.input << ": " << key;
    }
    // No new warnings: the output reads as cleanly as the input did.
    if (out.contains("ExifTool:Warning")) {
      EXPECT_EQ(in->second.value("ExifTool:Warning", json()), out["ExifTool:Warning"]) << c.input;
    }
  }
  EXPECT_GT(compared, 200);
  EXPECT_GT(camera_tags, 100);
}

TEST_F(StripCorpus, PixelsAreIdentical) {
  int compared = 0, undecodable = 0;
  for (const auto& c : cases_) {
    if (c.malformed_dir || c.output.empty()) continue;
    std::string before = decode_pixels(c.input);
    if (before.empty()) {
      // Neither ImageMagick nor libvips reads three of these (small_webp.webp, and two TIFFs
      // without Photometric): they carry no metadata, so the output must be the input.
      std::string in = read_file(c.input);
      for (const auto& [k, out] : c.output) EXPECT_TRUE(read_file(out) == in) << c.input << " " << mode_name(k);
      ++undecodable;
      continue;
    }
    for (const auto& [k, out] : c.output) {
      std::string after = decode_pixels(out);
      EXPECT_TRUE(after == before) << c.input << " " << mode_name(k) << ": pixels differ (" << before.size() << " vs "
                                   << after.size() << " bytes)";
      ++compared;
    }
  }
  EXPECT_GT(compared, 400);
  EXPECT_LE(undecodable, 3);
}

}  // namespace
}  // namespace imgmeta::strip
