#!/usr/bin/env python3
"""Build speed side by side in one run: build-dataset with exact and with approximate coordinate
transformations (manifest grid.errorThreshold 0 and 0.125) against the gdalwarp floors of each and
rslearn (PyPI) on the same windows, with rslearn's pixel agreement against GeoPairs' records.

Inputs, grid and floors are those of bench_build.py (48 real-derived 10-band tiles at 5 m in
EPSG:27700 + SRTM in EPSG:4326, onto EPSG:32630): the floor is one gdalwarp of each whole input onto
the grid covering every record (2 threads), then zstd -3 -T2, with -et 0 or -et 0.125. The steps
alternate within each repetition, and each table cell is the median of the repetitions (range in
brackets). Every step also records its peak RSS summed over its processes and the CPU time the rest
of the machine used meanwhile (from /proc/stat, less the step's own), so that a disturbed run shows.

Usage: bench_peers.py [--repetitions N] [--case large|small|both] [--no-rslearn]
"""
import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_build  # noqa: E402  (inputs and paths shared with the build benchmark)

CASES = {"large": (960, 5, 30), "small": (320, 10, 40)}  # patch m, high-resolution gsd, DEM gsd


RSLEARN_VENV = os.path.join(bench_build.root, ".cache", "rslearn-venv")


def rslearn_available():
    """rslearn 0.1.19 (+ einops, which it imports but does not declare) in a venv of its own that
    sees this Python's packages; None when it is there, else why not."""
    python = os.path.join(RSLEARN_VENV, "bin", "python")
    if os.path.exists(python) and subprocess.run([python, "-c", "import rslearn, einops"], capture_output=True).returncode == 0:
        return None
    try:
        subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", RSLEARN_VENV], check=True)
        subprocess.run([python, "-m", "pip", "install", "-q", "rslearn==0.1.19", "einops"], check=True)
        return None
    except subprocess.CalledProcessError as e:
        return f"rslearn could not be installed from PyPI ({e})"


def rslearn_step(case, tiles, listing_path):
    """rslearn's whole pipeline for the same windows: add_windows (through its Python API, one window
    per GeoPairs record), prepare, ingest, materialize, 2 workers. LocalFiles writes a summary.json
    into its source folder, so it gets folders of links, and the summary is removed before each run."""
    _, hr_gsd, dem_gsd = CASES[case]
    python, cli = os.path.join(RSLEARN_VENV, "bin", "python"), os.path.join(RSLEARN_VENV, "bin", "rslearn")
    helper = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bench_rslearn.py")
    sources = os.path.join(bench_build.work, "rslearn-sources")
    if not os.path.exists(os.path.join(sources, ".complete")):
        shutil.rmtree(sources, ignore_errors=True)
        for name in ("hr", "dem"):
            os.makedirs(os.path.join(sources, name))
        for t in sorted(os.listdir(tiles)):
            os.symlink(os.path.join(tiles, t), os.path.join(sources, "hr", t))
        os.symlink(bench_build.DEM, os.path.join(sources, "dem", os.path.basename(bench_build.DEM)))
        open(os.path.join(sources, ".complete"), "w").close()
    dem_zoom = -round(math.log2(dem_gsd / hr_gsd))
    root = os.path.join(bench_build.work, f"rslearn-{case}")

    def run():
        shutil.rmtree(root, ignore_errors=True)
        for name in ("hr", "dem"):
            summary = os.path.join(sources, name, "summary.json")
            if os.path.exists(summary):
                os.remove(summary)
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        bench_build.run([python, helper, "setup", root, os.path.join(sources, "hr"), os.path.join(sources, "dem"), str(dem_zoom)], **quiet)
        bench_build.run([python, helper, "windows", root, listing_path, str(hr_gsd)], **quiet)
        for command in ("prepare", "ingest", "materialize"):
            bench_build.run([cli, "dataset", command, "--root", root, "--workers", "2"], **quiet)

    def agreement(dataset):
        """Pixel agreement of rslearn's hr rasters with the GeoPairs records (read independently)."""
        dump = os.path.join(bench_build.work, f"peers-{case}-dump.npz")
        bench_build.run([sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "read_shards.py"), dataset,
                         "--dump", dump], stdout=subprocess.DEVNULL)
        out = json.loads(subprocess.check_output([python, helper, "agreement", root, dump]))
        os.remove(dump)
        return out

    return run, agreement, 2 ** -dem_zoom * hr_gsd


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


def steps(case, tiles, listing):
    """The steps of one case, by label; `listing` is the exact build's `inspect-shards ls --json`."""
    _, hr_gsd, dem_gsd = CASES[case]
    binary = os.path.join(bench_build.bin_dir, "build-dataset")
    out = {}
    for et in (0, 0.125):
        m, dest = manifest(case, tiles, et), os.path.join(bench_build.work, f"peers-{case}-et{et}")
        out[f"build-dataset --jobs 2, errorThreshold {et}"] = lambda m=m, dest=dest: bench_build.run(
            [binary, "build", m, "--out", dest, "--jobs", "2", "--force"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # The floors cover the records of the exact build (built once up front).
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
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--case", choices=["large", "small", "both"], default="both")
    parser.add_argument("--no-rslearn", dest="rslearn", action="store_false", help="leave rslearn out")
    args = parser.parse_args()
    os.makedirs(bench_build.work, exist_ok=True)
    tiles = bench_build.make_inputs()
    for case in (["large", "small"] if args.case == "both" else [args.case]):
        # The exact build first, untimed: the floors' extent and rslearn's windows come from its records.
        exact_dir = os.path.join(bench_build.work, f"peers-{case}-et0")
        bench_build.run([os.path.join(bench_build.bin_dir, "build-dataset"), "build", manifest(case, tiles, 0), "--out",
                         exact_dir, "--jobs", "2", "--force"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        listing_path = os.path.join(bench_build.work, f"peers-{case}-listing.json")
        listing = json.loads(subprocess.check_output([os.path.join(bench_build.bin_dir, "inspect-shards"), "ls", exact_dir, "--json"]))
        with open(listing_path, "w") as f:
            json.dump(listing, f)
        records = len(listing)
        labelled = steps(case, tiles, listing)
        # rslearn on the large case only: the reference workload (526 windows); its cost per
        # window would make the 4,686 small windows the longest step of the run.
        skipped = ("it runs on the large case only" if case != "large" else rslearn_available()) if args.rslearn else "--no-rslearn"
        rslearn_label = "rslearn 0.1.19: add_windows + prepare + ingest + materialize, --workers 2"
        if skipped is None:
            run_rslearn, rslearn_agreement, rslearn_dem = rslearn_step(case, tiles, listing_path)
            labelled[rslearn_label] = run_rslearn
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
        if skipped is None:
            theirs = median[rslearn_label]
            ratio[rslearn_label] = f"build-dataset is {theirs / exact:.1f}× faster (exact), {theirs / approx:.1f}× (0.125)"
        for label, rs in runs.items():
            seconds = [r[0] for r in rs]
            print(f"| {label} | {median[label]:.1f} [{min(seconds):.1f}–{max(seconds):.1f}] | {max(r[1] for r in rs):.0f} | "
                  f"{max(r[2] for r in rs):.1f} | {ratio[label]} |")
        if skipped is None:
            a = rslearn_agreement(exact_dir)
            print(f"\nrslearn against the exact build, hr bands of {a['windows']} windows ({a['values']} values): "
                  f"{100 * a['equal']:.1f} % equal, {100 * a['within1']:.1f} % within 1 DN, mean |difference| {a['meanAbsolute']:.2f} DN "
                  f"(rslearn reads through rasterio's WarpedVRT with GDAL's approximate transformer); its DEM at "
                  f"{rslearn_dem:g} m, the nearest power-of-two multiple of the window resolution to GeoPairs' {CASES[case][2]} m.")
        else:
            print(f"\nrslearn skipped: {skipped}")
        print("(peak RSS: summed over the step's processes, sampled every 0.1 s, rslearn's forkserver workers included)", flush=True)


if __name__ == "__main__":
    main()
