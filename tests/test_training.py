"""Training with the Trainer: falling loss, real learning, resuming after SIGKILL, no silent overwrite."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from types import SimpleNamespace

import pytest
import torch
from cards import SELECTION, card_parts, results
from learning import LEARNT_MCC
from transformers import TrainerCallback

from workshop_lib import training
from workshop_lib.paths import TOKENIZED
from workshop_lib.preprocess import load_tokenized
from workshop_lib.records import ArtifactExistsError
from workshop_lib.settings import Settings, resolve
from workshop_lib.training import (
    RUN_SETTINGS,
    ResumeMismatchError,
    ReturnFreedMemory,
    build_trainer,
    record_run_settings,
    resume_checkpoint,
    train,
)

CARD_KEYS = {"matthews_correlation": "mcc", "accuracy": "accuracy", "f1": "f1"}
TRAIN_SCRIPT = textwrap.dedent(
    """
    import json, os, signal, sys
    from transformers import TrainerCallback
    from workshop_lib.settings import Settings, resolve
    from workshop_lib.training import train

    class Crash(TrainerCallback):
        def on_save(self, args, state, control, **kwargs):
            if state.epoch >= float(sys.argv[2]):
                os.kill(os.getpid(), signal.SIGKILL)  # like a closed laptop lid: no clean-up at all

    settings = resolve("smoke", output_dir=sys.argv[1], **json.loads(sys.argv[3]))
    crash = [Crash()] if float(sys.argv[2]) > 0 else None
    metrics = train(settings, callbacks=crash, disable_tqdm=True)
    print(json.dumps(metrics))
    """
)


def run_training(out, kill_after: float = 0, **overrides) -> subprocess.CompletedProcess:
    """Train the smoke profile in a fresh process, optionally killing it after the checkpoint saved at (or
    next after) epoch `kill_after`."""
    return subprocess.run(
        [sys.executable, "-c", TRAIN_SCRIPT, str(out), str(kill_after), json.dumps(overrides)],
        capture_output=True,
        text=True,
    )


def short_run_losses(settings, steps: int, every: int) -> list[float]:
    """Train `steps` Trainer steps without evaluation or checkpoints; return the logged losses."""
    trainer = build_trainer(
        settings,
        max_steps=steps,
        logging_steps=every,
        eval_strategy="no",
        save_strategy="no",
        load_best_model_at_end=False,
        disable_tqdm=True,
    )
    trainer.train()
    return [log["loss"] for log in trainer.state.log_history if "loss" in log]


def test_loss_falls_over_a_few_steps(tmp_path):
    losses = short_run_losses(resolve("smoke", output_dir=str(tmp_path)), steps=270, every=90)  # 90 per epoch
    assert len(losses) == 3 and losses[-1] < losses[0] - 0.05


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> tuple[Settings, dict]:
    """The smoke profile trained once through `train()` (what `workshop train` runs), and its metrics."""
    settings = resolve("smoke", output_dir=str(tmp_path_factory.mktemp("trained")))
    return settings, train(settings, disable_tqdm=True)


def test_validation_is_scored_once_after_training_and_never_chooses(trained):
    """Every evaluation during training is on the selection split; validation is scored once, at the end."""
    settings, metrics = trained
    log = json.loads((settings.out / "model" / "log_history.json").read_text())
    end = next(i for i, entry in enumerate(log) if "train_runtime" in entry)
    scored = [i for i, entry in enumerate(log) if any(key.startswith("validation_") for key in entry)]
    assert scored == [len(log) - 1] and scored[0] > end  # once, after the training summary
    assert not any(key.startswith("validation_") for entry in log[:end] for key in entry)
    assert metrics["mcc"] == log[-1]["validation_mcc"] and metrics["chosen_on"] == "selection"
    sizes = {split: metrics[f"{split}_sentences"] for split in ("train", "selection", "validation")}
    assert sizes == {"train": 1440, "selection": 160, "validation": 200}  # the embedded set: 1,600 + 200
    # Nothing evaluated was trained on (the embedded set has no repeated sentence); every token counted.
    assert metrics["selection_seen_in_training"] == metrics["validation_seen_in_training"] == 0
    assert metrics["train_tokens"] == sum(load_tokenized(settings.out / TOKENIZED)["train"]["length"]) > 1440


def test_smoke_training_learns_and_refuses_to_overwrite(trained):
    settings, metrics = trained
    assert metrics["mcc"] >= LEARNT_MCC
    saved = settings.out / "model"
    assert (saved / "model.safetensors").is_file() and not list(saved.glob("*.bin"))
    assert json.loads((saved / "metrics.json").read_text())["mcc"] == metrics["mcc"]
    metadata, prose = card_parts((saved / "README.md").read_text())  # the card, saved in the same step
    assert results(metadata) == {k: metrics[key] for k, key in CARD_KEYS.items()}
    assert results(metadata, SELECTION) == {"matthews_correlation": metrics["selection_mcc"]}
    assert "This is a smoke-profile model" in prose
    log = json.loads((saved / "log_history.json").read_text())
    evaluations = [entry for entry in log if "eval_mcc" in entry]
    assert len(evaluations) == settings.epochs  # one per epoch: the best one is not evaluated again
    assert metrics["selection_mcc"] == max(entry["eval_mcc"] for entry in evaluations)  # the reloaded best
    with pytest.raises(ArtifactExistsError, match="OVERWRITE"):
        train(settings)


def test_optimizer_state_is_freed_only_after_the_last_checkpoint(tmp_path):
    settings = resolve("smoke", output_dir=str(tmp_path))
    overrides = dict(max_steps=4, save_strategy="steps", save_steps=2, eval_strategy="no")
    trainer = build_trainer(settings, load_best_model_at_end=False, disable_tqdm=True, **overrides)
    moments = []

    class Look(TrainerCallback):
        def on_save(self, args, state, control, optimizer=None, **kwargs):
            moments.append(len(optimizer.state))  # called after FreeOptimizerAtEnd

    trainer.add_callback(Look())
    trainer.train()
    assert moments[0] > 0 and moments[-1] == 0
    last = torch.load(tmp_path / "checkpoints" / "checkpoint-4" / "optimizer.pt", weights_only=True)
    assert last["state"]  # the checkpoint was written before the state was freed: resuming still works


@pytest.mark.parametrize("freeze", [True, False])
def test_freeze_embeddings_keeps_the_token_embeddings_and_trains_the_rest(freeze, tmp_path):
    settings = resolve("smoke", output_dir=str(tmp_path), freeze_embeddings=freeze)
    overrides = dict(max_steps=3, eval_strategy="no", save_strategy="no", load_best_model_at_end=False)
    trainer = build_trainer(settings, disable_tqdm=True, **overrides)
    model = trainer.model
    before = {name: p.detach().clone() for name, p in model.named_parameters()}
    embeddings = {name for name, p in model.named_parameters() if p is model.get_input_embeddings().weight}
    trainer.train()
    moved = {name for name, p in model.named_parameters() if not torch.equal(p, before[name])}
    assert len(embeddings) == 1 and (embeddings <= moved) is not freeze  # frozen: exactly as pretrained
    assert {"score.weight", "transformer.h.1.mlp.c_fc.weight"} <= moved  # the head and the blocks learn


def test_cpu_training_uses_the_plain_attention_and_the_saved_model_loads_with_the_default(tmp_path):
    settings = resolve("smoke", output_dir=str(tmp_path))
    overrides = dict(max_steps=1, eval_strategy="no", save_strategy="no", load_best_model_at_end=False)
    trainer = build_trainer(settings, disable_tqdm=True, **overrides)
    assert trainer.model.config._attn_implementation == "eager"  # faster to train at CoLA's lengths on a CPU
    trainer.save_model(str(tmp_path / "model"))
    assert "eager" not in (tmp_path / "model" / "config.json").read_text()  # inference keeps its own default


def test_freeze_blocks_trains_only_the_upper_blocks_and_the_head(tmp_path):
    settings = resolve("smoke", output_dir=str(tmp_path), freeze_blocks=0.5)
    overrides = dict(max_steps=3, eval_strategy="no", save_strategy="no", load_best_model_at_end=False)
    trainer = build_trainer(settings, disable_tqdm=True, **overrides)
    before = {name: p.detach().clone() for name, p in trainer.model.named_parameters()}
    trainer.train()
    moved = {name for name, p in trainer.model.named_parameters() if not torch.equal(p, before[name])}
    upper = ("transformer.h.1.", "transformer.ln_f.", "score.")
    assert moved and all(name.startswith(upper) for name in moved)
    assert {"score.weight", "transformer.h.1.mlp.c_fc.weight"} <= moved
    assert training.run_settings(settings)["freeze_blocks"] == 0.5  # resuming with another share refuses


def test_the_quick_profile_freezes_the_embeddings_and_resuming_checks_it():
    assert resolve("quick").freeze_embeddings and not resolve("full").freeze_embeddings
    assert training.run_settings(resolve("quick"))["freeze_embeddings"] is True


def test_quicks_schedule_draws_a_curve_in_one_epoch_and_a_run_killed_half_way_resumes(tmp_path):
    """The smoke model and data with quick's evaluations and checkpoints and quick's one epoch."""
    quick = resolve("quick")
    schedule = {"epochs": quick.epochs, "evaluations_per_epoch": quick.evaluations_per_epoch}
    assert schedule == {"epochs": 1, "evaluations_per_epoch": 3}  # what the numbers below assume
    whole = run_training(tmp_path / "whole", **schedule)
    assert whole.returncode == 0, whole.stderr[-2000:]
    expected = json.loads(whole.stdout.strip().splitlines()[-1])
    log = json.loads((tmp_path / "whole" / "model" / "log_history.json").read_text())
    steps = [entry["step"] for entry in log if "eval_mcc" in entry]
    assert steps == [30, 60, 90]  # every third of the 90 steps
    assert expected["selection_mcc"] == max(entry["eval_mcc"] for entry in log if "eval_mcc" in entry)
    killed = run_training(tmp_path / "killed", kill_after=0.5, **schedule)  # after checkpoint-60
    assert killed.returncode == -9
    assert not (tmp_path / "killed" / "model").exists()  # no half-finished model is left behind
    resumed = run_training(tmp_path / "killed", **schedule)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    got = json.loads(resumed.stdout.strip().splitlines()[-1])
    assert got["resumed_from"] == "checkpoint-60"
    for key in ("mcc", "accuracy", "f1", "loss", "train_loss", "selection_mcc"):  # train_loss: whole run
        assert round(got[key], 4) == round(expected[key], 4), key
    done = got["train_samples_per_second"] * got["train_seconds"]  # the sentences of this call, over its time
    assert done == pytest.approx(expected["train_samples_per_second"] * expected["train_seconds"] / 3)


def test_resume_checks_the_settings_the_checkpoints_were_made_with(tmp_path):
    settings = resolve("smoke", output_dir=str(tmp_path))
    assert resume_checkpoint(settings) is None  # nothing to resume
    (tmp_path / "checkpoints" / "checkpoint-270").mkdir(parents=True)
    (tmp_path / "checkpoints" / "checkpoint-270" / "trainer_state.json").write_text("{}")
    (tmp_path / "checkpoints" / "checkpoint-360").mkdir()  # a save cut short by a kill: no trainer state
    with pytest.raises(ResumeMismatchError, match=f"no {RUN_SETTINGS}.*OUTPUT_DIR.*OVERWRITE"):
        resume_checkpoint(settings)
    record_run_settings(settings)
    assert resume_checkpoint(settings).endswith("checkpoint-270")
    record = tmp_path / "checkpoints" / RUN_SETTINGS  # made before freeze_blocks existed: made without it
    old = {k: v for k, v in json.loads(record.read_text()).items() if k != "freeze_blocks"}
    record.write_text(json.dumps(old))
    assert resume_checkpoint(settings).endswith("checkpoint-270")
    with pytest.raises(ResumeMismatchError, match="freeze_blocks: checkpoint 0.0, now 0.5"):
        resume_checkpoint(resolve("smoke", output_dir=str(tmp_path), freeze_blocks=0.5))
    other = resolve("smoke", output_dir=str(tmp_path), seed=7, batch_size=8)
    with pytest.raises(ResumeMismatchError) as caught:
        resume_checkpoint(other)
    message = str(caught.value)
    assert "seed: checkpoint 42, now 7" in message and "batch_size: checkpoint 16, now 8" in message
    assert "epochs" not in message and "OUTPUT_DIR" in message and "OVERWRITE = True" in message
    with pytest.raises(ResumeMismatchError):
        train(other)  # refuses before building anything
    assert (tmp_path / "checkpoints" / "checkpoint-270").is_dir()  # and keeps the checkpoints
    other = resolve("smoke", output_dir=str(tmp_path), seed=7, epochs=1)
    metrics = train(other, overwrite=True, disable_tqdm=True)  # the second way out: start afresh
    assert metrics["resumed_from"] is None and not (tmp_path / "checkpoints" / "checkpoint-270").exists()
    assert resume_checkpoint(other).endswith("checkpoint-90")  # its own checkpoint, recorded as its own


@pytest.mark.shared
def test_tiny_gpt2_trains_on_real_cola(cola_dir, gpt2_tokenizer_dir, tmp_path):
    from workshop_lib.tiny import build_tiny_gpt2

    model = build_tiny_gpt2(tmp_path / "tiny-real", gpt2_tokenizer_dir)
    settings = resolve(
        "smoke",
        model_name=str(model),
        data_source=str(cola_dir / "glue"),
        train_limit=512,
        eval_limit=128,
        output_dir=str(tmp_path / "out"),
    )
    losses = short_run_losses(settings, steps=12, every=3)
    assert len(losses) == 4 and all(loss == loss for loss in losses)  # finite
    assert min(losses[1:]) < losses[0]


def test_heap_trimming_only_where_it_was_measured_to_help(monkeypatch):
    """ReturnFreedMemory joins the Trainer's callbacks for bf16 runs on a CPU only (BENCHMARKS.md@afa5ab8)."""
    settings = resolve("smoke")  # fp32

    def kinds() -> list[type]:
        return [type(callback) for callback in training.workshop_callbacks(settings)]

    assert kinds() == [training.LogLossAtCheckpoints, training.FreeOptimizerAtEnd]
    monkeypatch.setattr(training, "pick_precision", lambda device, wanted: "bf16")
    assert ReturnFreedMemory in kinds()
    monkeypatch.setattr(training, "pick_device", lambda: "cuda")
    assert ReturnFreedMemory not in kinds()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim: Linux only")
def test_heap_is_returned_every_5_steps():
    trims = []
    callback = ReturnFreedMemory()
    assert callback.trim is not None  # found glibc's malloc_trim
    callback.trim = trims.append
    for step in range(1, 11):
        callback.on_step_end(None, SimpleNamespace(global_step=step), None)
    assert trims == [0, 0]  # after steps 5 and 10 only
