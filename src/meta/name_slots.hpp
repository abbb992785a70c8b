// Finds the items of a list by name without copying the names into a map: open addressing
// over their positions. A slot holds a position + 1, 0 when empty; the table is a power of
// two at least twice the items it holds, so a lookup costs a hash and a probe or two.
// Metadata's fields named by the file and the XMP reader's entries use it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

namespace imgmeta::meta {

class NameSlots {
 public:
  bool empty() const { return slots_.empty(); }
  // Whether `items` are more than the table holds at under half full (always, when empty).
  bool full_for(size_t items) const { return items * 2 > slots_.size(); }
  // Empties the table and sizes it for `items` (64 slots at least).
  void reset(size_t items) {
    size_t size = 64;
    while (size < items * 2) size *= 2;
    slots_.assign(size, 0);
  }

  // The slot holding the item named `name`, or the empty slot it would take; name_of(position)
  // is the name of the item at a position the table holds. The table must not be empty.
  template <class NameOf>
  size_t find(std::string_view name, NameOf name_of) const {
    const size_t mask = slots_.size() - 1;
    size_t at = std::hash<std::string_view>{}(name) & mask;
    while (slots_[at] != 0 && name_of(slots_[at] - 1) != name) at = (at + 1) & mask;
    return at;
  }
  // The position + 1 a slot holds, 0 when it is empty.
  uint32_t held(size_t slot) const { return slots_[slot]; }
  void put(size_t slot, size_t position) { slots_[slot] = static_cast<uint32_t>(position + 1); }

 private:
  std::vector<uint32_t> slots_;
};

}  // namespace imgmeta::meta
