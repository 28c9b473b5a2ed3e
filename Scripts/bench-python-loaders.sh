#!/usr/bin/env bash
# Loaders from Python, side by side in one run: geopairs.torch.PairDataset and the Swift loader
# alone against WebDataset (raw .npy and zstd), MosaicML Streaming (MDS, zstd) and LitData, on the
# loader benchmark's dataset (Scripts/bench-load.sh builds it) converted record for record; every
# reader gives shuffled batches of 32 normalised float32 tensors; alternating runs, medians.
# The peers come from PyPI into a virtual environment (.cache/bench-python-venv), with GeoPairs'
# package; the converted copies go to out/bench-python-loaders (about 20 GB with the whole split).
# Usage: Scripts/bench-python-loaders.sh [--reps N] [--records N]
set -euo pipefail
cd "$(dirname "$0")/.."
source Scripts/env.sh
bash Scripts/setup.sh >/dev/null
[ -f out/bench-load/dataset/dataset.json ] || bash Scripts/bench-load.sh >/dev/null
for p in GeoPairsC geopairs-bench; do swift build -c release --product $p >/dev/null; done
venv=.cache/bench-python-venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv --system-site-packages "$venv"
fi
"$venv/bin/python" -m pip install -q webdataset mosaicml-streaming litdata zstandard
"$venv/bin/python" -m pip install -q --no-build-isolation --force-reinstall --no-deps ./Sources/geopairs-python
cat out/bench-load/dataset/shards/* > /dev/null   # the page cache holds the dataset for every reader alike
exec "$venv/bin/python" Scripts/bench_python_loaders.py out/bench-load/dataset out/bench-python-loaders "$@"
