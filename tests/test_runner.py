"""The headless papermill chain: learning, reproducibility, baseline regression checks."""

from __future__ import annotations

import json

import pytest

from workshop_lib.runner import baseline_from, compare, main, parse_value, quality_metrics


def test_parse_value_like_papermill():
    assert [parse_value(v) for v in ["3", "2e-5", "None", "true", "/data/cola"]] == [
        3,
        2e-5,
        None,
        True,
        "/data/cola",
    ]


def test_compare_names_the_metric_that_moved():
    baseline = {"metrics": {"training.mcc": {"value": 0.70, "tolerance": 0.02}}}
    assert compare({"training": {"mcc": 0.71}}, baseline) == []
    [problem] = compare({"training": {"mcc": 0.60}}, baseline)
    assert problem.startswith("training.mcc: moved from 0.7 to 0.6000")
    assert compare({}, baseline) == ["training.mcc: missing from this run (baseline 0.7)"]


def test_timings_never_enter_a_baseline():
    metrics = {"training": {"mcc": 0.7, "train_seconds": 5.0, "train_samples_per_second": 300.0}}
    assert list(baseline_from(metrics)["metrics"]) == ["training.mcc"]


@pytest.mark.slow
def test_smoke_chain_learns_and_is_reproducible(tmp_path, capsys):
    runs = []
    for name in ("first", "second"):
        code = main(["--profile", "smoke", "--run-dir", str(tmp_path / name)])
        assert code == 0, capsys.readouterr().err
        runs.append(json.loads((tmp_path / name / "metrics.json").read_text())["metrics"])
        assert (tmp_path / name / "report.md").is_file()
        assert len(list((tmp_path / name).glob("0[1-6]_*.ipynb"))) == 6
    assert runs[0]["training"]["mcc"] >= 0.5
    assert quality_metrics(runs[0]) == quality_metrics(runs[1])


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
