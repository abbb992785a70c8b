#include "meta/extract.hpp"

#include "meta/formats.hpp"

namespace imgmeta::meta {
namespace {

Status parse(Format format, Context& ctx) {
  switch (format) {
    case Format::Jpeg: return parse_jpeg(ctx);
    case Format::Png: return parse_png(ctx);
    case Format::Gif: return parse_gif(ctx);
    case Format::WebP: return parse_webp(ctx);
    case Format::Tiff: return parse_tiff(ctx);
    case Format::Isobmff: return parse_isobmff(ctx);
    case Format::Bmp: return parse_bmp(ctx);
    case Format::Ico: return parse_ico(ctx);
    case Format::Jxl: return parse_jxl(ctx);
    case Format::Raf: return parse_raf(ctx);
    case Format::Unknown: break;
  }
  return make_error("unknown file type");
}

}  // namespace

Result<Metadata> extract(Source& source, const Options& options) {
  Metadata md;
  md.file_size = source.size();
  if (source.size() == 0) return make_error("empty file");
  Reader reader(source, options.limits.max_bytes_read);
  Context ctx{reader, md, options};
  Status status = [&]() -> Status {
    ByteView head = TRY(reader.view_upto(0, 32));
    return parse(detect_format(head), ctx);
  }();
  md.bytes_read = reader.stats().bytes_read;
  md.source_reads = reader.stats().source_reads;
  if (!status) return status.error();
  add_composite_fields(ctx);
  return md;
}

}  // namespace imgmeta::meta
