"""geopairs.torch.PairDataset: tensors a model expects, DataLoader, torch.distributed, clean exits."""
import json
import os
import re
import socket
import subprocess
import sys
import textwrap

import pytest

torch = pytest.importorskip("torch", reason="PyTorch is not importable (Scripts/setup.sh installs it with GEOPAIRS_WITH_TORCH=1)")

from geopairs.torch import PairDataset  # noqa: E402
from conftest import REPO  # noqa: E402

SENSORS = ["s1", "s2"]


def test_tensors_are_what_a_model_expects(tiles):
    dataset = PairDataset(tiles, SENSORS, batch_size=8, seed=2)
    batch = next(iter(torch.utils.data.DataLoader(dataset, batch_size=None, num_workers=0)))
    s2, mask = batch["s2"], batch["s2_mask"]
    assert s2.dtype == torch.float32 and tuple(s2.shape) == (8, 12, 12, 12) and s2.is_contiguous()
    assert s2.stride() == (12 * 12 * 12, 12 * 12, 12, 1)
    assert mask.dtype == torch.bool and tuple(mask.shape) == (8, 12, 12)
    assert batch["padding"].dtype == torch.bool and len(batch["keys"]) == 8
    conv = torch.nn.Conv2d(12, 4, 3)
    assert conv(s2).shape == (8, 4, 10, 10)
    dataset.close()


def test_state_dict_resumes_through_a_dataloader(tiles):
    def run(dataset, limit=None):
        out = []
        for batch in torch.utils.data.DataLoader(dataset, batch_size=None, num_workers=0):
            out.append((batch["keys"], batch["s1"].sum().item()))
            if limit is not None and len(out) == limit:
                break
        return out

    full = run(PairDataset(tiles, SENSORS, batch_size=16, seed=6))
    first = PairDataset(tiles, SENSORS, batch_size=16, seed=6)
    head = run(first, limit=5)
    saved = first.state_dict()
    first.close()
    resumed = PairDataset(tiles, SENSORS, batch_size=16, seed=6)
    resumed.load_state_dict(saved)
    assert head + run(resumed) == full


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


DISTRIBUTED = textwrap.dedent("""
    import json, sys
    import torch.distributed as dist
    from geopairs.torch import PairDataset
    rank, world, port, dataset = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world)
    data = PairDataset(dataset, ["s1", "s2"], batch_size=16, seed=5, remainder="pad")
    assert (data.rank, data.world_size) == (rank, world)
    data.set_epoch(1)
    mine = [k for b in data for k, pad in zip(b["keys"], b["padding"].tolist()) if not pad]
    everyone = [None] * world
    dist.all_gather_object(everyone, mine)
    if rank == 0:
        print(json.dumps(everyone))
    dist.destroy_process_group()
""")


def test_two_torch_distributed_processes_get_disjoint_complete_shares(tiles, tmp_path):
    script = tmp_path / "distributed.py"
    script.write_text(DISTRIBUTED)
    port = str(free_port())
    env = {**os.environ, "GLOO_SOCKET_IFNAME": "lo"}
    processes = [subprocess.Popen([sys.executable, str(script), str(rank), "2", port, tiles], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True, env=env) for rank in range(2)]
    outputs = [p.communicate(timeout=300) for p in processes]
    for p, (_, err) in zip(processes, outputs):
        assert p.returncode == 0, err
    shares = json.loads(outputs[0][0])
    assert not set(shares[0]) & set(shares[1]), "the ranks' shares overlap"
    assert len(shares[0]) + len(shares[1]) == 410 and len(set(shares[0]) | set(shares[1])) == 410


def test_process_exits_cleanly_when_a_loop_breaks_early(tiles):
    # No close(): the interpreter's exit must stop the Swift workers and return 0, not hang or crash.
    script = f"""
import geopairs.torch, sys
data = geopairs.torch.PairDataset({tiles!r}, ["s1", "s2"], batch_size=4, workers=2, prefetch=8)
for i, batch in enumerate(data):
    if i == 2:
        break
held = batch
print("broke out", len(held["keys"]))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "broke out 4"


def test_readme_training_loop(tiles):
    """The README's "From PyTorch" example, run as it is written."""
    readme = (REPO / "README.md").read_text()
    match = re.search(r"<!-- pytorch-example -->\s*```python\n(.*?)```", readme, re.S)
    assert match, "README.md lost its PyTorch example (marked <!-- pytorch-example -->)"
    done = subprocess.run([sys.executable, "-c", match.group(1)], capture_output=True, text=True, timeout=600,
                          env={**os.environ, "DATASET": tiles}, cwd=str(REPO))
    assert done.returncode == 0, done.stderr
    assert "epoch 1" in done.stdout, done.stdout
