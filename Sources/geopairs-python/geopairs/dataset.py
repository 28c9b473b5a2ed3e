"""A GeoPairs dataset opened for reading: its index, record metadata and stored arrays by key."""
import ctypes
import json

import numpy as np

from ._native import ABSENT, Handle, check, encode, lib, take_json

#: dataset.json dtype names → numpy (little-endian, as stored).
DTYPES = {"u8": "<u1", "i16": "<i2", "u16": "<u2", "i32": "<i4", "f32": "<f4", "f64": "<f8"}


class Record:
    """One record: its metadata and, per sensor, the stored array and validity mask.

    ``arrays[sensor]`` is C×H×W in the sensor's stored dtype; ``masks[sensor]`` is H×W bool
    (True = valid) where the record stores one. ``geotransforms[sensor]`` is the GDAL geotransform
    of the patch and ``crs[sensor]`` its CRS, so the arrays can be written out or overlaid as they are.
    """

    def __init__(self, key, metadata, arrays, masks):
        self.key = key
        self.metadata = metadata
        self.arrays = arrays
        self.masks = masks
        self.geotransforms = {s["sensor"]: tuple(s["geotransform"]) for s in metadata["sensors"]}
        self.crs = {s["sensor"]: s["crs"] for s in metadata["sensors"]}

    @property
    def attributes(self):
        return self.metadata.get("attributes", {})

    def __repr__(self):
        shapes = ", ".join(f"{name}: {a.dtype}{list(a.shape)}" for name, a in self.arrays.items())
        return f"Record({self.key!r}, {shapes})"


class Dataset(Handle):
    """A dataset directory or bucket location (``s3://``, ``gs://``, ``az://``, ``https://``).

    ``index`` is dataset.json; ``sensors`` its schema by sensor name; ``splits`` the record count
    per split; ``statistics`` the per-band statistics. ``keys(split)`` lists records; ``record(key)``
    reads one.
    """

    _free = lib.gp_dataset_close

    def __init__(self, location, cache=None, cache_size=None, remote_timeout=None):
        options = {"dataset": str(location)}
        for name, value in (("cache", cache), ("cache_size", cache_size), ("remote_timeout", remote_timeout)):
            if value is not None:
                options[name] = str(value)
        handle = ctypes.c_void_p()
        check(lib.gp_dataset_open(encode(json.dumps(options)), ctypes.byref(handle)))
        self._handle = handle
        self.location = str(location)
        self.index = take_json(lib.gp_dataset_index, self._handle)
        self.sensors = {s["name"]: s for s in self.index["sensors"]}
        self.splits = dict(self.index["splits"])
        self.statistics = self.index.get("statistics", {})

    def keys(self, split=None):
        """Record keys of a split (every record when None), in shard order."""
        return take_json(lib.gp_dataset_keys, self._handle, None if split is None else encode(split))

    def __len__(self):
        return sum(self.splits.values())

    def record(self, key):
        """Reads one record: metadata, every sensor's stored array and mask (see :class:`Record`)."""
        metadata = take_json(lib.gp_dataset_record, self._handle, encode(key))
        arrays, masks = {}, {}
        for sensor in metadata["sensors"]:
            name = sensor["sensor"]
            channels, height, width = sensor["shape"]
            array = np.empty((channels, height, width), dtype=DTYPES[sensor["dtype"]])
            self._read(key, name, 0, array)
            arrays[name] = array
            mask = np.empty((height, width), dtype=np.uint8)
            if self._read(key, name, 1, mask):
                masks[name] = mask.view(np.bool_)
        return Record(key, metadata, arrays, masks)

    def _read(self, key, sensor, mask, destination):
        written = ctypes.c_int64()
        status = check(lib.gp_dataset_read(self._handle, encode(key), encode(sensor), mask,
                                           destination.ctypes.data, destination.nbytes, ctypes.byref(written)))
        return status != ABSENT

    def __repr__(self):
        return f"Dataset({self.location!r}, {len(self)} records, sensors {list(self.sensors)})"


def open(location, cache=None, cache_size=None, remote_timeout=None):  # noqa: A001 (the package's entry point)
    """Opens a dataset: a directory, or a bucket location with an optional local shard cache."""
    return Dataset(location, cache=cache, cache_size=cache_size, remote_timeout=remote_timeout)
