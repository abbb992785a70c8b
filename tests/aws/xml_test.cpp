// S3's response documents as a small tree (aws/xml.hpp).
#include "aws/xml.hpp"

#include <gtest/gtest.h>

#include <string>

namespace imgmeta::aws {
namespace {

TEST(S3Xml, ReadsAResponseWithItsNamespaceDropped) {
  auto doc = parse_xml(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<ListPartsResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
      "<Bucket>b</Bucket><Part><PartNumber>1</PartNumber><ETag>&quot;e1&quot;</ETag></Part>"
      "<Part><PartNumber>2</PartNumber><ETag>\"e2\"</ETag></Part></ListPartsResult>");
  ASSERT_TRUE(doc) << doc.error().message;
  EXPECT_EQ((*doc)->name, "ListPartsResult");
  EXPECT_EQ((*doc)->child_text("Bucket"), "b");
  EXPECT_EQ((*doc)->child_text("Missing"), "");
  auto parts = (*doc)->all("Part");
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0]->child_text("ETag"), "\"e1\"");
  EXPECT_EQ(parts[1]->child_text("PartNumber"), "2");
}

TEST(S3Xml, TextIsTheConcatenatedCharacterData) {
  auto doc = parse_xml("<Error><Message>a &amp; b<![CDATA[ <c>]]></Message></Error>");
  ASSERT_TRUE(doc);
  EXPECT_EQ((*doc)->child_text("Message"), "a & b <c>");
}

TEST(S3Xml, MalformedTruncatedOrRefusedDocumentsFail) {
  for (const char* bad : {"", "<Error><Code>x</Error>", "<Error><Code>x</Code>", "<a/><b/>",
                          "<!DOCTYPE a [<!ENTITY e 'x'>]><a>&e;</a>", "<a>\xFF</a>"})
    EXPECT_FALSE(parse_xml(bad)) << bad;
}

TEST(S3Xml, SizeAndDepthAreCapped) {
  std::string deep;
  for (int i = 0; i < 40; ++i) deep += "<a>";
  for (int i = 0; i < 40; ++i) deep += "</a>";
  EXPECT_FALSE(parse_xml(deep));
  std::string wide = "<r>";
  for (int i = 0; i < 100001; ++i) wide += "<a/>";
  wide += "</r>";
  EXPECT_FALSE(parse_xml(wide));
}

TEST(S3Xml, EscapesTheFiveSpecialCharacters) {
  EXPECT_EQ(xml_escape("a&b<c>d\"e'f"), "a&amp;b&lt;c&gt;d&quot;e&apos;f");
}

}  // namespace
}  // namespace imgmeta::aws
