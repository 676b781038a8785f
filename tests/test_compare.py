"""`workshop compare`: runs side by side from metrics.json (or an OUTPUT_DIR), printed and as Markdown."""

from __future__ import annotations

import json

import pytest

from workshop_lib.commands.compare import comparison_table, notes, table_rows
from workshop_lib.commands.main import main as cli
from workshop_lib.records import RunFolderError, load_run

GPT2 = {"model_name": "tiny", "profile": "smoke", "data_source": "embedded", "seed": 42}
BERT = {**GPT2, "model_name": "tiny-bert", "seed": 7}
METRICS = {
    "zero_shot": {"mcc": 0.1234, "method": "mean-log-prob", "threshold": -6.2},
    "training": {
        "mcc": 0.70281,
        "accuracy": 0.89,
        "f1": 0.9299,
        "train_seconds": 12.34,
        "train_samples_per_second": 1296.4,
        "chosen_on": "selection",
        "selection_mcc": 0.65432,
    },
}
OLD_TRAINING = {k: v for k, v in METRICS["training"].items() if k not in ("chosen_on", "selection_mcc")}


def make_run(folder, settings, metrics=METRICS):
    """A run folder as `workshop.sh run` leaves it."""
    folder.mkdir(parents=True)
    record = {"profile": "smoke", "seconds": {}, "metrics": metrics}
    if settings is not None:
        record["settings"] = settings
    (folder / "metrics.json").write_text(json.dumps(record))
    return folder


def test_one_row_per_run_with_settings_and_phase_metrics(tmp_path):
    [row] = table_rows([make_run(tmp_path / "smoke-1", GPT2)])
    assert row == {
        "run": "smoke-1",
        "model": "tiny",
        "profile": "smoke",
        "data source": "embedded",
        "seed": 42,
        "zero-shot MCC": 0.1234,
        "zero-shot method": "mean-log-prob",
        "fine-tuned MCC": 0.70281,
        "accuracy": 0.89,
        "F1": 0.9299,
        "training s": 12.34,
        "samples/s": 1296.4,
        "chosen on": "selection",
        "selection MCC": 0.65432,
    }


def test_markdown_table_is_formatted_and_marks_missing_values(tmp_path):
    bert_metrics = {"training": METRICS["training"]}  # notebook 01 skipped: no zero-shot result
    rows = table_rows([make_run(tmp_path / "a", GPT2), make_run(tmp_path / "b", BERT, bert_metrics)])
    lines = comparison_table(rows).splitlines()
    assert lines[0].startswith("| run | model | profile | data source | seed | zero-shot MCC |")
    scores = "0.703 | selection | 0.654 | 0.890 | 0.930 | 12.3 | 1296 |"
    assert lines[2] == "| a | tiny | smoke | embedded | 42 | 0.123 | mean-log-prob | " + scores
    assert lines[3] == "| b | tiny-bert | smoke | embedded | 7 | – | – | " + scores


def test_notes_warn_about_what_does_not_compare(tmp_path):
    masked = {**METRICS, "zero_shot": {"mcc": 0.2, "method": "pseudo-log-likelihood"}}
    rows = table_rows(
        [
            make_run(tmp_path / "a", GPT2),
            make_run(tmp_path / "b", {**BERT, "data_source": "/data/cola"}, masked),
            make_run(tmp_path / "c", None),
        ]
    )
    text = "\n".join(notes(rows))
    assert "No settings recorded in c" in text
    assert "different data (/data/cola, embedded)" in text
    assert "different methods (mean-log-prob, pseudo-log-likelihood)" in text
    assert "tiny random models" in text
    assert "optimistic" not in text  # every run chose on the selection split


def test_a_run_that_chose_on_validation_is_flagged(tmp_path):
    """Runs from before the selection split chose and scored on validation: compare says so."""
    old = {**METRICS, "training": OLD_TRAINING}
    rows = table_rows([make_run(tmp_path / "new", GPT2), make_run(tmp_path / "old", BERT, old)])
    assert [row["chosen on"] for row in rows] == ["selection", None]
    assert any("chose their checkpoint on validation" in note for note in notes(rows))


def test_an_output_dir_is_read_from_its_phase_files_and_settings(tmp_path):
    (tmp_path / "metrics").mkdir()
    for phase, values in METRICS.items():
        (tmp_path / "metrics" / f"{phase}.json").write_text(json.dumps(values))
    (tmp_path / "settings.json").write_text(json.dumps(BERT))
    run = load_run(tmp_path)
    assert run["settings"]["model_name"] == "tiny-bert"
    assert run["metrics"]["training"]["mcc"] == 0.70281


def test_a_folder_that_is_not_a_run_is_named(tmp_path, capsys):
    with pytest.raises(RunFolderError, match=r"not a finished run \(no metrics\.json"):
        load_run(tmp_path)
    assert cli(["compare", str(tmp_path)]) == 1
    assert capsys.readouterr().err.startswith(f"workshop compare: error: {tmp_path}: not a finished run")


def test_a_damaged_metrics_file_is_named(tmp_path):
    (tmp_path / "metrics.json").write_text('{"metrics": ')
    with pytest.raises(RunFolderError, match=r"metrics\.json is not valid JSON"):
        load_run(tmp_path)


def test_command_prints_and_writes_markdown(tmp_path, capsys):
    runs = [str(make_run(tmp_path / name, settings)) for name, settings in [("g", GPT2), ("b", BERT)]]
    out = tmp_path / "table.md"
    assert cli(["compare", *runs, "--markdown", str(out)]) == 0
    printed = capsys.readouterr().out
    written = out.read_text()
    assert written.startswith("# Workshop runs compared")
    assert "| b | tiny-bert | smoke | embedded | 7 |" in written
    assert comparison_table(table_rows(runs)) in printed and f"Written to {out}" in printed
