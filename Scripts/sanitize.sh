#!/usr/bin/env bash
# Builds and runs the reader, loader and pipeline test suites (ShardFormat, PairLoader,
# DatasetBuilder, fuzz regressions) once under AddressSanitizer and once under ThreadSanitizer, each
# in its own build folder (.build-asan, .build-tsan). Fails on any sanitizer report.
# Usage: bash Scripts/sanitize.sh [address|thread]...   (default: both)
set -euo pipefail
cd "$(dirname "$0")/.."
source Scripts/env.sh

suites="ShardFormatTests|PairLoaderTests|DatasetBuilderTests|FuzzRegressionTests"
# The suites against a real object store run the programs as subprocesses and spend their time
# waiting for the server: under a sanitizer they cost minutes and check little of our threads (the
# shard cache's and the fetch lanes' concurrency is covered by ShardCacheTests and the loader tests).
skip="ObjectStoreTests|RemoteDatasetTests"
# LeakSanitizer is off: the Swift runtime's and GDAL's process-lifetime caches are reported as leaks.
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1"
export TSAN_OPTIONS="halt_on_error=1"
sanitizers=("$@")
[ ${#sanitizers[@]} -gt 0 ] || sanitizers=(address thread)
for s in "${sanitizers[@]}"; do
  dir=".build-$( [ "$s" = address ] && echo asan || echo tsan )"
  log=$(mktemp)
  echo "== swift test --sanitize=$s ($suites)"
  swift build --build-tests --sanitize="$s" --build-path "$dir" >"$log" 2>&1 || { tail -20 "$log"; exit 1; }
  status=0
  swift test --skip-build --sanitize="$s" --build-path "$dir" --filter "$suites" --skip "$skip" >"$log" 2>&1 || status=$?
  if [ "$status" -ne 0 ] || grep -q -E "(Address|Thread)Sanitizer" "$log"; then
    grep -B2 -A30 -E "(Address|Thread)Sanitizer|✘" "$log" | head -80
    echo "sanitize.sh: $s: FAILED (exit $status)" >&2
    exit 1
  fi
  echo "sanitize.sh: $s: $(grep -o 'Test run with [0-9]* tests' "$log" | tail -1 | grep -o '[0-9]*') tests, no report"
done
