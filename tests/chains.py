"""A headless smoke chain killed with SIGKILL while notebook 05 trains (tests/test_resume.py resumes it)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil

KILL_AT = "artifacts/checkpoints/checkpoint-270/trainer_state.json"  # epoch 3 of 10 (90 steps: 1,440 / 16)
RESUME_TEST = "test_a_run_killed_while_training_resumes_to_the_same_metrics"  # tests/test_resume.py


def runner_command(*args: str) -> list[str]:
    """The headless runner's command line."""
    return [sys.executable, "-m", "workshop_lib.commands", "run", *args]


def kill_while_training(run_dir: Path) -> list:
    """Start a smoke chain and SIGKILL it and its kernel once notebook 05 saved epoch 3; the survivors."""
    no_baseline = ["--baseline", str(run_dir.parent / "none.json")]
    chain = subprocess.Popen(
        runner_command("--profile", "smoke", "--run-dir", str(run_dir), *no_baseline),
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 900
    while not (run_dir / KILL_AT).exists():  # notebook 05 is training
        if chain.poll() is not None or time.monotonic() > deadline:
            if chain.poll() is None:
                os.killpg(chain.pid, signal.SIGKILL)
            raise AssertionError("the run ended (or hung) before training got to epoch 3")
        time.sleep(0.1)
    family = psutil.Process(chain.pid).children(recursive=True)  # papermill's kernel: its own session
    os.killpg(chain.pid, signal.SIGKILL)  # like a closed laptop lid: no clean-up at all
    chain.wait()
    return psutil.wait_procs(family, timeout=20)[1]
