"""Classroom commands: doctor and prefetch, offline and fast, never leaking credentials."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from hubless import timed_python

SECRET = "hf_thisIsAFakeTokenThatMustNeverBePrinted"


def workshop(*args: str, tmp_path) -> tuple[subprocess.CompletedProcess, float]:
    """Run the `workshop` command line with ARGS, an empty cache and an unreachable hub; time it."""
    env = {**os.environ, "HF_HOME": str(tmp_path), "HF_ENDPOINT": "http://127.0.0.1:9", "HF_TOKEN": SECRET}
    env.pop("HF_HUB_OFFLINE", None)
    return timed_python("sys.exit(workshop_lib.commands.main.main(sys.argv[1:]))", env, args)


@pytest.mark.extended  # a fresh Python per call (torch imports): --all only
def test_doctor_reports_every_item_with_advice(tmp_path):
    done, seconds = workshop("doctor", "--profile", "full", tmp_path=tmp_path)
    out = done.stdout
    assert seconds < 10  # after the imports: the hub probe gives up within seconds
    for item in ["Python", "torch", "transformers", "device:", "free disk", "cached", "reachable"]:
        assert item in out, item
    assert "[!!] hub http://127.0.0.1:9 not reachable" in out and "HF_HUB_OFFLINE=1" in out
    assert (
        "[!!] model openai-community/gpt2 not cached" in out
        and "prefetch --model openai-community/gpt2" in out
    )
    assert "[!!] data nyu-mll/glue/cola not cached" in out
    assert done.returncode == 1
    assert SECRET not in out + done.stderr


@pytest.mark.extended  # a fresh Python per call (torch imports): --all only
def test_prefetch_offline_fails_fast_with_advice(tmp_path):
    done, seconds = workshop("prefetch", "--profile", "full", tmp_path=tmp_path)
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


@pytest.mark.extended  # a fresh Python per call (torch imports): --all only
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
    done, _ = workshop("doctor", "--profile", "full", tmp_path=tmp_path)
    assert "[ok] model openai-community/gpt2 cached" in done.stdout


@pytest.mark.extended  # a fresh Python per call (torch imports): --all only
def test_doctor_and_prefetch_check_the_model_the_run_uses(tmp_path, tiny_dir):
    done, _ = workshop("doctor", "--profile", "smoke", tmp_path=tmp_path)
    assert "[ok] model tiny: built offline by the workshop, nothing to fetch" in done.stdout
    assert "openai-community/gpt2" not in done.stdout and "nyu-mll" not in done.stdout  # smoke needs neither
    done, _ = workshop("prefetch", "--profile", "smoke", tmp_path=tmp_path)
    assert done.returncode == 0 and "model  tiny: nothing to fetch" in done.stdout, done.stderr[-2000:]
    assert "data   embedded: not on the hub" in done.stdout
    done, _ = workshop("doctor", "--model", str(tiny_dir), tmp_path=tmp_path)
    assert f"[ok] model {tiny_dir}: local folder with config, weights and tokenizer" in done.stdout
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text("{}")
    done, _ = workshop("doctor", "--model", str(broken), tmp_path=tmp_path)
    assert f"[!!] Model folder {broken}: " in done.stdout and "\n     -> " in done.stdout
    done, _ = workshop("prefetch", "--model", str(broken), "--profile", "smoke", tmp_path=tmp_path)
    assert done.returncode == 1 and f"Model folder {broken}: " in done.stderr and "Fix: " in done.stderr
    done, seconds = workshop("prefetch", "--model", "someone/other-model", tmp_path=tmp_path)
    assert done.returncode == 3 and "the model 'someone/other-model'" in done.stderr  # not GPT-2


def test_available_memory_comes_from_psutil(monkeypatch):
    import psutil

    from workshop_lib.commands.classroom import available_memory_gb

    memory = psutil.virtual_memory()._replace(total=16 * 1024**3, available=6.5 * 1024**3, free=1024**3)
    monkeypatch.setattr(psutil, "virtual_memory", lambda: memory)
    assert available_memory_gb() == 6.5  # what new programs can get (cache included), not free or total
