"""CoLA's metric (Matthews correlation) with accuracy and F1, computed offline with scikit-learn."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import accuracy_score, f1_score, matthews_corrcoef


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
