// Metadata as JSON text, shaped like one object of `exiftool -j -n`, written straight into a
// caller's buffer (no intermediate tree). The one writer the CLI, the service and the Lambda
// use for extracted metadata.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "meta/metadata.hpp"

namespace imgmeta::meta {

struct JsonOptions {
  bool warnings = true;  // "Warning" (first) and "Warnings" (all) as ExifTool reports them
  bool stats = false;    // "BytesRead" and "SourceReads" (FileSize is always there)
  // When set, written first as "SourceFile" (the CLI's object starts with the path).
  std::optional<std::string_view> source_file;
};

// Appends one JSON object to `out` (which is not cleared, so one buffer can hold a whole
// NDJSON batch): SourceFile when given, FileSize, the fields in insertion order, then the
// warnings and stats the options ask for. The text is valid UTF-8 whatever the input: invalid
// bytes become U+FFFD. Numbers print as the JSON library we used before printed them
// (shortest round-trip digits, "1.0" for whole doubles, "1e-05" exponents); NaN and infinity,
// which JSON lacks, print as null.
void append_json(const Metadata& md, std::string& out, const JsonOptions& options = {});
std::string to_json(const Metadata& md, const JsonOptions& options = {});

// The pieces, for objects built around the metadata (the CLI's {"SourceFile":..,"Error":..}).
void append_json_string(std::string& out, std::string_view text);  // quoted and escaped
void append_json_number(std::string& out, double value);            // null when not finite

}  // namespace imgmeta::meta
