#!/usr/bin/env bash
# Trainer benchmark: one train-msad optimizer step (default model: D=192, depth 4, 3 heads, E=128;
# batch 32 of the BigEarthNet sample's S1 + S2 120 m tiles, G=6) against cblas_sgemm alone on the
# step's recorded matrix-product shapes, and against PyTorch CPU on the same model and batch when
# torch is importable. Release builds, 2 OpenBLAS/PyTorch threads.
set -euo pipefail
cd "$(dirname "$0")/.."
source Scripts/env.sh
bash Scripts/setup.sh >/dev/null
for p in build-dataset train-msad geopairs-bench; do swift build -c release --product $p >/dev/null; done
bin=.build/release
work=out/bench-train
mkdir -p "$work"
if [ ! -f "$work/tiles/dataset.json" ]; then
  $bin/build-dataset build manifests/bigearthnet-s1s2-tiles.json --out "$work/tiles" --force 2>/dev/null
fi
steps="${STEPS:-10}"
for loss in msad msad-dense; do
  rm -rf "$work/run-$loss"
  $bin/train-msad train "$work/tiles" --sensors s1,s2 --loss $loss --steps 1 --batch 32 --out "$work/run-$loss" >/dev/null 2>&1
  echo "== $loss"
  $bin/geopairs-bench train-step "$work/run-$loss" --steps "$steps" --threads 2
  if python3 -c "import torch" 2>/dev/null; then
    python3 Scripts/msad_reference.py "$work/run-$loss" --bench "$steps" --threads 2
  else
    echo "PyTorch: not importable, comparison skipped (pip install torch to run it)"
  fi
done
