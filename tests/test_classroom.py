"""Classroom commands: doctor and prefetch, offline and fast, never leaking credentials."""

from __future__ import annotations

import os
import subprocess
import sys
import time

SECRET = "hf_thisIsAFakeTokenThatMustNeverBePrinted"


def workshop(*args: str, tmp_path) -> tuple[subprocess.CompletedProcess, float]:
    """Run `python -m workshop_lib.cli ARGS` with an empty cache and an unreachable hub."""
    env = {**os.environ, "HF_HOME": str(tmp_path), "HF_ENDPOINT": "http://127.0.0.1:9", "HF_TOKEN": SECRET}
    env.pop("HF_HUB_OFFLINE", None)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "workshop_lib.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done, time.perf_counter() - start


def test_doctor_reports_every_item_with_advice(tmp_path):
    done, seconds = workshop("doctor", tmp_path=tmp_path)
    out = done.stdout
    assert seconds < 15  # most of it is importing torch
    for item in ["Python", "torch", "transformers", "device:", "free disk", "cached", "reachable"]:
        assert item in out, item
    assert "[!!] hub http://127.0.0.1:9 reachable" in out and "HF_HUB_OFFLINE=1" in out
    assert "[!!] model openai-community/gpt2 cached" in out and "prefetch" in out
    assert done.returncode == 1
    assert SECRET not in out + done.stderr


def test_prefetch_offline_fails_fast_with_advice(tmp_path):
    done, seconds = workshop("prefetch", tmp_path=tmp_path)
    assert seconds < 10
    assert done.returncode == 3
    assert "is not reachable" in done.stderr and "MODEL_NAME='/path/to/model'" in done.stderr
    assert "Traceback" not in done.stderr
    assert SECRET not in done.stdout + done.stderr
