// Locates the JPEG previews that cameras embed in raw files, without decoding anything.
//
// TIFF-based raws (DNG, CR2, NEF, ARW, ORF, RW2 and the IIU/IIRO variants) keep them as
// JPEGInterchangeFormat ranges, single-strip JPEG images (Compression 6 or 7) in IFD0/IFD1 or
// in SubIFDs, or as RW2's JpgFromRaw tag; Fujifilm's RAF points at one from its fixed header;
// Canon's CR3 keeps one in the PRVW box of a top-level uuid box. Every offset and length read
// from the file is checked against the file's size before use; IFDs are visited once each and
// the walk is capped in depth, entries and bytes read.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "meta/result.hpp"
#include "meta/source.hpp"

namespace imgmeta::preview {

// A Source over bytes already in memory (the module does not link imgmeta_meta's MemorySource).
class SpanSource final : public meta::Source {
 public:
  explicit SpanSource(std::span<const uint8_t> bytes) : bytes_(bytes) {}
  uint64_t size() const override { return bytes_.size(); }
  meta::Result<size_t> read_at(uint64_t offset, std::span<uint8_t> out) override;
  std::optional<std::span<const uint8_t>> contiguous() const override { return bytes_; }

 private:
  std::span<const uint8_t> bytes_;
};

struct EmbeddedJpeg {
  uint64_t offset = 0;
  uint64_t length = 0;
  int width = 0;   // from the JPEG's SOF0/1/2 header
  int height = 0;
  std::string where;  // e.g. "IFD0 strip", "SubIFD 1 JPEGInterchangeFormat", "RAF header"
};

struct RawPreviews {
  std::string container;     // "TIFF", "RAF", "CR3"
  bool is_raw = false;       // false for an ordinary TIFF: decode it instead
  int orientation = 0;       // IFD0's Orientation (1-8); 0 when the JPEG's own EXIF decides
  std::vector<EmbeddedJpeg> jpegs;  // decodable baseline/progressive JPEGs only
};

// Walks a TIFF-based raw, a RAF or a CR3. An error only when the container itself cannot be
// read (bad header, I/O error); broken entries are skipped.
meta::Result<RawPreviews> find_embedded_previews(meta::Source& source);

// The JPEG to render from for a rendition whose long edge is `wanted`: the smallest one whose
// long edge reaches it, else the largest. nullptr when there is none.
const EmbeddedJpeg* choose_embedded(const RawPreviews& previews, int wanted);

}  // namespace imgmeta::preview
