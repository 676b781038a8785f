"""CoLA's metric: Matthews correlation, with accuracy and F1."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from sklearn.exceptions import UndefinedMetricWarning
from transformers import EvalPrediction

from workshop_lib import hub
from workshop_lib.metrics import classification_metrics, compute_metrics, evaluate_cola_metric


def by_hand(labels, predictions) -> dict[str, float]:
    """MCC, accuracy and F1 of class 1 from the confusion matrix's four counts, written out independently."""
    labels, predictions = np.asarray(labels), np.asarray(predictions)
    tp = int(np.sum((labels == 1) & (predictions == 1)))
    tn = int(np.sum((labels == 0) & (predictions == 0)))
    fp = int(np.sum((labels == 0) & (predictions == 1)))
    fn = int(np.sum((labels == 1) & (predictions == 0)))
    denominator = math.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    return {
        "mcc": (tp * tn - fp * fn) / denominator if denominator else 0.0,  # a constant row or column: 0
        "accuracy": (tp + tn) / len(labels),
        "f1": 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0,
    }


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


def test_result_is_exactly_three_plain_floats():
    result = classification_metrics(np.array([1, 0, 1]), np.array([1, 1, 1]))
    assert list(result) == ["mcc", "accuracy", "f1"]
    assert all(type(v) is float for v in result.values())  # JSON-ready: no numpy scalars in metrics files
    assert result == pytest.approx({"mcc": 0.0, "accuracy": 2 / 3, "f1": 0.8})


# Random label/prediction pairs of several sizes and balances, and the degenerate ones a constant guess or a
# one-class batch gives (a row or a column of the confusion matrix all 0).
RNG = np.random.default_rng(0)
PAIRS = [(RNG.integers(0, 2, n), RNG.integers(0, 2, n)) for n in (2, 7, 50, 200, 1043)]
GOOD_LABELS = RNG.integers(0, 2, 300)
PAIRS.append((GOOD_LABELS, np.where(RNG.random(300) < 0.8, GOOD_LABELS, 1 - GOOD_LABELS)))  # 80 % right
PAIRS += [
    ([1] * 10, [1] * 10),  # one class everywhere: MCC 0 (undefined), F1 1
    ([0] * 10, [0] * 10),  # no acceptable sentence at all: F1 0, not an error
    ([0] * 10, [1] * 10),
    ([1] * 10, [0] * 10),
    ([0, 1, 1, 0, 1], [1] * 5),  # the constant "acceptable" guess
    ([0, 1, 1, 0, 1], [0] * 5),
    ([1] * 5, [0, 1, 1, 0, 1]),
]


@pytest.mark.parametrize(("labels", "predictions"), PAIRS, ids=[f"pair{i}" for i in range(len(PAIRS))])
def test_agrees_with_the_confusion_matrix_formulas(labels, predictions):
    expected = by_hand(labels, predictions)
    assert classification_metrics(labels, predictions) == pytest.approx(expected, abs=1e-12)


def test_no_acceptable_sentence_anywhere_gives_f1_zero_without_a_warning():
    """No acceptable label and no acceptable prediction (an early model, a small batch): F1 0, quietly."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", UndefinedMetricWarning)
        assert classification_metrics([0] * 10, [0] * 10) == {"mcc": 0.0, "accuracy": 1.0, "f1": 0.0}


def test_compute_metrics_reads_trainer_logits():
    logits = np.array([[2.0, -1.0], [0.1, 0.3], [1.0, 0.0], [-1.0, 1.0]])  # argmax: 0, 1, 0, 1
    labels = np.array([0, 1, 1, 1])
    result = compute_metrics(EvalPrediction(predictions=logits, label_ids=labels))
    assert result == pytest.approx(by_hand(labels, [0, 1, 0, 1]))
    assert result["accuracy"] == pytest.approx(3 / 4)


def test_compute_metrics_takes_the_logits_from_a_tuple():
    """Models that return more than logits (hidden states, ...) give the Trainer a tuple, logits first."""
    logits = np.array([[0.0, 1.0], [1.0, 0.0], [0.0, 1.0]])
    extra = np.array([[9.0, -9.0], [9.0, -9.0], [9.0, -9.0]])  # argmax 0 everywhere: must not be used
    result = compute_metrics(EvalPrediction(predictions=(logits, extra), label_ids=np.array([1, 0, 1])))
    assert result == {"mcc": 1.0, "accuracy": 1.0, "f1": 1.0}


def test_evaluate_metric_is_none_when_it_cannot_be_loaded(monkeypatch):
    """Offline, the optional cross-check with `evaluate` says None instead of raising; hub state untouched."""
    for error in (hub.HubUnavailableError("offline"), OSError("no cache"), ImportError("no evaluate")):

        def refuse(load, what, alternatives, error=error):
            raise error

        monkeypatch.setattr(hub, "hub_load", refuse)
        assert evaluate_cola_metric([0, 1], [0, 1]) is None


def test_evaluate_metric_is_glue_cola_given_labels_and_predictions(monkeypatch):
    """The cross-check loads `evaluate`'s glue/cola (mocked, with the hub) and returns its MCC as a float."""
    import evaluate

    asked = []

    class Metric:
        def compute(self, references, predictions):
            asked.append((references, predictions))
            return {"matthews_correlation": np.float64(by_hand(references, predictions)["mcc"])}

    def load(*args):
        asked.append(args)
        return Metric()

    monkeypatch.setattr(evaluate, "load", load)
    monkeypatch.setattr(hub, "hub_load", lambda load, what, alternatives: load())
    result = evaluate_cola_metric(np.array([1, 1, 0, 0, 1]), np.array([1, 0, 0, 1, 1]))
    assert asked == [("glue", "cola"), ([1, 1, 0, 0, 1], [1, 0, 0, 1, 1])]
    assert type(result) is float and result == pytest.approx(1 / 6)
