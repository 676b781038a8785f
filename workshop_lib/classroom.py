"""Classroom operations: prefetch the model and data for offline use, and a quick health check."""

from __future__ import annotations

import os
import platform
import shutil
import sys
import time
from importlib.metadata import PackageNotFoundError, version

from .data import HUB_CONFIG, HUB_DATASET, OFFLINE_ALTERNATIVES, load_hub
from .hub import hub_endpoint, hub_load, hub_reachable, offline_mode
from .modeling import HUB_MODEL
from .modeling import OFFLINE_ALTERNATIVES as MODEL_ALTERNATIVES

MODEL_FILES = [
    "config.json",
    "model.safetensors",
    "tokenizer.json",
    "vocab.json",
    "merges.txt",
    "tokenizer_config.json",
    "generation_config.json",
]
MIN_FREE_DISK_GB = 3.0  # GPT-2 (0.5 GB), data, checkpoints of the full run
MIN_FREE_MEMORY_GB = 4.0  # the full profile's peak is far lower; leave room for Jupyter


def prefetch(model: str = HUB_MODEL) -> None:
    """Download the model's safetensors files and CoLA into the Hugging Face cache."""
    from huggingface_hub import snapshot_download

    started = time.perf_counter()
    path = hub_load(
        lambda: snapshot_download(model, allow_patterns=MODEL_FILES),
        f"the model '{model}'",
        MODEL_ALTERNATIVES,
    )
    print(f"model  {model}: cached in {path}")
    data = load_hub()
    print(f"data   {HUB_DATASET}/{HUB_CONFIG}: " + ", ".join(f"{k} {len(v)}" for k, v in data.items()))
    print(f"Done in {time.perf_counter() - started:.0f} s. Later runs work offline with HF_HUB_OFFLINE=1.")


def model_cached(model: str = HUB_MODEL) -> bool:
    """True when the model's config and safetensors weights are in the local cache."""
    from huggingface_hub import try_to_load_from_cache

    return all(
        isinstance(try_to_load_from_cache(model, f), str) for f in ("config.json", "model.safetensors")
    )


def data_cached() -> bool:
    """True when the CoLA files of nyu-mll/glue are in the local hub cache."""
    from huggingface_hub import scan_cache_dir

    try:
        repos = scan_cache_dir().repos
    except Exception:  # no cache folder yet
        return False
    return any(r.repo_id == HUB_DATASET and r.repo_type == "dataset" for r in repos)


def _memory_gb() -> float | None:
    """Available memory in GB (Linux /proc/meminfo, else None)."""
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) / 1024**2
    except OSError:
        return None
    return None


def doctor() -> int:
    """Print a health report with advice for every problem; return the number of problems."""
    import torch

    problems = 0

    def line(ok: bool, what: str, advice: str = "") -> None:
        nonlocal problems
        problems += not ok
        print(f"[{'ok' if ok else '!!'}] {what}" + (f"\n     -> {advice}" if not ok and advice else ""))

    line(sys.version_info >= (3, 10), f"Python {platform.python_version()}", "install Python 3.10 or newer")
    for name in ["torch", "transformers", "datasets", "evaluate", "accelerate", "papermill", "ipywidgets"]:
        try:
            line(True, f"{name} {version(name)}")
        except PackageNotFoundError:
            line(False, f"{name} missing", "rerun ./workshop.sh to install it")
    if torch.cuda.is_available():
        line(True, f"device: CUDA ({torch.cuda.get_device_name(0)})")
    elif torch.backends.mps.is_available():
        line(True, "device: Apple MPS")
    else:
        line(True, f"device: CPU only ({os.cpu_count()} cores): use the smoke or quick profile in class")
    free_disk = shutil.disk_usage(".").free / 1024**3
    line(free_disk >= MIN_FREE_DISK_GB, f"free disk {free_disk:.1f} GB", "free at least 3 GB")
    memory = _memory_gb()
    if memory is not None:
        line(memory >= MIN_FREE_MEMORY_GB, f"available memory {memory:.1f} GB", "close other programs")
    line(model_cached(), f"model {HUB_MODEL} cached", "run `./workshop.sh prefetch` while online")
    line(
        data_cached(), f"data {HUB_DATASET}/{HUB_CONFIG} cached", "run `./workshop.sh prefetch` while online"
    )
    if offline_mode():
        line(True, "HF_HUB_OFFLINE=1: only the cache is used")
    else:
        line(
            hub_reachable(),
            f"hub {hub_endpoint()} reachable",
            "offline: prefetch beforehand and set HF_HUB_OFFLINE=1, or use the smoke profile.\n"
            + OFFLINE_ALTERNATIVES.replace("  - ", "     -> "),
        )
    print(f"{problems} problem(s) found." if problems else "All good.")
    return problems
