#!/usr/bin/env bash
# Runs every test: unit, corpus and integration tests (dev build), the same suite under
# ASan+UBSan, a short libFuzzer smoke run of every fuzz target, and the web app's tests.
# Installs what it needs first (scripts/setup.sh). Exit status 0 only if all passed.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
scripts/setup.sh || exit 1

passed=0 failed=0 failed_names=()
step() {  # step NAME COMMAND...: runs one stage, counts it, keeps going after a failure
  local name=$1; shift
  local t0=$SECONDS
  echo "=== $name"
  if "$@"; then
    passed=$((passed + 1)); echo "=== $name: ok ($((SECONDS - t0)) s)"
  else
    failed=$((failed + 1)); failed_names+=("$name"); echo "=== $name: FAILED ($((SECONDS - t0)) s)"
  fi
}

step "build (dev)" scripts/build.sh dev
step "tests (dev)" ctest --preset dev
step "build (asan)" scripts/build.sh asan
step "tests (asan)" ctest --preset asan
step "build (fuzz)" scripts/build.sh fuzz
step "fuzz smoke" scripts/fuzz-smoke.sh "${FUZZ_SECONDS:-10}"
if [ -f web/package.json ]; then
  step "web tests" scripts/web-test.sh
fi

# The end of a long log is what people (and CI summaries) read: repeat what failed there.
for preset in dev asan; do
  f=build/$preset/Testing/Temporary/LastTestsFailed.log
  [[ " ${failed_names[*]} " == *"tests ($preset)"* && -s $f ]] && echo "failed tests ($preset): $(cut -d: -f2 "$f" | tr '\n' ' ')"
done
[[ " ${failed_names[*]} " == *"fuzz smoke"* && -s build/fuzz/report.txt ]] && cat build/fuzz/report.txt
((failed)) && echo "failed stages: ${failed_names[*]}"
echo "stages: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
