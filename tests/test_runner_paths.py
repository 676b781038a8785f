"""The runner's other paths: a failing notebook, "not compared", no baseline, report.md."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

import workshop_lib.commands.run as runner
from workshop_lib.commands.baseline import default_baseline, flatten
from workshop_lib.commands.run import RUN_STATE, main
from workshop_lib.settings import Settings

KERNEL = {"display_name": "Python 3", "language": "python", "name": "python3"}


def write_notebook(path: Path, *sources: str) -> Path:
    """A notebook with a papermill parameters cell, then one code cell per source."""
    parameters = new_code_cell("PROFILE = None\nOUTPUT_DIR = None")
    parameters.metadata["tags"] = ["parameters"]
    nb = new_notebook(cells=[new_markdown_cell(f"# {path.stem}"), parameters, *map(new_code_cell, sources)])
    nb.metadata["kernelspec"] = KERNEL
    nbformat.write(nb, path)
    return path


@pytest.fixture
def three_notebooks(tmp_path, monkeypatch) -> Path:
    """The runner's notebook folder for a test: 01 runs, 02 raises in its 2nd code cell, 03 comes last."""
    folder = tmp_path / "notebooks"
    folder.mkdir()
    write_notebook(folder / "01_fine.ipynb", "print('fine', PROFILE)")
    write_notebook(
        folder / "02_breaks.ipynb",
        "x = 1",
        "y = x + 1  # the cell that fails\nraise ValueError('boom in cell two')",
        "print('never reached')",
    )
    write_notebook(folder / "03_after.ipynb", "print('after')")
    monkeypatch.setattr(runner, "notebook_sources", lambda: sorted(folder.glob("0[1-6]_*.ipynb")))
    return folder


def test_a_failing_notebook_stops_the_run_names_the_cell_and_how_to_resume(three_notebooks, tmp_path, capsys):
    run = tmp_path / "run"
    code = main(["--profile", "smoke", "--run-dir", str(run), "--baseline", str(tmp_path / "none.json")])
    assert code == 1
    err = capsys.readouterr().err

    # The number is the failing cell's among the code cells of the executed notebook the message points to
    # (papermill's injected-parameters cell counts there).
    executed = nbformat.read(run / "02_breaks.ipynb", as_version=4)
    code_cells = [c for c in executed.cells if c.cell_type == "code"]
    [number] = [i for i, c in enumerate(code_cells, 1) if any(o.output_type == "error" for o in c.outputs)]
    assert code_cells[number - 1].source.startswith("y = x + 1")
    assert (
        f"FAILED: 02_breaks.ipynb failed in code cell {number} ('y = x + 1  # the cell that fails'): "
        "ValueError: boom in cell two\n" in err
    )
    assert f"The executed notebook is in {run}. After fixing the cause, continue with --resume {run}" in err

    state = json.loads((run / RUN_STATE).read_text())
    assert list(state["finished"]) == ["01_fine"]  # only what finished; 02 failed, 03 never started
    assert state["parameters"] == {"PROFILE": "smoke", "OUTPUT_DIR": str((run / "artifacts").resolve())}
    assert (run / "01_fine.ipynb").is_file() and not (run / "03_after.ipynb").exists()
    assert not (run / "metrics.json").exists() and not (run / "report.md").exists()

    # The hint works: after the fix, --resume keeps 01 and runs the rest with the parameters it started with.
    write_notebook(three_notebooks / "02_breaks.ipynb", "x = 1", "y = x + 1")
    capsys.readouterr()
    assert main(["--resume", str(run), "--baseline", str(tmp_path / "none.json")]) == 0
    out = capsys.readouterr().out
    assert "[01_fine] kept" in out and "[02_breaks] running" in out and "[03_after] running" in out
    assert list(json.loads((run / RUN_STATE).read_text())["finished"]) == ["01_fine", "02_breaks", "03_after"]
    assert (run / "metrics.json").is_file() and (run / "report.md").is_file()


SECONDS = {"01_goal": 1.5, "05_training": 12.25}
METRICS = {
    "training": {"mcc": 0.61234567, "accuracy": 0.8, "train_seconds": 12.0, "resumed_from": None},
    "zero_shot": {"mcc": 0.1, "sentences_per_second": 300.0},
}


def fake_chain(monkeypatch, metrics: dict) -> None:
    """Skip the notebooks: the run 'finishes' at once and its phases recorded `metrics`."""
    monkeypatch.setattr(runner, "run_notebooks", lambda run_dir, parameters: dict(SECONDS))
    monkeypatch.setattr(runner, "read_metrics", lambda artifacts: metrics)


def run_main(tmp_path, name: str, baseline: Path, *args: str) -> tuple[int, Path]:
    """main() with a new run folder and the given baseline file; return the exit code and the folder."""
    run = tmp_path / name
    return main(["--profile", "smoke", "--run-dir", str(run), "--baseline", str(baseline), *args]), run


def verdict(run: Path) -> str:
    """The report's last line."""
    return (run / "report.md").read_text().rstrip("\n").splitlines()[-1]


def test_a_baseline_of_another_recipe_is_not_compared_and_says_which(tmp_path, monkeypatch, capsys):
    fake_chain(monkeypatch, {"training": {"mcc": 0.0}})  # would be a regression, were it compared
    baseline = default_baseline("smoke")
    code, run = run_main(tmp_path, "other", baseline, "-p", "EPOCHS", "2", "-p", "BATCH_SIZE", "8")
    assert code == 0
    expected = (
        f"Baseline check: not compared: {baseline} records another recipe "
        "(batch_size: 16 there, 8 here; epochs: 10 there, 2 here)"  # in the record's order
    )
    assert expected in capsys.readouterr().out
    assert verdict(run) == expected and "REGRESSION" not in (run / "report.md").read_text()
    code, run = run_main(tmp_path, "maintainer", baseline, "-p", "EPOCHS", "2", "--regression")
    assert code == 3  # a regression run that compared nothing has not passed


def test_without_a_baseline_file_the_run_says_so(tmp_path, monkeypatch, capsys):
    fake_chain(monkeypatch, METRICS)
    absent = tmp_path / "absent.json"
    code, run = run_main(tmp_path, "run", absent)
    assert code == 0 and not absent.exists()
    expected = f"Baseline check: no baseline for profile 'smoke' ({absent} absent): not compared"
    assert expected in capsys.readouterr().out and verdict(run) == expected


def test_report_lists_settings_parameters_times_and_metrics(tmp_path, monkeypatch):
    fake_chain(monkeypatch, METRICS)
    code, run = run_main(tmp_path, "run", tmp_path / "absent.json", "-p", "EPOCHS", "3")
    assert code == 0
    lines = (run / "report.md").read_text().splitlines()
    assert lines[0] == "# Workshop run: profile `smoke`" and lines[2].startswith("Finished ")
    settings_rows = [line for line in lines if line.startswith("| ") and line.count("|") == 3]
    for row in [
        "| profile | smoke |",
        "| model_name | tiny |",
        "| data_source | embedded |",
        "| seed | 42 |",
        "| epochs | 3 |",
        "| learning_rate | 0.0003 |",
        "| train_limit | None |",
        f"| output_dir | {(run / 'artifacts').resolve()} |",
        "| precision | fp32 |",
        "| 01_goal | 1.5 |",
        "| 05_training | 12.25 |",
        "| training.mcc | 0.6123 |",  # 4 significant digits
        "| training.train_seconds | 12 |",  # timings are reported, only never baselined
        "| zero_shot.sentences_per_second | 300 |",
    ]:
        assert row in settings_rows, row
    assert not any("resumed_from" in line for line in lines)  # not a number
    assert len([r for r in settings_rows if r.split(" | ")[0][2:] in Settings.__dataclass_fields__]) == len(
        dataclasses.fields(Settings)
    )
    artifacts = (run / "artifacts").resolve()
    assert f"Parameters given: `EPOCHS=3`, `PROFILE='smoke'`, `OUTPUT_DIR='{artifacts}'`" in lines


def test_the_smoke_runs_report_lists_every_setting_and_metric(smoke_run):
    summary = json.loads((smoke_run / "metrics.json").read_text())
    report = (smoke_run / "report.md").read_text()
    for name, value in summary["settings"].items():
        assert f"\n| {name} | {value} |\n" in report, name
    for notebook, seconds in summary["seconds"].items():
        assert f"\n| {notebook} | {seconds} |\n" in report, notebook
    metrics = flatten(summary["metrics"])
    assert len(metrics) >= 10 and "training.mcc" in metrics
    for name, value in metrics.items():
        assert f"\n| {name} | {value:.4g} |\n" in report, name
    assert report.splitlines()[-1].startswith("Baseline check: ")  # its verdict: tests/test_runner.py
