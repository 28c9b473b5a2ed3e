#!/usr/bin/env python3
"""Datasets in object storage, end to end, in one run on a local SeaweedFS (127.0.0.1):

1. The loader benchmark's manifest (real-derived 10-band 5 m tiles + SRTM, 10×128×128 u16 +
   1×32×32 f32 per record) at stride 320 m with 64 MB shards, built into `s3://bench/ds` and into a
   local folder: build times, shards compared by SHA-256.
2. `geopairs-bench load` (2 workers, batch 32, global shuffle), one epoch per process, alternating,
   REPEATS times: from local disk (page cache warm), from the bucket without a cache (a ranged
   request per record), from the bucket with a cold cache (a fresh cache folder: each shard is
   downloaded whole on first touch, which the time counts), and with a warm cache (a new process on
   the filled cache folder). Rates count opening and the epoch. Medians.
The server is stopped by its pid.
"""
import json
import os
import shutil
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_remote  # noqa: E402  (the SeaweedFS server and timed())
from bench_remote import timed as run  # noqa: E402

root = bench_remote.root
work = os.path.join(root, "out", "bench-remote-dataset")
release = os.path.join(root, ".build", "release")
REPEATS = int(os.environ.get("REPEATS", "2"))


def main():
    os.makedirs(work, exist_ok=True)
    manifest = json.load(open(os.path.join(root, "out", "bench-load", "manifest.json")))
    manifest["name"] = "bench-remote-dataset"
    manifest["grid"]["stride"] = 320
    manifest["sharding"] = {"targetMB": 64}
    manifest_path = os.path.join(work, "manifest.json")
    json.dump(manifest, open(manifest_path, "w"))
    server = bench_remote.Server()
    try:
        server.put("bench")
        s3 = {"AWS_S3_ENDPOINT": f"127.0.0.1:{server.port}", "AWS_HTTPS": "NO", "AWS_VIRTUAL_HOSTING": "FALSE",
              "AWS_NO_SIGN_REQUEST": "YES"}
        local = os.path.join(work, "dataset")
        t_local, _ = run([os.path.join(release, "build-dataset"), "build", manifest_path, "--out", local, "--force", "--jobs", "2"])
        t_s3, text = run([os.path.join(release, "build-dataset"), "build", manifest_path, "--out", "s3://bench/ds", "--force",
                          "--jobs", "2"], s3)
        index = json.load(open(os.path.join(local, "dataset.json")))
        _, remote_index = run(["curl", "-s", f"http://127.0.0.1:{server.port}/bench/ds/dataset.json"])
        same = json.loads(remote_index)["shards"] == index["shards"]
        records = sum(s["records"] for s in index["shards"])
        size = sum(s["bytes"] for s in index["shards"])
        print(f"$ build-dataset build {os.path.relpath(manifest_path, root)} --out s3://bench/ds --jobs 2\n{text}")
        print(f"| build | seconds |\n|---|---|\n| into a local folder | {t_local:.1f} |\n"
              f"| into s3://bench/ds (staged, uploaded per shard) | {t_s3:.1f} ({t_s3 / t_local:.2f}× local) |")
        print(f"{records} records in {len(index['shards'])} shards, {size / 1e6:.0f} MB; shards identical: {'yes' if same else 'NO'}\n")

        subprocess.run(["bash", "-c", f"cat {local}/shards/* > /dev/null"])
        bench = os.path.join(release, "geopairs-bench")
        common = ["--sensors", "hr,dem", "--workers", "2", "--batch", "32"]
        results = {k: [] for k in ("local", "bucket", "cold", "warm")}
        for _ in range(REPEATS):
            cache = os.path.join(work, "cache")
            shutil.rmtree(cache, ignore_errors=True)
            for label, location, extra in (("local", local, []), ("bucket", "s3://bench/ds", []),
                                           ("cold", "s3://bench/ds", ["--cache", cache]),
                                           ("warm", "s3://bench/ds", ["--cache", cache])):
                _, out = run([bench, "load", location] + common + extra, s3)
                results[label].append(json.loads(out.strip().splitlines()[-1]))
        def rate(r):  # the whole pass: opening (footers; a cold cache's downloads) and the epoch
            return r["samples"] / (r["openSeconds"] + r["seconds"])
        local_rate = statistics.median(rate(r) for r in results["local"])
        print("| epoch read from | samples/s (open + epoch) | % of local | open s | epoch s | requests/record | bytes fetched / byte used | peak RSS MB |")
        print("|---|---|---|---|---|---|---|---|")
        names = {"local": "local disk (page cache)", "bucket": "bucket, no cache", "cold": "bucket, cold cache",
                 "warm": "bucket, warm cache"}
        for label, runs in results.items():
            m = lambda f: statistics.median(f(r) for r in runs)  # noqa: E731
            print(f"| {names[label]} | {m(rate):.0f} | {100 * m(rate) / local_rate:.0f} % | {m(lambda r: r['openSeconds']):.2f} | "
                  f"{m(lambda r: r['seconds']):.2f} | {m(lambda r: r['requests'] / r['samples']):.3f} | "
                  f"{m(lambda r: r['bytesFetched'] / r['bytesUsed']):.2f} | {m(lambda r: r['peakRSSMB']):.0f} |")
        print(f"(medians of {REPEATS}; requests and bytes count every read from the bucket, opening included: "
              "the footers, and with a cold cache each shard downloaded whole once)")
        if not same:
            sys.exit(1)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
