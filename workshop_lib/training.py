"""Phase 5's training path: data -> tokenize -> Trainer (dynamic padding, length grouping) -> model."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

from datasets import DatasetDict
from transformers import (
    DataCollatorWithPadding,
    PreTrainedTokenizerBase,
    Trainer,
    TrainerState,
    TrainingArguments,
    set_seed,
)
from transformers.trainer_utils import get_last_checkpoint

from .artifacts import ArtifactExistsError, atomic_dir, atomic_write_json
from .config import Settings
from .data import limit_splits, load_cola
from .device import pick_device, pick_precision
from .metrics import compute_metrics
from .modeling import TINY_FOLDERS, TINY_MODELS, load_model, load_tokenizer, tiny_model
from .preprocess import load_tokenized, save_tokenized, tokenize

MAX_LENGTH = 128  # CoLA's longest sentence is 45 GPT-2 tokens; truncation never bites


def base_model(settings: Settings) -> str:
    """The model to start from: a hub id or folder, or a tiny model built for this seed under the output."""
    name = settings.model_name
    if name in TINY_MODELS:
        return str(tiny_model(name, settings.out / TINY_FOLDERS[name], seed=settings.seed))
    return name


def load_data(settings: Settings) -> DatasetDict:
    """Load the profile's data and apply its sample limits."""
    data = load_cola(settings.data_source)
    limits = {"train": settings.train_limit, "validation": settings.eval_limit}
    return limit_splits(data, limits, seed=settings.seed)


def tokenized_meta(settings: Settings, tokenizer: PreTrainedTokenizerBase) -> dict:
    """What a saved tokenized set depends on; a mismatch means it must be rebuilt."""
    return {
        "model_name": settings.model_name,
        "data_source": settings.data_source,
        "train_limit": settings.train_limit,
        "eval_limit": settings.eval_limit,
        "seed": settings.seed,
        "max_length": MAX_LENGTH,
        "vocab_size": len(tokenizer),
    }


def tokenized_data(settings: Settings, tokenizer: PreTrainedTokenizerBase) -> DatasetDict:
    """Load phase 3's tokenized set, or rebuild and save it when missing or made otherwise."""
    path, meta = settings.out / "tokenized", tokenized_meta(settings, tokenizer)
    data = load_tokenized(path, expect=meta)
    if data is None:
        if path.exists():
            print(f"{path} was made with other settings; rebuilding it.")
        data = tokenize(load_data(settings), tokenizer, MAX_LENGTH)
        save_tokenized(data, path, meta, overwrite=True)
    return data


def training_arguments(settings: Settings, **overrides) -> TrainingArguments:
    """The workshop's recipe: batch 32, per-batch padding, length grouping, eval and save per epoch."""
    device = pick_device()
    precision = pick_precision(device, settings.precision)
    values = dict(
        output_dir=str(settings.out / "checkpoints"),
        num_train_epochs=settings.epochs,
        per_device_train_batch_size=settings.batch_size,
        per_device_eval_batch_size=max(64, settings.batch_size),
        learning_rate=settings.learning_rate,
        warmup_steps=settings.warmup_ratio,  # a float below 1 is a share of all steps
        weight_decay=settings.weight_decay,
        lr_scheduler_type="linear",
        train_sampling_strategy="group_by_length",  # similar lengths share a batch: little padding
        eval_strategy="epoch",
        save_strategy="epoch",
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
    args = training_arguments(settings, **arg_overrides)
    # Under torchrun or accelerate, the main process builds the tiny model and the tokenized set first;
    # the other ranks wait at a barrier, then load what it wrote.
    with args.main_process_first(desc="model and tokenized data"):
        source = base_model(settings)
        tokenizer = load_tokenizer(source)
        data = tokenized_data(settings, tokenizer)
    set_seed(settings.seed)  # the new classification head: same start whatever ran before in this process
    model = load_model(source, tokenizer)
    # Its forward takes **kwargs, so the Trainer would assume a token-summed loss and skip dividing by the
    # accumulation steps and multiply by the number of processes; the classifier's loss is a batch mean.
    model.accepts_loss_kwargs = False
    return Trainer(
        model=model,
        args=args,
        train_dataset=data["train"],
        eval_dataset=data["validation"],
        processing_class=tokenizer,  # transformers 5 name; `tokenizer=` was removed
        data_collator=DataCollatorWithPadding(tokenizer),
        compute_metrics=compute_metrics,
        callbacks=callbacks,
    )


def train(
    settings: Settings, overwrite: bool = False, callbacks: list | None = None, **arg_overrides
) -> dict:
    """Train (resuming an interrupted run from its last checkpoint), save the best model; return metrics."""
    model_dir, checkpoints = settings.out / "model", settings.out / "checkpoints"
    if model_dir.exists():
        if not overwrite:
            raise ArtifactExistsError(
                f"{model_dir} already holds a trained model. Set OUTPUT_DIR to a new folder, "
                "or OVERWRITE = True to train again and replace it."
            )
        shutil.rmtree(checkpoints, ignore_errors=True)  # a finished run's checkpoints: start afresh
    trainer = build_trainer(settings, callbacks, **arg_overrides)
    last = get_last_checkpoint(str(checkpoints)) if checkpoints.is_dir() else None
    if last:
        print(f"Resuming from {last}")
    done_before = TrainerState.load_from_json(f"{last}/trainer_state.json").epoch if last else 0.0
    start = time.perf_counter()
    result = trainer.train(resume_from_checkpoint=last)
    seconds = time.perf_counter() - start
    evaluation = trainer.evaluate()
    epochs_now = settings.epochs - done_before  # what this call trained, for honest throughput
    metrics = {
        "train_loss": result.training_loss,
        "train_seconds": seconds,
        "train_samples_per_second": len(trainer.train_dataset) * epochs_now / seconds,
        "train_real_tokens_per_second": sum(trainer.train_dataset["length"]) * epochs_now / seconds,
        "resumed_from": Path(last).name if last else None,
        **{k.removeprefix("eval_"): v for k, v in evaluation.items()},
    }
    if trainer.is_world_process_zero():
        with atomic_dir(model_dir, overwrite=overwrite) as tmp:
            trainer.model.save_pretrained(tmp)  # config.json + model.safetensors
            trainer.processing_class.save_pretrained(tmp)
            (tmp / "training_args.json").write_text(trainer.args.to_json_string())  # JSON, not a pickle
            atomic_write_json(tmp / "metrics.json", metrics)
            atomic_write_json(tmp / "log_history.json", trainer.state.log_history)
    return metrics


def load_log_history(model_dir: str | Path) -> list[dict]:
    """Read the Trainer's log (losses, learning rates, evaluations) saved beside a model."""
    return json.loads((Path(model_dir) / "log_history.json").read_text())
