#!/usr/bin/env bash
# Partitioned-build benchmark: the loader benchmark's manifest (48 Sentinel-2 tiles + SRTM, ~19,000
# records) with small shards (16 records, so the merge sees over 1,000 shards), built once on this
# machine and as 4 parts one after another plus the merge. Prints the times and the merge's.
set -euo pipefail
cd "$(dirname "$0")/.."
source Scripts/env.sh
bash Scripts/setup.sh >/dev/null
swift build -c release --product build-dataset >/dev/null
python3 Scripts/bench_build.py --inputs-only
data="${GEOPAIRS_REAL_DATA:-../shared/data/real}"
work=out/bench-parts
rm -rf "$work" && mkdir -p "$work"
cat > "$work/manifest.json" <<JSON
{"name": "bench-parts", "grid": {"crs": "EPSG:32630", "patchSize": 640, "stride": 160},
 "sensors": [
   {"name": "hr", "inputs": ["$PWD/out/bench-build/inputs/s2"], "bands": ["b1","b2","b3","b4","b5","b6","b7","b8","b9","b10"], "gsd": 5, "dtype": "u16", "maxInvalidFraction": 0},
   {"name": "dem", "inputs": ["$(cd "$data" && pwd)/aber_srtm_epsg4326.tif"], "bands": ["h"], "gsd": 20, "dtype": "f32", "maxInvalidFraction": 0}],
 "splits": {"blockSize": 6400, "fractions": {"train": 0.8, "val": 0.1, "test": 0.1}}, "sharding": {"maxRecords": 16}}
JSON
bin=.build/release/build-dataset
now() { date +%s.%N; }
$bin plan "$work/manifest.json" --parts 4 | tail -5
t0=$(now); $bin build "$work/manifest.json" --out "$work/single" --jobs 2 2>/dev/null; t1=$(now)
for i in 0 1 2 3; do $bin build "$work/manifest.json" --out "$work/partitioned" --part $i/4 --jobs 2 2>/dev/null; done; t2=$(now)
$bin merge "$work/partitioned"; t3=$(now)
python3 - "$t0" "$t1" "$t2" "$t3" "$work" <<'PY'
import json, sys
t0, t1, t2, t3 = map(float, sys.argv[1:5])
a = json.load(open(f"{sys.argv[5]}/single/dataset.json")); b = json.load(open(f"{sys.argv[5]}/partitioned/dataset.json"))
assert a["splits"] == b["splits"], "the merged splits differ from the single build's"
single, parts, merge = t1 - t0, t2 - t1, t3 - t2
print(f"\n| build | seconds | shards | vs one build |\n|---|---|---|---|")
print(f"| one machine, --jobs 2 | {single:.1f} | {len(a['shards'])} | – |")
print(f"| 4 parts one after another, --jobs 2 each | {parts:.1f} | {len(b['shards'])} | |")
print(f"| merge | {merge:.2f} | {len(b['shards'])} | |")
print(f"| parts + merge | {parts + merge:.1f} | | {(parts + merge) / single:.2f}× |")
PY
