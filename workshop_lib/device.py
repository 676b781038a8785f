"""Choose the device and numeric precision: CUDA (bf16/fp16), Apple MPS, or fp32 on the CPU."""

from __future__ import annotations

import torch

from .config import PRECISIONS


def pick_device() -> str:
    """Return 'cuda', 'mps' or 'cpu', whichever is the fastest available."""
    if torch.cuda.is_available():
        return "cuda"
    if torch.backends.mps.is_available():
        return "mps"
    return "cpu"


def pick_precision(device: str, requested: str = "auto") -> str:
    """Return the precision to train in: mixed precision on CUDA only (CPUs here lack fast bf16)."""
    if requested not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, not {requested!r}.")
    if requested != "auto":
        if requested != "fp32" and device != "cuda":
            raise ValueError(f"{requested} mixed precision needs a CUDA GPU; this run is on {device}.")
        return requested
    if device == "cuda":
        # Native bf16 only (Ampere and newer): by default torch also reports the slow emulation on a T4/V100.
        return "bf16" if torch.cuda.is_bf16_supported(including_emulation=False) else "fp16"
    return "fp32"


def describe() -> str:
    """One line naming the device, for the notebooks' first cells."""
    device = pick_device()
    if device == "cuda":
        return f"cuda ({torch.cuda.get_device_name(0)}), precision {pick_precision(device)}"
    if device == "mps":
        return "mps (Apple GPU), precision fp32"
    return f"cpu ({torch.get_num_threads()} threads), precision fp32"
