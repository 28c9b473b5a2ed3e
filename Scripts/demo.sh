#!/usr/bin/env bash
# The main job end to end on the real BigEarthNet sample: setup, release build, build-dataset,
# inspect-shards summary and verify, quick-look PNGs, then train-msad on 120 m tiles of the same
# sample and its retrieval evaluation. Results go to out/demo (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
source Scripts/env.sh

bash Scripts/setup.sh
echo "== release build"
swift build -c release --product build-dataset >/dev/null
swift build -c release --product inspect-shards >/dev/null
swift build -c release --product train-msad >/dev/null
bin=.build/release
out=out/demo
rm -rf "$out" && mkdir -p "$out/quicklooks"

echo "== build-dataset plan"
$bin/build-dataset plan manifests/bigearthnet-s1s2.json
echo "== build-dataset build"
$bin/build-dataset build manifests/bigearthnet-s1s2.json --out "$out/bigearthnet-s1s2"
echo "== inspect-shards summary"
$bin/inspect-shards summary "$out/bigearthnet-s1s2"
echo "== inspect-shards verify"
$bin/inspect-shards verify "$out/bigearthnet-s1s2"
python3 Scripts/check_index.py "$out/bigearthnet-s1s2" && echo "dataset.json conforms to DATASETS.md's field tables"
echo "== quick-looks (Sentinel-1 VV | Sentinel-2 B04/B03/B02)"
$bin/inspect-shards ls "$out/bigearthnet-s1s2" | cut -f1 | while read -r key; do
  $bin/inspect-shards quicklook "$out/bigearthnet-s1s2" "$key" --bands s2=4,3,2 --out "$out/quicklooks/$key.png" >/dev/null
done
$bin/inspect-shards export "$out/bigearthnet-s1s2" "$($bin/inspect-shards ls "$out/bigearthnet-s1s2" | head -1 | cut -f1)" --out "$out/geotiff" >/dev/null

echo "== build-dataset: the same sample cut into 120 m tiles, for training"
$bin/build-dataset build manifests/bigearthnet-s1s2-tiles.json --out "$out/tiles" 2>/dev/null
echo "== train-msad train (MSAD, default model: D=192, depth 4, 3 heads; 300 steps of 32, flips and rotations)"
$bin/train-msad train "$out/tiles" --sensors s1,s2 --out "$out/run" --steps 300 --batch 32 --augment
echo "== train-msad evaluate (validation tiles: never trained on)"
$bin/train-msad evaluate "$out/tiles" --checkpoint "$out/run/checkpoint-000300.safetensors" --sensors s1,s2

echo
echo "Results:"
echo "  dataset:      $out/bigearthnet-s1s2 (dataset.json + shards/)"
echo "  quick-looks:  $out/quicklooks/*.png"
echo "  GeoTIFFs:     $out/geotiff/{s1,s2}.tif (one record, to overlay in QGIS)"
echo "  training run: $out/run (log.jsonl, checkpoints, state.json; --resume continues it)"
