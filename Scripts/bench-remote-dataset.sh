#!/usr/bin/env bash
# Datasets in object storage (see Scripts/bench_remote_dataset.py): a dataset built into a bucket on
# a local SeaweedFS, and an epoch read from local disk, from the bucket, and from the bucket through
# a cold and a warm local cache, side by side.
set -euo pipefail
cd "$(dirname "$0")/.."
source Scripts/env.sh
bash Scripts/setup.sh >/dev/null
for p in build-dataset geopairs-bench; do swift build -c release --product $p >/dev/null; done
[ -f out/bench-load/manifest.json ] || { echo "bench-remote-dataset: run Scripts/bench-load.sh once first (it writes the manifest and inputs)" >&2; exit 1; }
python3 Scripts/bench_remote_dataset.py
