"""The workshop's figures: learning-rate schedule, training curves and confusion matrix."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from sklearn.metrics import confusion_matrix


def learning_rate_schedule(learning_rates: Sequence[float], warmup_steps: int) -> Figure:
    """Plot the learning rate per optimizer step and mark the end of the warm-up."""
    fig, ax = plt.subplots(figsize=(7, 3))
    ax.plot(np.arange(1, len(learning_rates) + 1), learning_rates)
    ax.axvline(warmup_steps, color="grey", linestyle="--", label=f"end of warm-up (step {warmup_steps})")
    ax.set(xlabel="optimizer step", ylabel="learning rate", title="Linear warm-up, then linear decay")
    ax.legend()
    fig.tight_layout()
    return fig


def epoch_evaluations(log_history: list[dict]) -> list[dict]:
    """The selection split's results logged after each epoch (not the validation score after training)."""
    end = next((i for i, e in enumerate(log_history) if "train_runtime" in e), len(log_history))
    return [e for e in log_history[:end] if "eval_mcc" in e]


def training_curves(log_history: list[dict]) -> Figure:
    """Plot training and selection-split loss, and selection MCC per epoch, from a Trainer's log history."""
    train = [(e["epoch"], e["loss"]) for e in log_history if "loss" in e]
    evals = [(e["epoch"], e["eval_loss"], e["eval_mcc"]) for e in epoch_evaluations(log_history)]
    fig, (loss_ax, mcc_ax) = plt.subplots(1, 2, figsize=(11, 3.5))
    if train:
        loss_ax.plot(*zip(*train, strict=True), label="training loss (logged steps)", alpha=0.7)
    if evals:
        epochs, eval_loss, mcc = zip(*evals, strict=True)
        loss_ax.plot(epochs, eval_loss, "o-", label="selection-split loss")
        mcc_ax.plot(epochs, mcc, "o-", color="tab:green")
        best = int(np.argmax(mcc))
        mcc_ax.annotate(
            f"best {mcc[best]:.3f}",
            (epochs[best], mcc[best]),
            textcoords="offset points",
            xytext=(0, -15),
            ha="center",
        )
    loss_ax.set(xlabel="epoch", ylabel="cross-entropy loss", title="Loss")
    loss_ax.legend()
    title = "Selection MCC (chooses the checkpoint)"
    mcc_ax.set(xlabel="epoch", ylabel="MCC", title=title, ylim=(-1.05, 1.05))
    mcc_ax.axhline(0, color="grey", linewidth=0.8)
    fig.tight_layout()
    return fig


def confusion_matrix_plot(labels: Sequence[int], predictions: Sequence[int], names: Sequence[str]) -> Figure:
    """Plot the confusion matrix with counts: rows are true labels, columns predictions."""
    matrix = confusion_matrix(labels, predictions, labels=list(range(len(names))))
    fig, ax = plt.subplots(figsize=(4.5, 4))
    ax.imshow(matrix, cmap="Blues")
    for (row, col), count in np.ndenumerate(matrix):
        ax.text(
            col,
            row,
            str(count),
            ha="center",
            va="center",
            color="white" if count > matrix.max() / 2 else "black",
        )
    ticks = np.arange(len(names))
    ax.set(
        xticks=ticks,
        yticks=ticks,
        xticklabels=names,
        yticklabels=names,
        xlabel="predicted",
        ylabel="true",
        title="Validation confusion matrix",
    )
    fig.tight_layout()
    return fig
