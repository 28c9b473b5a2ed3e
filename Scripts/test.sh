#!/usr/bin/env bash
# The one test command: installs what is missing, builds (failing on any compiler warning), runs
# every test (Swift, then the Python package's pytest suite), a bounded, seeded fuzz pass
# (Scripts/fuzz.sh, GEOPAIRS_FUZZ_SECONDS, default 120) and the reader, loader and pipeline suites under AddressSanitizer and ThreadSanitizer
# (Scripts/sanitize.sh), and a partitioned build on a local Slurm cluster (Scripts/slurm-demo.sh,
# skipped with its reason where Slurm cannot be installed or started; GEOPAIRS_SKIP_SLURM=1 skips it).
# Real-raster tests run when GEOPAIRS_REAL_DATA names the shared data folder.
set -euo pipefail
cd "$(dirname "$0")/.."
source Scripts/env.sh

bash Scripts/setup.sh

echo "== swift build"
log=$(mktemp)
swift build 2>&1 | tee "$log"
if grep -q "warning:" "$log"; then
  echo "test.sh: the build printed warnings; GeoPairs builds with zero warnings" >&2
  exit 1
fi

echo "== fuzz (bounded, seeded)"
bash Scripts/fuzz.sh "${GEOPAIRS_FUZZ_SECONDS:-120}"

echo "== sanitizers"
bash Scripts/sanitize.sh

echo "== swift test${GEOPAIRS_REAL_DATA:+ (real data: $GEOPAIRS_REAL_DATA)}"
if python3 -c "import torch" 2>/dev/null; then
  echo "PyTorch is importable: the tests cross-check train-msad against Scripts/msad_reference.py"
else
  echo "PyTorch is not importable: the PyTorch cross-check (Scripts/msad_reference.py) is skipped; pip install torch to run it"
fi
swift test 2>&1

echo "== Python: the geopairs package over the C interface (numpy, PyTorch, torch.distributed)"
for p in GeoPairsC build-dataset geopairs-bench; do swift build -c release --product $p >/dev/null; done
python3 -m pip install -q --root-user-action=ignore --no-build-isolation ./Sources/geopairs-python
python3 -m pytest -q -rs Tests/python

echo "== Slurm: a partitioned build as an array job on a local cluster"
if [ "${GEOPAIRS_SKIP_SLURM:-0}" = 1 ]; then
  echo "slurm-demo: skipped: GEOPAIRS_SKIP_SLURM=1"
else
  timeout 900 bash Scripts/slurm-demo.sh
fi
