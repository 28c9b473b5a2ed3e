#!/usr/bin/env python3
"""Build benchmark: build-dataset against the naive way and the floor, side by side in one run.

Input (made from real rasters, a few hundred MB): the Aberystwyth Sentinel-2 subset (EPSG:27700)
upsampled to 5 m (cubic) and tiled into a 6×8 mosaic of 48 files with shifted georeferencing
(a stand-in for very-high-resolution optical), plus the SRTM DEM in EPSG:4326. Grid: EPSG:32630,
960 m patches: 192×192 px of 10 bands at 5 m and 32×32 px at 30 m.

  ours:   build-dataset build --jobs 2
  naive:  one gdalwarp subprocess per patch and sensor (2 at a time), then the same encoder/writer
  floor:  one gdalwarp of each whole input onto the grid (2 threads), then zstd -3 -T2 of its output
All warps use the same options (-r bilinear -et 0 -ovr NONE). Peak memory is each step's maximum RSS.
"""
import concurrent.futures
import json
import os
import resource
import shutil
import subprocess
import sys
import threading
import time

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
data = os.environ.get("GEOPAIRS_REAL_DATA", os.path.join(root, "..", "shared", "data", "real"))
work = os.path.join(root, "out", "bench-build")
bin_dir = os.path.join(root, ".build", "release")
S2 = os.path.join(data, "aber_s2_20210527_epsg27700.tif")
DEM = os.path.join(data, "aber_srtm_epsg4326.tif")
WARP = ["-r", "bilinear", "-et", "0", "-ovr", "NONE", "-q"]


def run(cmd, **kw):
    subprocess.run(cmd, check=True, **kw)


def busy_seconds():
    """CPU seconds the whole machine has spent busy (user + nice + system + irq + softirq)."""
    with open("/proc/stat") as f:
        fields = [int(v) for v in f.readline().split()[1:]]
    return (fields[0] + fields[1] + fields[2] + fields[5] + fields[6]) / os.sysconf("SC_CLK_TCK")


class ProcessTree:
    """Samples a process and its descendants from /proc every 0.1 s: the peak of their summed RSS,
    and each one's CPU time as last seen. Workers started through a forkserver (rslearn's) are
    descendants that getrusage never accounts to the step."""

    def __init__(self, root_pid):
        self.root, self.peak_bytes, self.cpu, self.stopped = root_pid, 0, {}, threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        page, tick = os.sysconf("SC_PAGE_SIZE"), os.sysconf("SC_CLK_TCK")
        while not self.stopped.wait(0.1):
            stats = {}
            for entry in os.listdir("/proc"):
                if entry.isdigit():
                    try:
                        with open(f"/proc/{entry}/stat") as f:
                            fields = f.read().rsplit(")", 1)[1].split()
                    except OSError:
                        continue  # gone meanwhile
                    stats[int(entry)] = (int(fields[1]), int(fields[11]) + int(fields[12]), int(fields[21]))
            tree, frontier = set(), [self.root]
            while frontier:
                pid = frontier.pop()
                tree.add(pid)
                frontier += [p for p, (ppid, _, _) in stats.items() if ppid == pid and p not in tree]
            self.peak_bytes = max(self.peak_bytes, sum(stats[p][2] for p in tree if p in stats) * page)
            for p in tree & stats.keys():
                self.cpu[p] = stats[p][1] / tick

    def stop(self):
        self.stopped.set()
        self.thread.join()


def timed(label, fn):
    """Runs fn in a forked child; returns (seconds, peak RSS in MB summed over the processes it
    started, CPU seconds that processes outside the step used meanwhile: /proc/stat less the step's
    own and this sampler's). (RUSAGE_CHILDREN only ever grows, so each step gets a fresh process.)"""
    read_end, write_end = os.pipe()
    before, self_before = busy_seconds(), resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        code = 0
        try:
            fn()
        except Exception as e:  # reported by the parent through the exit code
            print(f"{label} failed: {e}", file=sys.stderr)
            code = 1
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        os.write(write_end, f"{usage.ru_maxrss} {usage.ru_utime + usage.ru_stime}".encode())
        os._exit(code)
    os.close(write_end)
    tree = ProcessTree(pid)
    peak_kb, own_cpu = (os.read(read_end, 128).decode() or "0 0").split()
    _, status = os.waitpid(pid, 0)
    seconds = time.perf_counter() - start
    tree.stop()
    if status != 0:
        sys.exit(f"benchmark step failed: {label}")
    self_after = resource.getrusage(resource.RUSAGE_SELF)
    sampler = (self_after.ru_utime + self_after.ru_stime) - (self_before.ru_utime + self_before.ru_stime)
    own = max(float(own_cpu), sum(tree.cpu.values()))
    outside = max(0.0, busy_seconds() - before - own - sampler)
    peak = max(int(peak_kb) * 1024, tree.peak_bytes) / 2**20
    print(f"  {label}: {seconds:.1f} s, {peak:.0f} MB, outside CPU {outside:.1f} s", file=sys.stderr)
    return seconds, peak, outside


def make_inputs():
    tiles = os.path.join(work, "inputs", "s2")
    if os.path.exists(os.path.join(work, "inputs", ".complete")):
        return tiles
    shutil.rmtree(os.path.join(work, "inputs"), ignore_errors=True)
    os.makedirs(tiles)
    upsampled = os.path.join(work, "inputs", "s2_5m.tif")
    run(["gdal_translate", "-q", "-outsize", "200%", "200%", "-r", "cubic", "-co", "TILED=YES", S2, upsampled])
    x0, y0, w, h = 257594.685, 282834.327, 3240.0, 3390.0
    for row in range(8):
        for col in range(-1, 5):
            ulx, uly = x0 + col * w, y0 - row * h
            run(["gdal_translate", "-q", "-a_ullr", str(ulx), str(uly), str(ulx + w), str(uly - h), "-co", "TILED=YES",
                 upsampled, os.path.join(tiles, f"tile_r{row}_c{col + 1}.tif")])
    os.remove(upsampled)
    open(os.path.join(work, "inputs", ".complete"), "w").close()
    return tiles


def main():
    os.makedirs(work, exist_ok=True)
    tiles = make_inputs()
    for label, patch, hr_gsd in [("large patches: 960 m, 192×192 px of 10 bands at 5 m + 32×32 DEM", 960, 5),
                                 ("small patches: 320 m, 32×32 px of 10 bands at 10 m + 8×8 DEM at 40 m", 320, 10)]:
        workload(tiles, label, patch, hr_gsd)


def workload(tiles, label, patch, hr_gsd):
    dem_gsd = 30 if patch == 960 else 40
    size = sum(os.path.getsize(os.path.join(tiles, f)) for f in os.listdir(tiles)) + os.path.getsize(DEM)
    manifest = os.path.join(work, "manifest.json")
    with open(manifest, "w") as f:
        json.dump({
            "name": "bench", "grid": {"crs": "EPSG:32630", "patchSize": patch, "stride": patch},
            "sensors": [
                {"name": "hr", "inputs": [tiles], "bands": [f"b{i}" for i in range(1, 11)], "gsd": hr_gsd, "dtype": "u16", "maxInvalidFraction": 0.0},
                {"name": "dem", "inputs": [DEM], "bands": ["h"], "gsd": dem_gsd, "dtype": "i16", "maxInvalidFraction": 0.0}],
            "splits": {"blockSize": patch * 10}, "sharding": {"targetMB": 256}}, f)
    print(f"input: {len(os.listdir(tiles))} tiles + DEM, {size / 1e6:.0f} MB", file=sys.stderr)

    results = {}
    ours = os.path.join(work, "ours")
    results["ours"] = timed("build-dataset --jobs 2", lambda: run(
        [os.path.join(bin_dir, "build-dataset"), "build", manifest, "--out", ours, "--jobs", "2", "--force"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    listing = json.loads(subprocess.check_output([os.path.join(bin_dir, "inspect-shards"), "ls", ours, "--json"]))
    records = len(listing)
    with open(os.path.join(ours, "dataset.json")) as f:
        out_bytes = sum(s["bytes"] for s in json.load(f)["shards"])

    # Floor: each whole input warped once onto the grid covering every record, then zstd.
    fp = [min(r["footprint"][0] for r in listing), min(r["footprint"][1] for r in listing),
          max(r["footprint"][2] for r in listing), max(r["footprint"][3] for r in listing)]
    floor_dir = os.path.join(work, "floor")
    shutil.rmtree(floor_dir, ignore_errors=True)
    os.makedirs(floor_dir)
    vrt = os.path.join(work, "mosaic.vrt")
    run(["gdalbuildvrt", "-q", vrt] + sorted(os.path.join(tiles, t) for t in os.listdir(tiles)))

    def floor():
        for name, src, gsd, ot in [("hr", vrt, hr_gsd, "UInt16"), ("dem", DEM, dem_gsd, "Int16")]:
            raw = os.path.join(floor_dir, f"{name}.bin")
            run(["gdalwarp", "-t_srs", "EPSG:32630", "-te"] + [str(v) for v in fp] + ["-tr", str(gsd), str(gsd), "-ot", ot,
                 "-of", "ENVI", "-multi", "-wo", "NUM_THREADS=2"] + WARP + [src, raw])
            run(["zstd", "-q", "-3", "-T2", "-f", raw, "-o", raw + ".zst"])
    results["floor"] = timed("floor (gdalwarp whole inputs + zstd)", floor)

    # Naive: one gdalwarp per patch and sensor, two at a time, then the same encoder.
    naive_dir = os.path.join(work, "naive")
    shutil.rmtree(naive_dir, ignore_errors=True)
    os.makedirs(naive_dir)
    jobs = []
    lines = ["# hr dem"]
    for i, r in enumerate(listing):
        paths = []
        for name, src, gsd, ot in [("hr", vrt, hr_gsd, "UInt16"), ("dem", DEM, dem_gsd, "Int16")]:
            out = os.path.join(naive_dir, f"{i}_{name}.tif")
            paths.append(out)
            jobs.append(["gdalwarp", "-t_srs", "EPSG:32630", "-te"] + [str(v) for v in r["footprint"]] +
                        ["-tr", str(gsd), str(gsd), "-ot", ot] + WARP + [src, out])
        lines.append(" ".join([r["key"], r["split"]] + paths))
    with open(os.path.join(work, "naive.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")

    def naive():
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            list(pool.map(lambda cmd: run(cmd), jobs))
        run([os.path.join(bin_dir, "geopairs-bench"), "encode-patches", os.path.join(work, "naive.txt"), os.path.join(work, "naive-dataset")])
    results["naive"] = timed(f"naive ({len(jobs)} gdalwarp runs + encode)", naive)

    # Every dataset GeoPairs writes, the benchmark's too, conforms to DATASETS.md's field tables.
    for dataset in ("naive-dataset",):
        run([sys.executable, os.path.join(os.path.dirname(__file__), "check_index.py"), os.path.join(work, dataset)])

    o, fl, nv = results["ours"][0], results["floor"][0], results["naive"][0]
    print(f"\nBuild benchmark, {label}: {size / 1e6:.0f} MB of inputs (48 tiles EPSG:27700 at 5 m + SRTM EPSG:4326), "
          f"{records} records onto EPSG:32630, {out_bytes / 1e6:.0f} MB written, 2 cores\n")
    print("| method | seconds | records/s | peak RSS MB | build-dataset is |")
    print("|---|---|---|---|---|")
    print(f"| build-dataset --jobs 2 | {o:.1f} | {records / o:.1f} | {results['ours'][1]:.0f} | – |")
    print(f"| naive: gdalwarp per patch and sensor + same encoding | {nv:.1f} | {records / nv:.1f} | {results['naive'][1]:.0f} | {nv / o:.1f}× faster |")
    print(f"| floor: gdalwarp of each whole input + zstd | {fl:.1f} | {records / fl:.1f} | {results['floor'][1]:.0f} | {o / fl:.2f}× the floor |")
    print("\n(peak RSS: summed over the processes a step started, sampled every 0.1 s)", flush=True)


if __name__ == "__main__":
    if "--inputs-only" in sys.argv:   # used by bench-load.sh, which builds from the same rasters
        os.makedirs(work, exist_ok=True)
        make_inputs()
    else:
        main()
