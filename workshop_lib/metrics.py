"""CoLA's metric (Matthews correlation) with accuracy and F1 (scikit-learn), and the record of a run."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from sklearn.metrics import accuracy_score, f1_score, matthews_corrcoef

if TYPE_CHECKING:  # only annotations: scoring predictions needs no transformers import
    from datasets import Dataset
    from transformers import Trainer
    from transformers.trainer_utils import TrainOutput

def classification_metrics(labels, predictions) -> dict[str, float]:
    """Return MCC (CoLA's official metric), accuracy and F1 of the 'acceptable' class."""
    labels, predictions = np.asarray(labels), np.asarray(predictions)
    return {
        "mcc": float(matthews_corrcoef(labels, predictions)),
        "accuracy": float(accuracy_score(labels, predictions)),
        "f1": float(f1_score(labels, predictions, zero_division=0)),
    }


def compute_metrics(eval_pred) -> dict[str, float]:
    """Trainer hook: turn (logits, labels) into classification metrics."""
    logits, labels = eval_pred.predictions, eval_pred.label_ids
    if isinstance(logits, tuple):
        logits = logits[0]
    return classification_metrics(labels, np.argmax(logits, axis=-1))


def evaluate_cola_metric(labels, predictions) -> float | None:
    """MCC from `evaluate`'s glue/cola metric (needs the hub once), or None when it cannot be loaded."""
    from .hub import HubUnavailableError, hub_load

    try:
        import evaluate

        metric = hub_load(lambda: evaluate.load("glue", "cola"), "the evaluate metric glue/cola", "")
    except (HubUnavailableError, ImportError, OSError):
        return None
    return float(
        metric.compute(references=list(labels), predictions=list(predictions))["matthews_correlation"]
    )


def whole_run_loss(log: list[dict], final_loss: float, resumed_step: int, last_step: int) -> float | None:
    """A resumed run's mean loss over all steps (logged before the resume + this call's); None on gaps."""
    total, previous = 0.0, 0
    for entry in log:
        if "loss" in entry and entry["step"] <= resumed_step:
            total += entry["loss"] * (entry["step"] - previous)
            previous = entry["step"]
    if previous != resumed_step:
        return None
    return (total + final_loss * (last_step - resumed_step)) / last_step


def best_evaluation(trainer: Trainer) -> dict:
    """The logged evaluation of the checkpoint that load_best_model_at_end reloaded (evaluate if none is)."""
    state = trainer.state
    for entry in state.log_history:
        if "eval_loss" in entry and entry["step"] == state.best_global_step:
            return {k: v for k, v in entry.items() if k.startswith("eval_") or k == "epoch"}
    return trainer.evaluate()


def run_metrics(
    trainer: Trainer,
    result: TrainOutput,
    seconds: float,
    resumed_from: str | None,
    selection: dict,
    validation: dict,
    validation_set: Dataset,
) -> dict:
    """A run's record: validation metrics (scored once) beside the selection split's, which chose the
    checkpoint; the whole run's training loss; this call's throughput (None if nothing trained); the
    split sizes, the training tokens and how many evaluated sentences were also trained on (a leak)."""
    state = trainer.state
    # Checkpoints are named checkpoint-<global step>; save_total_limit may have deleted this one since.
    resumed_step = int(Path(resumed_from).name.rsplit("-", 1)[1]) if resumed_from else 0
    steps_now = state.global_step - resumed_step
    metrics: dict = {"train_seconds": seconds, "resumed_from": resumed_from and Path(resumed_from).name}
    if resumed_step == 0:
        metrics["train_loss"] = result.training_loss
    else:
        loss = whole_run_loss(state.log_history, result.training_loss, resumed_step, state.global_step)
        if loss is None:  # the log before the resume has gaps: say what the number covers
            metrics["train_loss_since_resume"] = result.training_loss
        else:
            metrics["train_loss"] = loss
    share = steps_now / max(state.max_steps, 1)  # of the whole schedule, trained in this call
    data = trainer.train_dataset
    rate = steps_now > 0 and seconds > 0
    epochs = trainer.args.num_train_epochs
    metrics["train_samples_per_second"] = len(data) * epochs * share / seconds if rate else None
    tokens = sum(data["length"])
    metrics["train_real_tokens_per_second"] = tokens * epochs * share / seconds if rate else None
    metrics.update({f"selection_{k.removeprefix('eval_')}": v for k, v in selection.items() if k != "epoch"})
    metrics.update({k.removeprefix("validation_"): v for k, v in validation.items() if k != "epoch"})
    evaluated = {"selection": trainer.eval_dataset, "validation": validation_set}
    metrics.update({f"{split}_sentences": len(rows) for split, rows in {"train": data, **evaluated}.items()})
    metrics["train_tokens"] = tokens
    trained = {tuple(ids) for ids in data["input_ids"]}
    for split, rows in evaluated.items():
        metrics[f"{split}_seen_in_training"] = sum(tuple(ids) in trained for ids in rows["input_ids"])
    metrics.update(epoch=selection.get("epoch"), chosen_on="selection", scored_on="validation")
    return metrics
