// Compiled by the meta_fields_spelling tests (tests/CMakeLists.txt), never linked: as it is,
// it compiles; with MISSPELT defined it names a field the registry does not hold and must not.
#include "meta/fields.hpp"

using namespace imgmeta::meta;

#ifdef MISSPELT
constexpr FieldId kId = "Maek"_f;
#else
constexpr FieldId kId = "Make"_f;
#endif
static_assert(field_name(kId).size() == 4);
