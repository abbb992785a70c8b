// Where the AWS adapters get credentials, region and endpoints: the standard places the
// AWS SDKs read (AWS SDKs and Tools Reference Guide, "Standardized credential providers",
// "Service-specific endpoints"), in the same order.
//
// Credentials: 1. explicit settings; 2. AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
// AWS_SESSION_TOKEN (also how Lambda hands a function its role's credentials); 3. the
// shared credentials file (AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials), section
// [<profile>]; 4. the config file (AWS_CONFIG_FILE, else ~/.aws/config), section
// [profile <profile>] or [default]. The profile is AWS_PROFILE, else "default".
// Region: explicit, AWS_REGION, AWS_DEFAULT_REGION, the config file's `region`.
// Endpoint of a service: explicit, AWS_ENDPOINT_URL_<SERVICE> (S3, DYNAMODB,
// COGNITO_IDENTITY_PROVIDER), AWS_ENDPOINT_URL, the profile's `endpoint_url`, else the
// public AWS endpoint of the region. AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true skips the
// configured ones.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>

#include "aws/sigv4.hpp"

namespace imgmeta::aws {

// Looks up an environment variable; tests pass their own.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
EnvLookup process_env();

// INI as the AWS config files write it: [section], key = value, '#'/';' comments, and
// indented continuation lines (nested settings such as "s3 =\n  addressing_style = path"),
// kept as "parent.child" keys.
using IniSection = std::map<std::string, std::string>;
using IniFile = std::map<std::string, IniSection>;
IniFile parse_ini(std::string_view text);

struct AwsSettings {
  std::string profile;   // resolved profile name
  std::string region;
  Credentials credentials;
  std::string credentials_source;  // "explicit", "environment", "credentials file", "config file"
  // Per-service endpoint overrides found in the configuration, by service id
  // ("s3", "dynamodb", "cognito-idp"); "" = the global one.
  std::map<std::string, std::string> endpoints;
};

struct SettingsOverrides {
  std::string profile;
  std::string region;
  std::optional<Credentials> credentials;
  std::map<std::string, std::string> endpoints;  // service id -> URL ("" = all services)
};

// Resolves everything above. Fails when no region or no credentials are found, naming the
// places looked at.
Result<AwsSettings> load_settings(const SettingsOverrides& overrides = {}, const EnvLookup& env = process_env());

// The endpoint URL for a service id ("s3", "dynamodb", "cognito-idp"): configured, or
// https://<service>.<region>.amazonaws.com.
std::string endpoint_for(const AwsSettings& settings, const std::string& service);
// True when the endpoint is AWS's own (then S3 uses virtual-hosted-style addressing).
bool is_aws_endpoint(const std::string& url);

}  // namespace imgmeta::aws
