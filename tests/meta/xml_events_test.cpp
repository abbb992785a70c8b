// The XML event reader: names resolved against namespaces, and on a malformed document the
// events a streaming parser would have produced before the error, no more.
#include "meta/xml_events.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace imgmeta::meta {
namespace {

// Records the events as a line each: "<{ns}local a{ns}name=value>", "text", "</>", "!DOCTYPE".
struct Recorder final : XmlEvents {
  std::vector<std::string> events;
  int stop_after = -1;  // stop (return false) at this event's index

  bool go_on() { return stop_after < 0 || static_cast<int>(events.size()) <= stop_after; }
  bool start(XmlName name, std::span<const XmlAttribute> attributes) override {
    std::string e = "<{" + std::string(name.ns) + "}" + std::string(name.local);
    for (const auto& a : attributes)
      e += " {" + std::string(a.name.ns) + "}" + std::string(a.name.local) + "=" + std::string(a.value);
    events.push_back(e + ">");
    return go_on();
  }
  bool end() override {
    events.push_back("</>");
    return go_on();
  }
  bool text(std::string_view text) override {
    events.push_back(std::string(text));
    return go_on();
  }
  bool doctype() override {
    events.push_back("!DOCTYPE");
    return go_on();
  }
};

using Events = std::vector<std::string>;

TEST(XmlEvents, NamesResolveAgainstTheBindingsInScope) {
  Recorder r;
  auto error = read_xml(
      "<r xmlns='urn:d' xmlns:p='urn:p' a='1' p:b='2' xml:lang='en'><p:x xmlns:p='urn:q'/><p:y/></r>", r);
  EXPECT_FALSE(error);
  EXPECT_EQ(r.events, (Events{"<{urn:d}r {}a=1 {urn:p}b=2 {http://www.w3.org/XML/1998/namespace}lang=en>",
                              "<{urn:q}x>", "</>", "<{urn:p}y>", "</>", "</>"}));
}

TEST(XmlEvents, UnboundPrefixStopsTheEventsWithAnError) {
  Recorder r;
  auto error = read_xml("<r xmlns:p='urn:p'><p:a>1</p:a><q:b>2</q:b></r>", r);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->what, "unbound prefix");
  EXPECT_EQ(error->line, 1u);
  EXPECT_EQ(r.events, (Events{"<{}r>", "<{urn:p}a>", "1", "</>"}));
}

TEST(XmlEvents, TextEntitiesCdataAndLineEndsAreDecoded) {
  Recorder r;
  EXPECT_FALSE(read_xml("<r>a &amp; &#x41;\r\nb<![CDATA[<c>]]><!-- gone --><e>  </e><f>\n  <g/>\n</f></r>", r));
  EXPECT_EQ(r.events, (Events{"<{}r>", "a & A\nb", "<c>", "<{}e>", "  ", "</>", "<{}f>", "<{}g>", "</>", "</>",
                              "</>"}));
}

TEST(XmlEvents, AttributeWhitespaceBecomesSpaces) {
  Recorder r;
  EXPECT_FALSE(read_xml("<r a='x\ty\nz'/>", r));
  EXPECT_EQ(r.events, (Events{"<{}r {}a=x y z>", "</>"}));
}

TEST(XmlEvents, TruncatedDocumentEndsOnlyWhatClosed) {
  Recorder r;
  auto error = read_xml("<r><a>1</a><b>2</b", r);
  ASSERT_TRUE(error);
  EXPECT_EQ(r.events, (Events{"<{}r>", "<{}a>", "1", "</>", "<{}b>", "2"}));

  Recorder closed;
  EXPECT_TRUE(read_xml("<r><a>1</a><b>2</b> <!-- note </r> --> ", closed));
  EXPECT_EQ(closed.events, (Events{"<{}r>", "<{}a>", "1", "</>", "<{}b>", "2", "</>"}));

  Recorder self_closed;
  EXPECT_TRUE(read_xml("<r><a>1</a><b/>", self_closed));
  EXPECT_EQ(self_closed.events, (Events{"<{}r>", "<{}a>", "1", "</>", "<{}b>", "</>"}));

  Recorder at_nul;  // a NUL ends the document: the end tag after it closes nothing
  EXPECT_TRUE(read_xml(std::string("<r><a>1\0</a></r>", 16), at_nul));
  EXPECT_EQ(at_nul.events, (Events{"<{}r>", "<{}a>", "1"}));

  Recorder in_text;
  EXPECT_TRUE(read_xml("<r><a>1</a>tail", in_text));
  EXPECT_EQ(in_text.events, (Events{"<{}r>", "<{}a>", "1", "</>", "tail"}));
}

TEST(XmlEvents, ElementWhoseStartTagBreaksNeverStarts) {
  Recorder r;
  auto error = read_xml("<r><a x='1'>1</a><b y='2' z=></b></r>", r);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->line, 1u);
  EXPECT_EQ(r.events, (Events{"<{}r>", "<{}a {}x=1>", "1", "</>"}));

  Recorder cut;
  EXPECT_TRUE(read_xml("<r><a>1</a><b y='2", cut));
  EXPECT_EQ(cut.events, (Events{"<{}r>", "<{}a>", "1", "</>"}));
}

TEST(XmlEvents, MismatchedEndTagDoesNotEndTheElement) {
  Recorder r;
  auto error = read_xml("<r>\n<a>1</b></r>", r);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->line, 2u);
  EXPECT_EQ(r.events, (Events{"<{}r>", "<{}a>", "1"}));
}

TEST(XmlEvents, InvalidUtf8StopsWhereItIs) {
  Recorder r;
  auto error = read_xml("<r><a>ok</a><b>bad \xC3\x28</b><c>later</c></r>", r);
  ASSERT_TRUE(error);
  EXPECT_NE(error->what.find("UTF-8"), std::string::npos);
  EXPECT_EQ(r.events, (Events{"<{}r>", "<{}a>", "ok", "</>", "<{}b>"}));

  Recorder attribute;
  EXPECT_TRUE(read_xml("<r><a v='\xFF'/></r>", attribute));
  EXPECT_EQ(attribute.events, (Events{"<{}r>"}));
}

TEST(XmlEvents, HandlerThatStopsGetsNoErrorAndNoMoreEvents) {
  Recorder r;
  r.stop_after = 1;
  EXPECT_FALSE(read_xml("<r><a>1</a><b>2</b></r>", r));
  EXPECT_EQ(r.events, (Events{"<{}r>", "<{}a>"}));
}

TEST(XmlEvents, DoctypeIsAnEventAndItsEntitiesAreNeverExpanded) {
  Recorder r;
  auto error = read_xml("<!DOCTYPE r [<!ENTITY e 'boom'>]><r>&e;</r>", r);
  EXPECT_FALSE(error);
  EXPECT_EQ(r.events, (Events{"!DOCTYPE", "<{}r>", "&e;", "</>"}));
}

TEST(XmlEvents, ContentAfterTheRootIsAnError) {
  Recorder r;
  auto error = read_xml("<r/><s/>", r);
  ASSERT_TRUE(error);
  EXPECT_EQ(r.events, (Events{"<{}r>", "</>"}));
  Recorder trailing;
  EXPECT_FALSE(read_xml(std::string("<r/>\n") + std::string(8, '\0'), trailing));
}

TEST(XmlEvents, NestingPastTheLimitIsAnError) {
  std::string deep;
  for (int i = 0; i < 10; ++i) deep += "<a>";
  Recorder r;
  auto error = read_xml(deep, r, {.max_depth = 4});
  ASSERT_TRUE(error);
  EXPECT_NE(error->what.find("deeper than 4"), std::string::npos);
  EXPECT_EQ(r.events.size(), 4u);
}

TEST(XmlEvents, MarkupPastTheLimitIsCutBeforeParsing) {
  std::string doc = "<r>";
  for (int i = 0; i < 100; ++i) doc += "<a/>";
  doc += "</r>";
  Recorder r;
  EXPECT_TRUE(read_xml(doc, r, {.max_markup = 11}));  // <r> and ten <a/>
  EXPECT_EQ(r.events.size(), 1u + 2u * 10u);
  Recorder attributes;
  EXPECT_TRUE(read_xml("<r a='1' b='2' c='3' d='4'/>", attributes, {.max_markup = 2}));
  EXPECT_TRUE(attributes.events.empty());  // the start tag itself was cut
}

TEST(XmlEvents, Utf16WithByteOrderMarkAndDeclaredLatin1AreConverted) {
  std::string utf16 = "\xFF\xFE";
  for (char c : std::string("<r a='x'>y</r>")) utf16 += {c, '\0'};
  Recorder r;
  EXPECT_FALSE(read_xml(utf16, r));
  EXPECT_EQ(r.events, (Events{"<{}r {}a=x>", "y", "</>"}));

  Recorder latin1;
  EXPECT_FALSE(read_xml("<?xml version='1.0' encoding='ISO-8859-1'?><r>caf\xE9</r>", latin1));
  EXPECT_EQ(latin1.events, (Events{"<{}r>", "caf\xC3\xA9", "</>"}));
}

TEST(XmlEvents, EmptyOrNoElementIsAnError) {
  Recorder r;
  EXPECT_TRUE(read_xml("", r));
  EXPECT_TRUE(read_xml("<!-- nothing -->", r));
  EXPECT_TRUE(r.events.empty());
}

}  // namespace
}  // namespace imgmeta::meta
