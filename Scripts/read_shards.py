#!/usr/bin/env python3
"""Independent reader of GeoPairs datasets, written from DATASETS.md only (numpy + zstandard).

Usage: read_shards.py DATASET_DIR [--dump OUT.npz]

Reads format 2 and format 1. Checks every shard's SHA-256, trailer, footer CRC-32, record header
CRC-32 and frame CRC-32, decodes every frame, and prints one JSON line per frame: key, split, sensor,
kind, dtype, shape, the SHA-256 of the decoded array's little-endian bytes, and for data frames the
patch's geotransform, validFraction, acquired (ISO 8601 or null), bands, sources and (approximate
warps only) window. Exits non-zero
on any inconsistency.
"""
import datetime
import hashlib
import json
import math
import os
import struct
import sys
import zlib

import numpy as np
import zstandard

DTYPES = {1: "<u1", 2: "<i2", 3: "<u2", 4: "<i4", 5: "<f4", 6: "<f8"}
MAGIC = b"GPSHARD\0"


class FormatError(Exception):
    pass


def check(condition, message):
    if not condition:
        raise FormatError(message)


def unshuffle(raw, k):
    n = len(raw) // k
    return np.frombuffer(raw, dtype=np.uint8).reshape(k, n).T.copy().tobytes()


def undo_filter(raw, filt, k, width):
    if filt == 0:
        return raw
    data = unshuffle(raw, k)
    if filt == 2:
        utype = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}[k]
        values = np.frombuffer(data, dtype=np.dtype(utype).newbyteorder("<")).reshape(-1, width)
        data = np.cumsum(values, axis=1, dtype=utype).astype(np.dtype(utype).newbyteorder("<")).tobytes()
    return data


def read_string(buf, pos):
    (n,) = struct.unpack_from("<H", buf, pos)
    return buf[pos + 2:pos + 2 + n].decode("utf-8"), pos + 2 + n


def iso_time(seconds, precision):
    if precision == 0:
        check(seconds == 0, "unknown acquisition time with nonzero seconds")
        return None
    t = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc) + datetime.timedelta(seconds=seconds)
    if precision == 1:
        check(seconds % 86400 == 0, "a date that is not midnight")
        return t.strftime("%Y-%m-%d")
    check(precision == 2, f"acquisition precision {precision}")
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def read_shard(path, version_expected):
    with open(path, "rb") as f:
        blob = f.read()
    check(len(blob) >= 48, f"{path}: too short")
    check(blob[:8] == MAGIC, f"{path}: bad magic")
    version, reserved = struct.unpack_from("<II", blob, 8)
    check(version == version_expected and reserved == 0, f"{path}: version {version}")
    footer_offset, footer_length, footer_crc, tversion = struct.unpack_from("<QQII", blob, len(blob) - 32)
    check(blob[-8:] == MAGIC and tversion == version, f"{path}: bad trailer")
    check(footer_offset + footer_length == len(blob) - 32, f"{path}: footer does not end at trailer")
    footer = blob[footer_offset:footer_offset + footer_length]
    check(zlib.crc32(footer) == footer_crc, f"{path}: footer CRC mismatch")

    pos = 0
    check(footer[:4] == b"GPIX", f"{path}: bad footer magic")
    record_count, sensor_count = struct.unpack_from("<IH", footer, 4)
    pos = 10
    sensors, bands = [], []
    for _ in range(sensor_count):
        name, pos = read_string(footer, pos)
        sensors.append(name)
        names = []
        if version >= 2:
            (band_count,) = struct.unpack_from("<H", footer, pos)
            pos += 2
            check(band_count >= 1, f"{path}: sensor {name} has no bands")
            for _ in range(band_count):
                band, pos = read_string(footer, pos)
                names.append(band)
        bands.append(names)
    records = []
    expected_offset = 16
    for _ in range(record_count):
        record_offset, header_length, key_length = struct.unpack_from("<QIH", footer, pos)
        pos += 14
        key = footer[pos:pos + key_length].decode("utf-8")
        pos += key_length
        (frame_count,) = struct.unpack_from("<H", footer, pos)
        pos += 2
        check(record_offset == expected_offset, f"{path}: record {key} not where expected")
        frames = []
        for _ in range(frame_count):
            s, kind, filt, dt, c, h, w, off, size, crc = struct.unpack_from("<HBBBIIIQQI", footer, pos)
            pos += 37
            frames.append(dict(sensor=sensors[s], kind=kind, filter=filt, dtype=dt, shape=(c, h, w), offset=off, size=size, crc=crc))
            if version >= 2 and kind == 0:
                check(c == len(bands[s]), f"{path}: record {key}: {sensors[s]} channels disagree with its bands")
        if version >= 2:
            for frame in frames:
                if frame["kind"] != 0:
                    continue
                values = struct.unpack_from("<7dqB", footer, pos)
                pos += 65
                check(all(np.isfinite(values[:6])), f"{path}: record {key}: geotransform not finite")
                check(0 <= values[6] <= 1, f"{path}: record {key}: valid fraction {values[6]}")
                frame.update(geotransform=list(values[:6]), validFraction=values[6],
                             acquired=iso_time(values[7], values[8]), bands=bands[sensors.index(frame["sensor"])])
        # The record: magic, header length, JSON, CRC, frames.
        check(blob[record_offset:record_offset + 4] == b"GPRC", f"{path}: record {key} magic")
        (hl,) = struct.unpack_from("<I", blob, record_offset + 4)
        check(hl == header_length, f"{path}: record {key} header length")
        header_bytes = blob[record_offset + 8:record_offset + 8 + hl]
        (hcrc,) = struct.unpack_from("<I", blob, record_offset + 8 + hl)
        check(zlib.crc32(header_bytes) == hcrc, f"{path}: record {key} header CRC")
        header = json.loads(header_bytes)
        if version >= 2:
            data_sensors = [f["sensor"] for f in frames if f["kind"] == 0]
            check(sorted(header["sensors"]) == sorted(data_sensors), f"{path}: record {key}: header sensors disagree with frames")
            for frame in frames:
                if frame["kind"] == 0:
                    entry = header["sensors"][frame["sensor"]]
                    frame["sources"] = entry["sources"]
                    if "window" in entry:  # approximate warps only
                        window = entry["window"]
                        check(len(window) == 4 and all(math.isfinite(v) for v in window) and window[0] < window[2] and window[1] < window[3],
                              f"{path}: record {key}: {frame['sensor']} window is not [minX, minY, maxX, maxY]")
                        frame["window"] = window
            split = header["split"]
        else:
            check(header["record"]["key"] == key, f"{path}: record {key} key mismatch")
            for frame in frames:
                entry = next(e for e in header["record"]["sensors"] if e["sensor"] == frame["sensor"])
                if frame["kind"] == 0:
                    frame.update(geotransform=entry["geotransform"], validFraction=entry["validFraction"],
                                 acquired=entry.get("acquired"), bands=entry["bands"], sources=entry["sources"])
            split = header["record"]["split"]
        cursor = record_offset + 8 + hl + 4
        for frame in frames:
            check(frame["offset"] == cursor, f"{path}: record {key} frame offset")
            cursor += frame["size"]
        expected_offset = cursor
        records.append((key, split, frames))
    check(expected_offset == footer_offset, f"{path}: records do not reach the footer")
    check(pos == len(footer), f"{path}: trailing bytes in footer")
    return blob, records


def decode_frame(blob, frame):
    raw = blob[frame["offset"]:frame["offset"] + frame["size"]]
    check(zlib.crc32(raw) == frame["crc"], "frame CRC mismatch")
    dtype = np.dtype(DTYPES[frame["dtype"]])
    c, h, w = frame["shape"]
    expected = c * h * w * dtype.itemsize
    data = zstandard.ZstdDecompressor().decompress(raw, max_output_size=expected)
    check(len(data) == expected, "frame size mismatch")
    data = undo_filter(data, frame["filter"], dtype.itemsize, w)
    return np.frombuffer(data, dtype=dtype).reshape(c, h, w)


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__)
        return 0 if len(argv) >= 2 else 2
    root = argv[1]
    dump = argv[argv.index("--dump") + 1] if "--dump" in argv else None
    with open(os.path.join(root, "dataset.json"), "rb") as f:
        index = json.load(f)
    version = index["formatVersion"]
    check(index["format"] == "geopairs-dataset" and version in (1, 2), "not a GeoPairs dataset of format 1 or 2")
    arrays = {}
    total = 0
    for shard in index["shards"]:
        path = os.path.join(root, shard["file"])
        blob, records = read_shard(path, version)
        check(hashlib.sha256(blob).hexdigest() == shard["sha256"], f"{shard['file']}: SHA-256 mismatch")
        check(len(records) == shard["records"], f"{shard['file']}: record count mismatch")
        for key, split, frames in records:
            check(split == shard["split"], f"{key}: split mismatch")
            for frame in frames:
                array = decode_frame(blob, frame)
                kind = "mask" if frame["kind"] == 1 else "data"
                line = {"key": key, "split": split, "sensor": frame["sensor"], "kind": kind, "dtype": array.dtype.str,
                        "shape": list(array.shape), "sha256": hashlib.sha256(array.astype(array.dtype.newbyteorder("<")).tobytes()).hexdigest()}
                if kind == "data":
                    line.update({k: frame[k] for k in ("geotransform", "validFraction", "acquired", "bands", "sources")})
                    if "window" in frame:
                        line["window"] = frame["window"]
                    if version >= 2:
                        check(all(0 <= i < len(index["inputs"]) for scene in frame["sources"] for i in scene),
                              f"{key}: {frame['sensor']} sources outside inputs")
                print(json.dumps(line))
                if dump:
                    arrays[f"{key}/{frame['sensor']}/{kind}"] = array
            total += 1
    check(total == sum(index["splits"].values()), "split counts disagree with the shards")
    if dump:
        np.savez(dump, **arrays)
    print(f"read_shards: {total} records in {len(index['shards'])} shards, all checks passed", file=sys.stderr)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except FormatError as e:
        print(f"read_shards: {e}", file=sys.stderr)
        sys.exit(1)
