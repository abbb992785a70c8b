// An XML document read as a stream of events (element start, text, element end) with names
// resolved against their namespaces, the way XMP and S3's responses are read. pugixml parses
// the document in place; the events are then taken from its tree, so a reader sees what a
// streaming parser would show it, including on a malformed document: every element that
// closed before the error has ended, and the events stop there.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace imgmeta::meta {

struct XmlName {
  std::string_view ns;  // the namespace URI, "" for none
  std::string_view local;
};

struct XmlAttribute {
  XmlName name;
  std::string_view value;
};

// Each call returns false to stop the events (the reader has seen enough, or refuses).
// Views are valid only during the call.
class XmlEvents {
 public:
  virtual bool start(XmlName name, std::span<const XmlAttribute> attributes) = 0;
  virtual bool end() = 0;
  virtual bool text(std::string_view text) = 0;
  // A DOCTYPE before the root element. Its entities are never expanded; a reader may refuse it.
  virtual bool doctype() = 0;

 protected:
  ~XmlEvents() = default;
};

struct XmlError {
  std::string what;
  size_t line = 0, column = 0;  // 1-based; 0 where the position is not known
};

struct XmlReadOptions {
  // The document is cut where it holds more than this many '<' or '=' characters, bounding
  // the tree built before the first event (elements and attributes need one each).
  size_t max_markup = 1u << 20;
  // Elements nested deeper than this end the events with an error.
  size_t max_depth = 256;
};

// Reads `xml` (UTF-8; UTF-16 or UTF-32 with a byte-order mark; or declared ISO-8859-1),
// calling `events` in document order from the first element to the end of the root
// element. Returns the error that ended the events early, if any: a malformed document,
// invalid UTF-8, a prefix bound to no namespace, nesting past max_depth. Nothing is
// returned when a handler stopped the events itself.
std::optional<XmlError> read_xml(std::string_view xml, XmlEvents& events, const XmlReadOptions& options = {});

}  // namespace imgmeta::meta
