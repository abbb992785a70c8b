// The field registry (meta/fields.hpp): its names against ExifTool's, the corpus output
// against the registry, and Metadata by id and by name.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "meta/extract.hpp"
#include "meta/fields.hpp"
#include "meta/metadata.hpp"
#include "meta/source.hpp"

namespace imgmeta::meta {
namespace {

using namespace std::string_view_literals;

namespace fs = std::filesystem;
using json = nlohmann::json;

const fs::path kShared = IMGMETA_SHARED_DIR;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// ExifTool's names in the oracle files (`exiftool -G1` output: "Group:Name" keys), with
// the groups each appears in.
const std::map<std::string, std::set<std::string>>& oracle_names() {
  static const auto names = [] {
    std::map<std::string, std::set<std::string>> out;
    for (const fs::path& dir : {kShared / "corpus-oracle", kShared / "raw" / "oracle"}) {
      if (!fs::is_directory(dir)) continue;
      for (const auto& e : fs::recursive_directory_iterator(dir)) {
        const std::string file = e.path().filename().string();
        if (!e.is_regular_file() || !file.ends_with(".json") || file.ends_with(".plain.json")) continue;
        std::ifstream in(e.path());
        json doc = json::parse(in, nullptr, false);
        if (!doc.is_array()) continue;
        for (const auto& record : doc)
          for (const auto& [key, value] : record.items())
            if (auto colon = key.find(':'); colon != std::string::npos)
              out[key.substr(colon + 1)].insert(key.substr(0, colon));
      }
    }
    return out;
  }();
  return names;
}

// Every file the CLI is compared over: the corpus and the camera-raw files.
std::vector<fs::path> image_files() {
  std::vector<fs::path> out;
  for (const fs::path& dir : {kShared / "corpus", kShared / "raw" / "corpus"}) {
    if (!fs::is_directory(dir)) continue;
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
      const auto ext = e.path().extension();
      if (e.is_regular_file() && ext != ".md" && ext != ".tsv") out.push_back(e.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool kind_holds(ValueKind kind, const Value& v) {
  switch (kind) {
    case ValueKind::Integer: return std::holds_alternative<int64_t>(v);
    case ValueKind::Number: return std::holds_alternative<int64_t>(v) || std::holds_alternative<double>(v);
    case ValueKind::Bool: return std::holds_alternative<bool>(v);
    case ValueKind::Text: return std::holds_alternative<std::string>(v);
    case ValueKind::TextList: return std::holds_alternative<std::vector<std::string>>(v);
    case ValueKind::NumberList: return std::holds_alternative<std::vector<double>>(v);
    case ValueKind::Any: return true;
  }
  return false;
}

TEST(FieldRegistry, NamesAreUniqueAndRoundTrip) {
  std::set<std::string_view> seen;
  for (size_t i = 0; i < kFieldCount; ++i) {
    const FieldId id{static_cast<uint16_t>(i)};
    const FieldInfo& info = field_info(id);
    EXPECT_TRUE(seen.insert(info.name).second) << info.name << " appears twice";
    EXPECT_FALSE(info.name.empty());
    EXPECT_FALSE(info.group.empty()) << info.name;
    auto found = find_field(info.name);
    ASSERT_TRUE(found) << info.name;
    EXPECT_EQ(*found, id) << info.name;
  }
  EXPECT_FALSE(find_field(""));
  EXPECT_FALSE(find_field("make"));  // names are case-sensitive, as ExifTool's are
  EXPECT_FALSE(find_field("NotAField"));
}

TEST(FieldRegistry, LiteralsNameTheirRow) {
  static_assert(field_name("Make"_f) == "Make");
  static_assert(field_info("GPSLatitude"_f).group == "GPS");
  static_assert("ImageWidth"_f != "ImageHeight"_f);
  EXPECT_EQ(find_field("DateTimeOriginal"), "DateTimeOriginal"_f);
}

// A registry name is ExifTool's spelling: where the oracle has the name in any case, it has
// exactly this one. (The registry also holds names the corpus never shows.)
TEST(FieldRegistry, NamesAreExifToolSpelling) {
  const auto& oracle = oracle_names();
  ASSERT_FALSE(oracle.empty()) << "no oracle files under " << kShared;
  std::map<std::string, std::set<std::string>> by_lower;
  for (const auto& [name, groups] : oracle) by_lower[lower(name)].insert(name);
  size_t in_oracle = 0;
  for (const FieldInfo& info : kFieldTable) {
    auto it = by_lower.find(lower(info.name));
    if (it == by_lower.end()) continue;
    ++in_oracle;
    EXPECT_TRUE(it->second.count(std::string(info.name))) << info.name << " is spelt " << *it->second.begin()
                                                          << " by ExifTool";
  }
  EXPECT_GT(in_oracle, kFieldCount / 2);
}

// Names the extractor takes from the file: XMP properties (and the struct members it
// flattens, "History" + "Action"), PNG text keywords, ICC localised descriptions. ExifTool
// shows some of them from maker notes too (ColorMode, Version): one XMP or PNG group will do.
bool dynamic_name(const std::string& name) {
  const auto& oracle = oracle_names();
  auto from_file = [](const std::set<std::string>& groups) {
    return std::any_of(groups.begin(), groups.end(), [](const std::string& g) {
      return g.starts_with("XMP") || g == "PNG";
    });
  };
  if (name.starts_with("ProfileDescriptionML-")) return true;
  if (auto it = oracle.find(name); it != oracle.end() && from_file(it->second)) return true;
  for (size_t n = name.size() - 1; n >= 2; --n)
    if (auto it = oracle.find(name.substr(0, n)); it != oracle.end() && from_file(it->second)) return true;
  return false;
}

// Every field the extractor emits over the corpus is registered, unless its name comes from
// the file; and a registered field holds the kind of value its row says.
TEST(FieldRegistry, CorpusFieldsAreRegistered) {
  const auto files = image_files();
  ASSERT_FALSE(files.empty()) << "no corpus under " << kShared;
  std::set<std::string> missing;
  size_t registered = 0;
  for (const auto& path : files) {
    auto src = FileSource::open(path.string());
    ASSERT_TRUE(src) << path;
    auto md = extract(*src);
    if (!md) continue;  // malformed files
    for (const Field& f : md->fields) {
      if (f.id != kDynamicField) {
        ++registered;
        EXPECT_TRUE(kind_holds(field_info(f.id).kind, f.value)) << path << ": " << f.name();
        continue;
      }
      EXPECT_FALSE(find_field(f.name())) << f.name() << " stored without its id";
      if (std::string name(f.name()); !dynamic_name(name)) missing.insert(name);
    }
  }
  EXPECT_GT(registered, 0u);
  for (const auto& name : missing) ADD_FAILURE() << name << " is emitted but neither registered nor from the file";
}

TEST(FieldMetadata, ByIdAndByNameSeeOneField) {
  Metadata md;
  md.set("Make"_f, std::string("A"));
  const std::string make = "Make";  // a name as a file would give it
  ASSERT_NE(md.get(make), nullptr);
  EXPECT_EQ(*md.get_string(make), "A");
  md.set(make, std::string("B"));  // the string overload finds the id
  EXPECT_EQ(*md.get_string("Make"_f), "B");
  ASSERT_EQ(md.fields.size(), 1u);
  EXPECT_EQ(md.fields[0].name(), "Make");
  EXPECT_EQ(md.fields[0].id, "Make"_f);

  md.set("XMPOnlyName"sv, int64_t{7});  // dynamic: kept by name
  EXPECT_EQ(md.fields[1].id, kDynamicField);
  double n = 0;
  EXPECT_TRUE(md.get_number("XMPOnlyName"sv, n));
  EXPECT_EQ(n, 7);
  md.set("ISO"_f, 3.5);
  EXPECT_TRUE(md.get_number("ISO"sv, n));
  EXPECT_EQ(n, 3.5);
  EXPECT_FALSE(md.get_number("Make"_f, n));  // text is not a number
  EXPECT_EQ(md.get_string("ISO"_f), nullptr);
  EXPECT_FALSE(md.has("Model"_f));
}

TEST(FieldMetadata, EraseAndSetDefaultById) {
  Metadata md;
  md.set_default("Model"_f, std::string("first"));
  md.set_default("Model"_f, std::string("second"));
  md.set("Dynamic1"sv, std::string("d"));
  md.set("Make"_f, std::string("m"));
  EXPECT_EQ(*md.get_string("Model"_f), "first");

  md.erase("Model"_f);  // positions after it move
  EXPECT_FALSE(md.has("Model"_f));
  EXPECT_FALSE(md.has("Model"sv));
  ASSERT_EQ(md.fields.size(), 2u);
  EXPECT_EQ(*md.get_string("Make"_f), "m");
  EXPECT_EQ(*md.get_string("Dynamic1"sv), "d");
  md.erase("Model"_f);  // absent: nothing happens
  md.erase("Dynamic1"sv);
  EXPECT_FALSE(md.has("Dynamic1"sv));
  EXPECT_EQ(*md.get_string("Make"_f), "m");

  md.set_default("Model"_f, std::string("again"));  // appended at the end
  ASSERT_EQ(md.fields.size(), 2u);
  EXPECT_EQ(md.fields[1].name(), "Model");
  md.erase("Make"_f);
  EXPECT_EQ(md.fields[0].id, "Model"_f);
  EXPECT_EQ(*md.get_string("Model"_f), "again");
}

TEST(FieldMetadata, CopiesKeepTheirOwnIndexes) {
  Metadata a;
  a.set("Make"_f, std::string("a"));
  a.set("Dynamic"sv, int64_t{1});
  Metadata b = a;
  b.set("Make"_f, std::string("b"));
  b.set("Model"_f, std::string("m"));
  b.erase("Dynamic"sv);
  EXPECT_EQ(*a.get_string("Make"_f), "a");
  EXPECT_FALSE(a.has("Model"_f));
  EXPECT_TRUE(a.has("Dynamic"sv));
  EXPECT_EQ(*b.get_string("Make"_f), "b");
  EXPECT_EQ(*b.get_string("Model"_f), "m");
  Metadata c;
  c = std::move(b);
  EXPECT_EQ(*c.get_string("Model"_f), "m");
  EXPECT_FALSE(c.has("Dynamic"sv));
}

}  // namespace
}  // namespace imgmeta::meta
