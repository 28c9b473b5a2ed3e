#!/usr/bin/env bash
# Frame codec figures: ratio and single-thread encode/decode MB/s of each filter at zstd levels 1, 3, 9,
# on the real Sentinel-2 subset and the BigEarthNet Sentinel-1 float32 patches. Release build.
set -euo pipefail
cd "$(dirname "$0")/.."
source Scripts/env.sh
bash Scripts/setup.sh >/dev/null
data="${GEOPAIRS_REAL_DATA:-../shared/data/real}"
swift build -c release --product geopairs-bench >/dev/null
.build/release/geopairs-bench codec "$data/aber_s2_20210527_epsg27700.tif" --bigearthnet .cache/bigearthnet
