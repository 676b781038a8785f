"""The headless papermill chain: learning, reproducibility, baseline regression checks."""

from __future__ import annotations

import json
import shutil

import pytest

from workshop_lib.config import PROJECT_ROOT, resolve
from workshop_lib.runner import (
    baseline_from,
    checked_parameters,
    compare,
    main,
    other_settings,
    quality_metrics,
)


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
    import workshop_lib.runner as runner

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


def test_compare_names_the_metric_that_moved():
    baseline = {"metrics": {"training.mcc": {"value": 0.70, "tolerance": 0.02}}}
    assert compare({"training": {"mcc": 0.71}}, baseline) == []
    [problem] = compare({"training": {"mcc": 0.60}}, baseline)
    assert problem.startswith("training.mcc: moved from 0.7 to 0.6000")
    assert compare({}, baseline) == ["training.mcc: missing from this run (baseline 0.7)"]


def test_timings_never_enter_a_baseline():
    metrics = {"training": {"mcc": 0.7, "train_seconds": 5.0, "train_samples_per_second": 300.0}}
    assert list(baseline_from(metrics, resolve("smoke"))["metrics"]) == ["training.mcc"]


def test_a_baseline_applies_only_to_runs_with_its_settings():
    baseline = baseline_from({"training": {"mcc": 0.7}}, resolve("smoke"))
    assert "output_dir" not in baseline["settings"]
    assert other_settings(baseline, resolve("smoke", output_dir="/tmp/elsewhere")) == []
    assert other_settings(baseline, resolve("smoke", model_name="tiny-bert")) == [
        "model_name: 'tiny' there, 'tiny-bert' here"
    ]


@pytest.mark.slow
def test_smoke_chain_learns_and_is_reproducible(tmp_path, capsys):
    runs = []
    for name in ("first", "second"):
        code = main(["--profile", "smoke", "--run-dir", str(tmp_path / name)])
        assert code == 0, capsys.readouterr().err
        summary = json.loads((tmp_path / name / "metrics.json").read_text())
        runs.append(summary["metrics"])
        assert (tmp_path / name / "report.md").is_file()
        assert len(list((tmp_path / name).glob("0[1-6]_*.ipynb"))) == 6
        # what the runner resolved is what the notebooks used
        saved = json.loads((tmp_path / name / "artifacts" / "settings.json").read_text())
        assert summary["settings"] == saved and saved["model_name"] == "tiny"
    assert runs[0]["training"]["mcc"] >= 0.5
    assert quality_metrics(runs[0]) == quality_metrics(runs[1])


@pytest.mark.slow
def test_relative_paths_mean_the_callers_folder(tmp_path, monkeypatch):
    """A real papermill run (notebook 02 only) from another folder: relative DATA_SOURCE and --run-dir."""
    import workshop_lib.runner as runner

    shutil.copytree(PROJECT_ROOT / "data" / "acceptability", tmp_path / "mydata")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(runner, "notebooks", lambda: sorted(runner.NOTEBOOKS.glob("02_*.ipynb")))
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


def test_run_folder_is_never_reused(tmp_path):
    from workshop_lib.artifacts import ArtifactExistsError

    with pytest.raises(ArtifactExistsError):
        main(["--profile", "smoke", "--run-dir", str(tmp_path)])


def test_regression_exits_non_zero(tmp_path, capsys, monkeypatch):
    import workshop_lib.runner as runner

    monkeypatch.setattr(runner, "run_notebooks", lambda run_dir, parameters: {"01_goal": 1.0})

    def fake_metrics(artifacts):
        return {"training": {"mcc": 0.1}}

    monkeypatch.setattr(runner, "collect_metrics", fake_metrics)
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps({"metrics": {"training.mcc": {"value": 0.7, "tolerance": 0.02}}}))
    assert main(["--profile", "smoke", "--run-dir", str(tmp_path / "run"), "--baseline", str(baseline)]) == 2
    assert "training.mcc: moved from 0.7 to 0.1000" in capsys.readouterr().out
