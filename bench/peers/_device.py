"""What the PyTorch peers share for --device: cpu (this machine's peers) or
cuda (the GPU machine's, scripts/device/gpu.sh). On CUDA, kernels run
asynchronously: a timed block ends with torch.cuda.synchronize(), so that it
measures the work and not its launch."""
import torch


def add_device_argument(parser):
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")


def synchronize(device):
    if device == "cuda":
        torch.cuda.synchronize()


def describe(device):
    """The device as the peer's JSON names it."""
    return torch.cuda.get_device_name(0) if device == "cuda" else "cpu"
