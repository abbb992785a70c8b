// The AWS adapters built from the URIs `imgmeta serve` takes, so self-hosters can run
// several instances on S3 and DynamoDB (or compatible services):
//   --blob s3://bucket[/prefix]        S3BlobStore
//   --meta dynamodb://table            DynamoMetadataStore (the table as create_table_request describes)
//   --auth cognito://region/pool?client=<id>[&client=...][&use=access][&jwks=<url>]   CognitoVerifier
//   --events sqs://sqs.<region>.amazonaws.com/<account>/<queue> (or the queue URL)   SqsEventQueue
// Credentials, region and endpoints come from the standard places (aws/config.hpp), with
// the explicit settings below on top (the serve command's endpoint flags).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "aws/cognito_verifier.hpp"
#include "aws/config.hpp"
#include "aws/dynamo_metadata_store.hpp"
#include "aws/dynamo_share_store.hpp"
#include "aws/s3_blob_store.hpp"
#include "aws/sqs_event_queue.hpp"

namespace imgmeta::aws {

struct AdapterSettings {
  std::string profile;
  std::string region;
  std::map<std::string, std::string> endpoints;  // "s3", "dynamodb", "cognito-idp", or "" for all
};

Result<std::unique_ptr<S3BlobStore>> open_s3_blob_store(std::string_view uri, const AdapterSettings& settings = {});
Result<std::unique_ptr<DynamoMetadataStore>> open_dynamodb_store(std::string_view uri, const AdapterSettings& settings = {});
// Share links: dynamodb://table or the bare table name (aws/dynamo_share_store.hpp).
Result<std::unique_ptr<DynamoShareStore>> open_dynamodb_share_store(std::string_view uri, const AdapterSettings& settings = {});
// Needs no credentials (the JWKS is public); the region comes from the URI.
Result<std::unique_ptr<CognitoVerifier>> open_cognito_verifier(std::string_view uri, const AdapterSettings& settings = {});
Result<std::unique_ptr<SqsEventQueue>> open_sqs_event_queue(std::string_view uri, const ReceiveOptions& receive,
                                                            const AdapterSettings& settings = {});

}  // namespace imgmeta::aws
