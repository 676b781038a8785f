"""Run code as on a machine whose hub is out of reach, timing the work but not the imports."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

# Imported before the clock starts: on a busy 2-core machine importing torch alone can take 10 s, and the
# promise under test is about waiting for the network, not about import time.
PRELOAD = (
    "import time, atexit, sys, torch, transformers, datasets\n"
    "import workshop_lib.commands.classroom, workshop_lib.commands.main\n"
)
CLOCK = (
    "_start = time.perf_counter()\n"
    "atexit.register(lambda: print(f'@elapsed {time.perf_counter() - _start:.3f}', file=sys.stderr))\n"
)


def elapsed(done: subprocess.CompletedProcess) -> float:
    """The seconds the child measured from after its imports to its exit."""
    return float(done.stderr.rsplit("@elapsed ", 1)[1].split()[0])


def timed_python(
    code: str, env: dict, args: tuple[str, ...] = ()
) -> tuple[subprocess.CompletedProcess, float]:
    """Run `code` in a fresh Python after the heavy imports; return the process and its timed seconds."""
    done = subprocess.run(
        [sys.executable, "-c", PRELOAD + CLOCK + code, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done, elapsed(done)


def offline_run(code: str, cache: Path) -> tuple[subprocess.CompletedProcess, float]:
    """Run Python code in a fresh process with an empty cache and an unreachable hub; time it."""
    env = {"PATH": "/usr/bin:/bin", "HF_HOME": str(cache), "HF_ENDPOINT": "http://127.0.0.1:9"}
    return timed_python(code, env)
