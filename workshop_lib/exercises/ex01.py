"""Notebook 01's exercises: the threshold search, a constant guess, what trains, a sentence's score."""

from __future__ import annotations

import math
import random

import numpy as np
import torch
from sklearn.metrics import matthews_corrcoef

from .check import Case, exercise, question


def find_threshold(scores, labels):
    """The threshold t (score >= t means acceptable) with the highest MCC on these sentences."""
    best_threshold, best_mcc = None, -2.0
    for threshold in sorted(set(scores)):  # a cut between two scores changes nothing
        predictions = [int(score >= threshold) for score in scores]
        mcc = matthews_corrcoef(labels, predictions)
        if mcc > best_mcc:
            best_threshold, best_mcc = threshold, mcc
    return best_threshold


def _mcc_at(scores, labels, threshold) -> float:
    """MCC of calling `score >= threshold` acceptable."""
    return float(matthews_corrcoef(labels, [int(s >= float(threshold)) for s in scores]))


def _best_mcc(scores, labels) -> float:
    """The best MCC of any threshold: every score, and one above them all."""
    return max(_mcc_at(scores, labels, t) for t in [*scores, max(scores) + 1])


def _threshold_case(scores, labels, hint="") -> Case:
    """A case that accepts any threshold reaching the best MCC."""
    best = _best_mcc(scores, labels)
    return Case(
        (scores, labels),
        accept=lambda t: _mcc_at(scores, labels, t) >= best - 1e-9,
        want=f"a threshold with MCC {best:.3f} (the best possible)",
        hint=hint,
    )


def _threshold_cases() -> list[Case]:
    """The notebook's toy scores, a perfect split, ties, cuts with a negative MCC, and 60 random sentences."""
    rng = random.Random(0)
    scores = [round(rng.gauss(-4, 1), 2) for _ in range(60)]
    labels = [int(s + rng.gauss(0, 1) > -4.3) for s in scores]
    return [
        _threshold_case([-6.0, -5.5, -4.0, -3.8, -3.1, -2.5], [0, 0, 1, 0, 1, 1]),
        _threshold_case([-1.0, -2.0, -3.0, -4.0], [1, 1, 0, 0], "here one threshold separates the labels."),
        _threshold_case(
            [-2.0, -2.0, -1.0, -3.0, -1.5], [1, 0, 1, 0, 1], "equal scores always get the same prediction."
        ),
        _threshold_case(
            [-4.0, -3.0, -2.0, -1.0, -0.5],
            [1, 1, 0, 0, 1],
            "the highest MCC, not the largest in size: a negative MCC is worse than 0 (wrong more often than "
            "chance).",
        ),
        _threshold_case(scores, labels),
    ]


exercise(
    "find_threshold",
    find_threshold,
    _threshold_cases,
    right="your threshold reaches the best MCC on the toy scores, on ties and on 60 random sentences.",
    forbidden=("best_threshold",),
)

question(
    "constant_guess",
    """
    Accuracy is the acceptable share p of the validation set (0.69 on CoLA's). F1 of the acceptable
    class is high: precision p, recall 1, so F1 = 2p / (1 + p), 0.82 for p = 0.69. MCC is exactly 0.
    Calling everything acceptable is right on every acceptable sentence and wrong on every other one, and
    it knows nothing: MCC measures the correlation between predictions and labels, and a constant has
    none. A threshold of minus infinity is the useless classifier, whatever its accuracy.
    """,
)

question(
    "train_on_train",
    """
    The threshold is a parameter learned from data, like a weight. Choosing it on the validation set and
    then reporting the validation MCC scores the classifier on the data it was tuned on: the number is
    optimistic, and on CoLA's 1,043 validation sentences the best cut for that very set also fits its
    noise. Choosing it on training sentences and reporting validation keeps the validation set unseen.
    Notebook 05 does the same for the fine-tuned model: its best checkpoint is chosen on the *selection*
    split, a share of the training sentences held out from training, and validation scores the kept model
    once. Both numbers are then measured on sentences nothing was chosen on, so they can be compared.
    """,
)

question(
    "what_trains",
    """
    Every weight, in the full profile. `AutoModelForSequenceClassification` puts a new, randomly initialised
    linear layer (the *head*, `score`: 768 numbers in, 2 logits out for GPT-2 small, no bias) on top of the
    pretrained network, and fine-tuning updates the head *and* the pretrained weights (embeddings, every
    attention and MLP block) with the same optimizer; the quick profile leaves the token embeddings as they
    are (`FREEZE_EMBEDDINGS`), which makes each step cheaper. The pretrained network starts from weights that
    already encode a lot of grammar, which is why a few epochs on under 8,000 sentences are enough.
    Training the head alone ("linear probing") is cheaper still, but it learns less.
    """,
)


def mean_log_prob(logits, input_ids):
    """Mean log-probability per token from a sentence's logits (tokens x vocabulary), start token first."""
    log_probs = torch.log_softmax(logits[:-1].float(), dim=-1)  # position i predicts token i + 1
    return log_probs.gather(-1, input_ids[1:].unsqueeze(-1)).mean().item()


def _log_prob_case(tokens: int, vocabulary: int, seed: int, hint: str = "") -> Case:
    """Random logits; the expected mean with numpy: the next token's logit minus its row's logsumexp."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(0, 2, (tokens, vocabulary))
    ids = rng.integers(0, vocabulary, tokens)
    rows = logits[:-1]
    logsumexp = rows.max(1) + np.log(np.exp(rows - rows.max(1, keepdims=True)).sum(1))
    expected = float(np.mean(rows[np.arange(tokens - 1), ids[1:]] - logsumexp))
    return Case((torch.tensor(logits, dtype=torch.float32), torch.tensor(ids)), expected, hint=hint)


def _log_prob_cases() -> list[Case]:
    """Short and longer sentences over small and GPT-2-sized vocabularies."""
    shift = "the logits at position i predict token i + 1: pair logits[:-1] with input_ids[1:]."
    return [
        Case(
            (torch.tensor([[0.0, 0.0], [0.0, 0.0]]), torch.tensor([0, 1])),
            math.log(0.5),
            hint="two equal logits give each token probability 1/2: the mean is log(1/2).",
        ),
        _log_prob_case(4, 5, 0, shift),
        _log_prob_case(12, 50257, 1, "take log_softmax over the vocabulary (the last axis), then average."),
        _log_prob_case(2, 7, 2, "a one-word sentence has one predicted token: the start token's prediction."),
    ]


exercise(
    "mean_log_prob",
    mean_log_prob,
    _log_prob_cases,
    right="shift by one, log_softmax, gather, mean: the score the zero-shot baseline uses.",
    forbidden=("mean_log_probs", "sentence_scores"),
)
