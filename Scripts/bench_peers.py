#!/usr/bin/env python3
"""Build speed side by side in one run: build-dataset with exact and with approximate coordinate
transformations (manifest grid.errorThreshold 0 and 0.125) against the gdalwarp floors of each.

Inputs, grid and floors are those of bench_build.py (48 real-derived 10-band tiles at 5 m in
EPSG:27700 + SRTM in EPSG:4326, onto EPSG:32630): the floor is one gdalwarp of each whole input onto
the grid covering every record (2 threads), then zstd -3 -T2, with -et 0 or -et 0.125. The steps
alternate within each repetition, and each table cell is the median of the repetitions (range in
brackets). Every step also records the CPU time the rest of the machine used meanwhile (from
/proc/stat, less the step's own), so that a disturbed run shows.

Usage: bench_peers.py [--repetitions N] [--case large|small|both]
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_build  # noqa: E402  (inputs and paths shared with the build benchmark)

CASES = {"large": (960, 5, 30), "small": (320, 10, 40)}  # patch m, high-resolution gsd, DEM gsd


def manifest(case, tiles, error_threshold):
    patch, hr_gsd, dem_gsd = CASES[case]
    path = os.path.join(bench_build.work, f"peers-{case}-et{error_threshold}.json")
    with open(path, "w") as f:
        json.dump({
            "name": "bench", "grid": {"crs": "EPSG:32630", "patchSize": patch, "stride": patch, "errorThreshold": error_threshold},
            "sensors": [
                {"name": "hr", "inputs": [tiles], "bands": [f"b{i}" for i in range(1, 11)], "gsd": hr_gsd, "dtype": "u16", "maxInvalidFraction": 0.0},
                {"name": "dem", "inputs": [bench_build.DEM], "bands": ["h"], "gsd": dem_gsd, "dtype": "i16", "maxInvalidFraction": 0.0}],
            "splits": {"blockSize": patch * 10}, "sharding": {"targetMB": 256}}, f)
    return path


def steps(case, tiles):
    """The steps of one case, by label."""
    _, hr_gsd, dem_gsd = CASES[case]
    binary = os.path.join(bench_build.bin_dir, "build-dataset")
    out = {}
    for et in (0, 0.125):
        m, dest = manifest(case, tiles, et), os.path.join(bench_build.work, f"peers-{case}-et{et}")
        out[f"build-dataset --jobs 2, errorThreshold {et}"] = lambda m=m, dest=dest: bench_build.run(
            [binary, "build", m, "--out", dest, "--jobs", "2", "--force"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # The floors cover the records of the exact build (built once up front).
    listing = json.loads(subprocess.check_output([os.path.join(bench_build.bin_dir, "inspect-shards"), "ls",
                                                  os.path.join(bench_build.work, f"peers-{case}-et0"), "--json"]))
    fp = [min(r["footprint"][0] for r in listing), min(r["footprint"][1] for r in listing),
          max(r["footprint"][2] for r in listing), max(r["footprint"][3] for r in listing)]
    vrt = os.path.join(bench_build.work, "mosaic.vrt")
    bench_build.run(["gdalbuildvrt", "-q", vrt] + sorted(os.path.join(tiles, t) for t in os.listdir(tiles)))
    floor_dir = os.path.join(bench_build.work, "peers-floor")
    for et in ("0", "0.125"):
        def floor(et=et):
            shutil.rmtree(floor_dir, ignore_errors=True)
            os.makedirs(floor_dir)
            for name, src, gsd, ot in [("hr", vrt, hr_gsd, "UInt16"), ("dem", bench_build.DEM, dem_gsd, "Int16")]:
                raw = os.path.join(floor_dir, f"{name}.bin")
                bench_build.run(["gdalwarp", "-t_srs", "EPSG:32630", "-te"] + [str(v) for v in fp] + ["-tr", str(gsd), str(gsd),
                                 "-ot", ot, "-of", "ENVI", "-multi", "-wo", "NUM_THREADS=2", "-r", "bilinear", "-et", et,
                                 "-ovr", "NONE", "-q", src, raw])
                bench_build.run(["zstd", "-q", "-3", "-T2", "-f", raw, "-o", raw + ".zst"])
        out[f"floor: gdalwarp -et {et} of each whole input + zstd"] = floor
    return out, len(listing)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--case", choices=["large", "small", "both"], default="both")
    args = parser.parse_args()
    os.makedirs(bench_build.work, exist_ok=True)
    tiles = bench_build.make_inputs()
    for case in (["large", "small"] if args.case == "both" else [args.case]):
        # The exact build first, untimed: the floors' extent comes from its records.
        bench_build.run([os.path.join(bench_build.bin_dir, "build-dataset"), "build", manifest(case, tiles, 0), "--out",
                         os.path.join(bench_build.work, f"peers-{case}-et0"), "--jobs", "2", "--force"],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        labelled, records = steps(case, tiles)
        runs = {label: [] for label in labelled}
        for rep in range(args.repetitions):
            for label, fn in labelled.items():
                runs[label].append(bench_build.timed(f"{case} rep {rep + 1}: {label}", fn))
        median = {label: statistics.median(r[0] for r in rs) for label, rs in runs.items()}
        exact, approx = median["build-dataset --jobs 2, errorThreshold 0"], median["build-dataset --jobs 2, errorThreshold 0.125"]
        floor_exact = median["floor: gdalwarp -et 0 of each whole input + zstd"]
        floor_approx = median["floor: gdalwarp -et 0.125 of each whole input + zstd"]
        patch, hr_gsd, _ = CASES[case]
        print(f"\n{case} patches ({patch} m, 10 bands at {hr_gsd} m + DEM): {records} records, 2 cores, "
              f"medians of {args.repetitions} alternating repetitions [range]\n")
        print("| method | seconds | peak RSS MB | outside CPU s | ratio |")
        print("|---|---|---|---|---|")
        ratio = {"build-dataset --jobs 2, errorThreshold 0": f"{exact / floor_exact:.2f}× the exact floor",
                 "build-dataset --jobs 2, errorThreshold 0.125": f"{approx / floor_approx:.2f}× the approximate floor, {exact / approx:.2f}× faster than exact",
                 "floor: gdalwarp -et 0 of each whole input + zstd": "–",
                 "floor: gdalwarp -et 0.125 of each whole input + zstd": "–"}
        for label, rs in runs.items():
            seconds = [r[0] for r in rs]
            print(f"| {label} | {median[label]:.1f} [{min(seconds):.1f}–{max(seconds):.1f}] | {max(r[1] for r in rs):.0f} | "
                  f"{max(r[2] for r in rs):.1f} | {ratio[label]} |")
        print("\nrslearn is not in this table yet (see README, Performance).", flush=True)


if __name__ == "__main__":
    main()
