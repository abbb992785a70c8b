#include "preview/heif.hpp"

#include <libheif/heif.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

namespace imgmeta::preview {

using meta::make_error;
using meta::Result;

namespace {

struct ContextDeleter {
  void operator()(heif_context* c) const { heif_context_free(c); }
};
struct HandleDeleter {
  void operator()(heif_image_handle* h) const { heif_image_handle_release(h); }
};
struct ImageDeleter {
  void operator()(heif_image* i) const { heif_image_release(i); }
};
struct OptionsDeleter {
  void operator()(heif_decoding_options* o) const { heif_decoding_options_free(o); }
};
using HandlePtr = std::unique_ptr<heif_image_handle, HandleDeleter>;

meta::Error failed(const char* what, const heif_error& e) {
  return make_error(meta::Errc::Failed, std::string("HEIF: ") + what + ": " + (e.message ? e.message : "error"));
}

int long_edge(const heif_image_handle* h) {
  return std::max(heif_image_handle_get_width(h), heif_image_handle_get_height(h));
}

}  // namespace

Result<HeifPicture> decode_heif(std::span<const uint8_t> file, uint64_t max_pixels, int wanted) {
  std::unique_ptr<heif_context, ContextDeleter> ctx(heif_context_alloc());
  if (!ctx) return make_error(meta::Errc::Failed, "HEIF: out of memory");
  // libheif's own guard (width and height each); ours, on the pixel count, follows.
  heif_context_set_maximum_image_size_limit(ctx.get(), 65535);
  heif_error e = heif_context_read_from_memory_without_copy(ctx.get(), file.data(), file.size(), nullptr);
  if (e.code != heif_error_Ok) return failed("reading the file", e);
  heif_image_handle* raw = nullptr;
  e = heif_context_get_primary_image_handle(ctx.get(), &raw);
  if (e.code != heif_error_Ok) return failed("no primary image", e);
  HandlePtr primary(raw);

  // ispe: the coded size, before transforms; the pixel count is the same either way.
  uint64_t w = uint64_t(std::max(heif_image_handle_get_ispe_width(primary.get()), 0));
  uint64_t h = uint64_t(std::max(heif_image_handle_get_ispe_height(primary.get()), 0));
  if (w == 0 || h == 0) return make_error(meta::Errc::Failed, "HEIF: the primary image has no size (ispe)");
  if (w * h > max_pixels) {
    return make_error(meta::Errc::TooLarge, "HEIF of " + std::to_string(w) + "x" + std::to_string(h) + " = " +
                                      std::to_string(w * h) + " pixels is over the limit of " +
                                      std::to_string(max_pixels));
  }

  HeifPicture out;
  HandlePtr chosen;
  int thumbs = heif_image_handle_get_number_of_thumbnails(primary.get());
  if (thumbs > 0) {
    std::vector<heif_item_id> ids(size_t(std::min(thumbs, 16)));
    int n = heif_image_handle_get_list_of_thumbnail_IDs(primary.get(), ids.data(), int(ids.size()));
    for (int i = 0; i < n; ++i) {
      heif_image_handle* t = nullptr;
      if (heif_image_handle_get_thumbnail(primary.get(), ids[size_t(i)], &t).code != heif_error_Ok) continue;
      HandlePtr thumb(t);
      if (long_edge(thumb.get()) >= wanted && (!chosen || long_edge(thumb.get()) < long_edge(chosen.get())))
        chosen = std::move(thumb);
    }
  }
  if (chosen) {
    out.thumbnail = true;
  } else {
    chosen = std::move(primary);
  }

  if (heif_image_handle_get_color_profile_type(chosen.get()) == heif_color_profile_type_prof ||
      heif_image_handle_get_color_profile_type(chosen.get()) == heif_color_profile_type_rICC) {
    size_t size = heif_image_handle_get_raw_color_profile_size(chosen.get());
    if (size > 0 && size < (4u << 20)) {
      out.icc.resize(size);
      if (heif_image_handle_get_raw_color_profile(chosen.get(), out.icc.data()).code != heif_error_Ok) out.icc.clear();
    }
  }

  bool alpha = heif_image_handle_has_alpha_channel(chosen.get()) != 0;
  std::unique_ptr<heif_decoding_options, OptionsDeleter> options(heif_decoding_options_alloc());
  options->ignore_transformations = 0;  // apply irot/imir/clap
  heif_image* decoded = nullptr;
  e = heif_decode_image(chosen.get(), &decoded, heif_colorspace_RGB,
                        alpha ? heif_chroma_interleaved_RGBA : heif_chroma_interleaved_RGB, options.get());
  if (e.code != heif_error_Ok) return failed("decoding", e);
  std::unique_ptr<heif_image, ImageDeleter> image(decoded);

  int stride = 0;
  const uint8_t* plane = heif_image_get_plane_readonly(image.get(), heif_channel_interleaved, &stride);
  int width = heif_image_get_width(image.get(), heif_channel_interleaved);
  int height = heif_image_get_height(image.get(), heif_channel_interleaved);
  int bands = alpha ? 4 : 3;
  if (plane == nullptr || width <= 0 || height <= 0 || stride < width * bands)
    return make_error(meta::Errc::Failed, "HEIF: the decoder returned no pixels");
  out.pixels.width = width;
  out.pixels.height = height;
  out.pixels.bands = bands;
  out.pixels.data.resize(size_t(width) * size_t(height) * size_t(bands));
  for (int y = 0; y < height; ++y)
    std::memcpy(out.pixels.data.data() + size_t(y) * size_t(width) * size_t(bands), plane + size_t(y) * size_t(stride),
                size_t(width) * size_t(bands));
  return out;
}

}  // namespace imgmeta::preview
