// The rows of GET /api/images/export: CSV with the columns people sort and filter by, or
// NDJSON with each image's whole record (metadata under ExifTool's names).
#pragma once

#include <string>

#include "store/metadata_store.hpp"

namespace imgmeta::http {

enum class ExportFormat { Csv, Ndjson };

// The CSV header line (with its CRLF); empty for NDJSON.
std::string export_header(ExportFormat format);

// Appends one image as a CSV line (RFC 4180: CRLF, fields quoted when they need it; a text
// cell that a spreadsheet would run as a formula starts with an apostrophe) or a JSON line.
void append_export_row(std::string& out, const store::ImageRecord& record, ExportFormat format);

}  // namespace imgmeta::http
