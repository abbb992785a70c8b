// How an ImageRecord becomes a DynamoDB item: sequencer padding, index keys, and the rule
// that keeps items under DynamoDB's 400 KB.
#include <gtest/gtest.h>

#include "aws/dynamo_metadata_store.hpp"

namespace imgmeta::aws {
namespace {

store::ImageRecord record() {
  store::ImageRecord r;
  r.owner = "3cc59f9b-d362-4c37-9128-b724f3035a34";
  r.image_id = "01JGXYZ0000000000000000000";
  r.filename = "IMG_0001.JPG";
  r.content_type = "image/jpeg";
  r.size = 2366947;
  r.sha256 = "ABCDEF";
  r.etag = "d41d8cd98f00b204e9800998ecf8427e";
  r.status = store::ImageStatus::Ready;
  r.uploaded_at_ms = 1767323045123;
  r.taken_at_ms = 1356000000000;
  r.updated_at_ms = 1767323046000;
  r.sequencer = "0c0f6f405d6ed209e1";
  r.metadata_json = R"({"FileType":"JPEG","Make":"Apple"})";
  r.format = "JPEG";
  r.make = "Apple";
  r.model = "iPhone 5";
  r.has_gps = true;
  r.search_text = "img_0001.jpg apple iphone 5";
  return r;
}

TEST(PaddedSequencer, LeftPadsUppercaseHexTo48) {
  EXPECT_EQ(padded_sequencer("0c0f6f405d6ed209e1"), std::string(30, '0') + "0C0F6F405D6ED209E1");
  EXPECT_LT(padded_sequencer("FF"), padded_sequencer("100"));
  EXPECT_EQ(padded_sequencer(""), "");
  EXPECT_EQ(padded_sequencer("xyz"), "");
  EXPECT_EQ(padded_sequencer(std::string(49, '1')), "");
}

TEST(RecordToItem, WritesIndexKeysAndLowercasedFilterKeys) {
  auto item = record_to_item(record());
  ASSERT_TRUE(item.ok()) << item.error().message;
  EXPECT_EQ((*item)["kind"]["S"], "image");
  EXPECT_EQ((*item)["byUploaded"]["S"], "1767323045123#01JGXYZ0000000000000000000");
  EXPECT_EQ((*item)["byTaken"]["S"], "11001356000000000#01JGXYZ0000000000000000000");
  EXPECT_EQ((*item)["bySha256"]["S"], "abcdef#01JGXYZ0000000000000000000");
  EXPECT_EQ((*item)["fmtKey"]["S"], "jpeg");
  EXPECT_EQ((*item)["modelKey"]["S"], "iphone 5");
  EXPECT_FALSE(item->contains("metadataTruncated"));
}

TEST(RecordToItem, RecordWithoutTakenAtSortsLastInTheTakenIndex) {
  auto r = record();
  r.taken_at_ms.reset();
  r.sha256.clear();
  auto item = record_to_item(r);
  ASSERT_TRUE(item.ok());
  EXPECT_EQ((*item)["byTaken"]["S"], "0#01JGXYZ0000000000000000000");
  EXPECT_FALSE(item->contains("bySha256")) << "an empty GSI key is not allowed";
}

TEST(RecordToItem, RoundTripsThroughItemToRecord) {
  auto item = record_to_item(record());
  ASSERT_TRUE(item.ok());
  auto back = item_to_record(*item);
  ASSERT_TRUE(back.ok()) << back.error().message;
  auto r = record();
  EXPECT_EQ(back->owner, r.owner);
  EXPECT_EQ(back->image_id, r.image_id);
  EXPECT_EQ(back->size, r.size);
  EXPECT_EQ(back->sha256, "abcdef");
  EXPECT_EQ(back->status, store::ImageStatus::Ready);
  EXPECT_EQ(back->taken_at_ms, r.taken_at_ms);
  EXPECT_EQ(back->sequencer, r.sequencer);
  EXPECT_EQ(back->metadata_json, r.metadata_json);
  EXPECT_EQ(back->has_gps, true);
}

TEST(RecordToItem, RefusesABadSequencerOrIntentLookingId) {
  auto r = record();
  r.sequencer = "not hex";
  EXPECT_EQ(record_to_item(r).error().code, meta::Errc::InvalidArgument);
  r = record();
  r.image_id = "intent#01J";
  EXPECT_EQ(record_to_item(r).error().code, meta::Errc::InvalidArgument);
}

TEST(RecordToItem, TrimsMetadataThatWouldExceedTheItemLimit) {
  auto r = record();
  r.metadata_json = R"({"FileType":"JPEG","XMP":")" + std::string(500000, 'x') + R"(","ICC_Profile":")" +
                    std::string(100000, 'y') + R"(","Make":"Apple"})";
  auto item = record_to_item(r);
  ASSERT_TRUE(item.ok()) << item.error().message;
  EXPECT_LE(item_size(*item), kMaxItemBytes);
  EXPECT_EQ((*item)["metadataTruncated"]["BOOL"], true);
  auto md = nlohmann::ordered_json::parse(std::string((*item)["metadata"]["S"]));
  EXPECT_EQ(md["FileType"], "JPEG");
  EXPECT_EQ(md["Make"], "Apple");
  EXPECT_EQ(md["MetadataTruncated"], true);
  EXPECT_EQ(md["ICC_Profile"], std::string(100000, 'y')) << "only what is needed is cut";
  EXPECT_EQ(md["XMP"].get<std::string>().size(), 256u + 3u);
}

TEST(TrimMetadataJson, RemovesLargestNonStringValuesFirst) {
  std::string big_array = "[1";
  for (int i = 0; i < 500; ++i) big_array += ",1";
  big_array += "]";
  std::string json = R"({"A":"small","B":)" + big_array + R"(,"C":"also small"})";
  auto out = nlohmann::ordered_json::parse(trim_metadata_json(json, 200));
  EXPECT_FALSE(out.contains("B"));
  EXPECT_EQ(out["A"], "small");
  EXPECT_EQ(out["MetadataTruncated"], true);
}

TEST(TrimMetadataJson, LeavesMetadataThatFitsAlone) {
  EXPECT_EQ(trim_metadata_json(R"({"A":1})", 100), R"({"A":1})");
}

TEST(TrimMetadataJson, CutsStringsOnCharacterBoundaries) {
  std::string s;
  for (int i = 0; i < 400; ++i) s += "\xC3\xBC";  // ü, 2 bytes each
  auto out = nlohmann::ordered_json::parse(trim_metadata_json(R"({"T":")" + s + R"("})", 400));
  std::string t = out["T"];
  EXPECT_EQ(t.substr(0, 256), s.substr(0, 256));
}

}  // namespace
}  // namespace imgmeta::aws
