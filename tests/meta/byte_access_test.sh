#!/usr/bin/env bash
# Parsers in src/meta read image bytes only through the Reader, ByteView and Cursor, whose
# every read is bounds-checked. This fails on the ways around them: pointer arithmetic on a
# view's data(), raw-pointer integer helpers (le32(const uint8_t*) and kin), and arithmetic
# on a pointer cast from bytes.
# Usage: byte_access_test.sh SRC_META_DIR
set -uo pipefail
dir=${1:?usage: byte_access_test.sh SRC_META_DIR}

# Files allowed raw pointers, each for a reason:
#   reader.cpp   the bounds-checked reads themselves: the one place that decodes from a pointer
#   source.cpp   sources copy file or memory bytes into the Reader's buffers; nothing is parsed
#   inflate.cpp  zlib's stream API takes next_in/next_out pointers into whole buffers; it
#                inflates, it does not parse fields
#   json.cpp     writes JSON text with std::to_chars into its own char buffers; no image bytes
excluded='^(reader|source|inflate|json)\.(cpp|hpp)$'

patterns=(
  'data\(\) *[-+]'                                         # view.data() + offset
  'data\(\) *\['                                           # view.data()[i]
  '\b[lb]e(16|24|32|64)s?\( *const (u?int8_t|unsigned char|char) *\*'  # le32(const uint8_t* p)
  'reinterpret_cast<const (u?int8_t|unsigned char|char) *\*>\([^)]*\) *[-+[]'  # cast, then arithmetic
  'const u?int8_t *\* *[A-Za-z_][A-Za-z_0-9]* *= *[^;]*data\(\)'  # a raw cursor into a view
)

files=()
for f in "$dir"/*.cpp "$dir"/*.hpp; do
  [ -e "$f" ] || continue
  [[ $(basename "$f") =~ $excluded ]] && continue
  files+=("$f")
done
if [ ${#files[@]} -eq 0 ]; then
  echo "FAIL: no sources under $dir"
  exit 1
fi

status=0
for p in "${patterns[@]}"; do
  if hits=$(grep -nE -- "$p" "${files[@]}"); then
    echo "FAIL: raw byte access (pattern: $p); read through ByteView or Cursor instead:"
    echo "$hits"
    status=1
  fi
done
[ $status -eq 0 ] && echo "ok: ${#files[@]} files in $dir read bytes only through the reader and cursor"
exit $status
