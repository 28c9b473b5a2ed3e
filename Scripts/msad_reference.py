#!/usr/bin/env python3
"""PyTorch cross-check of train-msad (written from the MSAD formula and the model description in the
README, not from the Swift code).

    python3 Scripts/msad_reference.py RUN            # compare loss and every gradient (rel. error ≤ 1e-3)
    python3 Scripts/msad_reference.py RUN --bench N  # also time N PyTorch CPU training steps on the batch

RUN is a train-msad run directory: the model comes from checkpoint-000000.safetensors (its
configuration from the header's "geopairs.model" metadata), the batch, GeoPairs' loss and
gradients from reference-batch.safetensors (written at step 0). Exit status 1 when they disagree.
"""
import argparse
import json
import math
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from safetensors import safe_open
from torch import nn


def read(path):
    with safe_open(path, framework="np") as f:
        return {k: f.get_tensor(k) for k in f.keys()}, f.metadata() or {}


class PatchEmbedding(nn.Module):
    def __init__(self, channels, grid, p, width):
        super().__init__()
        self.grid, self.p = grid, p
        self.projection = nn.Linear(channels * p * p, width)
        self.positions = nn.Parameter(torch.zeros(grid * grid, width))

    def forward(self, x):  # [B, C, G·p, G·p] → [B, G², D]; token (ty, tx) holds its C×p×p pixels, channel-major
        b, c, g, p = x.shape[0], x.shape[1], self.grid, self.p
        tokens = x.reshape(b, c, g, p, g, p).permute(0, 2, 4, 1, 3, 5).reshape(b, g * g, c * p * p)
        return self.projection(tokens) + self.positions


class Attention(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.heads = heads
        self.query, self.key, self.value, self.output = (nn.Linear(width, width) for _ in range(4))

    def forward(self, x):
        b, t, d = x.shape
        split = lambda y: y.reshape(b, t, self.heads, d // self.heads).transpose(1, 2)
        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        weights = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d // self.heads), dim=-1)
        return self.output((weights @ v).transpose(1, 2).reshape(b, t, d))


class MLP(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.hidden, self.projection = nn.Linear(width, 4 * width), nn.Linear(4 * width, width)

    def forward(self, x):
        return self.projection(F.gelu(self.hidden(x), approximate="tanh"))


class Block(nn.Module):  # pre-LN
    def __init__(self, width, heads):
        super().__init__()
        self.norm1, self.attention = nn.LayerNorm(width, eps=1e-5), Attention(width, heads)
        self.norm2, self.mlp = nn.LayerNorm(width, eps=1e-5), MLP(width)

    def forward(self, x):
        x = x + self.attention(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class Encoder(nn.Module):
    def __init__(self, s, c):
        super().__init__()
        self.embedding = PatchEmbedding(s["channels"], c["grid"], s["pixelsPerToken"], c["width"])
        self.blocks = nn.ModuleList(Block(c["width"], c["heads"]) for _ in range(c["depth"]))
        self.norm = nn.LayerNorm(c["width"], eps=1e-5)

    def forward(self, x):
        x = self.embedding(x)
        for block in self.blocks:
            x = block(x)
        return self.norm(x)


class Head(nn.Module):  # LayerNorm(Linear₂(GELU(Linear₁ z)) + Linear₁ z)
    def __init__(self, width, out):
        super().__init__()
        self.first, self.second, self.norm = nn.Linear(width, out), nn.Linear(out, out), nn.LayerNorm(out, eps=1e-5)

    def forward(self, z):
        u = self.first(z)
        return self.norm(self.second(F.gelu(u, approximate="tanh")) + u)


class Model(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.config = c
        self.encoders = nn.ModuleDict({s["name"]: Encoder(s, c) for s in c["sensors"]})
        self.heads = nn.ModuleDict({s["name"]: Head(c["width"], c["projection"]) for s in c["sensors"]})

    def forward(self, batch, masks=None):  # {sensor: [B,C,H,W]}, {sensor: [B,H,W]} → loss
        c = self.config
        names = [s["name"] for s in c["sensors"]]
        projected = {n: self.heads[n](self.encoders[n](batch[n])) for n in names}  # [B, T, E]
        usable = {s["name"]: token_usable(masks[s["name"]], c["grid"], s["pixelsPerToken"]) if masks else
                  torch.ones(projected[s["name"]].shape[:2], dtype=torch.bool) for s in c["sensors"]}
        pairs = [(a, b) for i, a in enumerate(names) for b in names[i + 1:]]
        loss = 0
        for a, b in pairs:
            pair = msad if c["loss"] == "msad" else msad_dense
            loss = loss + pair(projected[a], projected[b], usable[a] & usable[b], c) / len(pairs)
        return loss


def token_usable(mask, grid, p):
    """[B,H,W] validity → [B, G²]: a token counts when at least half its p×p pixels are valid."""
    fraction = F.avg_pool2d(mask[:, None].double(), kernel_size=p)  # [B, 1, G, G], row-major tokens
    return (fraction >= 0.5).reshape(mask.shape[0], grid * grid)


def soft_ce(logits, targets):
    return -(targets * torch.log_softmax(logits, dim=1)).sum(1).mean()


def msad(pa, pb, usable, c):
    """Per token position, the records whose token counts in both sensors; positions with fewer
    than two such records are left out of the mean."""
    tau, eps = c["temperature"], c["smoothing"]
    losses = []
    for i in range(pa.shape[1]):
        keep = usable[:, i]
        if int(keep.sum()) < 2:
            continue
        a, b, n = pa[keep, i], pb[keep, i], int(keep.sum())
        logits = b @ a.T / tau
        with torch.no_grad():
            targets = torch.softmax((a @ a.T + b @ b.T) / 2 * tau, dim=1)
            targets = (1 - eps) * targets + eps / n
        losses.append((soft_ce(logits, targets) + soft_ce(logits.T, targets.T)) / 2)
    return torch.stack(losses).mean()  # torch.stack keeps the gradient (torch.tensor(list) would cut it)


def msad_dense(pa, pb, usable, c):
    """Every token that counts in both sensors; the others are neither positives nor negatives."""
    keep = usable.reshape(-1)
    na = F.normalize(pa.reshape(-1, pa.shape[-1])[keep], dim=1, eps=1e-12)
    nb = F.normalize(pb.reshape(-1, pb.shape[-1])[keep], dim=1, eps=1e-12)
    logits = na @ nb.T / c["temperature"]
    labels = torch.arange(logits.shape[0])
    return (F.cross_entropy(logits, labels) + F.cross_entropy(logits.T, labels)) / 2


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("run")
    parser.add_argument("--bench", type=int, default=0, metavar="N", help="time N training steps on the batch")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    weights, meta = read(f"{args.run}/checkpoint-000000.safetensors")
    config = json.loads(meta["geopairs.model"])
    reference, ref_meta = read(f"{args.run}/reference-batch.safetensors")
    model = Model(config)
    missing, unexpected = model.load_state_dict({k: torch.from_numpy(v) for k, v in weights.items()}, strict=True)
    batch = {s["name"]: torch.from_numpy(reference[f"batch.{s['name']}"]) for s in config["sensors"]}
    masks = {s["name"]: torch.from_numpy(reference[f"mask.{s['name']}"]) for s in config["sensors"]}
    excluded = sum(int((~token_usable(masks[s["name"]], config["grid"], s["pixelsPerToken"])).sum()) for s in config["sensors"])

    loss = model(batch, masks)
    loss.backward()
    ours = float(ref_meta["loss"])
    loss_error = abs(loss.item() - ours) / max(abs(loss.item()), 1e-12)
    # Attention key biases have an exactly zero gradient (softmax ignores a constant added to a
    # row of scores), so both sides hold only rounding noise: those are compared with the norm of
    # the whole gradient instead of their own.
    grads = {name: (torch.from_numpy(reference[f"grad.{name}"]).double(), p.grad.double()) for name, p in model.named_parameters()}
    total = math.sqrt(sum(t.norm().item() ** 2 for _, t in grads.values()))
    worst, worst_name, zero_worst = 0.0, "", 0.0
    for name, (g_ours, g_torch) in grads.items():
        difference = (g_ours - g_torch).norm().item()
        if name.endswith("attention.key.bias"):
            zero_worst = max(zero_worst, difference / total)
        elif difference / max(g_torch.norm().item(), 1e-30) > worst:
            worst, worst_name = difference / g_torch.norm().item(), name
    count = sum(1 for _ in model.parameters())
    ok = loss_error <= 1e-3 and worst <= 1e-3 and zero_worst <= 1e-3
    print(f"PyTorch {torch.__version__} vs GeoPairs ({config['loss']}, {count} parameter tensors): "
          f"loss {loss.item():.6f} vs {ours:.6f} (rel. error {loss_error:.1e}); "
          f"largest gradient rel. error {worst:.1e} ({worst_name}; key biases, true gradient 0: {zero_worst:.1e} of the "
          f"gradient norm; {excluded} tokens under half valid left out) — {'agree' if ok else 'DISAGREE'} (limit 1e-3)")

    if args.bench:
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.05)
        times = []
        for _ in range(args.bench + 2):
            start = time.perf_counter()
            optimizer.zero_grad()
            model(batch, masks).backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            times.append(time.perf_counter() - start)
        step = sorted(times[2:])[len(times[2:]) // 2]
        records = next(iter(batch.values())).shape[0]
        print(f"PyTorch CPU step ({args.threads} threads, batch {records}): {step * 1000:.1f} ms median of {args.bench}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
