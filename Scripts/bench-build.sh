#!/usr/bin/env bash
# Build benchmark (see Scripts/bench_build.py): build-dataset vs one gdalwarp per patch vs the floor.
set -euo pipefail
cd "$(dirname "$0")/.."
source Scripts/env.sh
bash Scripts/setup.sh >/dev/null
swift build -c release --product build-dataset >/dev/null
swift build -c release --product inspect-shards >/dev/null
swift build -c release --product geopairs-bench >/dev/null
python3 Scripts/bench_build.py
