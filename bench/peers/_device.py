"""What the PyTorch peers share for --device: cpu (this machine's peers) or
cuda (the GPU machine's, scripts/device/gpu.sh). On CUDA, kernels run
asynchronously: a timed block ends with torch.cuda.synchronize(), so that it
measures the work and not its launch."""
import time

import torch


def add_device_argument(parser):
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")


def synchronize(device):
    if device == "cuda":
        torch.cuda.synchronize()


def describe(device):
    """The device as the peer's JSON names it."""
    return torch.cuda.get_device_name(0) if device == "cuda" else "cpu"


def seconds_per_step(model, optimizer, x, y, steps, warmup, device):
    """One training step (the sigmoid focal loss of the paper's reference, γ
    0.5, α 0.5, mean), run `warmup` times, then timed over `steps`."""
    from torchvision.ops import sigmoid_focal_loss

    def step():
        optimizer.zero_grad()
        loss = sigmoid_focal_loss(model(x), y, 0.5, 0.5, "mean")
        loss.backward()
        optimizer.step()

    for _ in range(warmup):
        step()
    synchronize(device)
    start = time.perf_counter()
    for _ in range(steps):
        step()
    synchronize(device)
    return (time.perf_counter() - start) / steps
