// An ImageRecord as the API shows it (api/openapi.yaml, schema Image).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "store/metadata_store.hpp"

namespace imgmeta::http {

nlohmann::ordered_json image_json(const store::ImageRecord& record, const std::optional<std::string>& content_url);

}  // namespace imgmeta::http
