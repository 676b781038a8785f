"""Run code as on a machine whose hub is out of reach."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path


def offline_run(code: str, cache: Path) -> tuple[subprocess.CompletedProcess, float]:
    """Run Python code in a fresh process with an empty cache and an unreachable hub; time it."""
    env = {"PATH": "/usr/bin:/bin", "HF_HOME": str(cache), "HF_ENDPOINT": "http://127.0.0.1:9"}
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    return done, time.perf_counter() - start
