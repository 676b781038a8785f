"""The training-loop appendix's exercise: the evaluation loss as the Trainer reports it."""

from __future__ import annotations

from .check import Case, exercise


def evaluation_loss(batch_losses, batch_sizes):
    """The mean loss per sentence over an evaluation, from each batch's mean loss and its size."""
    return sum(loss * size for loss, size in zip(batch_losses, batch_sizes, strict=True)) / sum(batch_sizes)


def _cases() -> list[Case]:
    """Weighted means written out; the last batch of an evaluation is usually smaller."""
    weigh = "each batch's loss is a mean over its sentences: weigh it by the batch's size."
    return [
        Case(([0.5], [64]), 0.5, hint="one batch: its own mean."),
        Case(([0.5, 0.5], [64, 8]), 0.5, hint="equal batch losses give that loss."),
        Case(([0.6, 0.2], [64, 16]), 0.52, hint=weigh),
        Case(([1.0, 0.0, 0.4], [10, 30, 10]), 0.28, hint=weigh),
    ]


exercise(
    name="evaluation_loss",
    solution=evaluation_loss,
    cases=_cases,
    right="your loss is the mean per sentence, as the Trainer's evaluation reports it.",
)
