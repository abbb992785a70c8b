#!/usr/bin/env bash
# Runs every libFuzzer target for a few seconds. Image parsers are seeded from
# ../shared/corpus (small files of every format plus the malformed ones); the event and
# API-event parsers from ../shared/testdata/events; others from fuzz/seeds/<name>/ when the
# repository has seeds for them. Any crash, leak or sanitizer report fails the run.
#   scripts/fuzz-smoke.sh [SECONDS_PER_TARGET]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-15}
shared=${IMGMETA_SHARED_DIR:-../shared}
images=build/fuzz/seeds/images
events=build/fuzz/seeds/events
if [ ! -d "$images" ]; then
  mkdir -p "$images"
  find "$shared/corpus" -type f -size -256k ! -name '*.tsv' ! -name '*.md' -exec cp {} "$images/" \;
fi
if [ ! -d "$events" ]; then
  mkdir -p "$events"
  find "$shared/testdata/events" -type f -name '*.json' -exec cp {} "$events/" \;
fi
seeds_for() {  # the seed directories of one target
  case $1 in
    fuzz_events|fuzz_api_event) echo "$events" ;;
    *) if [ -d "fuzz/seeds/${1#fuzz_}" ]; then echo "fuzz/seeds/${1#fuzz_}"; else echo "$images"; fi ;;
  esac
}
run_one() {  # run_one TARGET: one target's smoke run; prints one line (and the log on failure)
  local f=$1 name work
  name=$(basename "$f")
  work=build/fuzz/work/$name; mkdir -p "$work" build/fuzz/artifacts
  # shellcheck disable=SC2046
  if "$f" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
       -artifact_prefix=build/fuzz/artifacts/"$name"- "$work" $(seeds_for "$name") >build/fuzz/$name.log 2>&1; then
    echo "fuzz $name: ok ($(grep -o 'stat::number_of_executed_units: [0-9]*' build/fuzz/$name.log | tail -1 | grep -o '[0-9]*$' || echo '?') runs)"
  else
    echo "fuzz $name: FAILED, see build/fuzz/$name.log"; tail -40 build/fuzz/$name.log; return 1
  fi
}
# One target per core at a time.
jobs=$(nproc)
status=0
pids=()
for f in build/fuzz/fuzz/fuzz_*; do
  [ -x "$f" ] || continue
  if [ "${#pids[@]}" -ge "$jobs" ]; then
    wait "${pids[0]}" || status=1
    pids=("${pids[@]:1}")
  fi
  run_one "$f" &
  pids+=("$!")
done
for p in "${pids[@]}"; do wait "$p" || status=1; done
exit $status
