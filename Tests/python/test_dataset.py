"""geopairs.open against the independent reader (Scripts/read_shards.py, written from DATASETS.md)."""
import ctypes
import hashlib
import json
import subprocess
import sys

import numpy as np
import pytest

import geopairs
from geopairs._native import check, lib
from conftest import REPO


def test_index_schema_and_keys(tiles):
    with geopairs.open(tiles) as ds:
        assert ds.splits == {"train": 410, "val": 85}
        assert len(ds) == 495
        assert ds.sensors["s2"]["dtype"] == "u16" and ds.sensors["s2"]["shape"] == [12, 12, 12]
        assert len(ds.keys("train")) == 410 and len(ds.keys()) == 495
        assert set(ds.keys("val")) | set(ds.keys("train")) == set(ds.keys())
        assert set(ds.statistics) == {"s1", "s2"} and len(ds.statistics["s2"]) == 12


def test_records_equal_the_independent_reader(tiles):
    reader = subprocess.run([sys.executable, str(REPO / "Scripts" / "read_shards.py"), tiles], check=True, capture_output=True, text=True)
    frames = [json.loads(line) for line in reader.stdout.splitlines()]
    assert len(frames) >= 2 * 495
    with geopairs.open(tiles) as ds:
        cache = {}
        for frame in frames:
            record = cache.get(frame["key"]) or cache.setdefault(frame["key"], ds.record(frame["key"]))
            if frame["kind"] == "data":
                array = record.arrays[frame["sensor"]]
                assert array.dtype.str == frame["dtype"] and list(array.shape) == frame["shape"]
                assert list(record.geotransforms[frame["sensor"]]) == frame["geotransform"]
            else:
                array = record.masks[frame["sensor"]].view(np.uint8)[None]
            assert hashlib.sha256(array.tobytes()).hexdigest() == frame["sha256"], (frame["key"], frame["sensor"], frame["kind"])


def test_record_metadata_and_attributes(tiles):
    with geopairs.open(tiles) as ds:
        record = ds.record(ds.keys("train")[0])
        assert record.crs["s1"] == record.crs["s2"]
        assert record.geotransforms["s1"][1] == 10.0
        assert isinstance(record.attributes["labels"], list)


def test_errors_name_what_is_wrong(tiles, tmp_path):
    with pytest.raises(geopairs.DatasetOpenError, match="dataset.json"):
        geopairs.open(tmp_path / "missing")
    with geopairs.open(tiles) as ds:
        with pytest.raises(ValueError, match="no record \"nope\""):
            ds.record("nope")
        with pytest.raises(ValueError, match="no split \"test\""):
            ds.keys("test")
    # An unknown option is refused by name, not ignored (the C interface checks every key).
    with pytest.raises(ValueError, match="unknown key \"cache_dir\""):
        check(lib.gp_dataset_open(json.dumps({"dataset": tiles, "cache_dir": "x"}).encode(), ctypes.byref(ctypes.c_void_p())))
