// A small XML tree for S3's response documents (built from meta/xml_events.hpp). Namespaces are
// dropped from element names; text is the concatenated character data of an element.
// Caps bound what a hostile or broken endpoint can make us hold.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "meta/result.hpp"

namespace imgmeta::aws {

struct XmlElement {
  std::string name;  // local name ("Part", not "s3:Part")
  std::string text;
  std::vector<std::unique_ptr<XmlElement>> children;

  const XmlElement* child(std::string_view child_name) const;
  std::vector<const XmlElement*> all(std::string_view child_name) const;
  // Text of a direct child, "" when absent.
  std::string child_text(std::string_view child_name) const;
};

// Fails on malformed XML, more than 100000 elements or depth over 32.
meta::Result<std::unique_ptr<XmlElement>> parse_xml(std::string_view text);

// Escapes & < > " ' for element text and attribute values.
std::string xml_escape(std::string_view text);

}  // namespace imgmeta::aws
