#!/usr/bin/env python3
"""Peer timing for bench/training.ts: PyTorch's CPU training step of the
paper's binary CNN (Appendix A.4) on MNIST (28x28x1, batch 64) or, with
--cifar10, CIFAR-10 (32x32x3, batch 128), torchvision's sigmoid_focal_loss
(gamma = alpha = 0.5, "mean"), the paper's SGD (lr 1e-3, momentum 0.9) or
Adam 1e-3, on random images: forward, backward and optimizer step, one model.

    python3 bench/peers/torch_cnn_train.py --threads 2 --steps 300 --optimizer sgd [--cifar10]

Prints one JSON object: imagesPerSecond, threads, steps, torch.
"""
import argparse
import json

import torch
import torch.nn as nn
import torch.nn.functional as F

from _device import add_device_argument, describe, seconds_per_step

parser = argparse.ArgumentParser()
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--steps", type=int, default=300)
parser.add_argument("--optimizer", choices=["sgd", "adam"], default="sgd")
parser.add_argument("--cifar10", action="store_true")
add_device_argument(parser)
args = parser.parse_args()
torch.set_num_threads(args.threads)
BATCH, SIDE, CHANNELS = (128, 32, 3) if args.cifar10 else (64, 28, 1)
FLAT_SIDE = ((SIDE - 4) // 2 - 4) // 2


class CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(CHANNELS, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(FLAT_SIDE * FLAT_SIDE * 16, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 1)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


model = CNN().to(args.device)
optimizer = (
    torch.optim.SGD(model.parameters(), 1e-3, momentum=0.9)
    if args.optimizer == "sgd"
    else torch.optim.Adam(model.parameters(), 1e-3)
)
x = torch.rand(BATCH, CHANNELS, SIDE, SIDE, device=args.device)
if args.cifar10:
    x = x * 2 - 1  # inputs (x - 0.5)/0.5, as Figure 5 trains
y = (torch.rand(BATCH, 1, device=args.device) < 0.3).float()

seconds = seconds_per_step(model, optimizer, x, y, args.steps, 20, args.device)
print(json.dumps({
    "imagesPerSecond": BATCH / seconds,
    "batch": BATCH,
    "threads": args.threads,
    "optimizer": args.optimizer,
    "steps": args.steps,
    "torch": torch.__version__,
    "device": describe(args.device),
}))
