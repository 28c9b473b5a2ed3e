#!/usr/bin/env bash
# Loader benchmark: PairLoader samples/s and decoded MB/s against the floor (the same frames read
# with pread and zstd-decompressed, nothing else, on the same number of threads), workers 1 and 2,
# both shuffle modes, with and without per-record metadata.
# The dataset (~6 GB of decoded pixels, ~18,000 records of 10×128×128 u16 + 1×32×32 f32, 75 %
# overlap) is built by build-dataset from the real
# rasters of the build benchmark (Scripts/bench-build.sh makes them if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
source Scripts/env.sh
bash Scripts/setup.sh >/dev/null
for p in build-dataset geopairs-bench; do swift build -c release --product $p >/dev/null; done
work=out/bench-load
mkdir -p "$work"
python3 Scripts/bench_build.py --inputs-only
data="${GEOPAIRS_REAL_DATA:-../shared/data/real}"
if [ ! -f "$work/dataset/dataset.json" ]; then
  cat > "$work/manifest.json" <<JSON
{"name": "bench-load", "grid": {"crs": "EPSG:32630", "patchSize": 640, "stride": 160},
 "sensors": [
   {"name": "hr", "inputs": ["$PWD/out/bench-build/inputs/s2"], "bands": ["b1","b2","b3","b4","b5","b6","b7","b8","b9","b10"], "gsd": 5, "dtype": "u16", "maxInvalidFraction": 0},
   {"name": "dem", "inputs": ["$(cd "$data" && pwd)/aber_srtm_epsg4326.tif"], "bands": ["h"], "gsd": 20, "dtype": "f32", "maxInvalidFraction": 0}],
 "splits": {"blockSize": 6400, "fractions": {"train": 1.0}}, "sharding": {"targetMB": 256}}
JSON
  .build/release/build-dataset build "$work/manifest.json" --out "$work/dataset" --jobs 2 --force
fi
cat "$work"/dataset/shards/* > /dev/null   # warm the page cache for every run alike
bench=.build/release/geopairs-bench
echo "| reader | threads/workers | shuffle | samples/s | decoded MB/s | % of floor | peak RSS MB |"
echo "|---|---|---|---|---|---|---|"
for n in 1 2; do
  floor=$($bench zstd-floor "$work/dataset" --sensors hr,dem --threads $n)
  fmbps=$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['decodedMBps'])" "$floor")
  python3 -c "import json,sys; d=json.loads(sys.argv[1]); print(f\"| floor: pread + zstd only | $n | – | {d['samplesPerSecond']:.0f} | {d['decodedMBps']:.0f} | 100 % | {d['peakRSSMB']:.0f} |\")" "$floor"
  for mode in global buffered; do
    for meta in on off; do
      r=$($bench load "$work/dataset" --sensors hr,dem --workers $n --shuffle $mode --batch 32 --metadata $meta)
      python3 -c "import json,sys; d=json.loads(sys.argv[1]); f=float(sys.argv[2]); print(f\"| PairLoader, metadata $meta | $n | $mode | {d['samplesPerSecond']:.0f} | {d['decodedMBps']:.0f} | {100*d['decodedMBps']/f:.0f} % | {d['peakRSSMB']:.0f} |\")" "$r" "$fmbps"
    done
  done
done
