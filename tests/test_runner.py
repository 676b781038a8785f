"""The headless papermill chain: learning, reproducibility, baseline regression checks."""

from __future__ import annotations

import json
import shutil

import pytest
from learning import LEARNT_MCC

from workshop_lib.commands.baseline import default_baseline
from workshop_lib.commands.run import checked_parameters, main
from workshop_lib.paths import PROJECT_ROOT, notebook_sources


def test_parameters_read_by_their_declared_type():
    given = checked_parameters([("EPOCHS", "3"), ("learning_rate", "2e-5"), ("TRAIN_LIMIT", "None")], "quick")
    assert given == {"PROFILE": "quick", "EPOCHS": 3, "LEARNING_RATE": 2e-5}  # None: the profile's value


def test_unknown_parameter_is_refused_with_the_known_names(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--profile", "smoke", "-p", "EPOCH", "3", "--run-dir", str(tmp_path / "run")])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert (
        "Unknown parameter 'EPOCH' (did you mean EPOCHS?); the notebooks declare: PROFILE, MODEL_NAME" in err
    )
    assert "ZERO_SHOT_TRAIN_SAMPLE, OVERWRITE." in err
    assert not (tmp_path / "run").exists()  # refused before anything ran


def test_bad_value_is_refused_before_any_notebook_runs(tmp_path, capsys, monkeypatch):
    import workshop_lib.commands.run as runner

    monkeypatch.setattr(runner, "run_notebooks", lambda *a: pytest.fail("a notebook ran"))
    with pytest.raises(SystemExit):
        main(["--profile", "smoke", "-p", "BATCH_SIZE", "0", "--run-dir", str(tmp_path / "run")])
    assert (
        "Setting BATCH_SIZE (batch_size) got '0'; allowed: a whole number of at least 1."
        in capsys.readouterr().err
    )


def test_profile_twice_must_agree():
    with pytest.raises(ValueError, match="--profile smoke and -p PROFILE quick disagree"):
        checked_parameters([("PROFILE", "quick")], "smoke")


def test_smoke_chain_learns_and_passes_its_baseline(smoke_run):
    """The session's one smoke chain; tests/test_resume.py reruns it (killed, resumed) to the same metrics."""
    summary = json.loads((smoke_run / "metrics.json").read_text())
    assert summary["metrics"]["training"]["mcc"] >= LEARNT_MCC
    report = (smoke_run / "report.md").read_text()
    assert "Baseline check: passed (" in report  # compared on any machine: baselines/smoke.json
    assert sorted(p.name for p in smoke_run.glob("0[1-6]_*.ipynb")) == [p.name for p in notebook_sources()]
    # what the runner resolved is what the notebooks used
    saved = json.loads((smoke_run / "artifacts" / "settings.json").read_text())
    assert summary["settings"] == saved and saved["model_name"] == "tiny"
    assert set(summary["seconds"]) == {p.stem for p in notebook_sources()}


@pytest.mark.extended  # a real papermill run; tests/test_launcher.py checks the hand-over in the default tier
def test_relative_paths_mean_the_callers_folder(tmp_path, monkeypatch):
    """A real papermill run (notebook 02 only) from another folder: relative DATA_SOURCE and --run-dir."""
    import workshop_lib.commands.run as runner

    shutil.copytree(PROJECT_ROOT / "data" / "acceptability", tmp_path / "mydata")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(runner, "notebook_sources", lambda: notebook_sources()[1:2])  # 02 only
    args = [
        "--profile",
        "smoke",
        "-p",
        "DATA_SOURCE",
        "mydata",
        "--run-dir",
        "run",
        "--baseline",
        "none.json",
    ]
    assert main(args) == 0
    summary = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert summary["settings"]["data_source"] == str(tmp_path / "mydata")
    assert summary["settings"]["output_dir"] == str(tmp_path / "run" / "artifacts")
    assert (tmp_path / "run" / "02_data_exploration.ipynb").is_file()
    report = (tmp_path / "run" / "report.md").read_text()
    assert f"| data_source | {tmp_path / 'mydata'} |" in report


def test_run_folder_is_never_reused(tmp_path, capsys):
    (tmp_path / "mine.txt").write_text("keep me")
    assert main(["--profile", "smoke", "--run-dir", str(tmp_path)]) == 1
    assert f"workshop run: error: {tmp_path} already exists; runs never overwrite" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ["mine.txt"]


def test_a_regression_exits_2_a_regression_run_that_compared_nothing_3(tmp_path, capsys, monkeypatch):
    import workshop_lib.commands.run as runner

    monkeypatch.setattr(runner, "run_notebooks", lambda run_dir, parameters: {"01_goal": 1.0})
    monkeypatch.setattr(runner, "read_metrics", lambda artifacts: {"training": {"mcc": -0.2}})
    record = json.loads(default_baseline("smoke").read_text())
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps({**record, "exact": {}, "seeded": {}}))
    args = ["--profile", "smoke", "--baseline", str(baseline)]
    assert main([*args, "--run-dir", str(tmp_path / "run")]) == 2
    assert "training.mcc: -0.2000, outside the band" in capsys.readouterr().out
    absent = ["--profile", "smoke", "--baseline", str(tmp_path / "none.json")]
    assert main([*absent, "--run-dir", str(tmp_path / "learner")]) == 0  # a learner's run: says so
    assert main([*absent, "--run-dir", str(tmp_path / "maintainer"), "--regression"]) == 3
    assert capsys.readouterr().out.count("not compared") == 2
