#!/usr/bin/env bash
# Builds s3metadataFetcher.zip, the Lambda deployment package of the custom runtime
# (provided.al2023): the imgmeta binary with its own dynamic loader and every shared
# library it links, because Amazon Linux 2023's glibc (2.34) is older than the build
# machine's. The same approach as aws-lambda-cpp's packager (packaging/packager):
#
#   bootstrap              a small static executable (compiled here from the C below; no
#                          shell): exec lib/<loader> --library-path lib bin/imgmeta lambda
#   bin/imgmeta            the binary (stripped): imgmeta-lambda, the build's executable
#                          that runs `imgmeta lambda` (the imgmeta executable itself runs
#                          only `extract` and hands `lambda` to it); the release build links
#                          it against static archives of everything but glibc
#   lib/<loader>           ld-linux-x86-64.so.2 / ld-linux-aarch64.so.1 from the build machine
#   lib/*.so*              every library ldd resolves for bin/imgmeta
#
# The loader runs with --inhibit-cache so the host's /etc/ld.so.cache is never consulted:
# only the zip's libraries load. The handler is chosen by the function's _HANDLER setting
# (extract | api | preview). Files get a fixed timestamp and order, so equal inputs give
# equal zips.
#
# A second zip, imgmetaPreview.zip, is the same package plus the rendering module
# libimgmeta_preview.so (built next to the imgmeta binary; it links libvips) and every
# library ldd resolves for it, all in lib/: that is the loader's --library-path, where the
# binary's dlopen of the module finds it. s3metadataFetcher.zip never carries them, so the
# extractor's size and cold start do not change. Without the module, only the first zip is
# made (with a message); deploy.sh then gives the preview function the first zip.
#
# Usage: deploy/package-lambda.sh [--binary PATH] [--preview-module PATH] [--out DIR] [--no-strip]
#   --binary          the imgmeta binary to package (default: build the release preset first);
#                     imgmeta-lambda beside it is what goes in the zip
#   --preview-module  the rendering module (default: libimgmeta_preview.so beside the binary)
#   --out             where the zips go (default: build/lambda)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
binary="" module="" out="$repo/build/lambda" strip=1
while [ $# -gt 0 ]; do
  case $1 in
    --binary) binary=$2; shift 2 ;;
    --preview-module) module=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --no-strip) strip=0; shift ;;
    -h|--help) sed -n '2,33p' "$0"; exit 0 ;;
    *) echo "package-lambda.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
for tool in ldd zip "${CC:-cc}"; do
  command -v $tool >/dev/null || { echo "package-lambda.sh: $tool is required" >&2; exit 1; }
done

if [ -z "$binary" ]; then
  cmake --preset release -S "$repo" >/dev/null
  cmake --build --preset release --target imgmeta -j2
  # The rendering module, where this tree has it (issue 10's work).
  if cmake --build --preset release --target help 2>/dev/null | grep -q '^imgmeta_preview[: ]'; then
    cmake --build --preset release --target imgmeta_preview -j2
  fi
  binary="$repo/build/release/src/cli/imgmeta"
fi
[ -n "$module" ] || module="$(dirname "$binary")/libimgmeta_preview.so"
# The Lambda runs `imgmeta lambda`: the executable that holds it.
[ -x "$(dirname "$binary")/imgmeta-lambda" ] && binary="$(dirname "$binary")/imgmeta-lambda"
[ -x "$binary" ] || { echo "package-lambda.sh: $binary is not an executable" >&2; exit 1; }

stage=$(mktemp -d)
trap 'rm -rf "$stage" "$stage.preview"' EXIT
mkdir -p "$stage/bin" "$stage/lib"
cp "$binary" "$stage/bin/imgmeta"
[ $strip = 1 ] && strip --strip-unneeded "$stage/bin/imgmeta"

# ldd lines: "libfoo.so.1 => /path/libfoo.so.1 (0x...)", the loader as "/lib64/ld-linux-x86-64.so.2 (0x...)".
loader=""
copy_deps() {  # $1: an ELF file, $2: the lib directory to fill
  local deps line lib
  deps=$(ldd "$1")
  if grep -q "not found" <<<"$deps"; then
    echo "package-lambda.sh: unresolved libraries of $1:" >&2; grep "not found" <<<"$deps" >&2; exit 1
  fi
  while read -r line; do
    case $line in
      *"=> /"*) lib=$(sed -E 's/.*=> ([^ ]+) .*/\1/' <<<"$line"); cp -L "$lib" "$2/$(basename "$lib")" ;;
      /*ld-linux*) loader=$(awk '{print $1}' <<<"$line"); cp -L "$loader" "$2/$(basename "$loader")" ;;
    esac
  done <<<"$deps"
}
copy_deps "$binary" "$stage/lib"
[ -n "$loader" ] || { echo "package-lambda.sh: no dynamic loader in ldd's output" >&2; exit 1; }
loader_name=$(basename "$loader")

# bootstrap is a small static executable rather than a shell script: Lambda starts it on
# every cold start, and /bin/sh (a dynamically linked dash reading a script) cost a few
# milliseconds of the 20 ms budget before the loader even ran (2-8 ms measured here).
cat > "$stage/bootstrap.c" <<SOURCE
/* s3metadataFetcher: imgmeta as a Lambda custom runtime, run by the loader and libraries
   shipped in this package (deploy/package-lambda.sh). No host library is used. Execs
     <root>/lib/$loader_name --inhibit-cache --library-path <root>/lib <root>/bin/imgmeta lambda ARGS
   where <root> is LAMBDA_TASK_ROOT, or else the directory this file was started from. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char** argv) {
  char dir[PATH_MAX], loader[PATH_MAX], lib[PATH_MAX], bin[PATH_MAX];
  const char* root = getenv("LAMBDA_TASK_ROOT");
  if (!root || !*root) {
    const char* self = argc > 0 && argv[0] ? argv[0] : "";
    const char* slash = strrchr(self, '/');
    if (!slash) root = ".";
    else if ((size_t)(slash - self) >= sizeof dir) return 127;
    else {
      memcpy(dir, self, (size_t)(slash - self));
      dir[slash - self] = 0;
      root = slash == self ? "/" : dir;
    }
  }
  if (snprintf(loader, sizeof loader, "%s/lib/$loader_name", root) >= (int)sizeof loader ||
      snprintf(lib, sizeof lib, "%s/lib", root) >= (int)sizeof lib ||
      snprintf(bin, sizeof bin, "%s/bin/imgmeta", root) >= (int)sizeof bin) {
    fputs("bootstrap: LAMBDA_TASK_ROOT is too long\n", stderr);
    return 127;
  }
  char** args = calloc((size_t)argc + 7, sizeof *args);
  if (!args) return 127;
  int n = 0;
  args[n++] = loader;
  args[n++] = "--inhibit-cache";
  args[n++] = "--library-path";
  args[n++] = lib;
  args[n++] = bin;
  args[n++] = "lambda";
  for (int i = 1; i < argc; ++i) args[n++] = argv[i];
  args[n] = NULL;
  execv(loader, args);
  perror("bootstrap: exec the loader");
  return 127;
}
SOURCE
"${CC:-cc}" -static -O2 -s -o "$stage/bootstrap" "$stage/bootstrap.c"
rm "$stage/bootstrap.c"
chmod 0755 "$stage/bootstrap" "$stage/bin/imgmeta" "$stage/lib/$loader_name"
find "$stage/lib" -type f ! -name "$loader_name" -exec chmod 0644 {} +

mkdir -p "$out"
out=$(cd "$out" && pwd)
make_zip() {  # $1: staging directory, $2: zip file
  rm -f "$2"
  find "$1" -exec touch -h -d '1980-01-01 00:00:00' {} +
  (cd "$1" && find bootstrap bin lib -type f | LC_ALL=C sort | zip -q -X -9 "$2" -@)
  echo "$2: $(du -h "$2" | cut -f1), $(find "$1/lib" -type f | wc -l) libraries, loader $loader_name"
}
make_zip "$stage" "$out/s3metadataFetcher.zip"

rm -f "$out/imgmetaPreview.zip"
if [ ! -f "$module" ]; then
  echo "package-lambda.sh: no preview module at $module (it is built with issue 10's preview work):" \
       "imgmetaPreview.zip not made; deploy.sh gives the preview function s3metadataFetcher.zip, which records previews as failed"
  exit 0
fi
cp -R "$stage" "$stage.preview"
cp -L "$module" "$stage.preview/lib/libimgmeta_preview.so"
[ $strip = 1 ] && strip --strip-unneeded "$stage.preview/lib/libimgmeta_preview.so"
copy_deps "$module" "$stage.preview/lib"
find "$stage.preview/lib" -type f ! -name "$loader_name" -exec chmod 0644 {} +
make_zip "$stage.preview" "$out/imgmetaPreview.zip"
