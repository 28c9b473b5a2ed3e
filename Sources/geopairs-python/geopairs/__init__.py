"""GeoPairs from Python: co-registered multi-sensor patch datasets.

- ``geopairs.open(path)``: a dataset's index, schema, statistics and records (arrays as numpy).
- ``geopairs.Loader(path, sensors=[...], batch_size=32, ...)``: the Swift PairLoader: global or
  buffered shuffles, rank partitioning, exact resume, augmentations; batches as numpy arrays.
- ``geopairs.torch.PairDataset``: the loader as a PyTorch ``IterableDataset``.
"""
from ._native import DatasetOpenError, DatasetReadError, GeoPairsError, lib as _lib
from .dataset import Dataset, Record, open
from .loader import Loader

__version__ = _lib.gp_version().decode()
__all__ = ["open", "Dataset", "Record", "Loader", "GeoPairsError", "DatasetOpenError", "DatasetReadError"]
