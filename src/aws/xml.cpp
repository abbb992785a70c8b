#include "aws/xml.hpp"

#include <expat.h>

namespace imgmeta::aws {

const XmlElement* XmlElement::child(std::string_view child_name) const {
  for (const auto& c : children)
    if (c->name == child_name) return c.get();
  return nullptr;
}

std::vector<const XmlElement*> XmlElement::all(std::string_view child_name) const {
  std::vector<const XmlElement*> out;
  for (const auto& c : children)
    if (c->name == child_name) out.push_back(c.get());
  return out;
}

std::string XmlElement::child_text(std::string_view child_name) const {
  const XmlElement* c = child(child_name);
  return c ? c->text : std::string();
}

namespace {

constexpr size_t kMaxElements = 100000;
constexpr size_t kMaxDepth = 32;

struct Builder {
  std::unique_ptr<XmlElement> root;
  std::vector<XmlElement*> stack;
  size_t elements = 0;
  bool too_big = false;
  XML_Parser parser = nullptr;
};

void on_start(void* user, const XML_Char* name, const XML_Char** /*attrs*/) {
  auto* b = static_cast<Builder*>(user);
  if (++b->elements > kMaxElements || b->stack.size() >= kMaxDepth) {
    b->too_big = true;
    XML_StopParser(b->parser, XML_FALSE);
    return;
  }
  std::string_view n(name);
  if (auto sep = n.rfind(':'); sep != std::string_view::npos) n.remove_prefix(sep + 1);
  auto el = std::make_unique<XmlElement>();
  el->name = std::string(n);
  XmlElement* raw = el.get();
  if (b->stack.empty()) {
    if (b->root) {  // a second root element: not well-formed
      b->too_big = true;
      XML_StopParser(b->parser, XML_FALSE);
      return;
    }
    b->root = std::move(el);
  } else {
    b->stack.back()->children.push_back(std::move(el));
  }
  b->stack.push_back(raw);
}

void on_end(void* user, const XML_Char* /*name*/) {
  auto* b = static_cast<Builder*>(user);
  if (!b->stack.empty()) b->stack.pop_back();
}

void on_text(void* user, const XML_Char* s, int len) {
  auto* b = static_cast<Builder*>(user);
  if (!b->stack.empty() && len > 0) b->stack.back()->text.append(s, static_cast<size_t>(len));
}

}  // namespace

meta::Result<std::unique_ptr<XmlElement>> parse_xml(std::string_view text) {
  Builder b;
  // Namespace processing with ':' as separator, so "uri:Local" names come out.
  XML_Parser p = XML_ParserCreateNS(nullptr, ':');
  if (!p) return meta::make_error("XML: parser allocation failed");
  b.parser = p;
  XML_SetUserData(p, &b);
  XML_SetElementHandler(p, on_start, on_end);
  XML_SetCharacterDataHandler(p, on_text);
  auto status = XML_Parse(p, text.data(), static_cast<int>(text.size()), XML_TRUE);
  std::string why;
  if (b.too_big) why = "document too large or too deep";
  else if (status != XML_STATUS_OK)
    why = std::string(XML_ErrorString(XML_GetErrorCode(p))) + " at line " + std::to_string(XML_GetCurrentLineNumber(p));
  XML_ParserFree(p);
  if (!why.empty()) return meta::make_error("XML: " + why);
  if (!b.root) return meta::make_error("XML: no root element");
  return std::move(b.root);
}

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace imgmeta::aws
