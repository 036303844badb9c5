#!/usr/bin/env python3
"""Peer timing for bench/training.ts: PyTorch's CPU training step of the
paper's binary MNIST CNN (Appendix A.4), batch 64, torchvision's
sigmoid_focal_loss (gamma = alpha = 0.5, "mean"), the paper's SGD (lr 1e-3,
momentum 0.9) or Adam 1e-3, on random 28x28 images: forward, backward and
optimizer step, one model.

    python3 bench/peers/torch_cnn_train.py --threads 2 --steps 300 --optimizer sgd

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
add_device_argument(parser)
args = parser.parse_args()
torch.set_num_threads(args.threads)
BATCH = 64


class CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(4 * 4 * 16, 120)
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
x = torch.rand(BATCH, 1, 28, 28, device=args.device)
y = (torch.rand(BATCH, 1, device=args.device) < 0.3).float()

seconds = seconds_per_step(model, optimizer, x, y, args.steps, 20, args.device)
print(json.dumps({
    "imagesPerSecond": BATCH / seconds,
    "threads": args.threads,
    "optimizer": args.optimizer,
    "steps": args.steps,
    "torch": torch.__version__,
    "device": describe(args.device),
}))
