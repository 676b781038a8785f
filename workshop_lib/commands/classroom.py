"""Classroom operations: prefetch the run's model and data for offline use, and a quick health check."""

from __future__ import annotations

import os
import platform
import shutil
import sys
import time
from pathlib import Path

from ..data import HUB_CONFIG, HUB_DATASET, OFFLINE_ALTERNATIVES, load_hub
from ..device import versions
from ..hub import hub_endpoint, hub_load, hub_reachable, is_local, offline_mode
from ..modeling import OFFLINE_ALTERNATIVES as MODEL_ALTERNATIVES
from ..modeling import ModelFolderError, check_model_folder
from ..settings import is_tiny_model, resolve

# What a download keeps: configs, safetensors weights (also sharded), tokenizer files. Never pickles.
MODEL_PATTERNS = ["*.json", "*.safetensors", "*.txt", "*.model"]
MIN_FREE_DISK_GB = 3.0  # GPT-2's weights, data, checkpoints of the full run
MIN_FREE_MEMORY_GB = 4.0  # the full profile's peak is far lower; leave room for Jupyter


def run_model(model: str | None = None, profile: str | None = None) -> str:
    """The model a run will use: the one given, else the profile's ($WORKSHOP_PROFILE, else full)."""
    return model or resolve(profile).model_name


def run_data(profile: str | None = None) -> str:
    """The data source of the profile's run."""
    return resolve(profile).data_source


def folder_problem(folder: str) -> str | None:
    """What is wrong with a local model folder (the loaders' own check), or None when it is complete."""
    try:
        check_model_folder(folder, "model")
        check_model_folder(folder, "tokenizer")
    except ModelFolderError as err:
        return str(err)
    return None


def prefetch(model: str | None = None, profile: str | None = None) -> int:
    """Download the run's model (safetensors only) and, when it uses the hub's CoLA, the data; 0 if ready."""
    from huggingface_hub import snapshot_download

    started, model = time.perf_counter(), run_model(model, profile)
    if is_tiny_model(model):
        print(f"model  {model}: nothing to fetch, the workshop builds it offline when a run needs it")
    elif is_local(model):
        if problem := folder_problem(model):
            print(f"model  {problem}", file=sys.stderr)
            return 1
        print(f"model  {model}: a local folder with config, weights and tokenizer; nothing to fetch")
    else:
        path = hub_load(
            lambda: snapshot_download(model, allow_patterns=MODEL_PATTERNS),
            f"the model '{model}'",
            MODEL_ALTERNATIVES,
        )
        print(f"model  {model}: cached in {path}")
    source = run_data(profile)
    if source == "hub":
        data = load_hub()
        print(f"data   {HUB_DATASET}/{HUB_CONFIG}: " + ", ".join(f"{k} {len(v)}" for k, v in data.items()))
    else:
        print(f"data   {source}: not on the hub; nothing to fetch")
    print(f"Done in {time.perf_counter() - started:.0f} s. Later runs work offline with HF_HUB_OFFLINE=1.")
    return 0


def model_cached(model: str) -> bool:
    """True when the hub model's config and safetensors weights (or their shard index) are cached."""
    from huggingface_hub import try_to_load_from_cache

    def cached(name: str) -> bool:
        return isinstance(try_to_load_from_cache(model, name), str)

    return cached("config.json") and (cached("model.safetensors") or cached("model.safetensors.index.json"))


def data_cached() -> bool:
    """True when the CoLA files of nyu-mll/glue are in the local hub cache."""
    from huggingface_hub import scan_cache_dir

    try:
        repos = scan_cache_dir().repos
    except Exception:  # no cache folder yet
        return False
    return any(r.repo_id == HUB_DATASET and r.repo_type == "dataset" for r in repos)


def available_memory_gb() -> float:
    """Memory available to new programs, in GB (Linux, macOS and Windows alike)."""
    import psutil

    return psutil.virtual_memory().available / 1024**3


def doctor(model: str | None = None, profile: str | None = None) -> int:
    """Print a health report with advice for every problem; return the number of problems."""
    import torch

    problems = 0

    def line(ok: bool, what: str, advice: str = "", failed: str = "") -> None:
        """One report line; `failed` replaces `what` when the check fails."""
        nonlocal problems
        problems += not ok
        text = what if ok else failed or what
        print(f"[{'ok' if ok else '!!'}] {text}" + (f"\n     -> {advice}" if not ok and advice else ""))

    line(sys.version_info >= (3, 10), f"Python {platform.python_version()}", "install Python 3.10 or newer")
    for name, found in list(versions().items())[1:]:
        line(found is not None, f"{name} {found}", "rerun ./workshop.sh to install it", f"{name} missing")
    if torch.cuda.is_available():
        line(True, f"device: CUDA ({torch.cuda.get_device_name(0)})")
    elif torch.backends.mps.is_available():
        line(True, "device: Apple MPS")
    else:
        line(True, f"device: CPU only ({os.cpu_count()} cores): use the smoke or quick profile in class")
    free_disk = shutil.disk_usage(".").free / 1024**3
    enough = f"free at least {MIN_FREE_DISK_GB:g} GB"
    line(free_disk >= MIN_FREE_DISK_GB, f"free disk {free_disk:.1f} GB", enough)
    memory = available_memory_gb()
    line(memory >= MIN_FREE_MEMORY_GB, f"available memory {memory:.1f} GB", "close other programs")
    model = run_model(model, profile)
    prefetch_advice = f"run `./workshop.sh prefetch --model {model}` while online"
    if is_tiny_model(model):
        line(True, f"model {model}: built offline by the workshop, nothing to fetch")
    elif is_local(model):
        problem = folder_problem(model)
        what, _, advice = (problem or "").partition("\nFix: ")
        line(not problem, f"model {model}: local folder with config, weights and tokenizer", advice, what)
    else:
        line(model_cached(model), f"model {model} cached", prefetch_advice, f"model {model} not cached")
    source = run_data(profile)
    if source == "hub":
        data = f"data {HUB_DATASET}/{HUB_CONFIG}"
        advice = f"run `./workshop.sh prefetch --profile {resolve(profile).profile}` while online"
        line(data_cached(), f"{data} cached", advice, f"{data} not cached")
    elif source != "embedded":
        line(Path(source).expanduser().is_dir(), f"data folder {source}", "check DATA_SOURCE's path")
    if offline_mode():
        line(True, "HF_HUB_OFFLINE=1: only the cache is used")
    else:
        line(
            hub_reachable(),
            f"hub {hub_endpoint()} reachable",
            "offline: prefetch beforehand and set HF_HUB_OFFLINE=1, or use the smoke profile; behind a "
            "proxy set HTTPS_PROXY (and NO_PROXY).\n" + OFFLINE_ALTERNATIVES.replace("  - ", "     -> "),
            f"hub {hub_endpoint()} not reachable",
        )
    print(f"{problems} problem(s) found." if problems else "All good.")
    return problems
