// Derived fields, computed once every block of a file is parsed.
#include "meta/formats.hpp"
namespace imgmeta::meta {
void add_composite_fields(Context&) {}
}  // namespace imgmeta::meta
