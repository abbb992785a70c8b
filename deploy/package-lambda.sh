#!/usr/bin/env bash
# Builds s3metadataFetcher.zip, the Lambda deployment package of the custom runtime
# (provided.al2023): the imgmeta binary with its own dynamic loader and every shared
# library it links, because Amazon Linux 2023's glibc (2.34) is older than the build
# machine's. The same approach as aws-lambda-cpp's packager (packaging/packager):
#
#   bootstrap              shell script: exec lib/<loader> --library-path lib bin/imgmeta lambda
#   bin/imgmeta            the binary (stripped): imgmeta-service, the build's executable
#                          with every subcommand (the imgmeta executable itself runs only
#                          `extract` and hands the rest to it)
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
#                     imgmeta-service beside it is what goes in the zip
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
    -h|--help) sed -n '2,32p' "$0"; exit 0 ;;
    *) echo "package-lambda.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
for tool in ldd zip; do
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
# The Lambda runs `imgmeta lambda`: the executable with every subcommand.
[ -x "$(dirname "$binary")/imgmeta-service" ] && binary="$(dirname "$binary")/imgmeta-service"
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

cat > "$stage/bootstrap" <<SCRIPT
#!/bin/sh
# s3metadataFetcher: imgmeta as a Lambda custom runtime, run by the loader and libraries
# shipped in this package (deploy/package-lambda.sh). No host library is used.
set -eu
root=\${LAMBDA_TASK_ROOT:-\${0%/*}}
exec "\$root/lib/$loader_name" --inhibit-cache --library-path "\$root/lib" "\$root/bin/imgmeta" lambda "\$@"
SCRIPT
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
