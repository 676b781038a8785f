"""What runs leave behind: the tokenized cache, atomic writes that fail cleanly, and the training log."""

from __future__ import annotations

import copy
import json
import os
import stat
from pathlib import Path

import pytest
from transformers import DataCollatorWithPadding, Trainer, TrainingArguments

import workshop_lib.preprocess as preprocess
from workshop_lib.data import limit_splits, load_cola
from workshop_lib.lessons.plots import epoch_evaluations
from workshop_lib.metrics import best_evaluation, compute_metrics, whole_run_loss
from workshop_lib.modeling import load_model, load_tokenizer
from workshop_lib.preprocess import tokenize, tokenized_data
from workshop_lib.records import (
    ArtifactExistsError,
    atomic_dir,
    atomic_write_json,
    atomic_write_text,
    load_log_history,
)
from workshop_lib.settings import resolve
from workshop_lib.tiny import train_bpe_tokenizer

# --- The tokenized cache: <OUTPUT_DIR>/tokenized, shared by notebooks 03 and 05 ---


@pytest.fixture(scope="module")
def other_tokenizer_dir(tmp_path_factory) -> Path:
    """A second model folder's tokenizer: a smaller BPE than the tiny GPT-2's, so its tokens differ."""
    folder = tmp_path_factory.mktemp("other-model")
    train_bpe_tokenizer(load_cola("embedded")["train"]["sentence"], vocab_size=300).save_pretrained(folder)
    return folder


def cache_state(out: Path) -> tuple[int, int]:
    """The tokenized folder's identity: a rebuild renames a new folder into place (a new inode)."""
    return (out / "tokenized").stat().st_ino, (out / "tokenized" / "meta.json").stat().st_mtime_ns


def test_the_tokenized_cache_is_reused_when_nothing_changed(tmp_path, tiny_dir, capsys, monkeypatch):
    settings = resolve("smoke", output_dir=str(tmp_path), model_name=str(tiny_dir), train_limit=64)
    tokenizer = load_tokenizer(tiny_dir)
    first = tokenized_data(settings, tokenizer)
    before = cache_state(tmp_path)
    monkeypatch.setattr(preprocess, "tokenize", lambda *args: pytest.fail("the cache was rebuilt"))
    same = resolve("smoke", output_dir=str(tmp_path), model_name=str(tiny_dir), train_limit=64)
    again = tokenized_data(same, load_tokenizer(tiny_dir))  # a new session: same settings, same tokenizer
    assert cache_state(tmp_path) == before and "rebuilding" not in capsys.readouterr().out
    assert all(Path(f["filename"]).is_relative_to(tmp_path / "tokenized") for f in again["train"].cache_files)
    assert again["train"]["input_ids"] == first["train"]["input_ids"] and len(again["train"]) == 64


def test_the_tokenized_cache_is_rebuilt_for_another_model(tmp_path, tiny_dir, other_tokenizer_dir, capsys):
    tiny = load_tokenizer(tiny_dir)
    tokenized_data(resolve("smoke", output_dir=str(tmp_path), model_name=str(tiny_dir)), tiny)
    before = cache_state(tmp_path)
    other = load_tokenizer(other_tokenizer_dir)
    settings = resolve("smoke", output_dir=str(tmp_path), model_name=str(other_tokenizer_dir))
    data = tokenized_data(settings, other)
    assert f"{tmp_path / 'tokenized'} was made with other settings; rebuilding it." in capsys.readouterr().out
    assert cache_state(tmp_path) != before
    meta = json.loads((tmp_path / "tokenized" / "meta.json").read_text())
    assert meta["model_name"] == str(other_tokenizer_dir) and meta["vocab_size"] == len(other) < len(tiny)
    row = data["train"][0]
    assert row["input_ids"] == other(row["sentence"])["input_ids"] != tiny(row["sentence"])["input_ids"]
    assert row["length"] == len(row["input_ids"])


@pytest.mark.parametrize(
    "change, sizes",
    [
        ({"train_limit": 32}, (32, 200)),
        ({"eval_limit": 16}, (64, 16)),
        ({"train_limit": 0}, (1440, 200)),  # 0 means all (of what the selection split leaves)
        ({"seed": 7}, (64, 200)),  # another sample of 64
    ],
    ids=["train_limit", "eval_limit", "no-limit", "seed"],
)
def test_the_tokenized_cache_is_rebuilt_when_a_limit_changes(change, sizes, tmp_path, tiny_dir, capsys):
    tokenizer = load_tokenizer(tiny_dir)
    base = {"output_dir": str(tmp_path), "model_name": str(tiny_dir), "train_limit": 64}
    first = tokenized_data(resolve("smoke", **base), tokenizer)
    assert (len(first["train"]), len(first["validation"])) == (64, 200)
    before = cache_state(tmp_path)
    data = tokenized_data(resolve("smoke", **{**base, **change}), tokenizer)
    assert "was made with other settings; rebuilding it." in capsys.readouterr().out
    assert cache_state(tmp_path) != before
    assert (len(data["train"]), len(data["validation"])) == sizes
    if "seed" in change:
        assert data["train"]["sentence"] != first["train"]["sentence"]
    meta = json.loads((tmp_path / "tokenized" / "meta.json").read_text())
    assert {k: meta[k] for k in ("train_limit", "eval_limit", "seed")} == {
        "train_limit": None if change.get("train_limit") == 0 else change.get("train_limit", 64),
        "eval_limit": change.get("eval_limit"),
        "seed": change.get("seed", 42),
    }


# --- Atomic writers: a failed write leaves the old file and no temporary file ---


def test_unserialisable_json_keeps_the_old_file(tmp_path):
    path = atomic_write_json(tmp_path / "metrics.json", {"mcc": 0.5})
    with pytest.raises(TypeError):
        atomic_write_json(path, {"mcc": object()})
    assert json.loads(path.read_text()) == {"mcc": 0.5}
    assert os.listdir(tmp_path) == ["metrics.json"]


@pytest.mark.parametrize("where", ["fsync", "replace"])
@pytest.mark.parametrize("error", [OSError(28, "No space left on device"), KeyboardInterrupt()], ids=repr)
def test_a_write_failing_midway_keeps_the_old_file_and_no_temporary(where, error, tmp_path, monkeypatch):
    path = atomic_write_text(tmp_path / "report.md", "old report\n")

    def fail(*args):
        raise error

    monkeypatch.setattr(os, where, fail)
    with pytest.raises(type(error)):
        atomic_write_text(path, "new report, cut short\n")
    monkeypatch.undo()
    assert path.read_text() == "old report\n"
    assert os.listdir(tmp_path) == ["report.md"]


def test_a_new_file_is_written_whole_into_new_folders(tmp_path):
    path = atomic_write_json(tmp_path / "a" / "b" / "x.json", {"b": 1, "a": [1, 2]})
    assert path.read_text() == '{\n  "a": [\n    1,\n    2\n  ],\n  "b": 1\n}\n'  # sorted keys, newline
    assert os.listdir(path.parent) == ["x.json"]


def test_a_folder_block_that_fails_keeps_the_old_folder_and_no_temporary(tmp_path):
    target = tmp_path / "model"
    with atomic_dir(target) as tmp:
        (tmp / "weights").write_text("old")
    with pytest.raises(RuntimeError, match="training crashed"):
        with atomic_dir(target, overwrite=True) as tmp:
            (tmp / "weights").write_text("half")
            raise RuntimeError("training crashed")
    assert (target / "weights").read_text() == "old" and os.listdir(target) == ["weights"]
    assert os.listdir(tmp_path) == ["model"]  # no .model.* temporary, no .model.old

    with atomic_dir(target, overwrite=True) as tmp:
        (tmp / "weights").write_text("new")
    assert (target / "weights").read_text() == "new" and os.listdir(tmp_path) == ["model"]


def test_a_finished_folder_is_never_replaced_silently(tmp_path):
    target = tmp_path / "model"
    target.mkdir()
    (target / "weights").write_text("finished")
    with pytest.raises(ArtifactExistsError, match="model already exists. Choose another output folder"):
        with atomic_dir(target) as tmp:
            (tmp / "weights").write_text("new")
    assert (target / "weights").read_text() == "finished" and os.listdir(tmp_path) == ["model"]


# --- The training log: whole-run loss, best evaluation, per-epoch evaluations ---

# A Trainer's log_history as two epochs of 20 steps leave it (logging every 10 steps, evaluation per epoch),
# then train()'s summary and an evaluate() after training.
HISTORY = [
    {"loss": 0.9, "learning_rate": 5e-5, "step": 10, "epoch": 0.5},
    {"loss": 0.7, "learning_rate": 4e-5, "step": 20, "epoch": 1.0},
    {"eval_loss": 0.66, "eval_mcc": 0.1, "eval_accuracy": 0.6, "eval_runtime": 0.5, "step": 20, "epoch": 1.0},
    {"loss": 0.5, "learning_rate": 2e-5, "step": 30, "epoch": 1.5},
    {"loss": 0.3, "learning_rate": 0.0, "step": 40, "epoch": 2.0},
    {"eval_loss": 0.7, "eval_mcc": 0.05, "eval_accuracy": 0.5, "eval_runtime": 0.5, "step": 40, "epoch": 2.0},
    {"train_runtime": 12.0, "train_loss": 0.6, "total_flos": 1.0, "step": 40, "epoch": 2.0},
    {"eval_loss": 0.66, "eval_mcc": 0.1, "eval_accuracy": 0.6, "eval_runtime": 0.4, "step": 40, "epoch": 2.0},
]


def test_whole_run_loss_weights_each_logged_loss_by_the_steps_it_covers():
    # resumed at step 20: logged before it 0.9 (steps 1-10) and 0.7 (11-20); this call's 20 steps averaged 0.4
    assert whole_run_loss(HISTORY, 0.4, resumed_step=20, last_step=40) == pytest.approx((9 + 7 + 8) / 40)
    # an uneven last entry: the loss logged at an epoch end (step 25) covers 5 steps
    log = [{"loss": 0.9, "step": 10}, {"loss": 0.7, "step": 20}, {"loss": 0.5, "step": 25}]
    assert whole_run_loss(log, 0.2, resumed_step=25, last_step=50) == pytest.approx((9 + 7 + 2.5 + 5) / 50)
    # never resumed: this call's loss is the whole run's
    assert whole_run_loss([], 0.8, resumed_step=0, last_step=40) == pytest.approx(0.8)


def test_whole_run_loss_is_none_when_the_log_before_the_resume_has_a_gap():
    # the last logged loss is at step 20, but training resumed from step 30: steps 21-30 are unknown
    assert whole_run_loss(HISTORY[:3], 0.4, resumed_step=30, last_step=40) is None
    assert whole_run_loss([], 0.4, resumed_step=20, last_step=40) is None


@pytest.fixture(scope="module")
def small_trainer(classifier_dir, tmp_path_factory) -> Trainer:
    """A real Trainer around the tiny classifier, with 16 validation sentences to evaluate."""
    tokenizer = load_tokenizer(classifier_dir)
    data = tokenize(limit_splits(load_cola("embedded"), {"train": 8, "validation": 16, "test": 8}), tokenizer)
    args = TrainingArguments(
        output_dir=str(tmp_path_factory.mktemp("trainer")),
        per_device_eval_batch_size=16,
        report_to="none",
        use_cpu=True,
        disable_tqdm=True,
    )
    return Trainer(
        model=load_model(classifier_dir, tokenizer),
        args=args,
        eval_dataset=data["validation"],
        processing_class=tokenizer,
        data_collator=DataCollatorWithPadding(tokenizer),
        compute_metrics=compute_metrics,
    )


def test_best_evaluation_is_the_logged_one_of_the_best_step(small_trainer):
    small_trainer.state.log_history = copy.deepcopy(HISTORY)
    small_trainer.state.best_global_step = 20  # epoch 1 had the best MCC; epoch 2's model was not kept
    assert best_evaluation(small_trainer) == {
        "eval_loss": 0.66,
        "eval_mcc": 0.1,
        "eval_accuracy": 0.6,
        "eval_runtime": 0.5,
        "epoch": 1.0,
    }
    assert small_trainer.state.log_history == HISTORY  # nothing was evaluated again


def test_best_evaluation_of_a_resumed_run_comes_from_before_the_resume(small_trainer):
    # three epochs, killed after epoch 2's checkpoint and resumed: the log and the best step (40, the
    # middle epoch) come from the checkpoint; epoch 3 after the resume was worse
    resumed = copy.deepcopy(HISTORY[:5]) + [
        {"eval_loss": 0.5, "eval_mcc": 0.3, "step": 40, "epoch": 2.0},  # the best
        {"loss": 0.25, "step": 60, "epoch": 3.0},
        {"eval_loss": 0.9, "eval_mcc": -0.2, "step": 60, "epoch": 3.0},
        {"train_runtime": 4.0, "train_loss": 0.3, "step": 60, "epoch": 3.0},
        {"eval_loss": 0.5, "eval_mcc": 0.3, "step": 60, "epoch": 3.0},
    ]
    small_trainer.state.log_history = resumed
    small_trainer.state.best_global_step = 40
    assert best_evaluation(small_trainer) == {"eval_loss": 0.5, "eval_mcc": 0.3, "epoch": 2.0}


def test_best_evaluation_evaluates_when_no_logged_evaluation_matches(small_trainer):
    small_trainer.state.log_history = copy.deepcopy(HISTORY)
    small_trainer.state.best_global_step = None  # e.g. load_best_model_at_end was off
    result = best_evaluation(small_trainer)
    assert {"eval_loss", "eval_mcc", "eval_accuracy", "eval_f1"} <= set(result)
    assert -1 <= result["eval_mcc"] <= 1 and result["eval_loss"] > 0
    assert len(small_trainer.state.log_history) == len(HISTORY) + 1  # evaluate() ran and logged


def test_epoch_evaluations_are_the_evaluations_logged_during_training():
    assert epoch_evaluations(HISTORY) == [HISTORY[2], HISTORY[5]]  # not the evaluate() after train()


def test_epoch_evaluations_of_resumed_killed_and_odd_logs():
    resumed = [  # epochs 1-2 from the checkpoint's log, epoch 3 after the resume, then the summary
        *HISTORY[:6],
        {"loss": 0.2, "step": 60, "epoch": 3.0},
        {"eval_loss": 0.6, "eval_mcc": 0.2, "step": 60, "epoch": 3.0},
        {"train_runtime": 5.0, "train_loss": 0.2, "step": 60, "epoch": 3.0},
        {"eval_loss": 0.6, "eval_mcc": 0.2, "step": 60, "epoch": 3.0},
    ]
    assert [e["epoch"] for e in epoch_evaluations(resumed)] == [1.0, 2.0, 3.0]
    assert epoch_evaluations(HISTORY[:6]) == [HISTORY[2], HISTORY[5]]  # a killed run's log: no summary yet
    no_mcc = [{"eval_loss": 0.7, "step": 20, "epoch": 1.0}, HISTORY[5]]  # an evaluation without the metric
    assert epoch_evaluations(no_mcc) == [HISTORY[5]]
    assert epoch_evaluations(HISTORY[6:]) == []  # only what came after training
    assert epoch_evaluations([]) == []


def test_load_log_history_reads_what_save_model_wrote(tmp_path):
    atomic_write_json(tmp_path / "log_history.json", HISTORY)
    assert load_log_history(tmp_path) == HISTORY
    assert load_log_history(str(tmp_path)) == HISTORY
    with pytest.raises(FileNotFoundError):
        load_log_history(tmp_path / "nothing-here")


def test_the_smoke_models_log_has_one_evaluation_per_epoch_and_its_best(smoke_run):
    model = smoke_run / "artifacts" / "model"
    log = load_log_history(model)
    evaluations = epoch_evaluations(log)
    assert [e["epoch"] for e in evaluations] == [float(n) for n in range(1, 11)]  # smoke: 10 epochs
    metrics = json.loads((model / "metrics.json").read_text())
    assert metrics["selection_mcc"] == max(e["eval_mcc"] for e in evaluations)  # the kept model: best epoch's
    assert metrics["train_loss"] == next(e["train_loss"] for e in log if "train_runtime" in e)


def test_atomic_writes_keep_the_usual_permissions(tmp_path):
    """Others on a shared classroom machine can read a run's files, as with an ordinary write."""
    old = os.umask(0o022)
    try:
        path = atomic_write_json(tmp_path / "metrics.json", {"mcc": 0.5})
        with atomic_dir(tmp_path / "model") as folder:
            (folder / "config.json").write_text("{}")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "model").stat().st_mode) == 0o755
