"""Fixtures of the Python package's tests: the release binaries and a real dataset built from the
BigEarthNet sample (Scripts/setup.sh fetches it) by build-dataset."""
import json
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
RELEASE = REPO / ".build" / "release"


def tool(name):
    path = RELEASE / name
    if not path.exists():
        pytest.fail(f"{path} is missing: Scripts/test.sh builds it (swift build -c release --product {name})")
    return str(path)


@pytest.fixture(scope="session")
def tiles(tmp_path_factory):
    """The BigEarthNet sample cut into 120 m tiles (410 train and 85 val records of s1 2×12×12 f32,
    s2 12×12×12 u16), as Scripts/demo.sh trains on."""
    if not (REPO / ".cache" / "bigearthnet" / ".complete").exists():
        pytest.fail("the BigEarthNet sample is missing: run Scripts/setup.sh")
    out = tmp_path_factory.mktemp("tiles") / "dataset"
    subprocess.run([tool("build-dataset"), "build", str(REPO / "manifests" / "bigearthnet-s1s2-tiles.json"), "--out", str(out)],
                   check=True, capture_output=True)
    return str(out)


@pytest.fixture(scope="session")
def swift_batches():
    """The Swift loader's batches of one epoch (geopairs-bench batch-digests) for the given flags."""
    def run(dataset, *flags):
        result = subprocess.run([tool("geopairs-bench"), "batch-digests", dataset, *flags], check=True, capture_output=True, text=True)
        return [json.loads(line) for line in result.stdout.splitlines()]
    return run

