// Credentials, region and endpoints from the places the AWS SDKs read, in their order.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include "aws/config.hpp"
#include "aws/http_client.hpp"

namespace imgmeta::aws {
namespace {

namespace fs = std::filesystem;

struct Env {
  std::map<std::string, std::string> vars;
  EnvLookup lookup() const {
    return [this](const std::string& n) -> std::optional<std::string> {
      auto it = vars.find(n);
      if (it == vars.end()) return std::nullopt;
      return it->second;
    };
  }
};

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/imgmeta-config-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string write(const std::string& name, const std::string& text) const {
    std::string p = path_ + "/" + name;
    std::ofstream(p) << text;
    return p;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(LoadSettings, TakesEnvironmentCredentialsWithTheSessionToken) {
  Env env{{{"AWS_ACCESS_KEY_ID", "ASIAENV"}, {"AWS_SECRET_ACCESS_KEY", "s"}, {"AWS_SESSION_TOKEN", "tok"},
           {"AWS_REGION", "eu-west-1"}, {"HOME", "/nonexistent"}}};
  auto s = load_settings({}, env.lookup());
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->credentials.access_key_id, "ASIAENV");
  EXPECT_EQ(s->credentials.session_token, "tok");
  EXPECT_EQ(s->credentials_source, "environment");
  EXPECT_EQ(s->region, "eu-west-1");
}

TEST(LoadSettings, ReadsTheProfileFromTheSharedFiles) {
  TempDir d;
  Env env{{{"AWS_SHARED_CREDENTIALS_FILE", d.write("credentials", "[default]\naws_access_key_id = AKIDDEF\naws_secret_access_key = d\n\n"
                                                                   "[dev]\naws_access_key_id=AKIDDEV\naws_secret_access_key=dev-secret\naws_session_token = t\n")},
           {"AWS_CONFIG_FILE", d.write("config", "[default]\nregion = us-east-1\n[profile dev]\n# comment\nregion = ap-southeast-2\n"
                                                 "s3 =\n  addressing_style = path\nendpoint_url = http://127.0.0.1:4566\n")},
           {"AWS_PROFILE", "dev"}}};
  auto s = load_settings({}, env.lookup());
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->profile, "dev");
  EXPECT_EQ(s->credentials.access_key_id, "AKIDDEV");
  EXPECT_EQ(s->credentials.secret_access_key, "dev-secret");
  EXPECT_EQ(s->credentials.session_token, "t");
  EXPECT_EQ(s->credentials_source, "credentials file");
  EXPECT_EQ(s->region, "ap-southeast-2");
  EXPECT_EQ(endpoint_for(*s, "dynamodb"), "http://127.0.0.1:4566");
}

TEST(LoadSettings, FallsBackToKeysInTheConfigFile) {
  TempDir d;
  Env env{{{"AWS_CONFIG_FILE", d.write("config", "[profile p]\naws_access_key_id = AKIDCFG\naws_secret_access_key = c\nregion = eu-north-1\n")},
           {"AWS_SHARED_CREDENTIALS_FILE", d.path() + "/missing"}}};
  auto s = load_settings({"p", "", std::nullopt, {}}, env.lookup());
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->credentials.access_key_id, "AKIDCFG");
  EXPECT_EQ(s->credentials_source, "config file");
}

TEST(LoadSettings, EnvironmentWinsOverFilesAndExplicitWinsOverEverything) {
  TempDir d;
  Env env{{{"AWS_SHARED_CREDENTIALS_FILE", d.write("credentials", "[default]\naws_access_key_id = FILE\naws_secret_access_key = f\n")},
           {"AWS_ACCESS_KEY_ID", "ENV"}, {"AWS_SECRET_ACCESS_KEY", "e"}, {"AWS_DEFAULT_REGION", "us-west-2"}}};
  EXPECT_EQ(load_settings({}, env.lookup())->credentials.access_key_id, "ENV");
  SettingsOverrides o;
  o.credentials = Credentials{"EXPLICIT", "x", ""};
  o.region = "eu-central-1";
  auto s = load_settings(o, env.lookup());
  EXPECT_EQ(s->credentials.access_key_id, "EXPLICIT");
  EXPECT_EQ(s->region, "eu-central-1");
}

TEST(LoadSettings, RegionPrefersAwsRegionOverAwsDefaultRegion) {
  Env env{{{"AWS_ACCESS_KEY_ID", "A"}, {"AWS_SECRET_ACCESS_KEY", "s"}, {"AWS_REGION", "eu-west-3"}, {"AWS_DEFAULT_REGION", "us-east-1"}}};
  EXPECT_EQ(load_settings({}, env.lookup())->region, "eu-west-3");
}

TEST(LoadSettings, ServiceSpecificEndpointsBeatTheGlobalOne) {
  Env env{{{"AWS_ACCESS_KEY_ID", "A"}, {"AWS_SECRET_ACCESS_KEY", "s"}, {"AWS_REGION", "us-east-1"},
           {"AWS_ENDPOINT_URL", "http://127.0.0.1:5000"}, {"AWS_ENDPOINT_URL_S3", "http://127.0.0.1:9000"},
           {"AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:8000"}}};
  auto s = load_settings({}, env.lookup());
  EXPECT_EQ(endpoint_for(*s, "s3"), "http://127.0.0.1:9000");
  EXPECT_EQ(endpoint_for(*s, "dynamodb"), "http://127.0.0.1:8000");
  EXPECT_EQ(endpoint_for(*s, "cognito-idp"), "http://127.0.0.1:5000");
}

TEST(LoadSettings, IgnoresConfiguredEndpointsWhenAsked) {
  Env env{{{"AWS_ACCESS_KEY_ID", "A"}, {"AWS_SECRET_ACCESS_KEY", "s"}, {"AWS_REGION", "eu-west-1"},
           {"AWS_ENDPOINT_URL", "http://127.0.0.1:5000"}, {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"}}};
  auto s = load_settings({}, env.lookup());
  EXPECT_EQ(endpoint_for(*s, "s3"), "https://s3.eu-west-1.amazonaws.com");
  EXPECT_TRUE(is_aws_endpoint(endpoint_for(*s, "s3")));
  EXPECT_FALSE(is_aws_endpoint("http://127.0.0.1:5000"));
}

TEST(LoadSettings, NamesThePlacesLookedAtWhenNoCredentialsAreFound) {
  Env env{{{"AWS_REGION", "eu-west-1"}, {"AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/c"}, {"AWS_CONFIG_FILE", "/nonexistent/k"}}};
  auto s = load_settings({}, env.lookup());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, meta::Errc::NoCredentials);
  EXPECT_NE(s.error().message.find("/nonexistent/c"), std::string::npos);
}

TEST(LoadSettings, FailsWithoutARegion) {
  Env env{{{"AWS_ACCESS_KEY_ID", "A"}, {"AWS_SECRET_ACCESS_KEY", "s"}, {"AWS_CONFIG_FILE", "/nonexistent/k"}}};
  EXPECT_EQ(load_settings({}, env.lookup()).error().code, meta::Errc::NoRegion);
}

TEST(ParseIni, KeepsNestedSettingsAsDottedKeys) {
  auto ini = parse_ini("[default]\ns3 =\n    signature_version = s3v4\nregion=us-east-1\r\n");
  EXPECT_EQ(ini["default"]["s3.signature_version"], "s3v4");
  EXPECT_EQ(ini["default"]["region"], "us-east-1");
}

TEST(ParseUrl, SplitsSchemeAuthorityAndPath) {
  auto u = parse_url("http://127.0.0.1:5000/base/");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->authority, "127.0.0.1:5000");
  EXPECT_EQ(u->path, "/base");
  EXPECT_EQ(parse_url("https://s3.eu-west-1.amazonaws.com:443")->authority, "s3.eu-west-1.amazonaws.com");
  EXPECT_FALSE(parse_url("ftp://x").ok());
  EXPECT_FALSE(parse_url("http://user@host").ok());
}

}  // namespace
}  // namespace imgmeta::aws
