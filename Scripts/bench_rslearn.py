#!/usr/bin/env python3
"""rslearn's side of Scripts/bench_peers.py, run by the Python of the venv rslearn is installed in.

  bench_rslearn.py setup ROOT HR_DIR DEM_DIR DEM_ZOOM   write ROOT/config.json: LocalFiles over the two
                                                folders, SINGLE_COMPOSITE, bilinear, uint16 / int16,
                                                the DEM at the window resolution × 2^-DEM_ZOOM
  bench_rslearn.py windows ROOT LISTING.json RES  one window per record of `inspect-shards ls --json`,
                                                in EPSG:32630 at RES m, over the record's footprint
  bench_rslearn.py agreement ROOT DUMP.npz      compare each window's materialized `hr` raster with the
                                                record's array (from `read_shards.py --dump`)

rslearn stores one resolution per window with per-band-set power-of-two offsets, so a DEM is
materialized at the nearest such resolution to GeoPairs' (40 m for 30 m from 5 m windows).
"""
import glob
import json
import os
import sys

import numpy as np


def setup(root, hr_dir, dem_dir, dem_zoom):
    def layer(src, dtype, bands, zoom_offset=0):
        return {"type": "raster", "resampling_method": "bilinear",
                "band_sets": [{"dtype": dtype, "bands": bands, "zoom_offset": zoom_offset}],
                "data_source": {"class_path": "rslearn.data_sources.local_files.LocalFiles",
                                "init_args": {"src_dir": src}, "query_config": {"space_mode": "SINGLE_COMPOSITE"}}}
    os.makedirs(root, exist_ok=True)
    config = {"layers": {"hr": layer(hr_dir, "uint16", [f"B{i}" for i in range(1, 11)]),
                         "dem": layer(dem_dir, "int16", ["B1"], zoom_offset=int(dem_zoom))}}
    with open(os.path.join(root, "config.json"), "w") as f:
        json.dump(config, f)


def windows(root, listing_path, resolution):
    from rasterio.crs import CRS
    from rslearn.dataset import Dataset, Window
    from rslearn.utils.geometry import Projection
    from upath import UPath

    dataset = Dataset(UPath(root))
    res = float(resolution)
    projection = Projection(CRS.from_epsg(32630), res, -res)
    with open(listing_path) as f:
        records = json.load(f)
    for r in records:
        x0, y0, x1, y1 = r["footprint"]
        bounds = (round(x0 / res), round(-y1 / res), round(x1 / res), round(-y0 / res))
        Window(storage=dataset.storage, group="default", name=r["key"], projection=projection, bounds=bounds,
               time_range=None, data_factory=dataset.window_data_storage_factory).save()
    print(f"{len(records)} windows")


def agreement(root, dump):
    import rasterio
    arrays = np.load(dump)
    equal = near = total = compared = 0
    absolute = 0.0
    for name in arrays.files:
        key, sensor, kind = name.rsplit("/", 2)
        if sensor != "hr" or kind != "data":
            continue
        found = glob.glob(os.path.join(root, "windows", "default", key, "layers", "hr", "**", "*.tif"), recursive=True)
        if not found:
            continue
        with rasterio.open(found[0]) as src:
            theirs = src.read().astype(np.int64)
        ours = arrays[name].astype(np.int64)
        if theirs.shape != ours.shape:
            sys.exit(f"{key}: rslearn shape {theirs.shape}, GeoPairs {ours.shape}")
        difference = np.abs(theirs - ours)
        equal += int((difference == 0).sum())
        near += int((difference <= 1).sum())
        absolute += float(difference.sum())
        total += difference.size
        compared += 1
    print(json.dumps({"windows": compared, "values": total, "equal": equal / max(1, total),
                      "within1": near / max(1, total), "meanAbsolute": absolute / max(1, total)}))


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    {"setup": setup, "windows": windows, "agreement": agreement}[command](*args)
