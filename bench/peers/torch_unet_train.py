#!/usr/bin/env python3
"""Peer timing for bench/models.ts: PyTorch's CPU training step of the
U-Net of Appendix A.6 (clemkoa/u-net as the paper modified it: DoubleConv of
(conv 3x3 pad 1, BatchNorm, ReLU) twice, four max-pool downs doubling the
width, four ConvTranspose2d(k2, s2) ups padded to the skip and concatenated,
a 1x1 conv), batch 64 of random 28x28 images with their > 0.5 masks,
torchvision's sigmoid_focal_loss per pixel (gamma = alpha = 0.5, "mean"),
the paper's SGD (lr 1e-3, momentum 0.9): forward, backward, optimizer step.

    python3 bench/peers/torch_unet_train.py --threads 2 --steps 20 --widths 4 8 16

Prints one JSON object: threads, torch, results [{width, secondsPerStep}].
"""
import argparse
import json

import torch
import torch.nn as nn
import torch.nn.functional as F

from _device import add_device_argument, describe, seconds_per_step

parser = argparse.ArgumentParser()
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--steps", type=int, default=20)
parser.add_argument("--widths", type=int, nargs="+", default=[4, 8, 16])
add_device_argument(parser)
args = parser.parse_args()
torch.set_num_threads(args.threads)
BATCH = 64


def double_conv(i, o):
    return nn.Sequential(
        nn.Conv2d(i, o, 3, padding=1), nn.BatchNorm2d(o), nn.ReLU(inplace=True),
        nn.Conv2d(o, o, 3, padding=1), nn.BatchNorm2d(o), nn.ReLU(inplace=True),
    )


class Up(nn.Module):
    def __init__(self, i, o):
        super().__init__()
        self.up = nn.ConvTranspose2d(i, i // 2, 2, stride=2)
        self.conv = double_conv(i, o)

    def forward(self, x, skip):
        x = self.up(x)
        dy, dx = skip.size(2) - x.size(2), skip.size(3) - x.size(3)
        x = F.pad(x, [dx // 2, dx - dx // 2, dy // 2, dy - dy // 2])
        return self.conv(torch.cat([x, skip], dim=1))


class UNet(nn.Module):
    def __init__(self, width):
        super().__init__()
        w = width
        self.inc = double_conv(1, w)
        self.downs = nn.ModuleList([
            nn.Sequential(nn.MaxPool2d(2), double_conv(w << k, w << (k + 1))) for k in range(4)
        ])
        self.ups = nn.ModuleList([Up(w << k, w << (k - 1)) for k in range(4, 0, -1)])
        self.outc = nn.Conv2d(w, 1, 1)

    def forward(self, x):
        skips = [self.inc(x)]
        for down in self.downs:
            skips.append(down(skips[-1]))
        x = skips.pop()
        for up in self.ups:
            x = up(x, skips.pop())
        return self.outc(x)


results = []
for width in args.widths:
    model = UNet(width).to(args.device)
    optimizer = torch.optim.SGD(model.parameters(), 1e-3, momentum=0.9)
    x = torch.rand(BATCH, 1, 28, 28, device=args.device)
    y = (x > 0.5).float()

    results.append({
        "width": width,
        "secondsPerStep": seconds_per_step(model, optimizer, x, y, args.steps, 3, args.device),
    })
print(json.dumps({
    "threads": args.threads,
    "torch": torch.__version__,
    "device": describe(args.device),
    "results": results,
}))
