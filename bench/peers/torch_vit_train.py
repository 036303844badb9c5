#!/usr/bin/env python3
"""Peer timing for bench/models.ts: PyTorch's CPU training step of the ViT of
lib/models/vit.ts (timm's layout: patch embedding by a p x p stride-p
convolution, a class token, learned position embeddings, pre-norm blocks of
multi-head self-attention and an MLP with exact GELU, a final LayerNorm, a
linear head on the class token), on random 32x32x3 images, batch 128,
torchvision's sigmoid_focal_loss (gamma = alpha = 0.5, "mean"), the paper's
SGD (lr 1e-3, momentum 0.9).

    python3 bench/peers/torch_vit_train.py --threads 2 --steps 5 --patch 4 --width 64 --depth 4 --heads 4

Prints one JSON object: threads, torch, secondsPerStep.
"""
import argparse
import json

import torch
import torch.nn as nn

from _device import add_device_argument, describe, seconds_per_step

parser = argparse.ArgumentParser()
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--steps", type=int, default=5)
parser.add_argument("--image", type=int, default=32)
parser.add_argument("--patch", type=int, default=4)
parser.add_argument("--width", type=int, default=64)
parser.add_argument("--depth", type=int, default=4)
parser.add_argument("--heads", type=int, default=4)
parser.add_argument("--batch", type=int, default=128)
add_device_argument(parser)
args = parser.parse_args()
torch.set_num_threads(args.threads)


class Block(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.norm1 = nn.LayerNorm(d, eps=1e-6)
        self.attn = nn.MultiheadAttention(d, heads, batch_first=True)
        self.norm2 = nn.LayerNorm(d, eps=1e-6)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

    def forward(self, x):
        h = self.norm1(x)
        x = x + self.attn(h, h, h, need_weights=False)[0]
        return x + self.mlp(self.norm2(x))


class ViT(nn.Module):
    def __init__(self):
        super().__init__()
        d, p = args.width, args.patch
        self.embed = nn.Conv2d(3, d, p, stride=p)
        tokens = (args.image // p) ** 2 + 1
        self.cls = nn.Parameter(torch.zeros(1, 1, d))
        self.pos = nn.Parameter(torch.zeros(1, tokens, d))
        self.blocks = nn.Sequential(*[Block(d, args.heads) for _ in range(args.depth)])
        self.norm = nn.LayerNorm(d, eps=1e-6)
        self.head = nn.Linear(d, 1)

    def forward(self, x):
        x = self.embed(x).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls.expand(x.shape[0], -1, -1), x], dim=1) + self.pos
        x = self.norm(self.blocks(x))
        return self.head(x[:, 0])


model = ViT().to(args.device)
optimizer = torch.optim.SGD(model.parameters(), 1e-3, momentum=0.9)
x = torch.rand(args.batch, 3, args.image, args.image, device=args.device)
y = (torch.rand(args.batch, 1, device=args.device) < 0.3).float()

seconds_step = seconds_per_step(model, optimizer, x, y, args.steps, 2, args.device)
print(json.dumps({
    "threads": args.threads,
    "torch": torch.__version__,
    "device": describe(args.device),
    "secondsPerStep": seconds_step,
}))
