"""Pick the device and numeric precision: CUDA (bf16/fp16), Apple MPS, CPU (bf16 where faster, else fp32)."""

from __future__ import annotations

import platform
import time
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import torch

from .settings import PRECISIONS

LIBRARIES = ["torch", "transformers", "datasets", "evaluate", "accelerate", "tokenizers", "scikit-learn"]
LIBRARIES += ["papermill", "ipywidgets"]  # the headless runner and notebook 06's widget


def versions() -> dict[str, str | None]:
    """Installed versions of Python and the workshop's libraries (None: not installed)."""
    found: dict[str, str | None] = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = None
    return found


def cpu_kind() -> str:
    """The CPU's maker and the vector instructions PyTorch uses on it, such as "GenuineIntel AVX512".

    fp32 training rounds alike on CPUs of one kind and differently on another: over the thousand steps of
    the smoke profile, by a large move of MCC (benchmarks/results/smoke-bands.json names each point's kind).
    """
    try:
        info = Path("/proc/cpuinfo").read_text().splitlines()
        maker = next(line.split(":", 1)[1].strip() for line in info if line.startswith("vendor_id"))
    except (OSError, StopIteration):
        maker = platform.machine() or "unknown"
    return f"{maker} {torch.backends.cpu.get_cpu_capability()}"


def pick_device() -> str:
    """Return 'cuda', 'mps' or 'cpu', whichever is the fastest available."""
    if torch.cuda.is_available():
        return "cuda"
    if torch.backends.mps.is_available():
        return "mps"
    return "cpu"


def cpu_has_native_bf16() -> bool:
    """True when this CPU multiplies bf16 in hardware (AVX-512 BF16 or AMX); emulated bf16 would be slower."""
    checks = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")  # torch.cpu's own feature probes
    return any(getattr(torch.cpu, name, lambda: False)() for name in checks)


BF16_GAIN = 1.2  # "auto" trains a CPU in bf16 only when it multiplies at least this much faster than in fp32


@cache
def cpu_bf16_gain() -> float:
    """How many times faster this CPU multiplies a GPT-2-sized matrix product in bf16 than in fp32 (timed)."""
    best = {torch.float32: float("inf"), torch.bfloat16: float("inf")}
    pairs = {d: (torch.randn(512, 768, dtype=d), torch.randn(768, 3072, dtype=d)) for d in best}
    for a, b in pairs.values():  # untimed: a first call's one-off set-up
        a @ b
    for _ in range(6):  # interleaved, best of each: a busy moment slows one round, not one precision
        for dtype, (a, b) in pairs.items():
            start = time.perf_counter()
            a @ b
            best[dtype] = min(best[dtype], time.perf_counter() - start)
        if best[torch.bfloat16] > 10 * best[torch.float32]:  # emulated bf16, far slower: one round tells
            break
    return best[torch.float32] / best[torch.bfloat16]


def pick_precision(device: str, requested: str = "auto") -> str:
    """Return the precision to train in: mixed precision where the hardware computes it natively and fast."""
    if requested not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, not {requested!r}.")
    if requested == "fp16" and device != "cuda":
        raise ValueError(f"fp16 mixed precision needs a CUDA GPU; this run is on {device}.")
    if requested == "bf16" and device != "cuda" and not (device == "cpu" and cpu_has_native_bf16()):
        raise ValueError(
            "bf16 mixed precision needs a CUDA GPU or a CPU with native bf16 (AVX-512 BF16 or AMX); this "
            f"run is on {device}{' without it' if device == 'cpu' else ''}. Use precision 'fp32' or 'auto'."
        )
    if requested != "auto":
        return requested
    if device == "cuda":
        # Native bf16 only (Ampere and newer): by default torch also reports the slow emulation on a T4/V100.
        return "bf16" if torch.cuda.is_bf16_supported(including_emulation=False) else "fp16"
    # bf16 autocast on a CPU with native bf16: as accurate for the stand-in, faster than fp32 for GPT-2 small
    # on one 2-core CPU, but slower on another with the same flags (measured: BENCHMARKS.md@afa5ab8,
    # "Candidates, each measured", "Accuracy holds", "The quick profile"): so timed here, not assumed.
    return "bf16" if device == "cpu" and cpu_has_native_bf16() and cpu_bf16_gain() >= BF16_GAIN else "fp32"


def training_attention(device: str) -> str:
    """The attention kernel to train with: the plain one ("eager") on a CPU, the fused SDPA elsewhere."""
    # At CoLA's lengths (at most 45 tokens) the fused kernel's backward on a CPU cost more than the plain
    # attention's small matrix products (measured: BENCHMARKS.md@afa5ab8, "Attention on a CPU").
    return "eager" if device == "cpu" else "sdpa"


def describe(requested: str = "auto") -> str:
    """One line naming the device and the precision a run with `requested` precision trains in."""
    device = pick_device()
    precision = pick_precision(device, requested)
    if device == "cuda":
        return f"cuda ({torch.cuda.get_device_name(0)}), precision {precision}"
    if device == "mps":
        return f"mps (Apple GPU), precision {precision}"
    return f"cpu ({torch.get_num_threads()} threads), precision {precision}"
