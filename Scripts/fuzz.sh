#!/usr/bin/env bash
# Fuzzes every reader of a file GeoPairs opens, starting from a real dataset (manifests/fuzz-seed.json
# on the BigEarthNet sample): shards with their checksums repaired after each mutation (CRCs do not
# protect against crafted files), record headers inside valid shards, dataset.json beside real
# shards (reader and loader), and safetensors checkpoints.
#
# Usage: bash Scripts/fuzz.sh [SECONDS]    total time, split evenly over the four targets (default 240)
#
# Driver: libFuzzer with AddressSanitizer (swiftc -sanitize=fuzzer,address, linked with lld: gold
# fails on the sanitizer runtime's debug information). If that build fails, GeoPairs' own seeded
# mutation loop runs instead, and the script says so. Runs are seeded (-seed=1) and time-bounded;
# a crash, a hang (> 10 s for one input) or an allocation beyond 3 GB fails the script and leaves the
# input in .build-fuzz/work/crashes/: fix the bug and add the input under Tests/FuzzRegressions/TARGET/.
set -euo pipefail
cd "$(dirname "$0")/.."
source Scripts/env.sh

seconds=${1:-240}
per=$(( seconds / 4 ))
[ "$per" -ge 1 ] || per=1
work=.build-fuzz/work
rm -rf "$work" && mkdir -p "$work/crashes"

[ -f .cache/bigearthnet/.complete ] || bash Scripts/setup.sh
swift build --product build-dataset >"$work/build-dataset.log" 2>&1
.build/debug/build-dataset build manifests/fuzz-seed.json --out "$work/seed" >"$work/seed.log" 2>&1

if swift build -c release --product geopairs-fuzz --build-path .build-fuzz -Xswiftc -sanitize=fuzzer,address \
     -Xswiftc -DGEOPAIRS_LIBFUZZER -Xswiftc -use-ld=lld >"$work/build.log" 2>&1; then
  driver="libFuzzer + AddressSanitizer"
  bin=.build-fuzz/release/geopairs-fuzz
else
  echo "fuzz.sh: the libFuzzer build failed (last lines of $work/build.log below); running the seeded mutation loop instead"
  tail -5 "$work/build.log"
  swift build --product geopairs-fuzz >"$work/build-loop.log" 2>&1
  driver="seeded mutation loop"
  bin=.build/debug/geopairs-fuzz
fi
"$bin" seed "$work/seed" "$work/corpus"

failed=0
for target in shard header index safetensors; do
  log="$work/$target.log"
  if [ "$driver" = "seeded mutation loop" ]; then
    "$bin" "$target" --context "$work/seed" "$work/corpus/$target" --seconds "$per" --seed 1 --crash-dir "$work/crashes" >"$log" 2>&1 \
      || { failed=1; cp "$work/crashes/current-input" "$work/crashes/$target-crash" 2>/dev/null || true; }
    runs=$(grep -o '[0-9]* inputs' "$log" | grep -o '[0-9]*' || echo "?")
  else
    ASAN_OPTIONS=detect_leaks=0 "$bin" "$target" --context "$work/seed" "$work/corpus/$target" -seed=1 -max_total_time="$per" \
      -timeout=10 -rss_limit_mb=3072 -malloc_limit_mb=3072 -max_len=262144 -print_final_stats=1 \
      -artifact_prefix="$work/crashes/$target-" >"$log" 2>&1 || failed=1
    runs=$(grep -o 'number_of_executed_units: [0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  fi
  seeds=$(ls "$work/corpus/$target" | wc -l)
  echo "fuzz $target: $runs inputs in ${per} s ($driver, seed 1, corpus now $seeds files)"
done

if [ "$failed" -ne 0 ]; then
  echo "fuzz.sh: FAILED; crash inputs:" >&2
  ls "$work/crashes" >&2
  grep -h -A12 -E "ERROR|Fatal error|deadly signal" "$work"/*.log | head -60 >&2 || true
  exit 1
fi
echo "fuzz.sh: no crash, hang or runaway allocation"
