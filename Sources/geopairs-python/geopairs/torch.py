"""GeoPairs as a PyTorch ``IterableDataset``.

    dataset = PairDataset("ds", sensors=["s1", "s2"], batch_size=32)
    loader = torch.utils.data.DataLoader(dataset, batch_size=None, num_workers=0)

Batches arrive already batched (``batch_size=None`` in the DataLoader) and decoded by the Swift
workers, outside the GIL: keep ``num_workers=0``, worker processes would only add copies.
"""
import torch
import torch.distributed as dist
from torch.utils.data import IterableDataset

from .loader import Loader


class PairDataset(IterableDataset):
    """Batches of float32 tensors ``[B, C, H, W]`` per sensor, bool masks ``[B, H, W]`` as
    ``sensor + "_mask"``, ``"keys"`` and a bool ``"padding"`` tensor.

    ``rank``/``world_size`` default to ``torch.distributed``'s when it is initialised (else 0 and 1).
    Call ``set_epoch(e)`` before each epoch. ``state_dict()``/``load_state_dict()`` resume exactly
    (torchdata's ``StatefulDataLoader`` calls them). The tensors share the loader's memory; they stay
    valid as long as they are referenced.
    """

    def __init__(self, dataset, sensors, batch_size=32, rank=None, world_size=None, **options):
        super().__init__()
        if rank is None or world_size is None:
            initialised = dist.is_available() and dist.is_initialized()
            rank = rank if rank is not None else (dist.get_rank() if initialised else 0)
            world_size = world_size if world_size is not None else (dist.get_world_size() if initialised else 1)
        self.loader = Loader(dataset, sensors, batch_size=batch_size, rank=rank, world_size=world_size, **options)
        self.rank, self.world_size = rank, world_size

    def set_epoch(self, epoch):
        self.loader.set_epoch(epoch)

    def __len__(self):
        return len(self.loader)

    def state_dict(self):
        return self.loader.state_dict()

    def load_state_dict(self, state):
        self.loader.load_state_dict(state)

    def __iter__(self):
        info = torch.utils.data.get_worker_info()
        if info is not None and info.num_workers > 0:
            raise RuntimeError("geopairs.torch.PairDataset decodes on Swift threads: use DataLoader(num_workers=0)")
        for batch in self.loader:
            yield {k: torch.from_numpy(v) if hasattr(v, "__array_interface__") else v for k, v in batch.items()}

    def close(self):
        self.loader.close()
