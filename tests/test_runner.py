"""The headless papermill chain: learning, reproducibility, baseline regression checks."""

from __future__ import annotations

import json
import shutil

import pytest
from learning import LEARNT_MCC

from workshop_lib.commands.baseline import baseline_from, compare, default_baseline, other_settings
from workshop_lib.commands.run import checked_parameters, main
from workshop_lib.paths import PROJECT_ROOT, notebook_sources
from workshop_lib.settings import resolve


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


def test_smoke_chain_learns_and_passes_its_baseline(smoke_run):
    """The session's one smoke chain; tests/test_resume.py reruns it (killed, resumed) to the same metrics."""
    summary = json.loads((smoke_run / "metrics.json").read_text())
    assert summary["metrics"]["training"]["mcc"] >= LEARNT_MCC
    report = (smoke_run / "report.md").read_text()
    if default_baseline("smoke").is_file():  # the record of this kind of CPU (fp32 rounds per kind)
        assert "Baseline check: passed" in report  # not "not compared"
    else:  # a new kind of CPU: said so, with the way to record one, never a silent pass
        assert "Baseline check: no baseline for profile 'smoke'" in report and "--save-baseline" in report
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


def test_regression_exits_non_zero(tmp_path, capsys, monkeypatch):
    import workshop_lib.commands.run as runner

    monkeypatch.setattr(runner, "run_notebooks", lambda run_dir, parameters: {"01_goal": 1.0})

    def fake_metrics(artifacts):
        return {"training": {"mcc": 0.1}}

    monkeypatch.setattr(runner, "read_metrics", fake_metrics)
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps({"metrics": {"training.mcc": {"value": 0.7, "tolerance": 0.02}}}))
    assert main(["--profile", "smoke", "--run-dir", str(tmp_path / "run"), "--baseline", str(baseline)]) == 2
    assert "training.mcc: moved from 0.7 to 0.1000" in capsys.readouterr().out


def test_a_baseline_of_another_kind_of_cpu_is_not_compared(monkeypatch):
    import workshop_lib.commands.baseline as check

    baseline = baseline_from({"training": {"mcc": 0.7}}, resolve("smoke"))
    assert other_settings(baseline, resolve("smoke")) == []
    other = next(kind for kind in ("AuthenticAMD AVX2", "GenuineIntel AVX512") if kind != baseline["cpu"])
    monkeypatch.setattr(check, "cpu_kind", lambda: other)
    assert other_settings(baseline, resolve("smoke")) == [f"cpu: {baseline['cpu']!r} there, {other!r} here"]
    assert default_baseline("smoke").name == f"smoke-{other.lower().replace(' ', '-')}.json"
