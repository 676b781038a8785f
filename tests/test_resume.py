"""Headless runs that survive a kill: `runner --resume RUN_DIR` continues where the run stopped."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import psutil
import pytest

from workshop_lib.resources import notebook_sources
from workshop_lib.runner import RUN_STATE, kept_notebooks, main, quality_metrics

CHECKPOINT = "artifacts/checkpoints/checkpoint-300/trainer_state.json"  # epoch 3 of the smoke profile's 10


def command(*args: str) -> list[str]:
    """The headless runner's command line."""
    return [sys.executable, "-m", "workshop_lib.runner", *args]


def test_resume_keeps_only_the_notebooks_before_the_first_unfinished_one():
    stems = [p.stem for p in notebook_sources()]
    finished = {stems[0]: 1.0, stems[1]: 2.0, stems[3]: 4.0}  # the 4th cannot count: the 3rd did not finish
    assert kept_notebooks(finished) == {stems[0]: 1.0, stems[1]: 2.0}


def test_resume_needs_a_run_folder_and_no_new_parameters(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["--resume", str(tmp_path)])
    assert f"has no {RUN_STATE}" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--resume", str(tmp_path), "-p", "EPOCHS", "2"])
    assert "parameters it started with" in capsys.readouterr().err


def test_a_run_killed_while_training_resumes_to_the_same_metrics(smoke_run, tmp_path):
    """Kill a second smoke chain in notebook 05, resume it: the same metrics as the session's unbroken run.

    This is also the suite's reproducibility check: two runs of the same settings, identical metrics.
    """
    no_baseline = ["--baseline", str(tmp_path / "none.json")]
    killed_dir = tmp_path / "killed"
    killed = subprocess.Popen(
        command("--profile", "smoke", "--run-dir", str(killed_dir), *no_baseline),
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 900
    while not (killed_dir / CHECKPOINT).exists():  # notebook 05 is training
        assert killed.poll() is None and time.monotonic() < deadline, "the run ended before training got far"
        time.sleep(0.1)
    family = psutil.Process(killed.pid).children(recursive=True)  # papermill's kernel runs in its own session
    os.killpg(killed.pid, signal.SIGKILL)  # like a closed laptop lid: no clean-up at all
    killed.wait()
    _, alive = psutil.wait_procs(family, timeout=20)
    assert not alive, "a kernel went on training after its runner died"
    finished = json.loads((killed_dir / RUN_STATE).read_text())["finished"]
    assert "04_training_setup_and_metric" in finished and "05_training" not in finished
    assert not (killed_dir / "artifacts" / "model").exists()

    resumed = subprocess.run(
        command("--resume", str(killed_dir), *no_baseline), capture_output=True, text=True, timeout=900
    )
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert (
        "[04_training_setup_and_metric] kept" in resumed.stdout and "[05_training] running" in resumed.stdout
    )
    assert "Resuming from" in (killed_dir / "05_training.ipynb").read_text()
    expected, got = (rounded(run / "metrics.json") for run in (smoke_run, killed_dir))
    assert got == expected and "training.train_loss" in got  # the whole run's loss, so it matches too


def rounded(path) -> dict[str, float]:
    """A run's quality metrics (no timings) to 4 decimal places."""
    return {k: round(v, 4) for k, v in quality_metrics(json.loads(path.read_text())["metrics"]).items()}
