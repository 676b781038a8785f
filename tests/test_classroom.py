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


def fill_cache(hf_home, model_dir) -> None:
    """Lay a model folder out as the hub cache does after `prefetch` of openai-community/gpt2."""
    import shutil

    repo = hf_home / "hub" / "models--openai-community--gpt2"
    revision = "0" * 40
    shutil.copytree(model_dir, repo / "snapshots" / revision)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(revision)


def test_a_prefetched_model_loads_offline_and_doctor_sees_it(tmp_path, tiny_dir):
    fill_cache(tmp_path, tiny_dir)
    code = (
        "from workshop_lib.modeling import load_model; "
        "print(type(load_model('openai-community/gpt2')).__name__)"
    )
    for offline in ("1", None):  # HF_HUB_OFFLINE=1, and an unreachable hub without it
        env = {**os.environ, "HF_HOME": str(tmp_path), "HF_ENDPOINT": "http://127.0.0.1:9"}
        env.pop("HF_HUB_OFFLINE", None)
        if offline:
            env["HF_HUB_OFFLINE"] = offline
        done = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
        )
        assert done.stdout.strip().endswith("GPT2ForSequenceClassification"), done.stderr[-1500:]
    done, _ = workshop("doctor", tmp_path=tmp_path)
    assert "[ok] model openai-community/gpt2 cached" in done.stdout
