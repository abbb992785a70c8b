// Compiled by the meta_fields_literal tests (tests/CMakeLists.txt), never linked: as it is, it
// compiles; with LITERAL defined it hands Metadata a field name as a string literal, which
// must not compile (the registry's "Make"_f is the way to name a field in code).
#include <string>
#include <string_view>

#include "meta/metadata.hpp"

using namespace imgmeta::meta;

void name_a_field(Metadata& md, std::string_view from_the_file) {
  md.set(from_the_file, std::string("a name from the file is fine"));
#ifdef LITERAL
  md.set("Maek", std::string("x"));
#else
  md.set("Make"_f, std::string("x"));
#endif
}
