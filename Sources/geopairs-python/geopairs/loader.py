"""The Swift PairLoader from Python: batches decoded on Swift threads, handed over without copying."""
import ctypes
import json

import numpy as np

from ._native import END, Handle, check, encode, lib, take_json, take_string


class _BatchMemory:
    """Owns one ``gp_batch``: numpy views of its tensors keep this object, and so the memory, alive;
    the batch goes back to the loader's pool when the last view is gone."""

    def __init__(self, handle):
        self.handle = handle

    def view(self, address, shape, typestr):
        """A numpy array over ``address`` that keeps this batch alive (numpy's array interface)."""
        holder = _ArrayInterface(self, address, shape, typestr)
        return np.asarray(holder)

    def __del__(self):
        if self.handle:
            lib.gp_batch_release(self.handle)
            self.handle = None


class _ArrayInterface:
    """numpy's ``__array_interface__`` over batch memory, holding the batch (the array's ``base``)."""

    def __init__(self, owner, address, shape, typestr):
        self.owner = owner
        self.__array_interface__ = {"shape": tuple(shape), "typestr": typestr, "data": (address, False), "version": 3}


#: Loader options and their defaults (see README "From PyTorch").
DEFAULTS = {
    "split": "train", "batch_size": 32, "shuffle": "global", "shuffle_shards": 4, "shuffle_buffer": 1024, "seed": 0,
    "rank": 0, "world_size": 1, "workers": 2, "prefetch": 4, "remainder": "drop", "normalize": True,
    "statistics_split": "train", "crop_size": None, "horizontal_flip": False, "vertical_flip": False, "rotate90": False,
    "corrupt_records": "fail", "metadata": False, "attributes": False, "cache": None, "cache_size": None,
    "remote_timeout": None,
}


class Loader(Handle):
    """Iterates one epoch of batches at a time, each a dict:

    - ``batch[sensor]``: float32 ``[B, C, H, W]`` (normalised with the dataset's statistics unless
      ``normalize=False``), ``batch[sensor + "_mask"]``: bool ``[B, H, W]`` (True = valid);
    - ``"keys"``: the records' keys; ``"padding"``: bool ``[B]``, True for wrap-around repeats
      (``remainder="pad"``) and skipped corrupt records (``corrupt_records="skip"``);
    - ``"index"``, ``"epoch"``; with ``metadata=True`` or ``attributes=True`` also ``"metadata"``
      (per-sensor geotransforms, per-sample attributes).

    The arrays are views of the Swift loader's memory (no copy), valid for as long as you hold
    them; with ``copy=True`` they are copies. The order of each epoch is a function of
    ``(seed, epoch, rank, world_size)``; ``state_dict()`` / ``load_state_dict()`` resume exactly.
    """

    _free = lib.gp_loader_close    # stops the Swift workers; batches still held stay valid

    def __init__(self, dataset, sensors, copy=False, **options):
        unknown = sorted(set(options) - set(DEFAULTS))
        if unknown:
            raise TypeError(f"geopairs.Loader: unknown option {unknown[0]!r} (known: {', '.join(sorted(DEFAULTS))})")
        config = {"dataset": str(getattr(dataset, "location", dataset)), "sensors": list(sensors)}
        config.update({k: v for k, v in options.items() if v is not None})
        handle = ctypes.c_void_p()
        check(lib.gp_loader_open(encode(json.dumps(config)), ctypes.byref(handle)))
        self._handle = handle
        self.config = {**DEFAULTS, **config}
        self.sensors = list(sensors)
        self.copy = copy
        self._wants_metadata = bool(config.get("metadata") or config.get("attributes"))

    def info(self):
        """``{"records", "batches_per_epoch", "sensors", "batch_size", "epoch"}`` for this rank."""
        return take_json(lib.gp_loader_info, self._handle)

    def __len__(self):
        """Batches per epoch for this rank."""
        return self.info()["batches_per_epoch"]

    def set_epoch(self, epoch):
        check(lib.gp_loader_set_epoch(self._handle, int(epoch)))

    def state_dict(self):
        """``{"seed", "epoch", "position"}``: batches of ``epoch`` already delivered."""
        return json.loads(take_string(lib.gp_loader_state, self._handle))

    def load_state_dict(self, state):
        check(lib.gp_loader_restore(self._handle, encode(json.dumps(
            {"seed": int(state["seed"]), "epoch": int(state["epoch"]), "position": int(state["position"])}))))

    def __iter__(self):
        while True:
            batch = self.next_batch()
            if batch is None:
                return
            yield batch

    def next_batch(self):
        """The next batch of the current epoch, or None at its end."""
        if self._handle is None:
            raise ValueError("geopairs.Loader: the loader is closed")
        handle = ctypes.c_void_p()
        if check(lib.gp_loader_next(self._handle, ctypes.byref(handle))) == END:
            return None
        memory = _BatchMemory(handle)
        size = lib.gp_batch_size(handle)
        out = {"index": lib.gp_batch_index(handle), "epoch": lib.gp_batch_epoch(handle),
               "keys": [lib.gp_batch_key(handle, i).decode("utf-8") for i in range(size)]}
        out["padding"] = memory.view(lib.gp_batch_padding(handle), (size,), "|b1")
        shape = (ctypes.c_int64 * 4)()
        values, mask, name = ctypes.c_void_p(), ctypes.c_void_p(), ctypes.c_char_p()
        for position in range(lib.gp_batch_sensor_count(handle)):
            check(lib.gp_batch_sensor(handle, position, ctypes.byref(name), shape, ctypes.byref(values), ctypes.byref(mask)))
            sensor = name.value.decode("utf-8")
            b, c, h, w = shape
            out[sensor] = memory.view(values.value, (b, c, h, w), "<f4")
            out[sensor + "_mask"] = memory.view(mask.value, (b, h, w), "|b1")
        if self._wants_metadata:
            out["metadata"] = take_json(lib.gp_batch_metadata, handle)
        if self.copy:
            out = {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in out.items()}
        return out

