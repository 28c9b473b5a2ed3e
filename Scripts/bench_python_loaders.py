#!/usr/bin/env python3
"""Side-by-side loader benchmark from Python (Scripts/bench-python-loaders.sh runs it).

usage: bench_python_loaders.py DATASET WORK [--reps N] [--records N]

The train records of a GeoPairs dataset are converted record for record (same arrays, same order)
to WebDataset tar shards (raw .npy, and .npy compressed with zstd), MosaicML Streaming MDS (zstd)
and LitData (zstd) in WORK, once. Every reader then delivers one epoch of batches of 32 as
normalised float32 tensors (`(x - mean) / std` with the dataset's statistics), shuffled:
the peers through `torch.utils.data.DataLoader(batch_size=32, num_workers=2)` (LitData through its
own StreamingDataLoader), GeoPairs through `geopairs.torch.PairDataset` (`num_workers=0`, its two
decoding threads are Swift's). Each run is a fresh process; its peak RSS and PSS are summed over
the process and its workers, sampled every 100 ms (a Python process that imports this PyTorch
build starts at ~530 MB RSS). Runs alternate between readers, `--reps` times.
"""
import glob
import io
import json
import os
import subprocess
import sys
import threading
import time

import numpy as np

BATCH = 32


def statistics(index):
    """Per-sensor (mean, std) column vectors from dataset.json (the train split's)."""
    stats = index.get("splitStatistics", {}).get("train") or index["statistics"]
    out = {}
    for name, bands in stats.items():
        mean = np.array([b["mean"] for b in bands], dtype=np.float32)[:, None, None]
        std = np.sqrt(np.array([b["m2"] / b["count"] if b["count"] else 1 for b in bands], dtype=np.float64)).astype(np.float32)[:, None, None]
        out[name] = (mean, np.where(std > 0, std, 1).astype(np.float32))
    return out


def normalise(arrays, stats):
    import torch
    return {name: torch.from_numpy((a.astype(np.float32) - stats[name][0]) / stats[name][1]) for name, a in arrays.items() if name in stats}


# ---------------------------------------------------------------- conversion (once, in WORK)

def records(dataset, limit):
    import geopairs
    with geopairs.open(dataset) as ds:
        for i, key in enumerate(ds.keys("train")[:limit]):
            yield i, ds.record(key).arrays


def convert(dataset, work, limit):
    import zstandard
    done = os.path.join(work, "converted.json")
    if os.path.exists(done):
        return json.load(open(done))
    import webdataset as wds
    from streaming import MDSWriter
    os.makedirs(work, exist_ok=True)
    first = next(records(dataset, 1))[1]
    sensors = {name: (str(a.dtype), list(a.shape)) for name, a in first.items()}
    compressor = zstandard.ZstdCompressor(level=3)
    columns = {name: f"ndarray:{dtype}:{','.join(map(str, shape))}" for name, (dtype, shape) in sensors.items()}
    start = time.time()
    count = 0
    os.makedirs(f"{work}/wds-npy", exist_ok=True)
    os.makedirs(f"{work}/wds-zstd", exist_ok=True)
    with wds.ShardWriter(f"{work}/wds-npy/%06d.tar", maxsize=128 << 20, verbose=0) as raw, \
            wds.ShardWriter(f"{work}/wds-zstd/%06d.tar", maxsize=128 << 20, verbose=0) as packed, \
            MDSWriter(out=f"{work}/mds", columns=columns, compression="zstd", size_limit=1 << 26) as mds:
        for i, arrays in records(dataset, limit):
            npy = {}
            for name, a in arrays.items():
                buffer = io.BytesIO()
                np.save(buffer, a)
                npy[name] = buffer.getvalue()
            raw.write({"__key__": f"{i:08d}", **{f"{n}.npy": b for n, b in npy.items()}})
            packed.write({"__key__": f"{i:08d}", **{f"{n}.npy.zst": compressor.compress(b) for n, b in npy.items()}})
            mds.write(arrays)
            count += 1
    print(f"converted {count} records to WebDataset and MDS in {time.time() - start:.0f} s", file=sys.stderr)
    try:
        import litdata
        start = time.time()
        litdata.optimize(fn=_litdata_item, inputs=[(dataset, i) for i in range(count)], output_dir=f"{work}/litdata",
                         chunk_bytes="64MB", compression="zstd", num_workers=2, mode="overwrite")
        print(f"converted to LitData in {time.time() - start:.0f} s", file=sys.stderr)
        have_litdata = True
    except Exception as error:  # LitData is optional: the table says why it is missing
        print(f"LitData conversion failed: {error!r}", file=sys.stderr)
        have_litdata = False
    info = {"records": count, "sensors": sensors, "litdata": have_litdata}
    json.dump(info, open(done, "w"))
    return info


_opened = {}


def _litdata_item(item):
    """LitData's conversion function (runs in its worker processes): record i of the train split."""
    dataset, i = item
    if dataset not in _opened:
        import geopairs
        ds = geopairs.open(dataset)
        _opened[dataset] = (ds, ds.keys("train"))
    ds, keys = _opened[dataset]
    return ds.record(keys[i]).arrays


# ---------------------------------------------------------------- readers (one epoch each)

def epochs_geopairs(dataset, work, stats, sensors, epochs):
    from geopairs.torch import PairDataset
    import torch
    data = PairDataset(dataset, list(sensors), batch_size=BATCH, seed=1, workers=2)
    loader = torch.utils.data.DataLoader(data, batch_size=None, num_workers=0)
    for epoch in range(epochs):
        data.set_epoch(epoch)
        yield ((b[s] for s in sensors) for b in loader)


def _wds(work, name, stats, sensors, decoder):
    import torch
    import webdataset as wds
    urls = sorted(glob.glob(f"{work}/{name}/*.tar"))
    dataset = (wds.WebDataset(urls, shardshuffle=len(urls), nodesplitter=None, workersplitter=wds.split_by_worker, empty_check=False)
               .shuffle(1000).map(decoder).map(lambda arrays: normalise(arrays, stats)).to_tuple(*sensors))
    return torch.utils.data.DataLoader(dataset, batch_size=BATCH, num_workers=2)


def _npy(sample):
    import zstandard
    out = {}
    for key, value in sample.items():
        if key.endswith(".npy.zst"):
            out[key[:-8]] = np.load(io.BytesIO(zstandard.ZstdDecompressor().decompress(value)))
        elif key.endswith(".npy"):
            out[key[:-4]] = np.load(io.BytesIO(value))
    return out


def _epochs_wds(folder):
    def epochs(dataset, work, stats, sensors, count):
        loader = _wds(work, folder, stats, sensors, _npy)
        for _ in range(count):
            yield iter(loader)
    return epochs


def epochs_mds(dataset, work, stats, sensors, epochs):
    import torch
    from streaming import StreamingDataset
    from streaming.base.util import clean_stale_shared_memory
    clean_stale_shared_memory()
    for path in glob.glob(f"{work}/mds/*.mds"):      # decompressed copies from an earlier run: start cold
        os.remove(path)

    class Normalised(StreamingDataset):
        def __getitem__(self, i):
            sample = super().__getitem__(i)
            return tuple(normalise({s: sample[s] for s in sensors}, stats)[s] for s in sensors)

    data = Normalised(local=f"{work}/mds", shuffle=True, shuffle_seed=1, batch_size=BATCH)
    loader = torch.utils.data.DataLoader(data, batch_size=BATCH, num_workers=2)
    for _ in range(epochs):
        yield iter(loader)


def epochs_litdata(dataset, work, stats, sensors, epochs):
    import litdata

    class Normalised(litdata.StreamingDataset):
        def __getitem__(self, i):
            sample = super().__getitem__(i)
            return tuple(normalise({s: sample[s] for s in sensors}, stats)[s] for s in sensors)

    data = Normalised(f"{work}/litdata", shuffle=True, seed=1)
    loader = litdata.StreamingDataLoader(data, batch_size=BATCH, num_workers=2)
    for _ in range(epochs):
        yield iter(loader)


READERS = {"geopairs": epochs_geopairs, "wds-npy": _epochs_wds("wds-npy"), "wds-zstd": _epochs_wds("wds-zstd"), "mds": epochs_mds,
           "litdata": epochs_litdata}


def run(reader, dataset, work, epochs):
    """One measured process: per epoch, samples, seconds and time to the first batch."""
    info = json.load(open(os.path.join(work, "converted.json")))
    import geopairs
    with geopairs.open(dataset) as ds:
        stats = statistics(ds.index)
    sensors = list(info["sensors"])
    results = []
    for batches in READERS[reader](dataset, work, stats, sensors, epochs):
        start, first, samples, touch = time.time(), None, 0, 0.0
        for batch in batches:
            tensors = list(batch)
            if first is None:
                first = time.time() - start
            samples += tensors[0].shape[0]
            touch += float(tensors[0][0, 0, 0, 0])
        results.append({"samples": samples, "seconds": time.time() - start, "first": first})
    print(json.dumps(results))


# ---------------------------------------------------------------- measuring

def tree_memory_mb(root):
    """(RSS, PSS) summed over a process and all its descendants, MB. RSS counts pages that forked
    workers share once per process; PSS splits them between the processes, so its sum is real memory."""
    children = {}
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            fields = open(stat).read().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(stat.split("/")[2]))
        except (OSError, ValueError, IndexError):
            continue
    rss = pss = 0
    todo = [root]
    while todo:
        pid = todo.pop()
        try:
            for line in open(f"/proc/{pid}/smaps_rollup"):
                if line.startswith("Rss:"):
                    rss += int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1])
        except OSError:
            pass
        todo.extend(children.get(pid, []))
    return rss / 1e3, pss / 1e3


def measured(command):
    """Runs a command, sampling its process tree's memory; returns (stdout, (peak RSS, peak PSS) MB)."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    peak = [(0.0, 0.0)]

    def sample():
        while process.poll() is None:
            rss, pss = tree_memory_mb(process.pid)
            peak[0] = (max(peak[0][0], rss), max(peak[0][1], pss))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample)
    sampler.start()
    out, _ = process.communicate()
    sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"{command} failed with {process.returncode}")
    return out, peak[0]


def main(argv):
    if len(argv) < 3 or argv[1] in ("-h", "--help"):
        print(__doc__)
        return 0 if len(argv) > 1 else 2
    if argv[1] == "run":
        run(argv[2], argv[3], argv[4], int(argv[5]))
        return 0
    dataset, work = argv[1], argv[2]
    reps = int(argv[argv.index("--reps") + 1]) if "--reps" in argv else 2
    limit = int(argv[argv.index("--records") + 1]) if "--records" in argv else None
    bench = os.environ.get("GEOPAIRS_BENCH", ".build/release/geopairs-bench")
    info = convert(dataset, work, limit)
    sensors = info["sensors"]
    raw_bytes = sum(np.dtype(d).itemsize * int(np.prod(shape)) for d, shape in sensors.values())
    readers = ["geopairs", "wds-npy", "wds-zstd", "mds"] + (["litdata"] if info["litdata"] else [])
    if limit is not None:
        print("note: --records limits the conversions, not the Swift loader and the floor, which read the whole split", file=sys.stderr)
    load = os.popen("cat /proc/loadavg").read().split()[0]
    print(f"load average before: {load}", file=sys.stderr)
    rows = {}
    for rep in range(reps):
        for reader in ["swift", "floor"] + readers:
            if reader == "swift":
                out, rss = measured([bench, "load", dataset, "--sensors", ",".join(sensors), "--workers", "2", "--batch", str(BATCH), "--metadata", "off"])
                d = json.loads(out.splitlines()[-1])
                result = [{"samples": d["samples"], "seconds": d["seconds"], "first": None}]
            elif reader == "floor":
                out, rss = measured([bench, "zstd-floor", dataset, "--sensors", ",".join(sensors), "--threads", "2"])
                d = json.loads(out.splitlines()[-1])
                result = [{"samples": d["samples"], "seconds": d["seconds"], "first": None}]
            else:
                epochs = 2 if reader == "mds" else 1
                out, rss = measured([sys.executable, __file__, "run", reader, dataset, work, str(epochs)])
                result = json.loads(out.splitlines()[-1])
            for epoch, r in enumerate(result):
                label = reader if len(result) == 1 else f"{reader} (epoch {epoch + 1})"
                rows.setdefault(label, []).append((r["samples"] / r["seconds"], r["first"], rss))
                print(f"rep {rep + 1}: {label}: {r['samples'] / r['seconds']:.0f} samples/s, first batch {r['first']}, peak RSS {rss[0]:.0f} MB, PSS {rss[1]:.0f} MB",
                      file=sys.stderr)
    print(f"load average after: {os.popen('cat /proc/loadavg').read().split()[0]}", file=sys.stderr)
    floor = float(np.median([r[0] for r in rows["floor"]]))
    names = {"swift": "Swift PairLoader alone (geopairs-bench load)", "floor": "floor: pread + zstd only, 2 threads",
             "geopairs": "geopairs.torch.PairDataset, num_workers=0", "wds-npy": "WebDataset, raw .npy",
             "wds-zstd": "WebDataset, .npy + zstd", "mds": "MosaicML Streaming, MDS + zstd", "litdata": "LitData, zstd"}
    print("| reader | samples/s | decoded MB/s | % of floor | first batch s | peak RSS MB, summed | peak PSS MB, summed |")
    print("|---|---|---|---|---|---|---|")
    for label, values in rows.items():
        speed = float(np.median([v[0] for v in values]))
        firsts = [v[1] for v in values if v[1] is not None]
        first = f"{np.median(firsts):.2f}" if firsts else "–"
        rss = float(np.median([v[2][0] for v in values]))
        pss = float(np.median([v[2][1] for v in values]))
        base, _, epoch = label.partition(" (")
        name = names[base] + (f" ({epoch}" if epoch else "")
        print(f"| {name} | {speed:.0f} | {speed * raw_bytes / 1e6:.0f} | {100 * speed / floor:.0f} % | {first} | {rss:.0f} | {pss:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
