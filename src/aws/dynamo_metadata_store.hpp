// DynamoMetadataStore: the MetadataStore interface (store/metadata_store.hpp) on one
// DynamoDB table (`TABLE_NAME` in the Lambda, `--meta dynamodb://table` for `imgmeta serve`).
//
// Table: partition key `owner` (S), sort key `imageId` (S), on-demand capacity, TTL on `ttl`.
// One item per image, holding either the record or its tombstone, so that every ordering
// decision is one conditional write on one item:
//
//   kind = "image"      the ImageRecord (attributes below)
//   kind = "tombstone"  what remove() leaves: `seq`, `sequencer`, `updatedAt` (kept for good:
//                       an older ObjectCreated arriving late must find it)
//   kind = "intent"     an upload intent, on the image's own item (sort key imageId) until the
//                       record replaces it, `ttl` = its expiry + 1 day. It carries what the
//                       record keeps (filename, contentType, sha256, nameText, bySha256), so
//                       that apply_extraction() turns it into the record with one UpdateItem:
//                       the Lambda's common case (a single PUT, no record yet) costs that
//                       request and the ranged GET. Intents written before this layout, at
//                       sort key "intent#<imageId>", are still read and removed.
//
// Ordering: `seq` is the S3 sequencer uppercased and left-padded with '0' to 48 characters,
// so DynamoDB's string comparison is S3's rule ("left-pad the shorter, then compare").
// apply() writes with ConditionExpression
//   attribute_not_exists(imageId) OR kind = "intent" OR seq < :seq
//     OR (seq = :seq AND kind = "image" [AND status = "pending" when writing a pending record])
// remove() writes the tombstone with attribute_not_exists(imageId) OR kind = "intent" OR seq <= :seq.
// apply_extraction() writes only the extraction's attributes onto an existing image item
// (or the intent item) with one UpdateItem under (kind = "image" AND seq <= :seq) OR kind =
// "intent" (apply()'s rule for those items), with
// ReturnValuesOnConditionCheckFailure ALL_OLD telling "stale" from "no record yet".
// A failed condition (ConditionalCheckFailedException) is "stale": false, not an error.
//
// Global secondary indexes (all with partition key `owner`):
//   byUploaded  sort key `byUploaded` = 13-digit uploadedAt ms + "#" + imageId     (ALL)
//   byTaken     sort key `byTaken`    = "1" + 16-digit (takenAt ms + 1e15) + "#" + imageId,
//                                       or "0#" + imageId without takenAt         (ALL)
//   bySha256    sort key `bySha256`   = sha256 + "#" + imageId, when sha256 is known (KEYS_ONLY;
//                                       intents carry it too, so find_by_sha256 checks the kind)
//   byTrashed   sort key `byTrashed`  = 13-digit trashedAt ms + "#" + imageId     (ALL)
// Only image items carry the others, so tombstones and intents stay out of the listings.
//
// The trash: trash() sets `trashedAt` (N) and `byTrashed` (if_not_exists: the first time
// wins) with one UpdateItem; restore() removes both. byTrashed is a sparse index: it holds
// trashed images only, so GET /api/trash is a Query on it, and the daily purge Scans it (its
// size is the trash's, not the table's). apply() never names either attribute, so they
// survive re-extraction like the renditions' attributes. The ordinary listings filter with
// attribute_not_exists(trashedAt); a deleted image becomes a tombstone (PutItem), which has
// neither attribute.
// list() queries byUploaded or byTaken newest first; format/make/model (stored lowercased
// in fmtKey/makeKey/modelKey), hasGps, status, q (contains on searchText) and the taken
// range (a key condition on byTaken, a filter on byUploaded) narrow it. The text: apply()
// writes searchText (file name and metadata words) and nameText (the file name's);
// apply_extraction(), which does not know the file name, writes searchWords (the metadata's)
// and removes searchText; q matches a substring of any of the three.
//
// Cursor: base64url of {"x": index, "k": {the ExclusiveStartKey: owner, imageId, index key}},
// i.e. DynamoDB's LastEvaluatedKey made opaque; a cursor of another owner or sort order is
// refused ("InvalidArgument").
//
// Item size (DynamoDB's limit is 400 KB per item, names included): an item is kept under
// kMaxItemBytes = 350 KB. When metadata would push it over, metadata is trimmed: the
// longest values (strings, arrays, objects) are cut to 256 bytes (strings) or removed,
// largest first, until it fits, and "MetadataTruncated": true is added to the metadata
// object. searchText is capped at 4 KB. The extractor's own caps make this rare (big XMP
// or ICC blobs).
#pragma once

#include <memory>
#include <string>

#include "aws/dynamodb_client.hpp"
#include "store/metadata_store.hpp"

namespace imgmeta::aws {

inline constexpr size_t kMaxItemBytes = 350 * 1024;

class DynamoMetadataStore final : public store::MetadataStore {
 public:
  DynamoMetadataStore(std::shared_ptr<DynamoClient> client, std::string table);

  Status put_upload_intent(const store::UploadIntent& intent) override;
  Result<store::UploadIntent> get_upload_intent(const std::string& owner, const std::string& image_id) override;
  Status remove_upload_intent(const std::string& owner, const std::string& image_id) override;
  Result<std::optional<std::string>> find_by_sha256(const std::string& owner, const std::string& sha256) override;
  Result<bool> apply(const store::ImageRecord& record) override;
  Result<store::ApplyOutcome> apply_extraction(const store::ImageRecord& extracted) override;
  Result<bool> remove(const std::string& owner, const std::string& image_id, const std::string& sequencer) override;
  Result<store::ImageRecord> get(const std::string& owner, const std::string& image_id) override;
  Result<store::ImagePage> list(const store::ImageQuery& query) override;
  Result<bool> set_preview(const std::string& owner, const std::string& image_id, const std::string& sequencer,
                           const store::PreviewState& preview) override;
  Result<store::ImageRecord> trash(const std::string& owner, const std::string& image_id, int64_t at_ms) override;
  Result<store::ImageRecord> restore(const std::string& owner, const std::string& image_id) override;
  Result<store::ImagePage> list_trash(const store::TrashQuery& query) override;
  Result<std::vector<store::TrashedImage>> expired_trash(int64_t cutoff_ms, int limit) override;

  const std::string& table() const { return table_; }
  DynamoClient& client() { return *client_; }

  // The CreateTable request for this layout (tests, set-up scripts; the CloudFormation
  // template must declare the same keys and indexes).
  static Json create_table_request(const std::string& table);

 private:
  std::shared_ptr<DynamoClient> client_;
  std::string table_;
};

// Exposed for tests: the padded form of a sequencer ("" when it is not 1..48 hex digits),
// the item an ImageRecord becomes (after the size rule), and back.
std::string padded_sequencer(std::string_view sequencer);
Result<Json> record_to_item(const store::ImageRecord& record);
Result<store::ImageRecord> item_to_record(const Json& item);
// Approximate stored size of an item: attribute names plus values (DynamoDB Developer
// Guide, "Item sizes and formats"), rounded up.
size_t item_size(const Json& item);
// Cuts metadata_json to at most budget bytes as described above; returns it unchanged if
// it fits.
std::string trim_metadata_json(const std::string& metadata_json, size_t budget);

}  // namespace imgmeta::aws
