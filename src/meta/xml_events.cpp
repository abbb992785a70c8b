#include "meta/xml_events.hpp"

#include <pugixml.hpp>

#include <algorithm>
#include <vector>

#include "meta/utf8.hpp"

namespace imgmeta::meta {
namespace {

constexpr std::string_view kXmlNs = "http://www.w3.org/XML/1998/namespace";
// Whitespace-only text is kept where it is an element's only content (a value of spaces);
// DOCTYPEs become nodes so that readers can refuse them (their entities are never expanded).
constexpr unsigned kParseOptions = pugi::parse_default | pugi::parse_ws_pcdata_single | pugi::parse_doctype;

bool starts_at(std::string_view s, size_t at, std::string_view what) {
  return at <= s.size() && s.substr(at).starts_with(what);
}

// Where the events of a malformed document stop. `path` runs from the root element to the
// document's last element, following the last child while it is an element; the first `open`
// of them had not closed when the parse failed, so they never end. `last_partial`: the
// parse failed inside the last element's start tag, so it never starts.
struct Cut {
  std::vector<pugi::xml_node> path;
  size_t open = 0;
  bool last_partial = false;
};

// The end of a start tag whose name begins at `at` (past its '>'), npos if it never ends.
size_t start_tag_end(std::string_view xml, size_t at, bool& self_closing) {
  char quote = 0;
  for (size_t i = at; i < xml.size(); ++i) {
    char c = xml[i];
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '>') {
      self_closing = xml[i - 1] == '/';
      return i + 1;
    }
  }
  return std::string_view::npos;
}

// How many elements of `path`, from its end, the end tags after `at` close (comments and
// processing instructions between them skipped). `xml` is the document as it was before
// pugixml parsed it in place.
size_t closed_after(std::string_view xml, size_t at, const std::vector<pugi::xml_node>& path, size_t closed) {
  while (closed < path.size()) {
    size_t lt = xml.find('<', at);
    if (lt == std::string_view::npos) break;
    size_t skip_to = std::string_view::npos;
    if (starts_at(xml, lt, "<!--")) skip_to = xml.find("-->", lt + 4);
    else if (starts_at(xml, lt, "<?")) skip_to = xml.find("?>", lt + 2);
    if (skip_to != std::string_view::npos) {
      at = skip_to + 2;
      continue;
    }
    std::string_view name = path[path.size() - 1 - closed].name();
    if (!starts_at(xml, lt, "</") || !starts_at(xml, lt + 2, name)) break;
    size_t i = lt + 2 + name.size();
    while (i < xml.size() && (xml[i] == ' ' || xml[i] == '\t' || xml[i] == '\r' || xml[i] == '\n')) ++i;
    if (i >= xml.size() || xml[i] != '>') break;
    ++closed;
    at = i + 1;
  }
  return closed;
}

Cut find_cut(const pugi::xml_document& doc, const pugi::xml_parse_result& result, std::string_view original) {
  Cut cut;
  for (pugi::xml_node n = doc.last_child(); n && n.type() == pugi::node_element; n = n.last_child())
    cut.path.push_back(n);
  if (cut.path.empty()) return cut;
  cut.open = cut.path.size();
  if (result.status == pugi::status_bad_start_element || result.status == pugi::status_bad_attribute) {
    cut.last_partial = true;
    --cut.open;
    return cut;
  }
  // Offsets into the document as given are known only when pugixml did not convert it. A NUL
  // ends the document for pugixml, so nothing after one closes anything.
  if (result.encoding != pugi::encoding_utf8) return cut;
  original = original.substr(0, original.find('\0'));
  const pugi::xml_node last = cut.path.back();
  const pugi::xml_node tail = last.last_child();  // text or CDATA after the last element's children
  size_t at = 0, closed = 0;
  if (tail) {
    ptrdiff_t value_at = tail.offset_debug();
    if (value_at < 0) return cut;
    auto from = static_cast<size_t>(value_at);
    at = tail.type() == pugi::node_cdata ? original.find("]]>", from) : original.find('<', from);
    if (at == std::string_view::npos) return cut;
  } else {
    ptrdiff_t name_at = last.offset_debug();
    if (name_at < 0) return cut;
    bool self_closing = false;
    at = start_tag_end(original, static_cast<size_t>(name_at), self_closing);
    if (at == std::string_view::npos) {
      cut.last_partial = true;
      --cut.open;
      return cut;
    }
    closed = self_closing ? 1 : 0;
  }
  cut.open = cut.path.size() - closed_after(original, at, cut.path, closed);
  return cut;
}

struct Binding {
  std::string_view prefix, uri;
};

class Walker {
 public:
  Walker(XmlEvents& events, const Cut& cut, size_t max_depth) : events_(events), cut_(cut), max_depth_(max_depth) {}

  // Walks the document's children, until the end or where the events stop early.
  void walk(const pugi::xml_document& doc) {
    bool root_seen = false;
    for (pugi::xml_node n = doc.first_child(); n && !halted_; n = n.next_sibling()) {
      if (n.type() == pugi::node_doctype) {
        stop_unless(events_.doctype());
      } else if (n.type() == pugi::node_element) {
        if (root_seen) return fail("content after the root element", n);
        root_seen = true;
        element(n, 0);
      }
    }
  }

  bool handler_stopped() const { return handler_stopped_; }
  const std::optional<std::pair<std::string, pugi::xml_node>>& error() const { return error_; }

 private:
  void fail(std::string what, pugi::xml_node at) {
    halted_ = true;
    error_.emplace(std::move(what), at);
  }
  void stop_unless(bool go_on) {
    if (!go_on) halted_ = handler_stopped_ = true;
  }

  // "prefix:local" against the bindings in scope; `element` names take the default namespace.
  bool resolve(std::string_view qname, bool element, XmlName& out) const {
    size_t colon = qname.find(':');
    std::string_view prefix = colon == std::string_view::npos ? std::string_view() : qname.substr(0, colon);
    out.local = colon == std::string_view::npos ? qname : qname.substr(colon + 1);
    out.ns = {};
    if (prefix.empty() && !element) return true;
    if (prefix == "xml") {
      out.ns = kXmlNs;
      return true;
    }
    for (auto it = bindings_.rbegin(); it != bindings_.rend(); ++it)
      if (it->prefix == prefix) {
        out.ns = it->uri;
        return !out.ns.empty() || prefix.empty();  // xmlns:p="" unbinds nothing in XML 1.0
      }
    return prefix.empty();
  }

  bool on_cut_path(pugi::xml_node n, size_t depth) const {
    return depth < cut_.path.size() && cut_.path[depth] == n;
  }

  void element(pugi::xml_node e, size_t depth) {
    const bool on_path = on_cut_path(e, depth);
    if (on_path && cut_.last_partial && depth + 1 == cut_.path.size()) return void(halted_ = true);
    if (depth >= max_depth_) return fail("elements nested deeper than " + std::to_string(max_depth_), e);
    if (!is_utf8(e.name())) return fail("invalid UTF-8 in a name", e);
    const size_t scope = bindings_.size();
    for (pugi::xml_attribute a = e.first_attribute(); a; a = a.next_attribute()) {
      std::string_view name = a.name();
      if (name == "xmlns") bindings_.push_back({{}, a.value()});
      else if (name.starts_with("xmlns:")) bindings_.push_back({name.substr(6), a.value()});
    }
    XmlName name;
    if (!resolve(e.name(), true, name)) return fail("unbound prefix", e);
    attributes_.clear();
    for (pugi::xml_attribute a = e.first_attribute(); a; a = a.next_attribute()) {
      std::string_view qname = a.name(), value = a.value();
      if (qname == "xmlns" || qname.starts_with("xmlns:")) continue;
      XmlAttribute attribute{{}, value};
      if (!is_utf8(qname) || !is_utf8(value)) return fail("invalid UTF-8 in an attribute", e);
      if (!resolve(qname, false, attribute.name)) return fail("unbound prefix", e);
      attributes_.push_back(attribute);
    }
    stop_unless(events_.start(name, attributes_));
    for (pugi::xml_node c = e.first_child(); c && !halted_; c = c.next_sibling()) {
      switch (c.type()) {
        case pugi::node_element:
          element(c, depth + 1);
          break;
        case pugi::node_pcdata:
        case pugi::node_cdata:
          if (!is_utf8(c.value())) return fail("invalid UTF-8 in text", c);
          stop_unless(events_.text(c.value()));
          break;
        default:
          break;
      }
    }
    if (halted_) return;
    if (on_path && depth < cut_.open) return void(halted_ = true);  // still open where the parse failed
    bindings_.resize(scope);
    stop_unless(events_.end());
  }

  XmlEvents& events_;
  const Cut& cut_;
  const size_t max_depth_;
  std::vector<Binding> bindings_;
  std::vector<XmlAttribute> attributes_;  // one element's at a time
  bool halted_ = false;
  bool handler_stopped_ = false;
  std::optional<std::pair<std::string, pugi::xml_node>> error_;
};

// The length of the document up to where it holds more than `max` '<' or '=' characters.
size_t markup_bounded_length(std::string_view xml, size_t max) {
  if (xml.size() <= max) return xml.size();
  size_t lt = 0, eq = 0;
  for (size_t i = 0; i < xml.size(); ++i) {
    char c = xml[i];
    if ((c == '<' && ++lt > max) || (c == '=' && ++eq > max)) return i;
  }
  return xml.size();
}

XmlError located(std::string what, std::string_view original, bool offsets_known, ptrdiff_t offset) {
  XmlError e{std::move(what)};
  if (!offsets_known || offset < 0) return e;
  auto at = std::min(static_cast<size_t>(offset), original.size());
  std::string_view before = original.substr(0, at);
  e.line = static_cast<size_t>(std::count(before.begin(), before.end(), '\n')) + 1;
  size_t newline = before.rfind('\n');
  e.column = at - (newline == std::string_view::npos ? 0 : newline + 1) + 1;
  return e;
}

}  // namespace

std::optional<XmlError> read_xml(std::string_view xml, XmlEvents& events, const XmlReadOptions& options) {
  xml = xml.substr(0, markup_bounded_length(xml, options.max_markup));
  // pugixml parses in place; the copy leaves `xml` as it was, for locating where a malformed
  // document stopped. pugixml takes the buffer's last byte for its end marker: a NUL of our
  // own keeps the text at the end of a truncated document whole.
  std::string buffer;
  buffer.reserve(xml.size() + 1);
  buffer.append(xml).push_back('\0');
  pugi::xml_document doc;
  pugi::xml_parse_result result = doc.load_buffer_inplace(buffer.data(), buffer.size(), kParseOptions, pugi::encoding_auto);
  if (result.status == pugi::status_out_of_memory || result.status == pugi::status_internal_error)
    return XmlError{result.description()};
  const bool offsets_known = result.encoding == pugi::encoding_utf8;
  Cut cut;
  if (!result) cut = find_cut(doc, result, xml);
  Walker walker(events, cut, options.max_depth);
  walker.walk(doc);
  if (walker.handler_stopped()) return std::nullopt;
  if (const auto& error = walker.error()) return located(error->first, xml, offsets_known, error->second.offset_debug());
  if (result) return std::nullopt;
  return located(result.description(), xml, offsets_known, result.offset);  // the cut, or past it
}

}  // namespace imgmeta::meta
