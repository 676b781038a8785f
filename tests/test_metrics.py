"""CoLA's metric: Matthews correlation, with accuracy and F1."""

from __future__ import annotations

import numpy as np
import pytest
from transformers import EvalPrediction

from workshop_lib.metrics import classification_metrics, compute_metrics, evaluate_cola_metric


def test_majority_class_has_good_accuracy_but_zero_mcc():
    labels = [1] * 69 + [0] * 31
    result = classification_metrics(labels, [1] * 100)
    assert result["accuracy"] == pytest.approx(0.69)
    assert result["mcc"] == 0.0
    assert result["f1"] == pytest.approx(2 * 0.69 / 1.69)


def test_mcc_known_values():
    assert classification_metrics([0, 1, 0, 1], [0, 1, 0, 1])["mcc"] == pytest.approx(1.0)
    assert classification_metrics([0, 1, 0, 1], [1, 0, 1, 0])["mcc"] == pytest.approx(-1.0)
    # TP=2 TN=1 FP=1 FN=1: (2*1-1*1)/sqrt(3*3*2*2) = 1/6
    assert classification_metrics([1, 1, 1, 0, 0], [1, 1, 0, 1, 0])["mcc"] == pytest.approx(1 / 6)


def test_compute_metrics_reads_trainer_logits():
    logits = np.array([[2.0, -1.0], [0.1, 0.3], [1.0, 0.0]])
    result = compute_metrics(EvalPrediction(predictions=logits, label_ids=np.array([0, 1, 1])))
    assert result["accuracy"] == pytest.approx(2 / 3)


def test_agrees_with_evaluate_glue_cola_when_available():
    rng = np.random.default_rng(0)
    labels, predictions = rng.integers(0, 2, 200), rng.integers(0, 2, 200)
    reference = evaluate_cola_metric(labels, predictions)
    if reference is None:
        pytest.skip("evaluate's glue/cola metric needs the hub once; not reachable here")
    assert classification_metrics(labels, predictions)["mcc"] == pytest.approx(reference)
