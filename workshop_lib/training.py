"""Phase 5's training path: data -> tokenize -> Trainer (dynamic padding, length grouping) -> model."""

from __future__ import annotations

import ctypes
import ctypes.util
import dataclasses
import gc
import json
import shutil
import time
from pathlib import Path

from datasets import DatasetDict
from transformers import (
    DataCollatorWithPadding,
    Trainer,
    TrainerCallback,
    TrainingArguments,
    set_seed,
)
from transformers.trainer_utils import PREFIX_CHECKPOINT_DIR

from .card import model_card
from .device import pick_device, pick_precision, training_attention
from .metrics import best_evaluation, compute_metrics, run_metrics
from .modeling import base_model, freeze_lower_blocks, load_model, load_tokenizer
from .paths import CHECKPOINTS, MODEL
from .preprocess import MAX_LENGTH, data_settings, tokenized_data
from .records import ArtifactExistsError, atomic_dir, atomic_write_json, read_metrics
from .settings import Settings

RUN_SETTINGS = "run_settings.json"  # beside the checkpoints: what they were made with


class ResumeMismatchError(ValueError):
    """Checkpoints in the output folder were made with other settings than this run's."""


class LogLossAtCheckpoints(TrainerCallback):
    """Log the training loss at every epoch end and checkpoint too, so each checkpoint's log covers every step
    before it (a resumed run's whole-run loss needs them)."""

    def on_step_end(self, args, state, control, **kwargs):
        if control.should_save:  # set just before by the Trainer's own flow; it logs before it saves
            control.should_log = True
        return control

    def on_epoch_end(self, args, state, control, **kwargs):
        control.should_log = True  # the Trainer skips it when nothing was trained since the last log
        return control


class FreeOptimizerAtEnd(TrainerCallback):
    """Free AdamW's moments once the last checkpoint holds them, before the Trainer reloads the best model."""

    def on_save(self, args, state, control, optimizer=None, **kwargs):
        # Two fp32 tensors per weight (twice the model's size) that nothing reads after the last step; freeing
        # them first keeps the reload's extra copy of the weights under the training peak (measured:
        # BENCHMARKS.md@afa5ab8, "Candidates, each measured").
        if state.global_step >= state.max_steps and optimizer is not None:
            optimizer.state.clear()
            gc.collect()


class ReturnFreedMemory(TrainerCallback):
    """Every `every` steps, hand the C heap's free pages back to the system (glibc's malloc_trim)."""

    def __init__(self, every: int = 5):
        # Batches of changing lengths leave freed gaps in the heap that glibc keeps; without this the resident
        # memory of a bf16 run kept growing over the epochs (measured: BENCHMARKS.md@afa5ab8, "Candidates,
        # each measured"). Other C libraries: no-op.
        self.every = every
        try:
            self.trim = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
        except (OSError, AttributeError):
            self.trim = None

    def on_step_end(self, args, state, control, **kwargs):
        if self.trim is not None and state.global_step % self.every == 0:
            self.trim(0)


def placement(settings: Settings) -> tuple[str, str]:
    """Where this run trains and in which precision: the one rule the recipe, callbacks and model read."""
    device = pick_device()
    return device, pick_precision(device, settings.precision)


def workshop_callbacks(settings: Settings) -> list[TrainerCallback]:
    """Loss entries at epoch ends and checkpoints; memory savers where they were measured to help."""
    callbacks = [LogLossAtCheckpoints(), FreeOptimizerAtEnd()]
    if placement(settings) == ("cpu", "bf16"):
        callbacks.append(ReturnFreedMemory())  # only bf16 CPU runs grew their heap over the epochs
    return callbacks


RECIPE_SETTINGS = (  # how it trains
    "epochs", "batch_size", "learning_rate", "warmup_steps", "weight_decay", "freeze_embeddings",
    "freeze_blocks",
)


def schedule(settings: Settings) -> dict:
    """When the Trainer scores the selection split and saves: per epoch, or `evaluations_per_epoch` times."""
    share = 1 / (settings.evaluations_per_epoch * settings.epochs)  # of all steps, as eval_steps reads it
    if settings.evaluations_per_epoch == 1 or share >= 1:
        return dict(eval_strategy="epoch", save_strategy="epoch")
    return dict(eval_strategy="steps", eval_steps=share, save_strategy="steps", save_steps=share)


def training_arguments(settings: Settings, **overrides) -> TrainingArguments:
    """The workshop's recipe: per-batch padding, length grouping, evaluation and saves on `schedule`."""
    device, precision = placement(settings)
    values = dict(
        output_dir=str(settings.out / CHECKPOINTS),
        num_train_epochs=settings.epochs,
        per_device_train_batch_size=settings.batch_size,
        per_device_eval_batch_size=max(64, settings.batch_size),
        learning_rate=settings.learning_rate,
        warmup_steps=settings.warmup_steps,  # a float below 1 is a share of all steps
        weight_decay=settings.weight_decay,
        lr_scheduler_type="linear",
        train_sampling_strategy="group_by_length",  # similar lengths share a batch: little padding
        **schedule(settings),
        save_total_limit=2,
        load_best_model_at_end=True,
        metric_for_best_model="mcc",
        greater_is_better=True,
        logging_strategy="steps",
        logging_steps=10,
        seed=settings.seed,
        data_seed=settings.seed,
        bf16=precision == "bf16",
        fp16=precision == "fp16",
        report_to="none",
        use_cpu=device == "cpu",  # also makes torchrun on a CPU-only machine use DDP over gloo
        ddp_find_unused_parameters=False,  # every GPT-2 weight gets a gradient: skip DDP's extra graph walk
        push_to_hub=False,
        save_only_model=False,  # keep optimizer and RNG state so training can resume
    )
    values.update(overrides)
    return TrainingArguments(**values)


def build_trainer(settings: Settings, callbacks: list | None = None, **arg_overrides) -> Trainer:
    """Load model, tokenizer and tokenized data and wire them into a Trainer."""
    return trainer_and_data(settings, callbacks, **arg_overrides)[0]


def trainer_and_data(
    settings: Settings, callbacks: list | None = None, **arg_overrides
) -> tuple[Trainer, DatasetDict]:
    """The Trainer of `build_trainer` and the tokenized splits it was given (validation too)."""
    args = training_arguments(settings, **arg_overrides)
    # Under torchrun or accelerate, the main process builds the tiny model and the tokenized set first;
    # the other ranks wait at a barrier, then load what it wrote.
    with args.main_process_first(desc="model and tokenized data"):
        source = base_model(settings)
        tokenizer = load_tokenizer(source)
        data = tokenized_data(settings, tokenizer)
    set_seed(settings.seed)  # the new classification head: same start whatever ran before in this process
    model = load_model(source, tokenizer)
    model.set_attn_implementation(training_attention(placement(settings)[0]))
    # Its forward takes **kwargs, so the Trainer would assume a token-summed loss and skip dividing by the
    # accumulation steps and multiply by the number of processes; the classifier's loss is a batch mean.
    model.accepts_loss_kwargs = False
    if settings.freeze_embeddings:
        model.get_input_embeddings().requires_grad_(False)  # kept as pretrained: no gradient, no AdamW update
    freeze_lower_blocks(model, settings.freeze_blocks)
    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=data["train"],
        eval_dataset=data["selection"],  # chooses the checkpoint; validation is scored once, at the end
        processing_class=tokenizer,  # transformers 5 name; `tokenizer=` was removed
        data_collator=DataCollatorWithPadding(tokenizer),
        compute_metrics=compute_metrics,
        callbacks=[*workshop_callbacks(settings), *(callbacks or [])],
    )
    return trainer, data


def run_settings(settings: Settings) -> dict:
    """The settings a checkpoint depends on: resuming with other values would train nonsense."""
    return {**data_settings(settings), **{name: getattr(settings, name) for name in RECIPE_SETTINGS}}


def record_run_settings(settings: Settings) -> None:
    """Write what `resume_checkpoint` checks into <out>/checkpoints/run_settings.json."""
    atomic_write_json(settings.out / CHECKPOINTS / RUN_SETTINGS, run_settings(settings))


def last_complete_checkpoint(checkpoints: Path) -> str | None:
    """The newest checkpoint whose trainer state, written last, is complete (a kill can cut a save short)."""
    steps = {}
    for path in checkpoints.glob(f"{PREFIX_CHECKPOINT_DIR}-*"):
        step = path.name.removeprefix(f"{PREFIX_CHECKPOINT_DIR}-")
        if path.is_dir() and step.isdigit():
            steps[int(step)] = path
    for step in sorted(steps, reverse=True):
        try:
            json.loads((steps[step] / "trainer_state.json").read_text())
            return str(steps[step])
        except (OSError, ValueError):
            print(f"Skipping {steps[step]}: it was not saved completely.")
    return None


def resume_checkpoint(settings: Settings) -> str | None:
    """The last checkpoint in <out>/checkpoints, or None; raise ResumeMismatchError if made otherwise."""
    checkpoints = settings.out / CHECKPOINTS
    last = last_complete_checkpoint(checkpoints) if checkpoints.is_dir() else None
    if last is None:
        return None
    record = checkpoints / RUN_SETTINGS
    ways_out = (
        "Either set OUTPUT_DIR to a new folder (keeps these checkpoints), or set OVERWRITE = True "
        "(--overwrite on the command line) to delete them and train from the start."
    )
    if not record.is_file():
        raise ResumeMismatchError(
            f"{checkpoints} holds {Path(last).name} but no {RUN_SETTINGS}, so nothing shows that it was "
            f"made with this run's settings. {ways_out}"
        )
    recorded, wanted = json.loads(record.read_text()), run_settings(settings)
    # A setting added after the checkpoint was made: it was made with that setting's default.
    made_without = [f for f in dataclasses.fields(Settings) if f.name in wanted and f.name not in recorded]
    recorded |= {f.name: f.default for f in made_without if f.default is not dataclasses.MISSING}
    differing = [
        f"{key}: checkpoint {recorded.get(key)!r}, now {value!r}"
        for key, value in wanted.items()
        if recorded.get(key) != value
    ]
    if differing:
        raise ResumeMismatchError(
            f"{checkpoints} holds {Path(last).name}, made with other settings than this run's: "
            f"{'; '.join(differing)}. {ways_out}"
        )
    return last


def save_model(trainer: Trainer, settings: Settings, metrics: dict, overwrite: bool = False) -> Path:
    """Save the final model folder atomically (weights, tokenizer, recipe, metrics, log, card); return it.

    The card compares with notebook 01's zero-shot score where that notebook recorded one.
    """
    zero_shot = read_metrics(settings.out).get("zero_shot")
    model_dir = settings.out / MODEL
    if trainer.is_world_process_zero():
        with atomic_dir(model_dir, overwrite=overwrite) as tmp:
            trainer.model.save_pretrained(tmp)  # config.json + model.safetensors
            trainer.processing_class.save_pretrained(tmp)
            (tmp / "training_args.json").write_text(trainer.args.to_json_string())  # JSON, not a pickle
            atomic_write_json(tmp / "metrics.json", metrics)
            atomic_write_json(tmp / "log_history.json", trainer.state.log_history)
            card = model_card(settings, metrics, MAX_LENGTH, zero_shot, placement(settings)[1])
            (tmp / "README.md").write_text(card, encoding="utf-8")
    return model_dir


def train(
    settings: Settings, overwrite: bool = False, callbacks: list | None = None, **arg_overrides
) -> dict:
    """Train (resuming where a run stopped), keep what the selection split chose, score validation."""
    model_dir, checkpoints = settings.out / MODEL, settings.out / CHECKPOINTS
    if model_dir.exists() and not overwrite:
        raise ArtifactExistsError(
            f"{model_dir} already holds a trained model. Set OUTPUT_DIR to a new folder, "
            "or OVERWRITE = True to train again and replace it."
        )
    if overwrite and model_dir.exists():
        shutil.rmtree(checkpoints, ignore_errors=True)  # a finished run's checkpoints: start afresh
    try:
        last = resume_checkpoint(settings)
    except ResumeMismatchError:
        if not overwrite:
            raise
        print(f"OVERWRITE: deleting {checkpoints}, made with other settings; training from the start.")
        shutil.rmtree(checkpoints, ignore_errors=True)
        last = None
    trainer, data = trainer_and_data(settings, callbacks, **arg_overrides)
    validation = data["validation"]
    if last:
        print(f"Resuming from {last}")
    elif trainer.is_world_process_zero():
        record_run_settings(settings)
    start = time.perf_counter()
    result = trainer.train(resume_from_checkpoint=last)
    seconds = time.perf_counter() - start
    scored = trainer.evaluate(validation, metric_key_prefix="validation")  # once, by the kept model
    chosen = best_evaluation(trainer)  # the kept checkpoint's logged score on the selection split
    metrics = run_metrics(trainer, result, seconds, last, chosen, scored, validation)
    save_model(trainer, settings, metrics, overwrite=overwrite)
    return metrics
