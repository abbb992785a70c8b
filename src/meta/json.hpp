// Metadata as JSON, shaped like one object of `exiftool -j -n`.
#pragma once

#include <nlohmann/json.hpp>

#include "meta/metadata.hpp"

namespace imgmeta::meta {

struct JsonOptions {
  bool warnings = true;  // "Warning" (first) and "Warnings" (all) as ExifTool reports them
  bool stats = false;    // "BytesRead" and "SourceReads" (FileSize is always there)
};

// Fields in insertion order. Strings are already valid UTF-8 (Metadata::set made them so).
nlohmann::ordered_json to_json(const Metadata& md, const JsonOptions& options = {});

}  // namespace imgmeta::meta
