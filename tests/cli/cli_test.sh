#!/usr/bin/env bash
# The imgmeta CLI as a user runs it: usage, output shape, exit status, hostile names.
# Usage: cli_test.sh IMGMETA SHARED_DIR
set -uo pipefail
bin=$1 shared=$2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fails=0 passes=0
check() {  # check NAME CONDITION...
  local name=$1; shift
  if "$@"; then passes=$((passes + 1)); else fails=$((fails + 1)); echo "FAIL: $name"; fi
}
json_ok() { python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$1" 2>/dev/null; }

check "--version prints the version" bash -c "'$bin' --version | grep -Eq '^imgmeta [0-9]+\.[0-9]+'"
check "extract --help documents the flags" bash -c "'$bin' extract --help | grep -q -- '--ndjson'"
check "no subcommand is a usage error" bash -c "'$bin' >/dev/null 2>&1; [ \$? -ne 0 ]"

# `imgmeta extract` runs in an executable that links only the extractor; `lambda` is handed to
# imgmeta-lambda beside it and the other subcommands to imgmeta-service (src/cli/main.cpp).
# Release and dev builds link it as a static PIE (no loader work at start-up): then the check is
# that none of those libraries' symbols are in it.
if ldd "$bin" 2>&1 | grep -q 'statically linked'; then
  check "imgmeta holds none of the server's libraries (static PIE)" bash -c \
    "nm '$bin' | grep -q ' main\$' && ! nm '$bin' | grep -Eq ' (curl_easy_init|SSL_new|EVP_DigestInit|sqlite3_open|sodium_init|vips_init|boost)'"
else
  check "imgmeta links none of the server's libraries" bash -c \
    "ldd '$bin' > /dev/null && ! ldd '$bin' | grep -E 'libcurl|libssl|libcrypto|libsqlite3|libsodium|libvips|libboost'"
fi
check "extract loads no library at run time beyond what it links" bash -c \
  "LD_DEBUG=files '$bin' extract --help 2>&1 >/dev/null | grep -c 'file=.*generating link map' | grep -qx \$(ldd '$bin' | grep -c '=> /')"
check "serve --help is answered through imgmeta-service" bash -c "'$bin' serve --help | grep -q -- '--data-dir'"
check "upload --help is answered through imgmeta-service" bash -c "'$bin' upload --help | grep -q -- 'upload'"
check "lambda --help is answered through imgmeta-lambda" bash -c "'$bin' lambda --help | grep -q -- '--runtime-api'"
check "the full --help lists every subcommand" bash -c \
  "'$bin' --help | grep -q serve && '$bin' --help | grep -q extract && '$bin' --help | grep -q 'imgmeta lambda'"
# imgmeta-lambda (the Lambda packages' executable) takes its libraries from static archives in
# the release and dev builds: only glibc is left to load at a cold start.
lambda_bin="$(dirname "$bin")/imgmeta-lambda"
if ldd "$bin" 2>&1 | grep -q 'statically linked'; then
  check "imgmeta-lambda loads only glibc" bash -c \
    "ldd '$lambda_bin' | grep -q 'libc\.so' && ! ldd '$lambda_bin' | grep '=> /' | grep -Ev '/(libc|libm)\.so'"
fi
check "an unknown subcommand is a usage error (2)" bash -c "'$bin' no-such-command >/dev/null 2>&1; [ \$? -eq 2 ]"
mkdir -p "$tmp/alone"; cp "$bin" "$tmp/alone/imgmeta"
"$tmp/alone/imgmeta" serve --help > /dev/null 2> "$tmp/alone.err"; rc=$?
check "without imgmeta-service, serve says what is missing and exits 2" bash -c \
  "[ $rc -eq 2 ] && grep -q 'imgmeta-service' '$tmp/alone.err'"
check "without imgmeta-service, extract still works" bash -c "'$tmp/alone/imgmeta' extract --help > /dev/null"

# A PNG made here, so the test does not depend on the corpus.
printf '\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00\x00\x02\x00\x00\x00\x03\x08\x06\x00\x00\x00\x00\x00\x00\x00' > "$tmp/a.png"
"$bin" extract "$tmp/a.png" > "$tmp/one.json"; rc=$?
check "a readable file exits 0" [ $rc -eq 0 ]
check "output is a JSON array" json_ok "$tmp/one.json"
check "SourceFile and FileType are reported" python3 - "$tmp/one.json" "$tmp/a.png" <<'PY'
import json, sys
o = json.load(open(sys.argv[1]))
assert len(o) == 1 and o[0]["SourceFile"] == sys.argv[2], o
assert o[0]["FileType"] == "PNG" and o[0]["ImageWidth"] == 2 and o[0]["ImageHeight"] == 3, o
PY

printf 'not an image at all' > "$tmp/b.txt"
"$bin" extract "$tmp/a.png" "$tmp/b.txt" > "$tmp/two.json"; rc=$?
check "a failing file makes the exit status 1" [ $rc -eq 1 ]
check "the failing file has an Error entry" python3 -c "
import json; o = json.load(open('$tmp/two.json')); assert 'Error' in o[1] and 'Error' not in o[0], o"

"$bin" extract "$tmp/does-not-exist.jpg" > "$tmp/missing.json" 2>/dev/null; rc=$?
check "a missing path exits 1 with valid JSON" bash -c "[ $rc -eq 1 ] && python3 -c 'import json; json.load(open(\"$tmp/missing.json\"))'"

mkfifo "$tmp/pipe"
timeout 10 "$bin" extract "$tmp/pipe" > "$tmp/pipe.json" 2>/dev/null; rc=$?
check "a named pipe is refused at once, not waited on (exit 1, valid JSON)" bash -c \
  "[ $rc -eq 1 ] && grep -q 'not a regular file' '$tmp/pipe.json' && python3 -c 'import json; json.load(open(\"$tmp/pipe.json\"))'"

mkdir -p "$tmp/tree/sub"; cp "$tmp/a.png" "$tmp/tree/x.png"; cp "$tmp/a.png" "$tmp/tree/sub/y.png"
check "a directory is read one level deep" bash -c "'$bin' extract '$tmp/tree' | python3 -c 'import json,sys; assert len(json.load(sys.stdin)) == 1'"
check "-r recurses" bash -c "'$bin' extract -r '$tmp/tree' | python3 -c 'import json,sys; assert len(json.load(sys.stdin)) == 2'"
check "--ndjson prints one object per line" bash -c "'$bin' extract --ndjson -r '$tmp/tree' | python3 -c '
import json,sys
lines = sys.stdin.read().splitlines(); assert len(lines) == 2; [json.loads(l) for l in lines]'"
check "--stats adds BytesRead" bash -c "'$bin' extract --stats '$tmp/a.png' | python3 -c '
import json,sys; o = json.load(sys.stdin)[0]; assert o[\"BytesRead\"] > 0 and o[\"FileSize\"] == 33, o'"

# A file name that is not valid UTF-8 still gives valid JSON (the bytes are replaced).
bad=$(printf "$tmp/bad\xff\xfe.png"); cp "$tmp/a.png" "$bad"
check "invalid UTF-8 in a name yields valid JSON" bash -c "'$bin' extract '$bad' | python3 -c 'import json,sys; json.loads(sys.stdin.buffer.read().decode(\"utf-8\"))'"

check "a directory named between files keeps its place, a missing path is skipped (exit 1)" bash -c "
  '$bin' extract --threads 2 '$tmp/a.png' '$tmp/gone.png' '$tmp/tree' '$tmp/bad'*.png > '$tmp/mixed.json' 2> '$tmp/mixed.err'
  rc=\$?; [ \$rc -eq 1 ] && grep -q 'gone.png: no such file or directory' '$tmp/mixed.err' && python3 -c '
import json; o = json.load(open(\"$tmp/mixed.json\"))
assert [x[\"SourceFile\"].rsplit(\"/\", 1)[1][:3] for x in o] == [\"a.p\", \"x.p\", \"bad\"], o'"
# Paths from a list (-@ FILE, "-" for standard input) come after the named ones, in order;
# empty lines and CRLF line ends are skipped.
printf '%s\r\n\n%s\n' "$tmp/tree/x.png" "$tmp/tree" > "$tmp/list.txt"
check "-@ reads paths from a file, after the named ones" bash -c "
  diff <('$bin' extract --ndjson '$tmp/a.png' -@ '$tmp/list.txt') <('$bin' extract --ndjson '$tmp/a.png' '$tmp/tree/x.png' '$tmp/tree')"
check "--files-from - reads them from standard input" bash -c "
  diff <('$bin' extract --ndjson --files-from - < '$tmp/list.txt') <('$bin' extract --ndjson '$tmp/tree/x.png' '$tmp/tree')"
check "no paths at all is a usage error (exit 2)" bash -c "
  '$bin' extract 2> '$tmp/none.err' > /dev/null; [ \$? -eq 2 ] && grep -q 'no files' '$tmp/none.err'"
check "an unreadable list is a usage error (exit 2)" bash -c "'$bin' extract -@ '$tmp/no-list.txt' 2>/dev/null; [ \$? -eq 2 ]"
check "--threads 1 and 4 give the same output" bash -c "diff <('$bin' extract --threads 1 -r '$tmp/tree') <('$bin' extract --threads 4 -r '$tmp/tree')"

if [ -d "$shared/corpus/jpeg" ]; then
  check "the JPEG corpus gives a valid JSON array" bash -c "'$bin' extract '$shared/corpus/jpeg' > '$tmp/corpus.json'; python3 -c 'import json; assert len(json.load(open(\"$tmp/corpus.json\"))) > 100'"
  # The whole corpus, hostile files included, named twice over so the threads interleave:
  # the same objects in the same order with one thread, two and three.
  check "--threads 1, 2 and 3 agree over the whole corpus" bash -c "
    '$bin' extract --threads 1 --ndjson -r '$shared/corpus' '$shared/corpus' > '$tmp/t1.ndjson'
    [ \$(wc -l < '$tmp/t1.ndjson') -gt 500 ] &&
    '$bin' extract --threads 2 --ndjson -r '$shared/corpus' '$shared/corpus' | cmp -s - '$tmp/t1.ndjson' &&
    '$bin' extract --threads 3 --ndjson -r '$shared/corpus' '$shared/corpus' | cmp -s - '$tmp/t1.ndjson'"
fi

echo "cli: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
