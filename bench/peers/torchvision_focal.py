#!/usr/bin/env python3
"""Peer timings for bench/run.ts: torchvision.ops.sigmoid_focal_loss (the
paper's reference), the paper's Appendix A.3 epsilon form, PyTorch's fused
BCE-with-logits, and kornia's softmax focal composition, forward+backward on
CPU, at the sizes the Deno benchmarks use.

    python3 bench/peers/torchvision_focal.py --threads 2 --sizes 4096 65536 1048576

Prints one JSON object. Inputs match bench/*_bench.ts: logits N(0, 8^2),
30% positive targets, gamma = 0.5, alpha = 0.25, reduction "mean".
"""
import argparse
import json
import time

import torch
import torchvision
from torchvision.ops import sigmoid_focal_loss

parser = argparse.ArgumentParser()
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--sizes", type=int, nargs="+", default=[4096, 65536, 1048576])
args = parser.parse_args()
torch.set_num_threads(args.threads)
GAMMA, ALPHA, CLASSES = 0.5, 0.25, 8


def appendix_a3(x, t, epsilon=1e-3):
    p = torch.sigmoid(x)
    ce = torch.nn.functional.binary_cross_entropy_with_logits(x, t, reduction="none")
    p_t = p * t + (1 - p) * (1 - t)
    loss = ce * ((1 - p_t + epsilon) ** GAMMA)
    return ((ALPHA * t + (1 - ALPHA) * (1 - t)) * loss).mean()


def softmax_focal(z, y):
    return -(y * (1 - z.softmax(-1)) ** GAMMA * z.log_softmax(-1)).sum(-1).mean()


def median_rate(n, make, fn):
    x, t = make(n)
    x.requires_grad_(True)
    # At least 30: PyTorch's two threads make single steps vary by 2-3x here.
    reps = max(30, min(200, (1 << 22) // n))
    for _ in range(3):
        x.grad = None
        fn(x, t).backward()
    times = []
    for _ in range(reps):
        x.grad = None
        start = time.perf_counter()
        fn(x, t).backward()
        times.append(time.perf_counter() - start)
    times.sort()
    return n / times[len(times) // 2]


def binary(n):
    g = torch.Generator().manual_seed(1)
    return torch.randn(n, generator=g) * 8, (torch.rand(n, generator=g) < 0.3).float()


def multiclass(n):
    g = torch.Generator().manual_seed(3)
    rows = n // CLASSES
    labels = torch.randint(0, CLASSES, (rows,), generator=g)
    return torch.randn(rows, CLASSES, generator=g) * 8, torch.nn.functional.one_hot(labels, CLASSES).float()


results = []
for n in args.sizes:
    results.append({
        "elements": n,
        "torchvision sigmoid_focal_loss": median_rate(
            n, binary, lambda x, t: sigmoid_focal_loss(x, t, ALPHA, GAMMA, "mean")),
        "Appendix A.3 epsilon 0.001": median_rate(n, binary, appendix_a3),
        "binary_cross_entropy_with_logits": median_rate(
            n, binary, lambda x, t: torch.nn.functional.binary_cross_entropy_with_logits(x, t)),
        "kornia-style softmax focal": median_rate(n, multiclass, softmax_focal),
    })
print(json.dumps({
    "torch": torch.__version__,
    "torchvision": torchvision.__version__,
    "threads": torch.get_num_threads(),
    "unit": "elements per second, forward+backward, median",
    "results": results,
}))
