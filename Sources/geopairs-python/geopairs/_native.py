"""ctypes bindings of libGeoPairsC (the C interface in Sources/GeoPairsC/geopairs.h)."""
import ctypes
import json
import os

OK, END, ABSENT = 0, 1, 2
ERROR_ARGUMENT, ERROR_OPEN, ERROR_READ = -1, -2, -3


class GeoPairsError(Exception):
    """A failure reported by the GeoPairs library, with its message."""


class DatasetOpenError(GeoPairsError, OSError):
    """The dataset could not be opened: missing, unreadable, damaged, or without the split or sensors asked for."""


class DatasetReadError(GeoPairsError, OSError):
    """Reading failed after opening: a corrupt record (policy "fail") or storage that stays unreachable."""


def _library_path():
    path = os.environ.get("GEOPAIRS_LIBRARY")
    if path:
        return path
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "libGeoPairsC.so")


def _load():
    path = _library_path()
    try:
        lib = ctypes.CDLL(path)    # CDLL releases the GIL during every call
    except OSError as error:
        raise ImportError(f"geopairs: cannot load {path} ({error}); build it with "
                          "`swift build -c release --product GeoPairsC` and reinstall the package, "
                          "or set GEOPAIRS_LIBRARY to the library") from None
    c_int, c_int64, c_char_p, c_void_p = ctypes.c_int, ctypes.c_int64, ctypes.c_char_p, ctypes.c_void_p
    out_string = ctypes.POINTER(c_void_p)
    signatures = {
        "gp_last_error": (c_char_p, []),
        "gp_free_string": (None, [c_void_p]),
        "gp_version": (c_char_p, []),
        "gp_loader_open": (c_int, [c_char_p, ctypes.POINTER(c_void_p)]),
        "gp_loader_info": (c_int, [c_void_p, out_string]),
        "gp_loader_set_epoch": (c_int, [c_void_p, c_int64]),
        "gp_loader_next": (c_int, [c_void_p, ctypes.POINTER(c_void_p)]),
        "gp_loader_state": (c_int, [c_void_p, out_string]),
        "gp_loader_restore": (c_int, [c_void_p, c_char_p]),
        "gp_loader_close": (None, [c_void_p]),
        "gp_batch_index": (c_int64, [c_void_p]),
        "gp_batch_epoch": (c_int64, [c_void_p]),
        "gp_batch_size": (c_int64, [c_void_p]),
        "gp_batch_sensor_count": (c_int64, [c_void_p]),
        "gp_batch_sensor": (c_int, [c_void_p, c_int64, ctypes.POINTER(c_char_p), ctypes.POINTER(c_int64),
                                    ctypes.POINTER(c_void_p), ctypes.POINTER(c_void_p)]),
        "gp_batch_key": (c_char_p, [c_void_p, c_int64]),
        "gp_batch_padding": (c_void_p, [c_void_p]),
        "gp_batch_metadata": (c_int, [c_void_p, out_string]),
        "gp_batch_release": (None, [c_void_p]),
        "gp_dataset_open": (c_int, [c_char_p, ctypes.POINTER(c_void_p)]),
        "gp_dataset_index": (c_int, [c_void_p, out_string]),
        "gp_dataset_keys": (c_int, [c_void_p, c_char_p, out_string]),
        "gp_dataset_record": (c_int, [c_void_p, c_char_p, out_string]),
        "gp_dataset_read": (c_int, [c_void_p, c_char_p, c_char_p, c_int, c_void_p, c_int64, ctypes.POINTER(c_int64)]),
        "gp_dataset_close": (None, [c_void_p]),
    }
    for name, (restype, argtypes) in signatures.items():
        function = getattr(lib, name)
        function.restype = restype
        function.argtypes = argtypes
    return lib


lib = _load()


def check(status):
    """Raises the error a negative status stands for, with the library's message; returns the status."""
    if status >= 0:
        return status
    message = lib.gp_last_error().decode("utf-8", "replace")
    if status == ERROR_ARGUMENT:
        raise ValueError(message)
    if status == ERROR_OPEN:
        raise DatasetOpenError(message)
    raise DatasetReadError(message)


def take_string(call, *arguments):
    """Calls a function that hands out a string through its last argument; returns it as str."""
    out = ctypes.c_void_p()
    check(call(*arguments, ctypes.byref(out)))
    try:
        return ctypes.string_at(out.value).decode("utf-8")
    finally:
        lib.gp_free_string(out)


def take_json(call, *arguments):
    return json.loads(take_string(call, *arguments))


class Handle:
    """Owns a library handle and frees it once: on ``close()``, at the end of a ``with`` block, or
    when collected. Subclasses name the freeing function in ``_free``."""

    _handle = None
    _free = None

    def close(self):
        if self._handle:
            type(self)._free(self._handle)
            self._handle = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        self.close()


def encode(text):
    return text.encode("utf-8")
