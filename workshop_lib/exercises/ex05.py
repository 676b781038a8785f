"""Notebook 05's exercises: compute_metrics, the last real token, a larger rate, no pad id, resuming."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import accuracy_score, f1_score, matthews_corrcoef
from transformers import EvalPrediction

from ..lessons.figures import rate
from ..settings import resolve, times
from .check import Case, exercise, question


def my_compute_metrics(eval_pred):
    """MCC, accuracy and F1 from the Trainer's logits and labels."""
    logits, labels = eval_pred.predictions, eval_pred.label_ids
    if isinstance(logits, tuple):  # some models return more than the logits
        logits = logits[0]
    predictions = np.argmax(logits, axis=-1)  # the label with the larger logit
    return {
        "mcc": float(matthews_corrcoef(labels, predictions)),
        "accuracy": float(accuracy_score(labels, predictions)),
        "f1": float(f1_score(labels, predictions, zero_division=0)),
    }


def _logits(predictions: list[int]) -> np.ndarray:
    """Logits whose argmax is each prediction (and that are not simply 0/1 probabilities)."""
    return np.array([[0.3, -1.2] if p == 0 else [-0.4, 1.7] for p in predictions], dtype=np.float32)


def _metrics_cases() -> list[Case]:
    """Notebook 04's toy labels; counts worked out by hand (TP, TN, FP, FN of the acceptable class)."""
    labels = np.array([1, 1, 1, 1, 1, 1, 1, 0, 0, 0])
    finds_two = [1, 1, 1, 1, 1, 1, 0, 0, 0, 1]  # TP 6, TN 2, FP 1, FN 1
    return [
        Case(
            (EvalPrediction(predictions=_logits(finds_two), label_ids=labels),),
            {"mcc": 11 / 21, "accuracy": 0.8, "f1": 6 / 7},
            hint="predictions are logits: take the argmax of each row first; F1 is that of label 1.",
        ),
        Case(
            (EvalPrediction(predictions=_logits([1] * 10), label_ids=labels),),
            {"mcc": 0.0, "accuracy": 0.7, "f1": 14 / 17},
            hint="a constant prediction has MCC 0 (sklearn's matthews_corrcoef handles the 0/0).",
        ),
        Case(
            (EvalPrediction(predictions=np.array([[-3.0, -1.0], [0.5, 2.0], [2.0, 1.0], [1.0, -0.5]]),
                            label_ids=np.array([1, 1, 0, 0])),),
            {"mcc": 1.0, "accuracy": 1.0, "f1": 1.0},
            hint="the prediction is the label with the larger logit (argmax over each row), not the sign of "
            "one logit: logits are not centred at 0.",
        ),
        Case(
            (EvalPrediction(predictions=(_logits(finds_two), np.zeros((10, 3))), label_ids=labels),),
            {"mcc": 11 / 21, "accuracy": 0.8, "f1": 6 / 7},
            hint="some models give the Trainer a tuple (logits, other outputs): use its first item.",
        ),
    ]


exercise(
    "my_compute_metrics",
    my_compute_metrics,
    _metrics_cases,
    right="MCC, accuracy and F1 from logits, also when the predictions come as a tuple.",
    forbidden=("compute_metrics", "classification_metrics"),
)

def last_token_index(input_ids, attention_mask, pad_id):
    """For each row of a right-padded batch, the position whose hidden state GPT-2's head reads."""
    rows = input_ids.tolist()
    return [max((i for i, token in enumerate(row) if token != pad_id), default=0) for row in rows]


MASK_DIFFERS = (
    "GPT2ForSequenceClassification does not read the attention mask: it takes the rightmost token that is "
    "not pad_id. GPT-2's pad id is its end-of-text token, which can also be real text: in the first row the "
    "mask says position 2 (a real <|endoftext|>) is the last real token, but the model reads position 1."
)


def _last_token_cases() -> list[Case]:
    """Right-padded batches from GPT-2's tokenizer, where <|endoftext|> (50256) is also the pad id."""
    import torch

    pad = 50256
    return [
        Case(
            (torch.tensor([[464, 3797, 13, pad], [464, 3797, 3332, 13]]),
             torch.tensor([[1, 1, 1, 0], [1, 1, 1, 1]]), pad),
            [2, 3],
            hint="positions count from 0; a row with no padding ends at its last position.",
        ),
        Case(
            (torch.tensor([[464, 13, pad, pad, pad], [464, pad, 3797, 13, pad]]),
             torch.tensor([[1, 1, 1, 0, 0], [1, 1, 1, 1, 0]]), pad),
            [1, 3],
            hint=f"{MASK_DIFFERS} A pad id inside a row (the second) does not end it: the rightmost counts.",
        ),
        Case((torch.tensor([[7]]), torch.tensor([[1]]), pad), [0], hint="a one-token sentence ends at 0."),
    ]


exercise(
    "last_token_index",
    last_token_index,
    _last_token_cases,
    right="the rightmost token that is not the pad id, the position the model pools. Where a sentence's own "
    "<|endoftext|> ends it, the attention mask disagrees; a pad token that never occurs in text (or a head "
    "that reads the mask) would be safer.",
)

def _rate_x10_answer() -> str:
    """The model answer, with each profile's rate and its tenfold computed from the profiles."""
    smoke, quick, full = (resolve(name) for name in ("smoke", "quick", "full"))
    larger = rate(smoke.learning_rate * 10)
    return f"""
    In the smoke profile (`workshop train --profile smoke --set learning_rate={larger}`),
    with {larger} instead of {rate(smoke.learning_rate)}, expect a noisier training loss and often a
    selection MCC of 0 in the first epochs (the model answers "acceptable" to everything, the majority
    class); compare the best MCC with your run at {rate(smoke.learning_rate)} on the same machine (smoke's
    numbers move with the CPU kind, and how far the larger rate falls behind is not measured for this
    recipe). Larger steps can jump past the low-loss regions instead of settling into one. For GPT-2
    (quick: {rate(quick.learning_rate * 10)} instead of
    {rate(quick.learning_rate)}; full: {rate(full.learning_rate * 10)} instead of
    {rate(full.learning_rate)};
    not measured here), what usually happens with a pretrained transformer at a too-large rate is similar
    or worse: the loss jumps or stalls, MCC sticks at 0, and the pretrained knowledge is partly destroyed
    in the first steps (which warm-up only softens). That is why fine-tuning uses rates near the profiles'
    {rate(full.learning_rate)} to {rate(quick.learning_rate)}, far below training from scratch.
    """


question("learning_rate_x10", _rate_x10_answer)  # computed when read: the profiles of now

question(
    "drop_pad_token_id",
    """
    The model loads, but the first padded batch it sees fails: in the step by hand, at `by_hand(**batch)`
    (were it not there, at `trainer.train(...)` when training runs), with
    `ValueError: Cannot handle batch sizes > 1 if no padding token is defined.` The tokenizer still pads
    (it has a pad token), but GPT-2's classification head finds each sentence's last real token by looking
    for `config.pad_token_id` in the input ids; GPT-2's own config has none, so the model cannot tell text
    from padding and refuses any batch of more than one sentence. With batch size 1 it would run, since
    nothing is padded, but slowly. This is why the workshop sets the pad token on the tokenizer *and* the id
    on the model config (notebook 03).
    """,
)

def _resume_answer() -> str:
    """The model answer, with how often each profile saves computed from the profiles."""
    quick, full = resolve("quick"), resolve("full")
    return f"""
    A checkpoint holds everything the next step depends on: the weights, AdamW's two running averages per
    weight (`optimizer.pt`), the position in the learning-rate schedule (`scheduler.pt`), the random-number
    generators' state (`rng_state.pth`: dropout masks and data order continue as before) and
    `trainer_state.json` (the step, the log, the best checkpoint so far). The Trainer restores all of them
    and skips the batches the epoch had already seen, so the remaining steps are the same steps.
    What breaks it: different settings (another learning rate, batch size or data would continue a
    different run; `resume_checkpoint` refuses and names them), checkpoints saved without optimizer state
    (`save_only_model=True`), or another device or precision (the numbers then differ slightly: floating
    point sums depend on the hardware). Work since the last checkpoint is lost and redone: quick saves
    {times(quick.evaluations_per_epoch)} an epoch, full {times(full.evaluations_per_epoch)}.
    """


question("resume_exactly", _resume_answer)  # computed when read: the profiles of now
