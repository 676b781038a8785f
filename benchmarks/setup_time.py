"""First-time setup of a fresh clone: `./workshop.sh` installing everything into a new .venv, uv against pip.

Each round clones this repository's last commit into a temporary folder and times `./workshop.sh doctor
--help` there (the whole set-up, then a help text) once with each installer (WORKSHOP_INSTALLER=uv, =pip),
in alternating order. Both take packages from wherever pip is configured to (here: the machine's local wheel
folder and package mirror), and uv keeps its cache (~/.cache/uv) between rounds, as on a machine that
installed once before; whether it was there at the start is recorded.

    python benchmarks/setup_time.py [--rounds 1] --json benchmarks/results/setup-time.json
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import time
from pathlib import Path

from train_speed import load, machine, origin, publish  # same script folder

ROOT = Path(__file__).resolve().parent.parent
INSTALLERS = ("uv", "pip")
UV_CACHE = Path(os.environ.get("UV_CACHE_DIR") or Path.home() / ".cache" / "uv")


def timed_setup(installer: str) -> float:
    """Seconds for a fresh clone's `./workshop.sh doctor --help` with one installer."""
    with tempfile.TemporaryDirectory() as work:
        clone = Path(work) / "workshop"
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
        env = {**os.environ, "WORKSHOP_INSTALLER": installer}
        start = time.perf_counter()
        done = subprocess.run(
            ["./workshop.sh", "doctor", "--help"], cwd=clone, env=env, capture_output=True, text=True
        )
        seconds = time.perf_counter() - start
        if done.returncode or "uv could not install" in done.stderr:
            raise SystemExit(f"{installer}: the set-up failed:\n{done.stderr[-3000:]}")
        return seconds


def main(argv: list[str] | None = None) -> dict:
    """Time the set-up with each installer and publish the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1, help="set-ups per installer, alternating")
    parser.add_argument("--json", type=Path, help="also write the report here")
    args = parser.parse_args(argv)
    provenance = origin("setup_time.py", argv)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    warm = UV_CACHE.is_dir()
    seconds: dict[str, list[float]] = {i: [] for i in INSTALLERS}
    loads = [load()]
    for round_ in range(args.rounds):
        for installer in INSTALLERS[:: 1 if round_ % 2 == 0 else -1]:
            seconds[installer].append(timed_setup(installer))
            loads.append(load())
            print(f"{installer}: {seconds[installer][-1]:.0f} s (load {loads[-1]})", flush=True)
    report = {
        "commit": commit.stdout.strip(),
        "seconds": seconds,
        "uv_cache_at_start": warm,
        "load": loads,
        "machine": machine(),
        **provenance,
    }
    return publish(report, args.json)


if __name__ == "__main__":
    main()
