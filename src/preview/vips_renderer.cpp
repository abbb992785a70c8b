// The Renderer on libvips 8.14: shrink-on-load through vips_thumbnail_source, WebP out.
//
// Why WebP: every current browser shows it (Safari since 14), it is about a third smaller than
// a JPEG of the same visual quality at these sizes, and it keeps alpha (PNG, GIF, WebP and
// HEIF uploads with transparency stay transparent).
//
// The process-wide libvips settings (set once, in vips_setup): no operation cache (every
// upload is new, and the cache would hold decoded pixels), one worker thread per pipeline
// (the pipeline's own workers are the parallelism), and every loader blocked except the ones
// listed in kAllowedLoaders, so that no ImageMagick, PDF, SVG, FITS, OpenSlide, Matlab or
// other loader ever sees uploaded bytes even if detect_format() were wrong.
#include <glib-object.h>
#include <vips/vips.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "preview/bmp.hpp"
#include "preview/embedded.hpp"
#include "preview/format.hpp"
#include "preview/heif.hpp"
#include "preview/png_check.hpp"
#include "preview/renderer.hpp"
#include "preview/vips_renderer.hpp"

namespace imgmeta::preview {

using meta::make_error;

namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kAllowedLoaders[] = {
    "VipsForeignLoadJpeg", "VipsForeignLoadPng", "VipsForeignLoadNsgif", "VipsForeignLoadWebp",
    "VipsForeignLoadTiff", "VipsForeignLoadHeif", "VipsForeignLoadJxl",
};

struct ImageDeleter {
  void operator()(VipsImage* image) const { g_object_unref(image); }
};
using ImagePtr = std::unique_ptr<VipsImage, ImageDeleter>;
struct SourceDeleter {
  void operator()(VipsSource* source) const { g_object_unref(source); }
};
using SourcePtr = std::unique_ptr<VipsSource, SourceDeleter>;

// libvips' error buffer is process-wide; take what it says and clear it.
std::string vips_message(const char* fallback) {
  char* text = vips_error_buffer_copy();
  std::string message = text && *text ? text : fallback;
  g_free(text);
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  if (auto nl = message.find('\n'); nl != std::string::npos) message = message.substr(0, nl);
  return message;
}

// The eval callback: kills the computation once the deadline passes.
struct Deadline {
  Clock::time_point at;
  std::atomic<bool> passed{false};
};

void on_eval(VipsImage* image, VipsProgress* /*progress*/, void* user) {
  auto* deadline = static_cast<Deadline*>(user);
  if (Clock::now() > deadline->at) {
    deadline->passed = true;
    vips_image_set_kill(image, TRUE);
  }
}

// Computes `image` into memory with the deadline watching every tile.
Result<ImagePtr> materialise(VipsImage* image, Deadline& deadline, const char* what) {
  if (Clock::now() > deadline.at) return make_error(meta::Errc::Timeout, std::string(what) + ": time limit reached");
  ImagePtr out(vips_image_new_memory());
  vips_image_set_progress(out.get(), TRUE);
  g_signal_connect(out.get(), "eval", G_CALLBACK(on_eval), &deadline);
  if (vips_image_write(image, out.get()) != 0 || deadline.passed) {
    std::string message = vips_message("decoding failed");
    if (deadline.passed) return make_error(meta::Errc::Timeout, std::string(what) + ": time limit reached");
    return make_error(meta::Errc::Failed, std::string(what) + ": " + message);
  }
  return out;
}

// The WebP container ("Extended File Format" of Google's WebP container specification):
// "RIFF" size "WEBP", then chunks of fourcc, little-endian size, payload padded to even.
// VP8X flag bits: ICC 0x20, EXIF 0x08, XMP 0x04.
uint32_t le32_at(const std::string& b, size_t at) {
  auto u = [&](size_t i) { return uint32_t(uint8_t(b[at + i])); };
  return u(0) | u(1) << 8 | u(2) << 16 | u(3) << 24;
}

// Rewrites `webp` without its EXIF, XMP and ICCP chunks; false when it is not a WebP file.
bool drop_metadata_chunks(std::string& webp) {
  if (webp.size() < 12 || webp.compare(0, 4, "RIFF") != 0 || webp.compare(8, 4, "WEBP") != 0) return false;
  std::string out = webp.substr(0, 12);
  size_t at = 12;
  while (at + 8 <= webp.size()) {
    std::string_view fourcc(webp.data() + at, 4);
    uint64_t size = le32_at(webp, at + 4);
    uint64_t whole = 8 + size + (size & 1);
    if (whole > webp.size() - at) return false;
    if (fourcc != "EXIF" && fourcc != "XMP " && fourcc != "ICCP") {
      size_t start = out.size();
      out.append(webp, at, whole);
      if (fourcc == "VP8X" && size >= 1) out[start + 8] = char(uint8_t(out[start + 8]) & ~0x2C);
    }
    at += whole;
  }
  uint32_t riff = uint32_t(out.size() - 8);
  for (int i = 0; i < 4; ++i) out[4 + size_t(i)] = char(riff >> (8 * i));
  webp = std::move(out);
  return true;
}

bool has_metadata_chunk(const std::string& webp) {
  size_t at = 12;
  while (at + 8 <= webp.size()) {
    std::string_view fourcc(webp.data() + at, 4);
    if (fourcc == "EXIF" || fourcc == "XMP " || fourcc == "ICCP") return true;
    uint64_t size = le32_at(webp, at + 4);
    at += 8 + size + (size & 1);
  }
  return false;
}

Result<Rendition> encode(VipsImage* image, const Options& options) {
  // No metadata in the output. libvips 8.14.1's webpsave ignores strip: it writes an EXIF
  // chunk even for an image without metadata, and the ICC profile it was given. So every
  // metadata field is removed from a copy first, and the EXIF/XMP/ICCP chunks from the file
  // after. The pixels are already sRGB (the thumbnail step converted any embedded profile),
  // so dropping the profile changes nothing a browser shows.
  VipsImage* c = nullptr;
  if (vips_copy(image, &c, nullptr) != 0) return make_error(meta::Errc::Failed, "copy: " + vips_message("failed"));
  ImagePtr bare(c);
  if (gchar** fields = vips_image_get_fields(bare.get())) {
    for (gchar** f = fields; *f != nullptr; ++f) vips_image_remove(bare.get(), *f);
    g_strfreev(fields);
  }
  void* buffer = nullptr;
  size_t length = 0;
  if (vips_webpsave_buffer(bare.get(), &buffer, &length, "Q", options.quality, "strip", TRUE, "effort", 2,
                           nullptr) != 0) {
    return make_error(meta::Errc::Failed, "WebP encoding: " + vips_message("failed"));
  }
  Rendition r;
  r.bytes.assign(static_cast<const char*>(buffer), length);
  g_free(buffer);
  if (!drop_metadata_chunks(r.bytes) || has_metadata_chunk(r.bytes)) return make_error(meta::Errc::Failed, "WebP encoding: metadata left in the output");
  r.width = vips_image_get_width(image);
  r.height = vips_image_get_height(image);
  return r;
}

Result<uint64_t> check_pixels(int width, int height, const Options& options, const char* format) {
  uint64_t pixels = uint64_t(std::max(width, 0)) * uint64_t(std::max(height, 0));
  if (width <= 0 || height <= 0) return make_error(meta::Errc::Failed, std::string(format) + ": the header gives no size");
  if (pixels > options.max_pixels) {
    return make_error(meta::Errc::TooLarge, std::string(format) + " of " + std::to_string(width) + "x" +
                                      std::to_string(height) + " = " + std::to_string(pixels) +
                                      " pixels is over the limit of " + std::to_string(options.max_pixels));
  }
  return pixels;
}

// How an image gets upright: `orientation` 1-8 overrides the loader's; 0 keeps the loader's
// (EXIF for JPEG/PNG/WebP, the Orientation tag for TIFF); -1 never rotates (HEIF/AVIF, where
// libheif has applied irot/imir/clap and the EXIF Orientation must be ignored).
Result<Renditions> from_image(VipsImage* preview_in, int orientation, const Options& options, Deadline& deadline,
                              const char* format) {
  auto preview = TRY(materialise(preview_in, deadline, format));
  VipsImage* upright = preview.get();
  ImagePtr rotated;
  if (orientation >= 0) {
    // vips_autorot reads the "orientation" field; set it when the container decided it.
    ImagePtr copy;
    VipsImage* c = nullptr;
    if (vips_copy(preview.get(), &c, nullptr) != 0) return make_error(meta::Errc::Failed, vips_message("copy failed"));
    copy.reset(c);
    if (orientation > 0) vips_image_set_int(copy.get(), VIPS_META_ORIENTATION, orientation);
    VipsImage* r = nullptr;
    if (vips_autorot(copy.get(), &r, nullptr) != 0) return make_error(meta::Errc::Failed, vips_message("rotation failed"));
    rotated.reset(r);
    upright = rotated.get();
  }
  Renditions out;
  out.origin = "decoded";
  out.preview = TRY(encode(upright, options));

  // The thumbnail from the preview: already upright and sRGB, so no rotation and no profile.
  VipsImage* t = nullptr;
  if (vips_thumbnail_image(upright, &t, options.thumbnail_edge, "height", options.thumbnail_edge, "size",
                           VIPS_SIZE_DOWN, "no_rotate", TRUE, nullptr) != 0) {
    return make_error(meta::Errc::Failed, "thumbnail: " + vips_message("failed"));
  }
  ImagePtr thumb(t);
  auto thumb_mem = TRY(materialise(thumb.get(), deadline, format));
  out.thumbnail = TRY(encode(thumb_mem.get(), options));
  return out;
}

// Loads the header, checks the pixel count, then shrinks on load to the preview size.
Result<Renditions> render_encoded(std::span<const uint8_t> bytes, Format format, int orientation,
                                  const Options& options, Deadline& deadline) {
  const char* name = format_name(format);
  if (format == Format::Png) TRY(check_png_chunks(bytes));
  {
    // A source of its own: a loader that has read a header may leave its source unseekable.
    SourcePtr source(vips_source_new_from_memory(bytes.data(), bytes.size()));
    if (!source) return make_error(meta::Errc::Failed, vips_message("cannot read the bytes"));
    VipsImage* h = vips_image_new_from_source(source.get(), "", "access", VIPS_ACCESS_SEQUENTIAL, nullptr);
    if (h == nullptr) return make_error(meta::Errc::Failed, std::string(name) + ": " + vips_message("unreadable header"));
    ImagePtr header(h);
    TRY(check_pixels(vips_image_get_width(h), vips_image_get_height(h), options, name));
  }
  SourcePtr source(vips_source_new_from_memory(bytes.data(), bytes.size()));
  if (!source) return make_error(meta::Errc::Failed, vips_message("cannot read the bytes"));
  VipsImage* p = nullptr;
  // no_rotate: rotation happens on the small result (from_image), after the time-bounded
  // decode. export_profile: an embedded ICC profile (or CMYK) is converted to sRGB.
  if (vips_thumbnail_source(source.get(), &p, options.preview_edge, "height", options.preview_edge, "size",
                            VIPS_SIZE_DOWN, "no_rotate", TRUE, "export_profile", "srgb", nullptr) != 0) {
    return make_error(meta::Errc::Failed, std::string(name) + ": " + vips_message("cannot decode"));
  }
  ImagePtr preview(p);
  return from_image(preview.get(), orientation, options, deadline, name);
}

// Pixels decoded by our own code or libheif: already upright.
Result<Renditions> render_pixels(const Pixels& pixels, const std::string& icc, const Options& options,
                                 Deadline& deadline, const char* name) {
  TRY(check_pixels(pixels.width, pixels.height, options, name));
  VipsImage* raw = vips_image_new_from_memory(pixels.data.data(), pixels.data.size(), pixels.width, pixels.height,
                                              pixels.bands, VIPS_FORMAT_UCHAR);
  if (raw == nullptr) return make_error(meta::Errc::Failed, vips_message("cannot wrap the pixels"));
  ImagePtr image(raw);
  image->Type = VIPS_INTERPRETATION_sRGB;
  if (!icc.empty()) {
    void* copy = g_malloc(icc.size());
    std::memcpy(copy, icc.data(), icc.size());
    vips_image_set_blob(image.get(), VIPS_META_ICC_NAME, [](void* data, void*) -> int { g_free(data); return 0; }, copy, icc.size());
  }
  VipsImage* p = nullptr;
  if (vips_thumbnail_image(image.get(), &p, options.preview_edge, "height", options.preview_edge, "size",
                           VIPS_SIZE_DOWN, "no_rotate", TRUE, "export_profile", "srgb", nullptr) != 0) {
    return make_error(meta::Errc::Failed, std::string(name) + ": " + vips_message("cannot shrink"));
  }
  ImagePtr preview(p);
  return from_image(preview.get(), -1, options, deadline, name);
}

Result<std::vector<uint8_t>> read_range(meta::Source& source, uint64_t offset, uint64_t length) {
  std::vector<uint8_t> bytes(length);
  uint64_t done = 0;
  while (done < length) {
    size_t n = TRY(source.read_at(offset + done, std::span(bytes.data() + done, length - done)));
    if (n == 0) return make_error(meta::Errc::Failed, "the file ended early at " + std::to_string(offset + done));
    done += n;
  }
  return bytes;
}

class VipsRenderer final : public Renderer {
 public:
  Result<Renditions> render(meta::Source& source, const Options& options) override {
    Deadline deadline{Clock::now() + options.time_limit};
    // The error buffer is process-wide; a message left by an earlier failure must not be
    // reported as this image's.
    vips_error_clear();
    uint64_t size = source.size();
    if (size > options.max_input_bytes) {
      return make_error(meta::Errc::TooLarge, "the file is " + std::to_string(size) + " bytes, over the limit of " +
                                        std::to_string(options.max_input_bytes));
    }
    std::vector<uint8_t> head(std::min<uint64_t>(size, 64));
    if (!head.empty()) {
      auto n = source.read_at(0, head);
      if (!n.ok()) return make_error(meta::Errc::Failed, "reading the file: " + n.error().message);
      head.resize(*n);
    }
    Format format = detect_format(head);
    if (format == Format::Unknown) {
      return make_error(meta::Errc::Unsupported, "not an image format previews are made for (JPEG, PNG, GIF, WebP, TIFF, "
                                       "camera raw, HEIF, AVIF, JPEG XL, BMP, ICO)");
    }

    if (format == Format::Tiff || format == Format::Raf || format == Format::Cr3) {
      auto raw = find_embedded_previews(source);
      if (raw.ok() && raw->is_raw) {
        const EmbeddedJpeg* jpeg = choose_embedded(*raw, options.preview_edge);
        if (jpeg == nullptr) {
          return make_error(meta::Errc::Unsupported, std::string("a camera raw (") + raw->container +
                                               ") without an embedded JPEG preview; raw sensor data is not decoded");
        }
        auto bytes = TRY(read_range(source, jpeg->offset, jpeg->length));
        // TIFF raws: IFD0's Orientation applies to the preview (its JPEG has no EXIF of its
        // own). RAF/CR3: the JPEG's EXIF decides.
        int orientation = raw->container == "TIFF" ? std::max(raw->orientation, 1) : 0;
        auto out = render_encoded(bytes, Format::Jpeg, orientation, options, deadline);
        if (out.ok()) out->origin = "embedded";
        return out;
      }
      if (format != Format::Tiff) return make_error(meta::Errc::Unsupported, std::string(format_name(format)) + ": no preview found");
    }

    auto whole = TRY(read_range(source, 0, size));
    switch (format) {
      case Format::Bmp: {
        auto pixels = decode_bmp(whole, options.max_pixels);
        if (!pixels.ok()) return pixels.error();
        return render_pixels(*pixels, {}, options, deadline, "BMP");
      }
      case Format::Ico: {
        auto icon = decode_ico(whole, options.max_pixels);
        if (!icon.ok()) return icon.error();
        if (icon->png.has_value()) {
          auto png = *icon->png;
          return render_encoded(png, Format::Png, 0, options, deadline);
        }
        return render_pixels(icon->pixels, {}, options, deadline, "ICO");
      }
      case Format::Heif:
      case Format::Avif: {
        auto picture = decode_heif(whole, options.max_pixels, options.preview_edge);
        if (!picture.ok()) return picture.error();
        auto out = render_pixels(picture->pixels, picture->icc, options, deadline, format_name(format));
        if (out.ok() && picture->thumbnail) out->origin = "embedded";
        return out;
      }
      default:
        return render_encoded(whole, format, 0, options, deadline);
    }
  }
};

}  // namespace

bool vips_setup() {
  static bool ready = [] {
    if (VIPS_INIT("imgmeta-preview") != 0) return false;
    // libvips warns on stderr about what it tolerates in odd files ("error in tile", unknown
    // TIFF tags): noise in a server's log. Errors still come back through vips_message().
    g_log_set_handler("VIPS", GLogLevelFlags(G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO),
                      [](const gchar*, GLogLevelFlags, const gchar*, gpointer) {}, nullptr);
    vips_cache_set_max(0);
    vips_cache_set_max_mem(0);
    vips_cache_set_max_files(0);
    vips_concurrency_set(1);
    vips_block_untrusted_set(TRUE);
    vips_operation_block_set("VipsForeignLoad", TRUE);
    for (const char* loader : kAllowedLoaders) vips_operation_block_set(loader, FALSE);
    // Stop libvips' worker threads at exit, before the process's other exit handlers run
    // (LeakSanitizer's among them: its scan crashed on the idle pool's threads).
    std::atexit([] { vips_shutdown(); });
    return true;
  }();
  return ready;
}

Renderer* vips_renderer() {
  static VipsRenderer renderer;
  return vips_setup() ? &renderer : nullptr;
}

}  // namespace imgmeta::preview
