"""The library calls that notebooks 04-06 show build what workshop_lib builds: one recipe, not two."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import nbformat
import pytest
import torch
from transformers import TrainerCallback

from workshop_lib import lessons
from workshop_lib.inference import AcceptabilityClassifier
from workshop_lib.settings import resolve
from workshop_lib.training import (
    ResumeMismatchError,
    build_trainer,
    record_run_settings,
    training_arguments,
)

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
SENTENCES = [
    "The cat sat on the mat.",
    "Mat the on sat cat the.",
    "She reads a book.",
    "The children is here.",
]


def run_cells(notebook: str, cell_ids: list[str], namespace: dict) -> dict:
    """Execute the named cells of a notebook, in order, in `namespace` (as the kernel would)."""
    cells = {c.get("id"): c for c in nbformat.read(NOTEBOOKS / notebook, as_version=4).cells}
    for cell_id in cell_ids:
        assert cell_id in cells, f"{notebook} has no cell with id {cell_id!r}"
        exec(compile(cells[cell_id].source, f"{notebook}:{cell_id}", "exec"), namespace)
    return namespace


@pytest.mark.parametrize("profile", ["smoke", "quick", "full"])
def test_training_arguments_cell_is_the_recipe(profile, tmp_path):
    settings = resolve(profile, output_dir=str(tmp_path))
    ns = run_cells("04_training_setup_and_metric.ipynb", ["c04-args"], {"settings": settings})
    assert ns["args"].to_dict() == training_arguments(settings).to_dict()
    assert ns["changed"] == {}


def test_training_arguments_cell_names_a_change(tmp_path):
    settings = resolve("smoke", output_dir=str(tmp_path))
    ns = run_cells("04_training_setup_and_metric.ipynb", ["c04-args"], {"settings": settings})
    ns["args"].learning_rate = 0.5  # what a learner's edit would do
    changed = {k: v for k, v in ns["args"].to_dict().items() if ns["recipe"][k] != v}
    assert changed == {"learning_rate": 0.5}


def test_model_and_trainer_cells_build_what_build_trainer_builds(tmp_path):
    settings = resolve("smoke", output_dir=str(tmp_path))
    ns = run_cells(
        "05_training.ipynb",
        ["c05-guard", "c05-model", "c05-trainer"],
        {"settings": settings, "OVERWRITE": False},
    )
    shown, reference = ns["trainer"], build_trainer(settings)
    assert ns["train_now"] and ns["last"] is None
    assert shown.model.config.to_dict() == reference.model.config.to_dict()
    assert shown.model.config.id2label == {0: "unacceptable", 1: "acceptable"}
    assert shown.model.config.pad_token_id == ns["tokenizer"].pad_token_id is not None
    assert shown.args.to_dict() == reference.args.to_dict()
    assert shown.model.accepts_loss_kwargs is reference.model.accepts_loss_kwargs is False
    assert type(shown.data_collator) is type(reference.data_collator)
    assert shown.compute_metrics is reference.compute_metrics
    assert [type(c) for c in shown.callback_handler.callbacks] == [
        type(c) for c in reference.callback_handler.callbacks
    ]
    assert shown.train_dataset["input_ids"] == reference.train_dataset["input_ids"]
    weights, expected = shown.model.state_dict(), reference.model.state_dict()
    assert weights.keys() == expected.keys()
    assert all(torch.equal(weights[k], expected[k]) for k in weights)  # the same seeded head, too
    batch = reference.eval_dataset.select(range(48))
    got, want = shown.evaluate(eval_dataset=batch), reference.evaluate(eval_dataset=batch)
    for key in ("eval_loss", "eval_mcc", "eval_accuracy", "eval_f1"):
        assert got[key] == pytest.approx(want[key], abs=1e-6), key


def _finished_run(out: Path) -> Path:
    """A folder that looks like a finished run: a model folder and one checkpoint."""
    (out / "model").mkdir(parents=True)
    (out / "checkpoints" / "checkpoint-10").mkdir(parents=True)
    return out


def test_guard_reuses_a_finished_model(tmp_path, capsys):
    settings = resolve("smoke", output_dir=str(_finished_run(tmp_path)))
    ns = run_cells("05_training.ipynb", ["c05-guard"], {"settings": settings, "OVERWRITE": False})
    assert not ns["train_now"] and ns["last"] is None
    assert "reusing it" in capsys.readouterr().out
    assert (tmp_path / "checkpoints" / "checkpoint-10").is_dir()


def test_guard_with_overwrite_trains_from_the_start(tmp_path):
    settings = resolve("smoke", output_dir=str(_finished_run(tmp_path)))
    ns = run_cells("05_training.ipynb", ["c05-guard"], {"settings": settings, "OVERWRITE": True})
    assert ns["train_now"] and ns["last"] is None
    assert not (tmp_path / "checkpoints").exists()


def test_guard_resumes_an_interrupted_run_made_with_the_same_settings(tmp_path):
    settings = resolve("smoke", output_dir=str(tmp_path))
    (tmp_path / "checkpoints" / "checkpoint-10").mkdir(parents=True)
    (tmp_path / "checkpoints" / "checkpoint-10" / "trainer_state.json").write_text("{}")  # saved completely
    record_run_settings(settings)
    ns = run_cells("05_training.ipynb", ["c05-guard"], {"settings": settings, "OVERWRITE": False})
    assert ns["train_now"] and Path(ns["last"]).name == "checkpoint-10"
    other = resolve("smoke", output_dir=str(tmp_path), learning_rate=0.5)
    with pytest.raises(ResumeMismatchError, match="learning_rate"):
        run_cells("05_training.ipynb", ["c05-guard"], {"settings": other, "OVERWRITE": False})


def pipeline_cell(model_dir: Path, out: Path) -> dict:
    """Run notebook 06's pipeline cell on `model_dir`, in the smoke profile (a tiny model: toy caveats)."""
    ns = {"model_dir": model_dir, "lessons": lessons, "settings": resolve("smoke", output_dir=str(out))}
    return run_cells("06_usage_and_deployment.ipynb", ["c06-pipeline"], ns)


def test_pipeline_cell_agrees_with_the_classifier(classifier_dir, tmp_path, capsys):
    ns = pipeline_cell(classifier_dir, tmp_path)
    classify = ns["classify"]
    shown = classify(SENTENCES)
    expected = AcceptabilityClassifier.from_dir(classifier_dir, device="cpu").predict(SENTENCES)
    assert [v["label"] for v in shown] == [v["label"] for v in expected]
    assert [v["score"] for v in shown] == pytest.approx([v["score"] for v in expected], abs=1e-5)
    pair, both, warning = capsys.readouterr().out.splitlines()  # two Python literals, then the caveat
    assert warning == lessons.caveat(ns["settings"], "verdicts")  # a toy's verdicts say so
    assert ast.literal_eval(pair) == classify(["The cat sat on the mat.", "The cat sat mat the on."])
    scores = {v["label"]: v["score"] for v in ast.literal_eval(both)}  # every label, with its probability
    assert scores.keys() == {"acceptable", "unacceptable"} and sum(scores.values()) == pytest.approx(1)
    assert scores[expected[0]["label"]] == pytest.approx(expected[0]["score"], abs=1e-5)  # SENTENCES[0]


def test_a_longer_neighbour_in_the_batch_changes_nothing(classifier_dir, tmp_path):
    """Notebook 06's exercise 3 answer: padding never changes a verdict."""
    ns = pipeline_cell(classifier_dir, tmp_path)
    classify, long = (
        ns["classify"],
        " ".join(["The old farmers in the quiet village read the long letter."] * 3),
    )
    alone = classify([SENTENCES[0]])[0]
    together = classify([SENTENCES[0], long], batch_size=2)[0]
    assert together["label"] == alone["label"]
    assert together["score"] == pytest.approx(alone["score"], abs=1e-5)


def test_metrics_json_of_the_cells_names_the_run(tmp_path):
    """The cells leave what notebook 05 reads back when it reuses a model: metrics.json beside it."""
    settings = resolve("smoke", output_dir=str(tmp_path), epochs=1)
    ns = {"settings": settings, "OVERWRITE": False}
    run_cells("05_training.ipynb", ["c05-guard", "c05-model", "c05-trainer", "c05-train", "c05-evaluate"], ns)
    saved = json.loads((tmp_path / "model" / "metrics.json").read_text())
    assert saved["mcc"] == pytest.approx(ns["scored"]["validation_mcc"])  # validation, scored once
    assert saved["resumed_from"] is None
    # The whole run's mean loss: the step-weighted mean of the losses logged along the way.
    logged = [(e["step"], e["loss"]) for e in ns["trainer"].state.log_history if "loss" in e]
    steps = [0] + [step for step, _ in logged]
    mean = sum(loss * (step - before) for (step, loss), before in zip(logged, steps[:-1], strict=True))
    mean /= steps[-1]
    assert steps[-1] == ns["trainer"].state.global_step
    assert saved["train_loss"] == pytest.approx(mean, abs=1e-5)
    # Throughput: this run's sentences and real tokens over the seconds the training cell measured.
    train = ns["data"]["train"]
    assert saved["train_seconds"] == ns["seconds"]
    assert saved["train_samples_per_second"] == pytest.approx(len(train) / ns["seconds"])
    assert saved["train_real_tokens_per_second"] == pytest.approx(sum(train["length"]) / ns["seconds"])
    assert ns["metrics"] == saved


class StopAfterFirstEpoch(TrainerCallback):
    """Stop training after the first epoch's checkpoint, like a kernel that died there."""

    def on_epoch_end(self, args, state, control, **kwargs):
        control.should_training_stop = True
        return control


def test_cells_resume_an_interrupted_run_to_the_same_result(tmp_path):
    cells = ["c05-guard", "c05-model", "c05-trainer", "c05-train", "c05-evaluate"]
    straight = resolve("smoke", output_dir=str(tmp_path / "straight"), epochs=2)
    expected = run_cells("05_training.ipynb", cells, {"settings": straight, "OVERWRITE": False})["metrics"]
    settings = resolve("smoke", output_dir=str(tmp_path / "interrupted"), epochs=2)
    ns = run_cells("05_training.ipynb", cells[:3], {"settings": settings, "OVERWRITE": False})
    ns["trainer"].add_callback(StopAfterFirstEpoch())
    run_cells("05_training.ipynb", ["c05-train"], ns)
    assert not (tmp_path / "interrupted" / "model").exists()
    resumed = run_cells("05_training.ipynb", cells, {"settings": settings, "OVERWRITE": False})
    assert Path(resumed["last"]).name == "checkpoint-90"  # 1,440 training sentences / batch 16
    assert resumed["metrics"]["resumed_from"] == "checkpoint-90"
    for key in ("mcc", "accuracy", "f1", "loss", "train_loss"):
        assert resumed["metrics"][key] == pytest.approx(expected[key], abs=1e-4), key
