// The renderer as the pipeline uses it: load_renderer() dlopens libimgmeta_preview.so (the
// build's, through IMGMETA_PREVIEW_MODULE) and renders files of ../shared/corpus.
//
// Orientation is checked by pixels: each rendition is compared with a reference that an
// independent decoder made with the orientation applied (ImageMagick -auto-orient for EXIF,
// libheif's heif-convert for HEIF/AVIF transforms), resized to the same size.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>
#include <vips/vips.h>
#include <zlib.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "meta/source.hpp"
#include "preview/png_check.hpp"
#include "preview/renderer.hpp"
#include "preview/vips_renderer.hpp"

namespace imgmeta::preview {
namespace {

namespace fs = std::filesystem;
const fs::path kShared = IMGMETA_SHARED_DIR;
const fs::path kCorpus = kShared / "corpus";

Renderer& renderer() {
  static Renderer* r = [] {
    setenv("IMGMETA_PREVIEW_MODULE", IMGMETA_PREVIEW_MODULE_PATH, 0);
    auto loaded = load_renderer();
    if (!loaded.ok()) {
      ADD_FAILURE() << loaded.error().message;
      std::abort();
    }
    return *loaded;
  }();
  return *r;
}

Result<Renditions> render_bytes(const std::string& bytes, const Options& options = {}) {
  meta::MemorySource source(std::span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
  return renderer().render(source, options);
}

Result<Renditions> render_file(const fs::path& path, const Options& options = {}) {
  auto source = meta::FileSource::open(path.string());
  if (!source.ok()) return source.error();
  return renderer().render(*source, options);
}

// One scratch folder per test process (CTest runs each test in its own), removed at exit.
struct ScratchDir {
  fs::path path = fs::temp_directory_path() / ("imgmeta_preview_test_" + std::to_string(getpid()));
  ScratchDir() { fs::create_directories(path); }
  ~ScratchDir() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
};

fs::path temp_dir() {
  static ScratchDir dir;
  return dir.path;
}

int run(const std::string& command) { return std::system((command + " >/dev/null 2>&1").c_str()); }

std::string imagemagick() {
  // /usr/local/bin/convert can be a stand-in on this machine; the real one is in /usr/bin.
  for (const char* c : {"/usr/bin/convert-im6.q16", "/usr/bin/convert"})
    if (access(c, X_OK) == 0) return c;
  return "convert";
}

struct Rgb {
  int width = 0, height = 0;
  std::vector<uint8_t> data;
};

// Decodes an image file's bytes to 8-bit sRGB, alpha flattened on white, with libvips.
Rgb decode_rgb(const std::string& bytes) {
  Rgb out;
  VipsImage* in = vips_image_new_from_buffer(bytes.data(), bytes.size(), "", nullptr);
  if (in == nullptr) return out;
  if (vips_image_get_typeof(in, VIPS_META_ICC_NAME) != 0) {
    // The reference keeps the file's profile; the renditions were converted to sRGB with it.
    VipsImage* converted = nullptr;
    if (vips_icc_transform(in, &converted, "srgb", "embedded", TRUE, nullptr) == 0) {
      g_object_unref(in);
      in = converted;
    }
  }
  VipsImage *flat = nullptr, *srgb = nullptr, *three = nullptr;
  double white[] = {255, 255, 255};
  if (vips_image_hasalpha(in)) {
    VipsArrayDouble* background = vips_array_double_new(white, 3);
    vips_flatten(in, &flat, "background", background, nullptr);
    vips_area_unref(VIPS_AREA(background));
  } else {
    vips_copy(in, &flat, nullptr);
  }
  vips_colourspace(flat, &srgb, VIPS_INTERPRETATION_sRGB, nullptr);
  vips_cast_uchar(srgb, &three, nullptr);
  size_t size = 0;
  void* mem = vips_image_write_to_memory(three, &size);
  out.width = three->Xsize, out.height = three->Ysize;
  if (three->Bands == 3 && mem) out.data.assign(static_cast<uint8_t*>(mem), static_cast<uint8_t*>(mem) + size);
  g_free(mem);
  for (VipsImage* i : {in, flat, srgb, three}) g_object_unref(i);
  return out;
}

std::string read_file(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// Mean absolute difference per channel sample, 0-255; 255 when the sizes differ.
double mean_difference(const Rgb& a, const Rgb& b) {
  if (a.width != b.width || a.height != b.height || a.data.size() != b.data.size() || a.data.empty()) return 255;
  uint64_t sum = 0;
  for (size_t i = 0; i < a.data.size(); ++i) sum += uint64_t(std::abs(int(a.data[i]) - int(b.data[i])));
  return double(sum) / double(a.data.size());
}

// References made by ImageMagick (EXIF orientation) or heif-convert (HEIF transforms), resized
// to each of `sizes`, from one decode of the file.
std::vector<Rgb> references(const fs::path& file, const std::vector<std::pair<int, int>>& sizes, bool heif) {
  fs::path input = file;
  if (heif) {
    // heif-convert names its outputs <name>-1.jpg, <name>-2.jpg when the file has several
    // top-level images; the first is the primary one in the corpus files.
    // JPEG at quality 97: much faster to write than a 12 MP PNG, and its error is far below
    // the threshold.
    fs::path decoded = temp_dir() / (file.filename().string() + ".heif.jpg");
    if (run("heif-convert -q 97 '" + file.string() + "' '" + decoded.string() + "'") != 0) return {};
    if (!fs::exists(decoded)) decoded = temp_dir() / (file.filename().string() + ".heif-1.jpg");
    input = decoded;
  }
  std::string command = imagemagick() + " '" + input.string() + "'" + (heif ? "" : " -auto-orient");
  std::vector<fs::path> outputs;
  for (size_t i = 0; i < sizes.size(); ++i) {
    outputs.push_back(temp_dir() / (file.filename().string() + ".ref" + std::to_string(i) + ".png"));
    command += " \\( +clone -resize " + std::to_string(sizes[i].first) + "x" + std::to_string(sizes[i].second) +
               "! -write '" + outputs.back().string() + "' +delete \\)";
  }
  if (run(command + " null:") != 0) return {};
  std::vector<Rgb> out;
  for (const auto& o : outputs) out.push_back(decode_rgb(read_file(o)));
  return out;
}

Rgb reference(const fs::path& file, int width, int height, bool heif) {
  auto refs = references(file, {{width, height}}, heif);
  return refs.empty() ? Rgb{} : refs[0];
}

constexpr double kMaxDifference = 12.0;  // a wrong rotation or flip differs by 40 and more

// Compares the thumbnail (made from the preview, so the preview's orientation is checked with
// it) and, when `preview` is set, the preview too.
void expect_matches_reference(const fs::path& file, bool heif, bool preview = false) {
  SCOPED_TRACE(file.string());
  auto r = render_file(file);
  ASSERT_TRUE(r.ok()) << r.error().code << ": " << r.error().message;
  Rgb thumb = decode_rgb(r->thumbnail.bytes);
  ASSERT_EQ(thumb.width, r->thumbnail.width);
  std::vector<std::pair<int, int>> sizes = {{thumb.width, thumb.height}};
  Rgb ours;
  if (preview) {
    ours = decode_rgb(r->preview.bytes);
    sizes.emplace_back(ours.width, ours.height);
  }
  auto refs = references(file, sizes, heif);
  ASSERT_EQ(refs.size(), sizes.size()) << "the reference decoder failed";
  EXPECT_LT(mean_difference(thumb, refs[0]), kMaxDifference) << "thumbnail " << thumb.width << "x" << thumb.height;
  if (preview) {
    EXPECT_LT(mean_difference(ours, refs[1]), kMaxDifference) << "preview " << ours.width << "x" << ours.height;
  }
}

TEST(PreviewOrientation, ExifOrientation0To8MatchesImageMagickAutoOrient) {
  int checked = 0;
  for (const char* kind : {"Landscape", "Portrait"}) {
    for (int o = 0; o <= 8; ++o) {
      fs::path file = kCorpus / "jpeg" / ("recurser_" + std::string(kind) + "_" + std::to_string(o) + ".jpg");
      ASSERT_TRUE(fs::exists(file)) << file;
      expect_matches_reference(file, false, o == 6);
      ++checked;
    }
  }
  EXPECT_EQ(checked, 18);
}

TEST(PreviewLoader, EveryThreadGetsTheSameRenderer) {
  Renderer* first = &renderer();
  std::vector<std::thread> threads;
  std::vector<Renderer*> got(8, nullptr);
  for (size_t i = 0; i < got.size(); ++i)
    threads.emplace_back([&, i] { got[i] = load_renderer().value_or(nullptr); });
  for (auto& t : threads) t.join();
  for (Renderer* r : got) EXPECT_EQ(r, first);
}

TEST(PreviewOrientation, RotatedPortraitComesOutPortrait) {
  // recurser_Portrait_6.jpg is stored 1800x1200 with Orientation 6: upright it is tall.
  auto r = render_file(kCorpus / "jpeg" / "recurser_Portrait_6.jpg");
  ASSERT_TRUE(r.ok());
  EXPECT_LT(r->preview.width, r->preview.height);
  EXPECT_EQ(r->preview.height, 1600);
  EXPECT_LT(r->thumbnail.width, r->thumbnail.height);
  EXPECT_EQ(r->thumbnail.height, 400);
}

TEST(PreviewOrientation, HeifTransformsMatchHeifConvertAndExifIsNotAppliedAgain) {
  // irot (rotate90), imir (mirror-horizontal), clap (crop), irot+imir, an AVIF whose XMP/EXIF
  // says Orientation 3 (must be ignored), and phone HEICs.
  for (const char* name : {"avif/linku_kimono.rotate90.avif", "avif/linku_kimono.mirror-horizontal.avif",
                           "avif/linku_kimono.crop.avif", "avif/pillow_avif_rot1mir0.avif",
                           "avif/pillow_avif_xmp_tags_orientation.avif", "avif/pillow_avif_exif.avif",
                           "heif/ianare_IMG_5195.HEIC", "heif/ianare_mobile_iphone_13_pro_max.HEIC",
                           "heif/ianare_mobile_HMD_Nokia_8.3_5G.heif", "heif/libheif_example.heic"}) {
    expect_matches_reference(kCorpus / name, true, std::string(name).find("rotate90") != std::string::npos);
  }
}

std::vector<fs::path> corpus_files(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file() && e.path().extension() != ".tsv" && e.path().extension() != ".md") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

// The oracle's ImageWidth x ImageHeight (stored, before orientation), when ExifTool knows it.
std::pair<int, int> oracle_size(const fs::path& file) {
  fs::path json = kShared / "corpus-oracle" / fs::relative(file, kCorpus);
  json += ".plain.json";
  std::ifstream f(json);
  if (!f) return {0, 0};
  auto j = nlohmann::json::parse(f, nullptr, false);
  if (j.is_array() && !j.empty()) j = j[0];
  if (!j.is_object() || !j["ImageWidth"].is_number() || !j["ImageHeight"].is_number()) return {0, 0};
  return {j["ImageWidth"].get<int>(), j["ImageHeight"].get<int>()};
}

bool is_webp(const std::string& b) { return b.size() > 12 && b.compare(0, 4, "RIFF") == 0 && b.compare(8, 4, "WEBP") == 0; }

// One folder of the corpus per test, so that CTest runs them side by side.
class PreviewCorpus : public testing::TestWithParam<std::string> {};

TEST_P(PreviewCorpus, EveryWellFormedFileGetsRenditionsOrARecordedErrorWithoutMetadata) {
  const std::set<std::string> codes = {"Unsupported", "Failed", "TooLarge", "Timeout"};
  fs::path out = temp_dir() / ("renditions_" + GetParam());
  fs::create_directories(out);
  int ok = 0, errors = 0, n = 0;
  fs::path dir = GetParam() == "raw" ? kShared / "raw" / "corpus" : kCorpus / GetParam();
  for (const auto& file : corpus_files(dir)) {
    SCOPED_TRACE(file.string());
    auto r = render_file(file);
    ++n;
    if (!r.ok()) {
      EXPECT_TRUE(codes.count(std::string(r.error().code_name()))) << "code '" << r.error().code << "': " << r.error().message;
      EXPECT_FALSE(r.error().message.empty());
      std::printf("  %s: %s %s\n", file.filename().c_str(), std::string(r.error().code_name()).c_str(), r.error().message.c_str());
      ++errors;
      continue;
    }
    ++ok;
    const auto &t = r->thumbnail, &p = r->preview;
    EXPECT_TRUE(is_webp(t.bytes) && is_webp(p.bytes));
    EXPECT_GT(t.width, 0);
    EXPECT_LE(std::max(t.width, t.height), 400);
    EXPECT_LE(std::max(p.width, p.height), 1600);
    EXPECT_LE(std::max(t.width, t.height), std::max(p.width, p.height));
    auto [w, h] = oracle_size(file);
    if (w > 0 && h > 0 && r->origin == "decoded") {
      EXPECT_LE(std::max(p.width, p.height), std::max(w, h)) << "upscaled from " << w << "x" << h;
      if (std::max(w, h) > 1600) {
        EXPECT_EQ(std::max(p.width, p.height), 1600);
      }
    }
    std::ofstream(out / (std::to_string(n) + ".thumb.webp"), std::ios::binary) << t.bytes;
    std::ofstream(out / (std::to_string(n) + ".preview.webp"), std::ios::binary) << p.bytes;
  }
  std::printf("%s: %d files, %d with renditions, %d with an error code\n", GetParam().c_str(), n, ok, errors);
  // Raw samples are ExifTool's, with their previews cut down to stubs: most cannot render.
  if (GetParam() != "raw") {
    EXPECT_GE(ok, n * 3 / 4);
  }
  if (ok == 0) return;

  // ExifTool reads every rendition back: no EXIF, XMP, GPS, IPTC or ICC group in any.
  fs::path report = out / "exiftool.json";
  ASSERT_EQ(std::system(("exiftool -j -G1 -a -q -ext webp '" + out.string() + "' > '" + report.string() + "'").c_str()),
            0);
  std::ifstream f(report);
  auto all = nlohmann::json::parse(f);
  ASSERT_EQ(all.size(), size_t(ok) * 2);
  for (const auto& file : all) {
    for (const auto& [key, value] : file.items()) {
      std::string group = key.substr(0, key.find(':'));
      for (const char* banned : {"IFD", "ExifIFD", "GPS", "XMP", "IPTC", "ICC", "EXIF", "MakerNotes"})
        EXPECT_NE(group.rfind(banned, 0), 0u) << file["SourceFile"] << " has " << key;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Folders, PreviewCorpus,
                         testing::Values("jpeg", "png", "gif", "webp", "tiff", "heif", "avif", "bmp", "raw"));

TEST(PreviewMalformed, EveryMalformedFileEndsQuicklyWithAResult) {
  Options options;
  options.time_limit = std::chrono::milliseconds(5000);
  int n = 0;
  for (const auto& file : corpus_files(kCorpus / "malformed")) {
    SCOPED_TRACE(file.string());
    auto start = std::chrono::steady_clock::now();
    auto r = render_file(file, options);
    auto took = std::chrono::steady_clock::now() - start;
    EXPECT_LT(took, std::chrono::seconds(10));
    if (!r.ok()) {
      EXPECT_FALSE(r.error().code == meta::Errc::None) << r.error().message;
    }
    ++n;
  }
  EXPECT_GT(n, 50);
}

// --- hostile headers, built here ----------------------------------------------------------

std::string png_bytes(int width, int height) {
  VipsImage* black = nullptr;
  vips_black(&black, width, height, "bands", 3, nullptr);
  void* buf = nullptr;
  size_t len = 0;
  vips_pngsave_buffer(black, &buf, &len, nullptr);
  std::string s(static_cast<char*>(buf), len);
  g_free(buf);
  g_object_unref(black);
  return s;
}

void be32(std::string& s, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) s[at + size_t(i)] = char(v >> (24 - 8 * i));
}

long max_rss_kib() {
  struct rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

TEST(PreviewLimits, DecompressionBombHeadersAreTooLargeWithoutALargeAllocation) {
  vips_setup();
  long before = max_rss_kib();
  // PNG: IHDR rewritten to 60000x60000 (CRC recomputed), a few bytes of IDAT.
  std::string png = png_bytes(16, 16);
  be32(png, 16, 60000);
  be32(png, 20, 60000);
  be32(png, 29, uint32_t(crc32(0, reinterpret_cast<const Bytef*>(png.data() + 12), 17)));
  // JPEG: a real 16x16 JPEG with its SOF0 size rewritten.
  VipsImage* black = nullptr;
  vips_black(&black, 16, 16, "bands", 3, nullptr);
  void* buf = nullptr;
  size_t len = 0;
  vips_jpegsave_buffer(black, &buf, &len, nullptr);
  g_object_unref(black);
  std::string jpeg(static_cast<char*>(buf), len);
  g_free(buf);
  size_t sof = jpeg.find("\xFF\xC0");
  ASSERT_NE(sof, std::string::npos);
  jpeg[sof + 5] = char(0xEA), jpeg[sof + 6] = char(0x60), jpeg[sof + 7] = char(0xEA), jpeg[sof + 8] = char(0x60);
  // GIF: a 1x1 image in a 60000x60000 logical screen and frame.
  static const char kGif[] =
      "GIF89a\x60\xEA\x60\xEA\x80\0\0\0\0\0\xFF\xFF\xFF,\0\0\0\0\x60\xEA\x60\xEA\0\x02\x02\x44\x01\0;";
  std::string gif(kGif, sizeof kGif - 1);
  // BMP: 60000x60000, 24-bit, four bytes of pixels.
  std::string bmp(58, '\0');
  bmp[0] = 'B', bmp[1] = 'M', bmp[10] = 54, bmp[14] = 40, bmp[26] = 1, bmp[28] = 24;
  bmp[18] = char(0x60), bmp[19] = char(0xEA), bmp[22] = char(0x60), bmp[23] = char(0xEA);
  for (const auto& [name, bytes] : {std::pair{"PNG", png}, {"JPEG", jpeg}, {"GIF", gif}, {"BMP", bmp}}) {
    auto r = render_bytes(bytes);
    ASSERT_FALSE(r.ok()) << name;
    EXPECT_EQ(r.error().code, meta::Errc::TooLarge) << name << ": " << r.error().message;
    EXPECT_NE(r.error().message.find("60000x60000"), std::string::npos) << r.error().message;
  }
  EXPECT_LT(max_rss_kib() - before, 64 * 1024) << "peak RSS grew";
}

TEST(PreviewLimits, AChunkLongerThanTheFileIsMalformedBeforeAnyDecoder) {
  // A real header, then a text chunk announcing 1 GiB in a file of a hundred bytes.
  std::string png = png_bytes(8, 8).substr(0, 33);
  std::string chunk = std::string("\x3f\xff\xff\xff", 4) + "iTXt" + std::string(24, 'x');
  auto r = render_bytes(png + chunk);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, meta::Errc::Malformed) << r.error().message;

  // An image-data chunk cut short is an interrupted upload: not refused by the walk.
  std::string whole = png_bytes(64, 64);
  EXPECT_TRUE(imgmeta::preview::check_png_chunks(
                  std::span(reinterpret_cast<const uint8_t*>(whole.data()), whole.size() - 20)).ok());
  EXPECT_TRUE(imgmeta::preview::check_png_chunks(
                  std::span(reinterpret_cast<const uint8_t*>(whole.data()), whole.size())).ok());
}

TEST(PreviewLimits, InputOverTheByteLimitIsTooLarge) {
  Options options;
  options.max_input_bytes = 100;
  auto r = render_bytes(png_bytes(64, 64) + std::string(200, '\0'), options);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, meta::Errc::TooLarge);
}

TEST(PreviewLimits, ARenditionOverTheTimeLimitIsStopped) {
  vips_setup();
  VipsImage* noise = nullptr;
  vips_gaussnoise(&noise, 4000, 3000, nullptr);
  VipsImage* u8 = nullptr;
  vips_cast_uchar(noise, &u8, nullptr);
  void* buf = nullptr;
  size_t len = 0;
  ASSERT_EQ(vips_pngsave_buffer(u8, &buf, &len, "compression", 1, nullptr), 0);
  std::string png(static_cast<char*>(buf), len);
  g_free(buf);
  g_object_unref(u8);
  g_object_unref(noise);
  Options options;
  options.time_limit = std::chrono::milliseconds(20);
  auto start = std::chrono::steady_clock::now();
  auto r = render_bytes(png, options);
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, meta::Errc::Timeout) << r.error().message;
  EXPECT_LT(took, std::chrono::milliseconds(1500));
}

TEST(PreviewFormats, SvgAndPdfAreRefused) {
  for (const char* bytes : {"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"/>", "%PDF-1.4\n%..."}) {
    auto r = render_bytes(bytes);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, meta::Errc::Unsupported);
  }
}

TEST(PreviewFormats, SmallImagesAreNeverUpscaled) {
  auto r = render_bytes(png_bytes(120, 60));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->preview.width, 120);
  EXPECT_EQ(r->preview.height, 60);
  EXPECT_EQ(r->thumbnail.width, 120);
  EXPECT_EQ(r->origin, "decoded");
}

TEST(PreviewFormats, BmpAndIcoAreDecodedWithoutImageMagick) {
  for (const char* name : {"bmp/pillow_bmp_g_rgb24.bmp", "bmp/pillow_bmp_g_pal8rle.bmp", "bmp/pillow_bmp_q_rgba32.bmp"}) {
    auto r = render_file(kCorpus / name);
    ASSERT_TRUE(r.ok()) << name << ": " << r.error().message;
    Rgb ours = decode_rgb(r->preview.bytes);
    Rgb ref = reference(kCorpus / name, ours.width, ours.height, false);
    EXPECT_LT(mean_difference(ours, ref), kMaxDifference) << name;
  }
}

TEST(PreviewFormats, CameraRawUsesItsEmbeddedJpeg) {
  auto r = render_file(kShared / "raw" / "corpus" / "exiftool_Panasonic.rw2");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->origin, "embedded");
}

}  // namespace
}  // namespace imgmeta::preview
