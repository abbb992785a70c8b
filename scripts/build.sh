#!/usr/bin/env bash
# Configures (once) and builds one CMake preset: scripts/build.sh dev|asan|release|fuzz
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:-dev}
[ -f "build/$preset/build.ninja" ] || cmake --preset "$preset" >/dev/null
# The fuzz preset exists for its fuzz targets: the rest of the tree it would build is unused.
target=(); [ "$preset" = fuzz ] && target=(--target fuzzers)
cmake --build --preset "$preset" -j "$(nproc)" "${target[@]}"
