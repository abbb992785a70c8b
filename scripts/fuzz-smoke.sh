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
    echo "fuzz $name: FAILED, see build/fuzz/$name.log"; tail -40 build/fuzz/$name.log
    echo "$name" >>build/fuzz/failed.txt
    return 1
  fi
}
# One target per core at a time.
rm -f build/fuzz/failed.txt build/fuzz/report.txt
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
# What failed, again at the end, with each input that crashed small enough to quote, so a CI
# log's last lines are enough to reproduce it (base64 -d > input; build/fuzz/fuzz/TARGET input).
if [ -s build/fuzz/failed.txt ]; then
  for name in $(sort build/fuzz/failed.txt); do
    echo "fuzz $name failed: $(grep -m1 -E '^==[0-9]+==ERROR|^SUMMARY|^==[0-9]+== ERROR' build/fuzz/$name.log || echo 'see its log')"
    for a in build/fuzz/artifacts/"$name"-*; do
      [ -f "$a" ] || continue
      if [ "$(stat -c %s "$a")" -le 3000 ]; then echo "  input $(basename "$a"): $(base64 -w0 "$a")"; else echo "  input $(basename "$a"): $(stat -c %s "$a") bytes"; fi
    done
  done | tee build/fuzz/report.txt
fi
exit $status
