// MetadataStore::apply_extraction: the cases every store must answer alike. Included by the
// SQLite tests (tests/store) and the DynamoDB tests under moto (tests/aws); each function
// takes a fresh store and an owner.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "store/metadata_store.hpp"

namespace imgmeta::testing::apply_extraction {

using store::ApplyOutcome;
using store::ImageRecord;
using store::ImageStatus;
using store::MetadataStore;

// The record an upload leaves before extraction (the local PUT, the multipart completion).
inline ImageRecord pending(const std::string& owner, const std::string& id, const std::string& seq) {
  ImageRecord r;
  r.owner = owner;
  r.image_id = id;
  r.filename = "Holiday Photo.JPG";
  r.content_type = "image/jpeg";
  r.size = 1000;
  r.sha256 = std::string(64, 'a');
  r.etag = "pending-etag";
  r.status = ImageStatus::Pending;
  r.uploaded_at_ms = 1700000000000;
  r.updated_at_ms = 1700000000000;
  r.sequencer = seq;
  r.search_text = "holiday photo.jpg";
  return r;
}

// What the handler hands the store: the extraction's fields only (no file name; the
// metadata's words in search_text; the extractor's MIME type in content_type).
inline ImageRecord extraction(const std::string& owner, const std::string& id, const std::string& seq) {
  ImageRecord r;
  r.owner = owner;
  r.image_id = id;
  r.sequencer = seq;
  r.status = ImageStatus::Ready;
  r.size = 2000;
  r.etag = "object-etag";
  r.updated_at_ms = 1700000005000;
  r.content_type = "image/png";
  r.metadata_json = R"({"FileType":"PNG","MIMEType":"image/png","Make":"Canon","LensModel":"EF 50mm"})";
  r.format = "PNG";
  r.make = "Canon";
  r.model = "EOS 40D";
  r.has_gps = true;
  r.lat = 48.85;
  r.lon = 2.35;
  r.iso = 200;
  r.f_number = 2.8;
  r.focal_mm = 50;
  r.exposure_s = 0.01;
  r.display_width = 640;
  r.display_height = 480;
  r.taken_at_ms = 1356000000000;
  r.search_text = "png canon eos 40d ef 50mm";
  return r;
}

inline ApplyOutcome outcome(MetadataStore& s, const ImageRecord& r) {
  auto o = s.apply_extraction(r);
  EXPECT_TRUE(o.ok()) << o.error().message;
  return o.ok() ? *o : ApplyOutcome::NoRecord;
}

inline size_t count(MetadataStore& s, const std::string& owner, const std::string& q) {
  store::ImageQuery query;
  query.owner = owner;
  query.q = q;
  auto page = s.list(query);
  EXPECT_TRUE(page.ok()) << page.error().message;
  return page.ok() ? page->items.size() : 0;
}

// Applied: the extraction's fields land, the upload's (file name, declared type, sha256,
// uploadedAt, owner, trashedAt) stay, and search finds both the file name and the metadata.
inline void applied_keeps_the_uploads_fields(MetadataStore& s, const std::string& owner) {
  ASSERT_TRUE(s.apply(pending(owner, "01AE1", "0C0F6F405D6ED209E1")).value_or(false));
  ASSERT_TRUE(s.trash(owner, "01AE1", 1700000001000).ok());
  EXPECT_EQ(outcome(s, extraction(owner, "01AE1", "0C0F6F405D6ED209F0")), ApplyOutcome::Applied);
  auto got = s.get(owner, "01AE1");
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->owner, owner);
  EXPECT_EQ(got->filename, "Holiday Photo.JPG");
  EXPECT_EQ(got->content_type, "image/jpeg") << "the declared type stays";
  EXPECT_EQ(got->sha256, std::string(64, 'a'));
  EXPECT_EQ(got->uploaded_at_ms, 1700000000000);
  EXPECT_EQ(got->trashed_at_ms, 1700000001000);
  EXPECT_EQ(got->status, ImageStatus::Ready);
  EXPECT_EQ(got->sequencer, "0C0F6F405D6ED209F0");
  EXPECT_EQ(got->size, 2000u);
  EXPECT_EQ(got->etag, "object-etag");
  EXPECT_EQ(got->format, "PNG");
  EXPECT_EQ(got->make, "Canon");
  EXPECT_EQ(got->model, "EOS 40D");
  EXPECT_TRUE(got->has_gps);
  EXPECT_EQ(got->lat, 48.85);
  EXPECT_EQ(got->exposure_s, 0.01);
  EXPECT_EQ(got->display_width, 640);
  EXPECT_EQ(got->taken_at_ms, 1356000000000);
  EXPECT_EQ(got->updated_at_ms, 1700000005000);
  EXPECT_EQ(got->metadata_json, extraction(owner, "01AE1", "1").metadata_json);
  EXPECT_EQ(got->search_text, "holiday photo.jpg png canon eos 40d ef 50mm");
  ASSERT_TRUE(s.restore(owner, "01AE1").ok());
  EXPECT_EQ(count(s, owner, "Holiday"), 1u) << "the stored file name stays searchable";
  EXPECT_EQ(count(s, owner, "EOS 40"), 1u) << "the metadata's words are searchable";
  EXPECT_EQ(count(s, owner, "nikon"), 0u);
  store::ImageQuery lens;
  lens.owner = owner;
  lens.lens = "ef 50";
  EXPECT_EQ(s.list(lens)->items.size(), 1u);
}

// The same version again (a duplicate event, a retry) is applied; sequencers compare after
// left-padding, as apply() compares them.
inline void same_or_newer_version_applies(MetadataStore& s, const std::string& owner) {
  ASSERT_TRUE(s.apply(pending(owner, "01AE2", "FF")).value_or(false));
  EXPECT_EQ(outcome(s, extraction(owner, "01AE2", "FF")), ApplyOutcome::Applied);
  EXPECT_EQ(outcome(s, extraction(owner, "01AE2", "ff")), ApplyOutcome::Applied) << "hex, any case";
  EXPECT_EQ(outcome(s, extraction(owner, "01AE2", "100")), ApplyOutcome::Applied) << "0x100 is newer than 0xFF";
  EXPECT_EQ(s.get(owner, "01AE2")->sequencer, "100");
}

// Stale: a newer record wins and nothing is written.
inline void older_version_is_stale(MetadataStore& s, const std::string& owner) {
  ASSERT_TRUE(s.apply(pending(owner, "01AE3", "100")).value_or(false));
  EXPECT_EQ(outcome(s, extraction(owner, "01AE3", "FF")), ApplyOutcome::Stale);
  auto got = s.get(owner, "01AE3");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->status, ImageStatus::Pending);
  EXPECT_EQ(got->sequencer, "100");
  EXPECT_EQ(got->size, 1000u);
}

// NoRecord: nothing to write onto (nothing is written), also over an older tombstone; a
// tombstone at or after the extraction's version makes it stale.
inline void no_record_and_tombstones(MetadataStore& s, const std::string& owner) {
  EXPECT_EQ(outcome(s, extraction(owner, "01AE4", "20")), ApplyOutcome::NoRecord);
  EXPECT_EQ(s.get(owner, "01AE4").error().code, meta::Errc::NotFound);
  EXPECT_EQ(count(s, owner, "canon"), 0u);

  ASSERT_TRUE(s.remove(owner, "01AE5", "10").ok());
  EXPECT_EQ(outcome(s, extraction(owner, "01AE5", "20")), ApplyOutcome::NoRecord) << "older tombstone";
  EXPECT_EQ(outcome(s, extraction(owner, "01AE5", "10")), ApplyOutcome::Stale) << "tombstone of the same version";
  EXPECT_EQ(outcome(s, extraction(owner, "01AE5", "0F")), ApplyOutcome::Stale) << "newer tombstone";
  EXPECT_EQ(s.get(owner, "01AE5").error().code, meta::Errc::NotFound);
  // The handler's fallback then writes the whole record, and the next extraction applies.
  auto full = pending(owner, "01AE5", "20");
  store::merge_extraction(full, extraction(owner, "01AE5", "20"));
  ASSERT_TRUE(s.apply(full).value_or(false));
  EXPECT_EQ(outcome(s, extraction(owner, "01AE5", "20")), ApplyOutcome::Applied);
  EXPECT_EQ(s.get(owner, "01AE5")->filename, "Holiday Photo.JPG");
}

// An upload the browser could not name takes the extractor's MIME type; a type the
// extractor cannot name either stays application/octet-stream.
inline void unknown_content_type_takes_the_extractors(MetadataStore& s, const std::string& owner) {
  auto p = pending(owner, "01AE6", "10");
  p.content_type = "application/octet-stream";
  ASSERT_TRUE(s.apply(p).value_or(false));
  EXPECT_EQ(outcome(s, extraction(owner, "01AE6", "20")), ApplyOutcome::Applied);
  auto got = s.get(owner, "01AE6");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->content_type, "image/png");
  EXPECT_EQ(got->filename, "Holiday Photo.JPG");
  EXPECT_EQ(got->status, ImageStatus::Ready);

  p.image_id = "01AE7";
  ASSERT_TRUE(s.apply(p).value_or(false));
  auto unsupported = extraction(owner, "01AE7", "20");
  unsupported.status = ImageStatus::Unsupported;
  unsupported.error = "not a supported image format";
  unsupported.content_type.clear();
  EXPECT_EQ(outcome(s, unsupported), ApplyOutcome::Applied);
  EXPECT_EQ(s.get(owner, "01AE7")->content_type, "application/octet-stream");
  EXPECT_EQ(s.get(owner, "01AE7")->error, "not a supported image format");
}

// A re-extraction that finds less (no GPS, no date) leaves none of the previous values.
inline void fields_the_new_extraction_lacks_are_cleared(MetadataStore& s, const std::string& owner) {
  ASSERT_TRUE(s.apply(pending(owner, "01AE8", "10")).value_or(false));
  ASSERT_EQ(outcome(s, extraction(owner, "01AE8", "20")), ApplyOutcome::Applied);
  ImageRecord bare;
  bare.owner = owner;
  bare.image_id = "01AE8";
  bare.sequencer = "30";
  bare.status = ImageStatus::Failed;
  bare.error = "truncated header";
  bare.size = 5;
  bare.etag = "e2";
  bare.updated_at_ms = 1700000009000;
  EXPECT_EQ(outcome(s, bare), ApplyOutcome::Applied);
  auto got = s.get(owner, "01AE8");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->status, ImageStatus::Failed);
  EXPECT_EQ(got->error, "truncated header");
  EXPECT_FALSE(got->has_gps);
  EXPECT_FALSE(got->lat.has_value());
  EXPECT_FALSE(got->iso.has_value());
  EXPECT_FALSE(got->taken_at_ms.has_value());
  EXPECT_EQ(got->make, "");
  EXPECT_EQ(got->metadata_json, "{}");
  EXPECT_EQ(got->search_text, "holiday photo.jpg");
  EXPECT_EQ(count(s, owner, "canon"), 0u);
  EXPECT_EQ(count(s, owner, "holiday"), 1u);
}

inline void pending_is_no_extraction(MetadataStore& s, const std::string& owner) {
  auto r = extraction(owner, "01AE9", "10");
  r.status = ImageStatus::Pending;
  EXPECT_EQ(s.apply_extraction(r).error().code, meta::Errc::InvalidArgument);
  r.status = ImageStatus::Ready;
  r.owner.clear();
  EXPECT_EQ(s.apply_extraction(r).error().code, meta::Errc::InvalidArgument);
}

}  // namespace imgmeta::testing::apply_extraction
