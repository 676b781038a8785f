"""First-time setup of a fresh clone: `./workshop.sh` installing everything into a new .venv, uv against pip.

Each round clones this repository's last commit into a temporary folder and times `./workshop.sh doctor
--help` there (the whole set-up, then a help text): with uv and an empty cache of its own (a learner's first
install), with uv again on the cache that run filled (a machine that installed once before), and with pip
(WORKSHOP_INSTALLER=pip); rounds alternate uv's pair and pip. Packages come from wherever pip is configured
to take them (here: the machine's local wheel folder and package mirror). Each run's torch is recorded, to
show that both installers took the same build.

    python benchmarks/setup_time.py [--rounds 1] --json benchmarks/results/setup-time.json
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from train_speed import load, machine, origin, publish, rounds_options  # same script folder

ROOT = Path(__file__).resolve().parent.parent
VARIANTS = ("uv, empty cache", "uv, cache filled", "pip")


def timed_setup(env: dict[str, str]) -> tuple[float, str]:
    """Seconds for a fresh clone's `./workshop.sh doctor --help`, and the torch it installed."""
    with tempfile.TemporaryDirectory() as work:
        clone = Path(work) / "workshop"
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
        start = time.perf_counter()
        done = subprocess.run(
            ["./workshop.sh", "doctor", "--help"], cwd=clone, env={**os.environ, **env}, capture_output=True,
            text=True,
        )
        seconds = time.perf_counter() - start
        if done.returncode or "uv could not install" in done.stderr:
            raise SystemExit(f"{env}: the set-up failed:\n{done.stderr[-3000:]}")
        code = "import torch; print(torch.__version__)"
        torch = subprocess.run([clone / ".venv/bin/python", "-c", code], capture_output=True, text=True)
        return seconds, torch.stdout.strip()


def main(argv: list[str] | None = None) -> dict:
    """Time the set-up with each installer and publish the report."""
    args = rounds_options(__doc__, 1, argv)  # a round: the three set-ups
    provenance = origin("setup_time.py", argv)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    seconds: dict[str, list[float]] = {v: [] for v in VARIANTS}
    torch: dict[str, set[str]] = {v: set() for v in VARIANTS}
    loads = [load()]
    for round_ in range(args.rounds):
        with tempfile.TemporaryDirectory() as cache:
            envs = {
                VARIANTS[0]: {"WORKSHOP_INSTALLER": "uv", "UV_CACHE_DIR": cache},
                VARIANTS[1]: {"WORKSHOP_INSTALLER": "uv", "UV_CACHE_DIR": cache},
                VARIANTS[2]: {"WORKSHOP_INSTALLER": "pip"},
            }
            for variant in VARIANTS if round_ % 2 == 0 else VARIANTS[2:] + VARIANTS[:2]:
                took, version = timed_setup(envs[variant])
                seconds[variant].append(took)
                torch[variant].add(version)
                loads.append(load())
                print(f"{variant}: {took:.0f} s, torch {version} (load {loads[-1]})", flush=True)
    report = {
        "commit": commit.stdout.strip(),
        "seconds": seconds,
        "torch": {k: sorted(v) for k, v in torch.items()},
        "uv_on_path": shutil.which("uv"),  # None: each clone fetched uv into its .venv first
        "load": loads,
        "machine": machine(),
        **provenance,
    }
    return publish(report, args.json)


if __name__ == "__main__":
    main()
