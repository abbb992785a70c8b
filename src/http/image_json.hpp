// An ImageRecord as the API shows it (api/openapi.yaml, schema Image).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "store/metadata_store.hpp"

namespace imgmeta::http {

// The URLs an image object carries; nullopt is written as null.
struct ImageUrls {
  std::optional<std::string> content;    // "contentUrl"
  std::optional<std::string> thumbnail;  // "thumbnailUrl"
  std::optional<std::string> preview;    // "previewUrl"
};

nlohmann::ordered_json image_json(const store::ImageRecord& record, const ImageUrls& urls);

}  // namespace imgmeta::http
