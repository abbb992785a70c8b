// Long base64 runs taken out of an XMP packet before the XML parser sees it.
//
// Phones store depth maps and portrait images inside XMP as base64 (GDepth:Data,
// GImage:Data): hundreds of kilobytes in one attribute or element, which the XML parser
// would copy and the event reader check for UTF-8 byte by byte (without this, a run over the
// corpus takes a fifth more instructions) while the reader only ever reports their decoded
// size. `elide` replaces each run of at least kMinRun base64 characters by a short marker (a
// prefix the packet does not contain, then the run's number); the reader puts the run back
// (`append_restored`) for ordinary values and counts it (`count_base64`) for binary ones, so
// what is reported is the same as parsing the packet whole. Base64 characters are never
// markup, so the XML structure, and every error position before the first run, is unchanged.
// A packet can spell a marker with character references; that only ever yields one of its
// own runs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace imgmeta::meta {

class Base64Runs {
 public:
  static constexpr size_t kMinRun = 4096;

  // The packet to parse: `xml` itself when it has no long run (or is not UTF-8), else
  // `storage` holding the packet with markers in place of the runs. `xml` must outlive this.
  std::string_view elide(std::string_view xml, std::string& storage);

  bool empty() const { return runs_.empty(); }

  // Appends `text` to `out` with every marker replaced by its run.
  void append_restored(std::string& out, std::string_view text) const;
  std::string restored(std::string_view text) const;

  // The size `text` would have restored.
  size_t restored_size(std::string_view text) const;

  // Base64 characters (whitespace left out) and '=' among them in `text`, each marker
  // counted as its run.
  void count_base64(std::string_view text, uint64_t& chars, uint64_t& pad) const;

 private:
  struct Run {
    size_t offset, length;  // in the original packet
  };
  // Whether `word` (base64 characters only) occurs in `xml` outside runs_.
  bool occurs_between_runs(std::string_view xml, std::string_view word) const;
  // Calls on_text(piece) and on_run(run) in order over `text`.
  template <class Text, class OnRun>
  void walk(std::string_view text, Text on_text, OnRun on_run) const;

  std::string_view original_;
  std::vector<Run> runs_;
  std::string prefix_;  // every marker starts with it; a fixed number of hex digits follows
};

}  // namespace imgmeta::meta
