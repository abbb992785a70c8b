// Corpus-wide checks: every well-formed file in ../shared/corpus against ExifTool's output
// (the oracle, `exiftool -j -n`), and every malformed file must end cleanly.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "meta/extract.hpp"
#include "meta/json.hpp"

namespace imgmeta::meta {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const fs::path kShared = IMGMETA_SHARED_DIR;
const fs::path kCorpus = kShared / "corpus";
const fs::path kOracle = kShared / "corpus-oracle";

// The fields the agreement threshold is computed over, as the extractor issue states it.
const std::vector<std::string> kKeyFields = {"ImageWidth", "ImageHeight", "FileType", "Make", "Model",
                                             "DateTimeOriginal", "Orientation", "GPSLatitude", "GPSLongitude"};

std::vector<fs::path> corpus_files(bool malformed) {
  std::vector<fs::path> out;
  if (!fs::is_directory(kCorpus)) return out;
  for (const auto& e : fs::recursive_directory_iterator(kCorpus)) {
    if (!e.is_regular_file()) continue;
    auto rel = fs::relative(e.path(), kCorpus);
    if (rel.parent_path().empty()) continue;  // MANIFEST.tsv, README.md
    bool is_malformed = *rel.begin() == "malformed";
    if (is_malformed == malformed) out.push_back(rel);
  }
  std::sort(out.begin(), out.end());
  return out;
}

json run_extract(const fs::path& path, std::string* error = nullptr) {
  auto src = FileSource::open(path.string());
  if (!src) {
    if (error) *error = src.error().message;
    return nullptr;
  }
  auto md = extract(*src);
  if (!md) {
    if (error) *error = md.error().message;
    return nullptr;
  }
  // Strict dump: throws on invalid UTF-8, which Metadata must never let through.
  return json::parse(to_json(*md).dump());
}

bool same_value(const json& ours, const json& theirs, const std::string& field) {
  if (ours.is_null()) return false;
  if (theirs.is_number() && ours.is_number()) {
    double a = ours.get<double>(), b = theirs.get<double>();
    double tol = field.rfind("GPS", 0) == 0 ? 1e-6 : 1e-9 * std::max(1.0, std::fabs(b));
    return std::fabs(a - b) <= tol;
  }
  auto text = [](const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); };
  return text(ours) == text(theirs);
}

TEST(Corpus, AgreesWithExifToolOnKeyFields) {
  auto files = corpus_files(false);
  if (files.empty()) GTEST_SKIP() << "no corpus at " << kCorpus;
  struct Tally { int agree = 0, total = 0; };
  std::map<std::string, Tally> per_field;         // key fields
  std::map<std::string, Tally> other_fields;      // everything else both name, for information
  std::vector<std::string> differences;
  for (const auto& rel : files) {
    std::ifstream in(kOracle / (rel.string() + ".plain.json"));
    if (!in) continue;
    json oracle = json::parse(in, nullptr, false);
    if (!oracle.is_array() || oracle.empty()) continue;
    oracle = oracle[0];
    std::string error;
    json ours = run_extract(kCorpus / rel, &error);
    for (const auto& field : kKeyFields) {
      if (!oracle.contains(field)) continue;
      json mine = ours.is_object() && ours.contains(field) ? ours[field] : json();
      bool ok = same_value(mine, oracle[field], field);
      per_field[field].total++;
      per_field[field].agree += ok;
      if (!ok)
        differences.push_back(rel.string() + ": " + field + " ours=" + (error.empty() ? mine.dump() : "error: " + error) +
                              " exiftool=" + oracle[field].dump());
    }
    if (ours.is_object()) {
      for (auto& [k, v] : ours.items()) {
        if (std::find(kKeyFields.begin(), kKeyFields.end(), k) != kKeyFields.end() || !oracle.contains(k)) continue;
        other_fields[k].total++;
        other_fields[k].agree += same_value(v, oracle[k], k);
      }
    }
  }
  int agree = 0, total = 0;
  std::cout << "Key-field agreement with ExifTool over " << files.size() << " files:\n";
  for (const auto& [field, t] : per_field) {
    std::cout << "  " << field << ": " << t.agree << "/" << t.total << "\n";
    agree += t.agree;
    total += t.total;
  }
  std::cout << "Other fields both report (information only):\n";
  for (const auto& [field, t] : other_fields)
    if (t.agree != t.total) std::cout << "  " << field << ": " << t.agree << "/" << t.total << "\n";
  std::cout << "Differences (" << differences.size() << "):\n";
  for (const auto& d : differences) std::cout << "  " << d << "\n";
  double rate = total ? static_cast<double>(agree) / total : 0;
  std::cout << "Overall: " << agree << "/" << total << " = " << rate * 100 << "%\n";
  EXPECT_GE(rate, 0.99);
}

TEST(Corpus, MalformedFilesEndCleanlyAndQuickly) {
  auto files = corpus_files(true);
  if (files.empty()) GTEST_SKIP() << "no corpus at " << kCorpus;
  int errors = 0, partial = 0;
  for (const auto& rel : files) {
    auto t0 = std::chrono::steady_clock::now();
    std::string error;
    json ours = run_extract(kCorpus / rel, &error);
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_LT(secs, 5.0) << rel << " took " << secs << " s";
    if (ours.is_null()) {
      EXPECT_FALSE(error.empty()) << rel;
      ++errors;
    } else {
      ++partial;
    }
  }
  std::cout << files.size() << " malformed files: " << errors << " errors, " << partial << " partial results\n";
}

TEST(Corpus, LargeJpegsAreReadOnlyToTheirHeaders) {
  int checked = 0;
  for (const auto& rel : corpus_files(false)) {
    if (*rel.begin() != "jpeg" || fs::file_size(kCorpus / rel) < 1024 * 1024) continue;
    auto src = FileSource::open((kCorpus / rel).string());
    ASSERT_TRUE(src.ok());
    auto md = extract(*src);
    ASSERT_TRUE(md.ok()) << rel << ": " << md.error().message;
    EXPECT_LE(md->bytes_read, 256u * 1024) << rel << " read " << md->bytes_read << " of " << src->size();
    ++checked;
  }
  if (checked == 0) GTEST_SKIP() << "no large JPEGs in the corpus";
}

}  // namespace
}  // namespace imgmeta::meta
