"""The smoke chain (six notebooks via papermill) with each tiny family, and `compare` on the three runs."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from learning import LEARNT_MCC

from workshop_lib.commands.compare import comparison_table, notes, table_rows

FAMILIES = {"tiny": "mean-log-prob", "tiny-llama": "mean-log-prob", "tiny-bert": "pseudo-log-likelihood"}

pytestmark = pytest.mark.extended


@pytest.fixture(scope="module")
def runs(smoke_run, tmp_path_factory) -> dict:
    """One smoke run per tiny family (GPT-2: the session's smoke chain; Llama-style and BERT: run here, at the
    same time, in two processes: their kernels' start-ups and the cores' idle moments overlap)."""
    root = tmp_path_factory.mktemp("family-runs")
    folders, started = {"tiny": smoke_run}, {}
    for name in list(FAMILIES)[1:]:
        folders[name] = root / f"smoke-{name}"
        args = ["--profile", "smoke", "-p", "MODEL_NAME", name, "--run-dir", str(folders[name])]
        command = [sys.executable, "-m", "workshop_lib.commands", "run", *args]
        log = root / f"{name}.log"  # a file, not a pipe: a full pipe would stall a chain until it is read
        with log.open("w") as out:
            started[name] = (subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT), log)
    for name, (process, log) in started.items():
        assert process.wait(timeout=900) == 0, f"the {name} chain failed:\n{log.read_text()[-3000:]}"
    return folders


@pytest.mark.parametrize("name", list(FAMILIES))
def test_every_family_runs_all_notebooks_and_learns(runs, name):
    record = json.loads((runs[name] / "metrics.json").read_text())
    assert len(list(runs[name].glob("0[1-6]_*.ipynb"))) == 6
    metrics = record["metrics"]
    assert metrics["training"]["mcc"] >= LEARNT_MCC, f"{name} did not learn: {metrics['training']}"
    assert metrics["deployment"]["onnx_logits_match"] == 1.0  # ONNX export agrees with PyTorch
    assert metrics["zero_shot"]["method"] == FAMILIES[name]


def test_compare_puts_the_three_families_side_by_side(runs):
    rows = table_rows(list(runs.values()))
    assert [row["model"] for row in rows] == list(FAMILIES)
    for row, folder in zip(rows, runs.values(), strict=True):
        training = json.loads((folder / "metrics.json").read_text())["metrics"]["training"]
        assert row["fine-tuned MCC"] == training["mcc"]
        assert row["samples/s"] == training["train_samples_per_second"]
    assert comparison_table(rows).count("\n") == 2 + len(FAMILIES) - 1
    assert any("different methods" in note for note in notes(rows))
