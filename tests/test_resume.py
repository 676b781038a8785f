"""Headless runs that survive a kill: `runner --resume RUN_DIR` continues where the run stopped."""

from __future__ import annotations

import json
import subprocess

import pytest
from chains import runner_command as command

from workshop_lib.commands.baseline import quality_metrics
from workshop_lib.commands.run import RUN_STATE, kept_notebooks, main
from workshop_lib.paths import notebook_sources


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


def test_a_run_killed_while_training_resumes_to_the_same_metrics(killed_run, smoke_run):
    """A second smoke chain, killed while notebook 05 trains, resumed: the session chain's metrics again.

    This is also the suite's reproducibility check: two runs of the same settings, identical metrics. The
    kill itself happened in the background while the first tests ran (tests/conftest.py, `killed_run`).
    """
    killed_dir, alive = killed_run()
    assert not alive, "a kernel went on training after its runner died"
    finished = json.loads((killed_dir / RUN_STATE).read_text())["finished"]
    assert "04_training_setup_and_metric" in finished and "05_training" not in finished
    assert not (killed_dir / "artifacts" / "model").exists()

    no_baseline = ["--baseline", str(killed_dir.parent / "none.json")]
    resumed = subprocess.run(
        command("--resume", str(killed_dir), *no_baseline), capture_output=True, text=True, timeout=900
    )
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "IPKernelApp" not in resumed.stderr  # the log a learner reads: no kernel's transport warning
    assert (
        "[04_training_setup_and_metric] kept" in resumed.stdout and "[05_training] running" in resumed.stdout
    )
    assert "Resuming from" in (killed_dir / "05_training.ipynb").read_text()
    expected, got = (rounded(run / "metrics.json") for run in (smoke_run, killed_dir))
    assert got == expected and "training.train_loss" in got  # the whole run's loss, so it matches too


def rounded(path) -> dict[str, float]:
    """A run's quality metrics (no timings) to 4 decimal places."""
    return {k: round(v, 4) for k, v in quality_metrics(json.loads(path.read_text())["metrics"]).items()}
