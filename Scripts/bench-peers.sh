#!/usr/bin/env bash
# Build speed side by side (see Scripts/bench_peers.py): build-dataset exact and with
# grid.errorThreshold 0.125 against the exact and approximate gdalwarp floors, alternating, medians.
set -euo pipefail
cd "$(dirname "$0")/.."
source Scripts/env.sh
bash Scripts/setup.sh >/dev/null
for p in build-dataset inspect-shards; do swift build -c release --product $p >/dev/null; done
python3 Scripts/bench_peers.py "$@"
