"""The drift canary: the smoke chain and the notebooks under nbval, newest releases pyproject.toml allows.

In a virtual environment of its own (.venv-canary, made afresh), installed by ./workshop.sh with
WORKSHOP_VERSIONS=newest and torch pinned to the build this checkout's .venv has (the local CPU wheel where
one is configured). Reports the versions it used (and which differ from constraints.txt) and each step's
outcome, in a results file.

    .venv/bin/python benchmarks/drift_canary.py --out benchmarks/results/drift-canary.json
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import time
from importlib.metadata import version
from pathlib import Path

from train_speed import machine, origin, publish  # same script folder

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv-canary"
VERSIONS = (
    "import json, importlib.metadata as m; "
    "print(json.dumps({d.metadata['Name'].lower(): d.version for d in m.distributions()}))"
)


def tested() -> dict[str, str]:
    """The pins of constraints.txt, name -> version."""
    pins = (line.split("==") for line in (ROOT / "constraints.txt").read_text().splitlines() if "==" in line)
    return {re.sub(r"[-_.]+", "-", name.strip().lower()): pin.strip() for name, pin in pins}


def step(name: str, command: list[str], env: dict) -> dict:
    """Run one step; its exit status, seconds and the last lines it printed."""
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    lines = (done.stdout + done.stderr).strip().splitlines()
    tail = [line for line in lines if line.startswith(("FAILED", "ERROR"))] + lines[-15:]  # what broke first
    print(f"{name}: exit {done.returncode} in {time.perf_counter() - start:.0f} s")
    return {
        "step": name,
        "command": " ".join(command),
        "exit": done.returncode,
        "seconds": round(time.perf_counter() - start),
        "tail": tail,
    }


def summary(report: dict) -> str:
    """The docs' paragraph: when, where, what it installed, which steps broke."""
    newer = ", ".join(f"{name} {moved}" for name, moved in report["differ_from_constraints"].items())
    steps = "; ".join(f"{s['step']}: exit {s['exit']} ({s['seconds']} s)" for s in report["steps"])
    return (
        f"{report['started_utc']} on {report['machine']['cpu']} ({report['machine']['kind']}), "
        f"torch {report['versions'].get('torch')}, transformers {report['versions'].get('transformers')}, "
        f"datasets {report['versions'].get('datasets')}, accelerate {report['versions'].get('accelerate')}. "
        f"Newer than constraints.txt: {newer or 'none'}. Steps: {steps}. "
        f"Broke: {', '.join(report['broke']) or 'nothing'}."
        + "".join(f" {failed}." for failed in failures(report))
    )


def failures(report: dict) -> list[str]:
    """The tests each step reported failed, once each, without terminal colours."""
    found = [re.sub(r"\x1b\[[0-9;]*m", "", line) for s in report["steps"] for line in s["tail"]]
    return list(dict.fromkeys(line for line in found if line.startswith(("FAILED", "ERROR"))))


def main(argv: list[str] | None = None) -> dict:
    """Install the newest allowed releases afresh, run the smoke chain and nbval, report what broke."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    shutil.rmtree(VENV, ignore_errors=True)
    shutil.rmtree(ROOT / "runs" / "drift-canary", ignore_errors=True)  # a fresh run each time
    env = {
        **{k: v for k, v in os.environ.items() if k != "PYTHONPATH"},  # the canary's own packages only
        "WORKSHOP_VENV": VENV.name,  # workshop.sh reads it from the repository root
        "WORKSHOP_VERSIONS": "newest",
        "WORKSHOP_TORCH": f"torch=={version('torch')}",
    }  # the build this checkout tests with
    python = str(VENV / "bin" / "python")
    steps = [step("install", ["./workshop.sh", "--help"], env)]
    used = json.loads(subprocess.run([python, "-c", VERSIONS], capture_output=True, text=True).stdout or "{}")
    pins = tested()
    newer = {
        name: f"{pins[name]} -> {v}" for name, v in sorted(used.items()) if name in pins and pins[name] != v
    }
    if steps[0]["exit"] == 0:
        steps.append(
            step(
                "smoke chain",
                [
                    python,
                    "-m",
                    "workshop_lib.commands",
                    "run",
                    "--profile",
                    "smoke",
                    "--regression",
                    "--run-dir",
                    str(ROOT / "runs" / "drift-canary"),  # runs/: where `workshop run` may write
                ],
                env,
            )
        )
        steps.append(
            step(
                "notebooks under nbval",
                [
                    str(VENV / "bin" / "pytest"),
                    "tests/test_notebooks.py",
                    "notebooks/solutions",
                    "--all",
                    "-q",
                    "-rfE",  # name the failures (addopts' -rs names only skips)
                    "-p",
                    "no:cacheprovider",
                ],
                env,
            )
        )
    broke = [s["step"] for s in steps if s["exit"] != 0]
    report = {
        **origin("drift_canary.py", argv),
        "machine": machine(),
        "versions": used,
        "differ_from_constraints": newer,
        "steps": steps,
        "broke": broke,
    }
    return publish(report, args.out)


if __name__ == "__main__":
    main()
