#include "aws/config.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "meta/ascii.hpp"

namespace imgmeta::aws {

using meta::make_error;

namespace {

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::optional<std::string> non_empty(const EnvLookup& env, const std::string& name) {
  auto v = env(name);
  if (v && !v->empty()) return v;
  return std::nullopt;
}

// The environment-variable suffix of a service id: AWS_ENDPOINT_URL_<ID> with the id
// uppercased and '-' / ' ' as '_' (SDK reference, "Service-specific endpoints").
std::string env_suffix(const std::string& service) {
  if (service == "cognito-idp") return "COGNITO_IDENTITY_PROVIDER";
  std::string s = service;
  for (auto& c : s) c = c == '-' || c == ' ' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

bool truthy(const std::optional<std::string>& v) {
  if (!v) return false;
  return meta::iequals(*v, "true") || *v == "1";
}

}  // namespace

EnvLookup process_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (!v) return std::nullopt;
    return std::string(v);
  };
}

IniFile parse_ini(std::string_view text) {
  IniFile ini;
  std::string section, parent;
  bool in_section = false;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view raw = text.substr(pos, nl - pos);
    pos = nl + 1;
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
    std::string line = trim(raw);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    bool indented = std::isspace(static_cast<unsigned char>(raw.front()));
    if (line.front() == '[' && line.back() == ']') {
      section = trim(std::string_view(line).substr(1, line.size() - 2));
      ini[section];
      in_section = true;
      parent.clear();
      continue;
    }
    if (!in_section) continue;
    size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string key = trim(std::string_view(line).substr(0, eq));
    std::string value = trim(std::string_view(line).substr(eq + 1));
    key = meta::ascii_lower(key);
    if (indented && !parent.empty()) {
      ini[section][parent + "." + key] = value;
      continue;
    }
    ini[section][key] = value;
    parent = value.empty() ? key : "";
  }
  return ini;
}

Result<AwsSettings> load_settings(const SettingsOverrides& overrides, const EnvLookup& env) {
  AwsSettings s;
  s.profile = !overrides.profile.empty() ? overrides.profile : non_empty(env, "AWS_PROFILE").value_or("default");
  std::string home = non_empty(env, "HOME").value_or("");
  std::string cred_path = non_empty(env, "AWS_SHARED_CREDENTIALS_FILE").value_or(home.empty() ? "" : home + "/.aws/credentials");
  std::string config_path = non_empty(env, "AWS_CONFIG_FILE").value_or(home.empty() ? "" : home + "/.aws/config");

  IniSection cred_section, config_section;
  // The credentials file only when neither the caller nor the environment gives keys (a
  // Lambda always has them in its environment: no file read at start-up).
  bool have_keys = (overrides.credentials && overrides.credentials->valid()) ||
                   (non_empty(env, "AWS_ACCESS_KEY_ID") && non_empty(env, "AWS_SECRET_ACCESS_KEY"));
  if (!cred_path.empty() && !have_keys)
    if (auto text = read_file(cred_path)) {
      IniFile f = parse_ini(*text);
      if (auto it = f.find(s.profile); it != f.end()) cred_section = it->second;
    }
  if (!config_path.empty())
    if (auto text = read_file(config_path)) {
      IniFile f = parse_ini(*text);
      auto it = f.find(s.profile == "default" ? "default" : "profile " + s.profile);
      if (it == f.end() && s.profile == "default") it = f.find("profile default");
      if (it != f.end()) config_section = it->second;
    }
  auto from = [](const IniSection& sec, const char* key) -> std::string {
    auto it = sec.find(key);
    return it == sec.end() ? "" : it->second;
  };

  // Credentials, in the SDKs' order.
  if (overrides.credentials && overrides.credentials->valid()) {
    s.credentials = *overrides.credentials;
    s.credentials_source = "explicit";
  } else if (auto id = non_empty(env, "AWS_ACCESS_KEY_ID"), secret = non_empty(env, "AWS_SECRET_ACCESS_KEY"); id && secret) {
    s.credentials = {*id, *secret, non_empty(env, "AWS_SESSION_TOKEN").value_or("")};
    s.credentials_source = "environment";
  } else if (!from(cred_section, "aws_access_key_id").empty() && !from(cred_section, "aws_secret_access_key").empty()) {
    s.credentials = {from(cred_section, "aws_access_key_id"), from(cred_section, "aws_secret_access_key"),
                     from(cred_section, "aws_session_token")};
    s.credentials_source = "credentials file";
  } else if (!from(config_section, "aws_access_key_id").empty() && !from(config_section, "aws_secret_access_key").empty()) {
    s.credentials = {from(config_section, "aws_access_key_id"), from(config_section, "aws_secret_access_key"),
                     from(config_section, "aws_session_token")};
    s.credentials_source = "config file";
  } else {
    return make_error(meta::Errc::NoCredentials, "AWS credentials: none found for profile '" + s.profile +
                                           "' (looked at AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, " + cred_path +
                                           ", " + config_path + ")");
  }

  if (!overrides.region.empty()) s.region = overrides.region;
  else if (auto r = non_empty(env, "AWS_REGION")) s.region = *r;
  else if (auto r2 = non_empty(env, "AWS_DEFAULT_REGION")) s.region = *r2;
  else s.region = from(config_section, "region");
  if (s.region.empty())
    return make_error(meta::Errc::NoRegion, "AWS region: none found (looked at AWS_REGION, AWS_DEFAULT_REGION, the region of profile '" +
                                      s.profile + "' in " + config_path + ")");

  // Endpoints: configured ones first (unless ignored), explicit overrides on top.
  if (!truthy(env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"))) {
    if (auto e = from(config_section, "endpoint_url"); !e.empty()) s.endpoints[""] = e;
    if (auto e = non_empty(env, "AWS_ENDPOINT_URL")) s.endpoints[""] = *e;
    for (const char* service : {"s3", "dynamodb", "cognito-idp", "sqs"})
      if (auto e = non_empty(env, "AWS_ENDPOINT_URL_" + env_suffix(service))) s.endpoints[service] = *e;
  }
  for (const auto& [service, url] : overrides.endpoints) s.endpoints[service] = url;
  return s;
}

std::string endpoint_for(const AwsSettings& settings, const std::string& service) {
  if (auto it = settings.endpoints.find(service); it != settings.endpoints.end() && !it->second.empty()) return it->second;
  if (auto it = settings.endpoints.find(""); it != settings.endpoints.end() && !it->second.empty()) return it->second;
  return "https://" + service + "." + settings.region + ".amazonaws.com";
}

bool is_aws_endpoint(const std::string& url) {
  auto host_end = url.find_first_of(":/", url.find("://") + 3);
  std::string host = url.substr(0, host_end);
  return host.ends_with(".amazonaws.com") || host.ends_with(".amazonaws.com.cn");
}

}  // namespace imgmeta::aws
