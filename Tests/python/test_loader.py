"""geopairs.Loader: bit-identical to the Swift loader, exactly once across ranks, exact resume."""
import hashlib

import numpy as np
import pytest

import geopairs

SENSORS = ["s1", "s2"]


def digests(batch):
    out = {}
    for s in SENSORS:
        out[s] = hashlib.sha256(np.ascontiguousarray(batch[s]).tobytes()).hexdigest()
        out[s + "_mask"] = hashlib.sha256(batch[s + "_mask"].view(np.uint8).tobytes()).hexdigest()
    return {"index": batch["index"], "epoch": batch["epoch"], "keys": batch["keys"],
            "padding": [bool(p) for p in batch["padding"]], "sha256": out}


CONFIGS = [
    # (Python options, the same as geopairs-bench flags)
    ({"batch_size": 16, "seed": 3}, ["--batch", "16", "--seed", "3"]),
    ({"batch_size": 7, "seed": 11, "shuffle": "buffered", "normalize": False}, ["--batch", "7", "--seed", "11", "--shuffle", "buffered", "--raw"]),
    ({"batch_size": 32, "shuffle": "none", "rank": 1, "world_size": 3, "remainder": "pad"},
     ["--batch", "32", "--shuffle", "none", "--rank", "1", "--world-size", "3", "--remainder", "pad"]),
    ({"batch_size": 16, "seed": 5, "crop_size": 60, "horizontal_flip": True, "vertical_flip": True, "rotate90": True},
     ["--batch", "16", "--seed", "5", "--crop", "60", "--flips", "--rotate"]),
]


@pytest.mark.parametrize("options,flags", CONFIGS, ids=["global", "buffered-raw", "rank1of3-pad", "crop-flip-rotate"])
def test_batches_are_bit_identical_to_the_swift_loader(tiles, swift_batches, options, flags):
    for epoch in (0, 1):
        expected = swift_batches(tiles, "--sensors", ",".join(SENSORS), "--epoch", str(epoch), *flags)
        with geopairs.Loader(tiles, SENSORS, **options) as loader:
            loader.set_epoch(epoch)
            got = [digests(b) for b in loader]
        assert len(got) == len(expected) > 0
        assert got == expected


def test_raw_values_equal_the_stored_arrays(tiles):
    with geopairs.open(tiles) as ds, geopairs.Loader(tiles, SENSORS, batch_size=50, normalize=False, shuffle="none") as loader:
        for batch in loader:
            for i, key in enumerate(batch["keys"]):
                record = ds.record(key)
                for s in SENSORS:
                    valid = batch[s + "_mask"][i]
                    if s in record.masks:
                        assert np.array_equal(valid, record.masks[s])
                    stored = record.arrays[s].astype(np.float32)
                    assert np.array_equal(batch[s][i][:, valid], stored[:, valid]), (key, s)


@pytest.mark.parametrize("world_size", [1, 2, 3, 4])
@pytest.mark.parametrize("remainder", ["drop", "pad"])
def test_every_record_exactly_once_across_ranks(tiles, world_size, remainder):
    per_rank = []
    for rank in range(world_size):
        with geopairs.Loader(tiles, SENSORS, batch_size=16, seed=9, rank=rank, world_size=world_size, remainder=remainder) as loader:
            loader.set_epoch(2)
            keys = [k for b in loader for k, pad in zip(b["keys"], b["padding"]) if not pad]
            per_rank.append(keys)
    everything = [k for keys in per_rank for k in keys]
    assert len(everything) == len(set(everything)), "a record was delivered twice"
    if remainder == "pad":
        assert len(everything) == 410, "pad must deliver every record of the split"
    else:
        assert len(everything) >= 410 - world_size * 16
        assert len({len(k) for k in per_rank}) == 1, "ranks must get equal shares"


@pytest.mark.parametrize("k", [0, 1, 9, 25])
def test_resume_after_k_batches_equals_the_uninterrupted_run(tiles, k):
    options = dict(batch_size=16, seed=4, crop_size=60, horizontal_flip=True, rotate90=True)
    with geopairs.Loader(tiles, SENSORS, **options) as loader:
        loader.set_epoch(1)
        full = [digests(b) for b in loader]
    with geopairs.Loader(tiles, SENSORS, **options) as loader:
        loader.set_epoch(1)
        first = [digests(b) for _, b in zip(range(k), loader)]
        state = loader.state_dict()
    assert state == {"seed": 4, "epoch": 1, "position": k}
    with geopairs.Loader(tiles, SENSORS, **options) as resumed:
        resumed.load_state_dict(state)
        rest = [digests(b) for b in resumed]
    assert first + rest == full


def test_views_outlive_the_next_batch_and_the_loader(tiles):
    loader = geopairs.Loader(tiles, SENSORS, batch_size=16, seed=1)
    held = [loader.next_batch() for _ in range(6)]
    copies = [{s: b[s].copy() for s in SENSORS} for b in held]
    loader.close()
    for b, c in zip(held, copies):
        for s in SENSORS:
            assert np.array_equal(b[s], c[s])
    assert all(b["s2"].base is not None and b["s2"].flags.writeable for b in held)


def test_copy_option_and_metadata(tiles):
    with geopairs.Loader(tiles, SENSORS, batch_size=4, copy=True, metadata=True, attributes=True) as loader:
        batch = loader.next_batch()
    assert batch["s2"].base is None
    assert len(batch["metadata"]["geotransforms"]["s1"]) == 4 and len(batch["metadata"]["geotransforms"]["s1"][0]) == 6
    assert all("labels" in a for a in batch["metadata"]["attributes"])


def test_configuration_errors(tiles):
    with pytest.raises(TypeError, match="unknown option 'batchsize'"):
        geopairs.Loader(tiles, SENSORS, batchsize=3)
    with pytest.raises(ValueError, match="shuffle must be"):
        geopairs.Loader(tiles, SENSORS, shuffle="random")
    with pytest.raises(geopairs.DatasetOpenError, match="no sensor \"s9\""):
        geopairs.Loader(tiles, ["s9"])
    with pytest.raises(geopairs.DatasetOpenError, match="no split \"test\""):
        geopairs.Loader(tiles, SENSORS, split="test")
    with geopairs.Loader(tiles, SENSORS, seed=1) as loader:
        with pytest.raises(ValueError, match="seed 2"):
            loader.load_state_dict({"seed": 2, "epoch": 0, "position": 0})
        with pytest.raises(ValueError, match="epochs count from 0"):
            loader.set_epoch(-1)
