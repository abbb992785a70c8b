#include "aws/adapters.hpp"


namespace imgmeta::aws {

using meta::make_error;

namespace {

Result<AwsSettings> resolve(const AdapterSettings& s) {
  SettingsOverrides o;
  o.profile = s.profile;
  o.region = s.region;
  o.endpoints = s.endpoints;
  return load_settings(o);
}

std::shared_ptr<HttpClient> shared_http() {
  static auto http = std::make_shared<HttpClient>();
  return http;
}

}  // namespace

Result<std::unique_ptr<S3BlobStore>> open_s3_blob_store(std::string_view uri, const AdapterSettings& settings) {
  auto parsed = parse_s3_uri(uri);
  if (!parsed) return parsed.error();
  auto aws = resolve(settings);
  if (!aws) return aws.error();
  auto client = std::make_shared<S3Client>(*aws, parsed->bucket, shared_http());
  return std::make_unique<S3BlobStore>(client, parsed->prefix);
}

Result<std::unique_ptr<DynamoMetadataStore>> open_dynamodb_store(std::string_view uri, const AdapterSettings& settings) {
  if (!uri.starts_with("dynamodb://") || uri.size() == 11 || uri.substr(11).find('/') != std::string_view::npos)
    return make_error(meta::Errc::InvalidArgument, "metadata store '" + std::string(uri) + "': expected dynamodb://table");
  auto aws = resolve(settings);
  if (!aws) return aws.error();
  auto client = std::make_shared<DynamoClient>(*aws, shared_http());
  return std::make_unique<DynamoMetadataStore>(client, std::string(uri.substr(11)));
}

Result<std::unique_ptr<DynamoShareStore>> open_dynamodb_share_store(std::string_view uri, const AdapterSettings& settings) {
  std::string_view table = uri.starts_with("dynamodb://") ? uri.substr(11) : uri;
  if (table.empty() || table.find('/') != std::string_view::npos)
    return make_error(meta::Errc::InvalidArgument, "share store '" + std::string(uri) + "': expected dynamodb://table or a table name");
  auto aws = resolve(settings);
  if (!aws) return aws.error();
  auto client = std::make_shared<DynamoClient>(*aws, shared_http());
  return std::make_unique<DynamoShareStore>(client, std::string(table));
}

Result<std::unique_ptr<CognitoVerifier>> open_cognito_verifier(std::string_view uri, const AdapterSettings& settings) {
  std::string endpoint;
  if (auto it = settings.endpoints.find("cognito-idp"); it != settings.endpoints.end()) endpoint = it->second;
  else if (auto all = settings.endpoints.find(""); all != settings.endpoints.end()) endpoint = all->second;
  else if (const char* env = std::getenv("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER"); env && *env) endpoint = env;
  else if (const char* env2 = std::getenv("AWS_ENDPOINT_URL"); env2 && *env2) endpoint = env2;
  auto cognito = parse_cognito_uri(uri, endpoint);
  if (!cognito) return cognito.error();
  return std::make_unique<CognitoVerifier>(*cognito, shared_http());
}

Result<std::unique_ptr<SqsEventQueue>> open_sqs_event_queue(std::string_view uri, const ReceiveOptions& receive,
                                                            const AdapterSettings& settings) {
  auto queue_url = parse_sqs_uri(uri);
  if (!queue_url) return queue_url.error();
  auto aws = resolve(settings);
  if (!aws) return aws.error();
  auto sqs = std::make_shared<SqsClient>(*aws, *queue_url, shared_http());
  return std::make_unique<SqsEventQueue>(std::move(sqs), receive);
}

}  // namespace imgmeta::aws
