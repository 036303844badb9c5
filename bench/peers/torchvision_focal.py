#!/usr/bin/env python3
"""Peer timings for bench/run.ts: torchvision.ops.sigmoid_focal_loss (the
paper's reference), the paper's Appendix A.3 epsilon form, PyTorch's fused
BCE-with-logits, kornia's softmax focal composition, mmdetection's quality
focal loss and the Unified Focal Loss composed in PyTorch, forward+backward
on CPU, at the sizes the Deno benchmarks use.

    python3 bench/peers/torchvision_focal.py --threads 2 --sizes 4096 65536 1048576
    python3 bench/peers/torchvision_focal.py --sizes 4096 --peers "kornia-style softmax focal"

Prints one JSON object. Inputs match bench/*_bench.ts: logits N(0, 8^2),
30% positive targets (quality: U(0, 1) scores on them; unified: masks with
logits N(0, 4^2)), gamma = beta = 0.5, alpha = 0.25, reduction "mean".
"""
import argparse
import json
import time

import torch
import torchvision
from torchvision.ops import sigmoid_focal_loss

from _device import add_device_argument, describe, synchronize

parser = argparse.ArgumentParser()
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--sizes", type=int, nargs="+", default=[4096, 65536, 1048576])
parser.add_argument("--peers", nargs="+", help="only these peers (the keys of PEERS)")
add_device_argument(parser)
args = parser.parse_args()
torch.set_num_threads(args.threads)
GAMMA, ALPHA, CLASSES = 0.5, 0.25, 8


def appendix_a3(x, t, epsilon=1e-3):
    p = torch.sigmoid(x)
    ce = torch.nn.functional.binary_cross_entropy_with_logits(x, t, reduction="none")
    p_t = p * t + (1 - p) * (1 - t)
    loss = ce * ((1 - p_t + epsilon) ** GAMMA)
    return ((ALPHA * t + (1 - ALPHA) * (1 - t)) * loss).mean()


def quality_focal(x, t):
    # mmdetection's quality_focal_loss_tensor_target, beta = GAMMA, mean.
    scale = (torch.sigmoid(x) - t).abs().pow(GAMMA)
    return (torch.nn.functional.binary_cross_entropy_with_logits(x, t, reduction="none") * scale).mean()


def unified_focal(x, y, weight=0.5, delta=0.6, smooth=1e-7):
    # Yeung et al.'s asymmetric Unified Focal Loss composed in PyTorch from
    # logits, as lib/losses/unified_focal_loss.ts's "none" mode composes it.
    p = torch.sigmoid(x)
    bce = torch.nn.functional.binary_cross_entropy_with_logits
    ce_fg = bce(x, torch.ones_like(x), reduction="none")
    ce_bg = bce(x, torch.zeros_like(x), reduction="none")
    focal = (delta * y * ce_fg + (1 - delta) * (1 - y) * (1 - (1 - p)) ** GAMMA * ce_bg).mean()
    axes = tuple(range(1, x.dim()))
    tp, fn = (y * p).sum(axes), (y * (1 - p)).sum(axes)
    fp, tn = ((1 - y) * p).sum(axes), ((1 - y) * (1 - p)).sum(axes)
    ti_fg = (tp + smooth) / (tp + delta * fn + (1 - delta) * fp + smooth)
    ti_bg = (tn + smooth) / (tn + delta * fp + (1 - delta) * fn + smooth)
    tversky = (((1 - ti_bg) + (1 - ti_fg) ** (1 - GAMMA)) / 2).mean()
    return weight * tversky + (1 - weight) * focal


def softmax_focal(z, y):
    return -(y * (1 - z.softmax(-1)) ** GAMMA * z.log_softmax(-1)).sum(-1).mean()


def median_rate(n, make, fn):
    x, t = (v.to(args.device) for v in make(n))
    x.requires_grad_(True)
    # At least 30: PyTorch's two threads make single steps vary by 2-3x here.
    reps = max(30, min(200, (1 << 22) // n))
    # Warm-up as the Deno side's (bench/_setup.ts, bench/versus.ts): 300 ms or
    # 500 steps, at least 3. With 3 steps only, a fresh process (bench:versus
    # starts one per measurement) ran some sizes ~2x slower than a warm one.
    started = time.perf_counter()
    for i in range(500):
        if i >= 3 and time.perf_counter() - started > 0.3:
            break
        x.grad = None
        fn(x, t).backward()
    times = []
    # On CUDA a step is timed as the mean of a block of steps between two
    # synchronizations (a launch returns before its kernel ends).
    block = 1 if args.device == "cpu" else 20
    for _ in range(reps):
        synchronize(args.device)
        start = time.perf_counter()
        for _ in range(block):
            x.grad = None
            fn(x, t).backward()
        synchronize(args.device)
        times.append((time.perf_counter() - start) / block)
    times.sort()
    return n / times[len(times) // 2]


def binary(n):
    g = torch.Generator().manual_seed(1)
    return torch.randn(n, generator=g) * 8, (torch.rand(n, generator=g) < 0.3).float()


def soft_quality(n):
    g = torch.Generator().manual_seed(2)
    positive = (torch.rand(n, generator=g) < 0.3).float()
    return torch.randn(n, generator=g) * 8, positive * torch.rand(n, generator=g)


def masks(n):
    # bench/unified_focal_loss_bench.ts's shapes: 4 images of 32x32 at 2^12, 16 above.
    g = torch.Generator().manual_seed(4)
    images = 4 if n <= 4096 else 16
    side = int(round((n // images) ** 0.5))
    shape = (images, 1, side, side)
    return torch.randn(shape, generator=g) * 4, (torch.rand(shape, generator=g) < 0.3).float()


def multiclass(n):
    g = torch.Generator().manual_seed(3)
    rows = n // CLASSES
    labels = torch.randint(0, CLASSES, (rows,), generator=g)
    return torch.randn(rows, CLASSES, generator=g) * 8, torch.nn.functional.one_hot(labels, CLASSES).float()


INDEX_CLASSES = 16  # bench/_inputs.ts's INDEX_CLASSES


def multiclass16(n):
    g = torch.Generator().manual_seed(5)
    rows = n // INDEX_CLASSES
    labels = torch.randint(0, INDEX_CLASSES, (rows,), generator=g)
    return torch.randn(rows, INDEX_CLASSES, generator=g) * 8, labels


def one_hot16(n):
    x, labels = multiclass16(n)
    return x, torch.nn.functional.one_hot(labels, INDEX_CLASSES).float()


def softmax_focal_indices(z, labels):
    # Class indices as kornia's focal_loss takes them: one-hot inside the step.
    return softmax_focal(z, torch.nn.functional.one_hot(labels, z.shape[-1]).to(z.dtype))


PEERS = {
    "torchvision sigmoid_focal_loss": (
        binary, lambda x, t: sigmoid_focal_loss(x, t, ALPHA, GAMMA, "mean")),
    "Appendix A.3 epsilon 0.001": (binary, appendix_a3),
    "binary_cross_entropy_with_logits": (
        binary, lambda x, t: torch.nn.functional.binary_cross_entropy_with_logits(x, t)),
    "kornia-style softmax focal": (multiclass, softmax_focal),
    "kornia-style softmax focal, 16 classes": (one_hot16, softmax_focal),
    "kornia-style softmax focal, 16 classes, class indices": (multiclass16, softmax_focal_indices),
    "mmdet-style quality focal": (soft_quality, quality_focal),
    "Unified focal (PyTorch composition)": (masks, unified_focal),
}
chosen = args.peers or list(PEERS)
unknown = [name for name in chosen if name not in PEERS]
if unknown:
    raise SystemExit(f"unknown peers {unknown}: choose from {list(PEERS)}")

results = []
for n in args.sizes:
    row = {"elements": n}
    for name in chosen:
        make, fn = PEERS[name]
        row[name] = median_rate(n, make, fn)
    results.append(row)
print(json.dumps({
    "torch": torch.__version__,
    "torchvision": torchvision.__version__,
    "threads": torch.get_num_threads(),
    "device": describe(args.device),
    "unit": "elements per second, forward+backward, median",
    "results": results,
}))
