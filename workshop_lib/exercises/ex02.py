"""Notebook 02's exercises: a confusion matrix and MCC by hand, a random guess, tokens versus words."""

from __future__ import annotations

import math

from sklearn.metrics import confusion_matrix, matthews_corrcoef

from .check import Case, exercise, question


def confusion_counts(labels, predictions):
    """(tp, tn, fp, fn) with 'acceptable' (1) as the positive class."""
    tp = tn = fp = fn = 0
    for label, prediction in zip(labels, predictions, strict=True):
        if prediction == 1:
            tp, fp = tp + (label == 1), fp + (label == 0)
        else:
            tn, fn = tn + (label == 0), fn + (label == 1)
    return tp, tn, fp, fn


def mcc_by_hand(tp, tn, fp, fn):
    """Matthews correlation from the four counts of a confusion matrix."""
    denominator = math.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    if denominator == 0:  # a constant prediction (or a single class): no correlation to measure
        return 0.0
    return (tp * tn - fp * fn) / denominator


def _counts_case(labels, predictions, hint="") -> Case:
    """Expected counts from scikit-learn's confusion matrix (rows: label, columns: prediction)."""
    (tn, fp), (fn, tp) = confusion_matrix(labels, predictions, labels=[0, 1]).tolist()
    return Case((labels, predictions), expected=(tp, tn, fp, fn), hint=hint)


ONE_CLASS = (
    "labels and predictions of one class only: confusion_matrix then returns a 1 x 1 matrix unless you pass "
    "labels=[0, 1]."
)


def _counts_cases() -> list[Case]:
    """The notebook's toy labels, a constant guess, a swapped order trap, and batches of one class only."""
    toy = [1, 1, 1, 1, 1, 1, 1, 0, 0, 0]
    return [
        _counts_case(toy, [1, 1, 1, 1, 1, 1, 1, 0, 0, 1]),
        _counts_case(toy, [1] * 10, "a constant guess still has all four counts, some of them 0."),
        _counts_case(
            [0, 1, 0, 1, 1], [1, 0, 0, 1, 0], "return them in the order (tp, tn, fp, fn); 1 is positive."
        ),
        _counts_case([1, 1, 1], [1, 1, 1], ONE_CLASS),
        _counts_case([0, 0], [0, 0], ONE_CLASS),
    ]


def _mcc_case(tp, tn, fp, fn, hint="") -> Case:
    """Expected MCC from scikit-learn on the labels and predictions these counts stand for."""
    labels = [1] * tp + [0] * tn + [0] * fp + [1] * fn
    predictions = [1] * tp + [0] * tn + [1] * fp + [0] * fn
    return Case((tp, tn, fp, fn), expected=float(matthews_corrcoef(labels, predictions)), hint=hint)


def _mcc_cases() -> list[Case]:
    """Ordinary matrices, a perfectly wrong one, and constant guesses (denominator 0)."""
    zero = "when a row or a column of the matrix is all 0 the denominator is 0; MCC is then defined as 0."
    return [
        _mcc_case(7, 2, 1, 0),
        _mcc_case(50, 30, 10, 10),
        _mcc_case(3, 1, 4, 2, "the numerator is tp*tn - fp*fn."),
        _mcc_case(0, 0, 5, 5),
        _mcc_case(7, 0, 3, 0, zero),
        _mcc_case(0, 6, 0, 4, zero),
    ]


exercise(
    "confusion_counts",
    confusion_counts,
    _counts_cases,
    right="your counts match scikit-learn's confusion_matrix.",
    forbidden=("classification_metrics",),
)
exercise(
    "mcc_by_hand",
    mcc_by_hand,
    _mcc_cases,
    right="your MCC matches scikit-learn's matthews_corrcoef, constant guesses (MCC 0) included.",
    forbidden=("classification_metrics",),
)

question(
    "random_guess",
    """
    Accuracy about p² + (1 − p)², where p is the acceptable share: a guess with the labels' own 70/30
    share, independent of the sentence, is right when both say acceptable (0.7 × 0.7 = 0.49 of the time)
    or both say unacceptable (0.3 × 0.3 = 0.09), so about 0.58. F1 of the acceptable class is about p
    (precision and recall are both about 0.7), and MCC is close to 0 (a little above or below, by
    chance): the guesses carry no information about the labels. Compare with "always acceptable": higher
    accuracy (0.7) and F1 (0.82), and still MCC 0. Accuracy and F1 reward agreeing with the majority; only
    MCC rewards knowing something.
    """,
)

question(
    "tokens_not_words",
    """
    The model never sees words: every layer works on one vector per *token*, and attention compares every
    token with every earlier one, so memory and time grow with the number of tokens (the padded number, in
    a batch). A frequent word is one GPT-2 token; a rare word, a name or a typo splits into several. The
    smoke profile's tiny tokenizer learned its few hundred tokens from the synthetic set only, so it cuts
    real English into many more pieces than GPT-2's 50,257-token vocabulary does: the same sentence is
    longer in tokens, and so is every batch.
    """,
)
