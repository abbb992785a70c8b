#!/usr/bin/env bash
# Runs every libFuzzer target for a few seconds, seeded from ../shared/corpus (small files of
# every format plus the malformed ones). Any crash, leak or sanitizer report fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-15}
shared=${IMGMETA_SHARED_DIR:-../shared}
seeds=build/fuzz/seeds
if [ ! -d "$seeds" ]; then
  mkdir -p "$seeds"
  find "$shared/corpus" -type f -size -256k ! -name '*.tsv' ! -name '*.md' -exec cp {} "$seeds/" \;
fi
status=0
for f in build/fuzz/fuzz/fuzz_*; do
  [ -x "$f" ] || continue
  name=$(basename "$f")
  work=build/fuzz/work/$name; mkdir -p "$work" build/fuzz/artifacts
  if "$f" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=0 \
       -artifact_prefix=build/fuzz/artifacts/"$name"- "$work" "$seeds" >build/fuzz/$name.log 2>&1; then
    echo "fuzz $name: ok ($(grep -o 'stat::number_of_executed_units: [0-9]*' build/fuzz/$name.log | tail -1 || true)$(tail -1 build/fuzz/$name.log | grep -o '#[0-9]*' | head -1))"
  else
    echo "fuzz $name: FAILED, see build/fuzz/$name.log"; tail -40 build/fuzz/$name.log; status=1
  fi
done
exit $status
