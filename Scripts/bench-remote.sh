#!/usr/bin/env bash
# Inputs in object storage (see Scripts/bench_remote.py): the BigEarthNet sample as STAC on a local
# SeaweedFS, planned and built from s3:// against the local build, plus planning 10,000 items.
set -euo pipefail
cd "$(dirname "$0")/.."
source Scripts/env.sh
bash Scripts/setup.sh >/dev/null
swift build -c release --product build-dataset >/dev/null
python3 Scripts/bench_remote.py
