#include "aws/xml.hpp"

#include <span>

#include "meta/xml_events.hpp"

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

// Builds the tree from the reader's events; namespaces are dropped from the names.
class Builder final : public meta::XmlEvents {
 public:
  bool start(meta::XmlName name, std::span<const meta::XmlAttribute>) override {
    if (++elements_ > kMaxElements) return false;
    auto el = std::make_unique<XmlElement>();
    el->name = std::string(name.local);
    XmlElement* raw = el.get();
    if (stack_.empty()) root_ = std::move(el);
    else stack_.back()->children.push_back(std::move(el));
    stack_.push_back(raw);
    return true;
  }
  bool end() override {
    stack_.pop_back();
    return true;
  }
  bool text(std::string_view text) override {
    stack_.back()->text.append(text);
    return true;
  }
  bool doctype() override {  // S3 never sends one: refused
    doctype_ = true;
    return false;
  }

  std::unique_ptr<XmlElement> root_;
  std::vector<XmlElement*> stack_;
  size_t elements_ = 0;
  bool doctype_ = false;
};

}  // namespace

meta::Result<std::unique_ptr<XmlElement>> parse_xml(std::string_view text) {
  Builder b;
  auto error = meta::read_xml(text, b, {.max_markup = 4 * kMaxElements, .max_depth = kMaxDepth});
  if (error) {
    std::string where = error->line ? " at line " + std::to_string(error->line) : "";
    return meta::make_error("XML: " + error->what + where);
  }
  if (b.elements_ > kMaxElements) return meta::make_error("XML: document too large");
  if (b.doctype_) return meta::make_error("XML: document with a DOCTYPE refused");
  if (!b.root_) return meta::make_error("XML: no root element");
  return std::move(b.root_);
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
