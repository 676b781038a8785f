"""Each coding exercise against answers learners are likely to give: the wrong ones are caught, the right ones
written differently are accepted."""

from __future__ import annotations

import math
import os
import re
from pathlib import Path

import pytest

from workshop_lib.data import load_data, selection_size
from workshop_lib.exercises.check import NOT_RIGHT, RIGHT, Exercise, feedback, registry
from workshop_lib.exercises.ex04 import COLA_TRAIN_SENTENCES, steps_for
from workshop_lib.paths import shipped
from workshop_lib.settings import resolve

# What the notebooks import above the exercises: an answer may use any of it.
PRELUDE = """
import math
import numpy as np
import torch
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, matthews_corrcoef
from transformers import TrainingArguments, pipeline
from workshop_lib.metrics import classification_metrics, compute_metrics
from workshop_lib.zero_shot import best_threshold
"""

ANSWERS: dict[str, list[tuple[str, str]]] = {  # exercise -> (verdict, the answer's source)
    "find_threshold": [
        (RIGHT, """
def find_threshold(scores, labels):
    candidates = np.unique(scores)
    mccs = [matthews_corrcoef(labels, np.asarray(scores) >= t) for t in candidates]
    return float(candidates[int(np.argmax(mccs))])
"""),
        (NOT_RIGHT, """
def find_threshold(scores, labels):
    return best_threshold(scores, labels)[0]
"""),
        (NOT_RIGHT, """
def find_threshold(scores, labels):  # > instead of >=: each score misses its own sentence
    best = max(scores, key=lambda t: matthews_corrcoef(labels, [int(s > t) for s in scores]))
    return best
"""),
        (NOT_RIGHT, """
def find_threshold(scores, labels):  # the midpoint of all scores, not a search
    return (min(scores) + max(scores)) / 2
"""),
        (RIGHT, """
def find_threshold(scores, labels):  # the midpoints between neighbouring scores, as the library
    cuts = sorted(set(scores))
    cuts = [(a + b) / 2 for a, b in zip(cuts, cuts[1:])]
    return max(cuts, key=lambda t: matthews_corrcoef(labels, [int(s >= t) for s in scores]))
"""),
        (NOT_RIGHT, """
def find_threshold(scores, labels):  # the largest MCC in size: a negative one wins
    return max(scores, key=lambda t: abs(matthews_corrcoef(labels, [int(s >= t) for s in scores])))
"""),
        (NOT_RIGHT, """
def find_threshold(scores, labels):  # the best accuracy, not MCC
    return max(sorted(set(scores)), key=lambda t: accuracy_score(labels, [int(s >= t) for s in scores]))
"""),
        (NOT_RIGHT, """
def find_threshold(scores, labels):  # the best MCC itself, not its threshold
    return max(matthews_corrcoef(labels, [int(s >= t) for s in scores]) for t in scores)
"""),
    ],
    "mean_log_prob": [
        (RIGHT, """
def mean_log_prob(logits, input_ids):
    log_probs = torch.nn.functional.log_softmax(logits, dim=1)
    return float(np.mean([log_probs[i - 1, input_ids[i]].item() for i in range(1, len(input_ids))]))
"""),
        (RIGHT, """
def mean_log_prob(logits, input_ids):  # cross-entropy is minus the mean log-probability
    return -torch.nn.functional.cross_entropy(logits[:-1], input_ids[1:]).item()
"""),
        (NOT_RIGHT, """
def mean_log_prob(logits, input_ids):  # no shift
    return torch.log_softmax(logits, dim=-1).gather(-1, input_ids[:, None]).mean().item()
"""),
        (NOT_RIGHT, """
def mean_log_prob(logits, input_ids):  # softmax over the wrong axis
    return torch.log_softmax(logits[:-1], dim=0).gather(-1, input_ids[1:, None]).mean().item()
"""),
        (NOT_RIGHT, """
def mean_log_prob(logits, input_ids):  # the sum, not the mean
    return torch.log_softmax(logits[:-1], dim=-1).gather(-1, input_ids[1:, None]).sum().item()
"""),
        (NOT_RIGHT, """
def mean_log_prob(logits, input_ids):  # probabilities, not log-probabilities
    return torch.softmax(logits[:-1], dim=-1).gather(-1, input_ids[1:, None]).mean().item()
"""),
        (NOT_RIGHT, """
def mean_log_prob(logits, input_ids):  # shifted the wrong way: position i paired with token i
    return torch.log_softmax(logits[1:], dim=-1).gather(-1, input_ids[1:, None]).mean().item()
"""),
        (NOT_RIGHT, """
def mean_log_prob(logits, input_ids):  # the loss: minus the mean
    return torch.nn.functional.cross_entropy(logits[:-1], input_ids[1:]).item()
"""),
    ],
    "confusion_counts": [
        (RIGHT, """
def confusion_counts(labels, predictions):
    (tn, fp), (fn, tp) = confusion_matrix(labels, predictions, labels=[0, 1])
    return int(tp), int(tn), int(fp), int(fn)
"""),
        (RIGHT, """
def confusion_counts(labels, predictions):
    y, p = np.asarray(labels), np.asarray(predictions)
    return int(((y == 1) & (p == 1)).sum()), int(((y == 0) & (p == 0)).sum()), \\
        int(((y == 0) & (p == 1)).sum()), int(((y == 1) & (p == 0)).sum())
"""),
        (NOT_RIGHT, """
def confusion_counts(labels, predictions):  # sklearn's ravel order, (tn, fp, fn, tp)
    return tuple(int(v) for v in confusion_matrix(labels, predictions, labels=[0, 1]).ravel())
"""),
        (NOT_RIGHT, """
def confusion_counts(labels, predictions):  # fp and fn swapped
    tp = sum(l == 1 and p == 1 for l, p in zip(labels, predictions))
    tn = sum(l == 0 and p == 0 for l, p in zip(labels, predictions))
    fp = sum(l == 1 and p == 0 for l, p in zip(labels, predictions))
    fn = sum(l == 0 and p == 1 for l, p in zip(labels, predictions))
    return tp, tn, fp, fn
"""),
        (NOT_RIGHT, """
def confusion_counts(labels, predictions):  # without labels=[0, 1]: a 1 x 1 matrix for one class
    tn, fp, fn, tp = confusion_matrix(labels, predictions).ravel()
    return int(tp), int(tn), int(fp), int(fn)
"""),
        (NOT_RIGHT, """
def confusion_counts(labels, predictions):  # the arguments swapped: fp and fn trade places
    (tn, fp), (fn, tp) = confusion_matrix(predictions, labels, labels=[0, 1])
    return int(tp), int(tn), int(fp), int(fn)
"""),
    ],
    "mcc_by_hand": [
        (RIGHT, """
def mcc_by_hand(tp, tn, fp, fn):
    denominator = np.sqrt(float((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn)))
    return float((tp * tn - fp * fn) / denominator) if denominator else 0.0
"""),
        (NOT_RIGHT, """
def mcc_by_hand(tp, tn, fp, fn):  # no guard for a constant guess
    return (tp * tn - fp * fn) / math.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
"""),
        (NOT_RIGHT, """
def mcc_by_hand(tp, tn, fp, fn):  # the square root forgotten
    denominator = (tp + fp) * (tp + fn) * (tn + fp) * (tn + fn)
    return (tp * tn - fp * fn) / denominator if denominator else 0.0
"""),
        (NOT_RIGHT, """
def mcc_by_hand(tp, tn, fp, fn):  # the workshop's own metric on rebuilt labels
    labels = [1] * tp + [0] * tn + [0] * fp + [1] * fn
    predictions = [1] * tp + [0] * tn + [1] * fp + [0] * fn
    return classification_metrics(labels, predictions)["mcc"]
"""),
        (RIGHT, """
def mcc_by_hand(tp, tn, fp, fn):
    try:
        return (tp * tn - fp * fn) / math.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    except ZeroDivisionError:
        return 0.0
"""),
        (NOT_RIGHT, """
def mcc_by_hand(tp, tn, fp, fn):  # the size of the correlation, not its sign
    denominator = math.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    return abs(tp * tn - fp * fn) / denominator if denominator else 0.0
"""),
        (NOT_RIGHT, """
def mcc_by_hand(tp, tn, fp, fn):  # nan for a constant guess
    denominator = math.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    return (tp * tn - fp * fn) / denominator if denominator else float("nan")
"""),
    ],
    "pad_batch": [
        (RIGHT, """
def pad_batch(sequences, pad_id):
    longest = max(map(len, sequences))
    return {
        "input_ids": [list(s) + [pad_id] * (longest - len(s)) for s in sequences],
        "attention_mask": [[1] * len(s) + [0] * (longest - len(s)) for s in sequences],
    }
"""),
        (RIGHT, """
def pad_batch(sequences, pad_id):
    ids = torch.nn.utils.rnn.pad_sequence([torch.tensor(s) for s in sequences], batch_first=True,
                                          padding_value=pad_id)
    mask = torch.nn.utils.rnn.pad_sequence([torch.ones(len(s), dtype=torch.long) for s in sequences],
                                           batch_first=True)
    return {"input_ids": ids.tolist(), "attention_mask": mask.tolist()}
"""),
        (NOT_RIGHT, """
def pad_batch(sequences, pad_id):  # the mask read off the ids: wrong where a real token has the pad id
    longest = max(len(s) for s in sequences)
    ids = [s + [pad_id] * (longest - len(s)) for s in sequences]
    return {"input_ids": ids, "attention_mask": [[int(t != pad_id) for t in row] for row in ids]}
"""),
        (NOT_RIGHT, """
def pad_batch(sequences, pad_id):  # padded on the left
    longest = max(len(s) for s in sequences)
    return {
        "input_ids": [[pad_id] * (longest - len(s)) + s for s in sequences],
        "attention_mask": [[0] * (longest - len(s)) + [1] * len(s) for s in sequences],
    }
"""),
        (NOT_RIGHT, """
def pad_batch(sequences, pad_id):  # to the first row's length, not the longest
    longest = len(sequences[0])
    return {"input_ids": [s + [pad_id] * (longest - len(s)) for s in sequences],
            "attention_mask": [[1] * len(s) + [0] * (longest - len(s)) for s in sequences]}
"""),
        (NOT_RIGHT, """
def pad_batch(sequences, pad_id):  # rows sorted by length: labels no longer match
    sequences = sorted(sequences, key=len, reverse=True)
    longest = len(sequences[0])
    return {"input_ids": [s + [pad_id] * (longest - len(s)) for s in sequences],
            "attention_mask": [[1] * len(s) + [0] * (longest - len(s)) for s in sequences]}
"""),
    ],
    "steps_arguments": [
        (RIGHT, """
def steps_arguments(output_dir):
    return TrainingArguments(output_dir=output_dir, eval_strategy="steps", eval_steps=50,
                             save_strategy="steps", save_steps=50, save_total_limit=2,
                             load_best_model_at_end=True, metric_for_best_model="eval_mcc")
"""),
        (RIGHT, """
from transformers.trainer_utils import IntervalStrategy
def steps_arguments(output_dir):
    return TrainingArguments(output_dir, eval_strategy=IntervalStrategy.STEPS, eval_steps=50,
                             save_strategy=IntervalStrategy.STEPS, save_steps=50, save_total_limit=2,
                             load_best_model_at_end=True, metric_for_best_model="mcc", greater_is_better=True)
"""),
        (NOT_RIGHT, """
def steps_arguments(output_dir):  # the best by loss
    return TrainingArguments(output_dir=output_dir, eval_strategy="steps", eval_steps=50,
                             save_strategy="steps", save_steps=50, save_total_limit=2,
                             load_best_model_at_end=True)
"""),
        (NOT_RIGHT, """
def steps_arguments(output_dir):  # checkpoints by epoch: TrainingArguments refuses the mismatch
    return TrainingArguments(output_dir=output_dir, eval_strategy="steps", eval_steps=50,
                             save_strategy="epoch", save_total_limit=2, load_best_model_at_end=True,
                             metric_for_best_model="mcc")
"""),
        (RIGHT, """
def steps_arguments(output_dir):  # eval_steps left out: it falls back to logging_steps
    return TrainingArguments(output_dir=output_dir, eval_strategy="steps", logging_steps=50, save_steps=50,
                             save_total_limit=2, load_best_model_at_end=True, metric_for_best_model="mcc")
"""),
        (NOT_RIGHT, """
def steps_arguments(output_dir):  # a folder of its own, not the one passed in
    return TrainingArguments(output_dir="checkpoints", eval_strategy="steps", eval_steps=50,
                             save_strategy="steps", save_steps=50, save_total_limit=2,
                             load_best_model_at_end=True, metric_for_best_model="mcc")
"""),
        (NOT_RIGHT, """
def steps_arguments(output_dir):  # save_steps left at its default, 500
    return TrainingArguments(output_dir=output_dir, eval_strategy="steps", eval_steps=50,
                             save_total_limit=2, load_best_model_at_end=True, metric_for_best_model="mcc")
"""),
        (NOT_RIGHT, """
def steps_arguments(output_dir):  # lower MCC taken as better
    return TrainingArguments(output_dir=output_dir, eval_strategy="steps", eval_steps=50,
                             save_strategy="steps", save_steps=50, save_total_limit=2,
                             load_best_model_at_end=True, metric_for_best_model="mcc",
                             greater_is_better=False)
"""),
    ],
    "learning_rate_at": [
        (RIGHT, """
def learning_rate_at(step, total_steps, warmup_steps, peak):
    if warmup_steps and step < warmup_steps:
        return peak * step / warmup_steps
    return peak * max(0.0, (total_steps - step) / (total_steps - warmup_steps))
"""),
        (RIGHT, """
from transformers import get_linear_schedule_with_warmup
def learning_rate_at(step, total_steps, warmup_steps, peak):
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=peak)
    schedule = get_linear_schedule_with_warmup(optimizer, warmup_steps, total_steps)
    return peak * schedule.lr_lambdas[0](step)
"""),
        (NOT_RIGHT, """
def learning_rate_at(step, total_steps, warmup_steps, peak):  # decay over all steps, not those after warm-up
    if step < warmup_steps:
        return peak * step / warmup_steps
    return peak * (total_steps - step) / total_steps
"""),
        (NOT_RIGHT, """
def learning_rate_at(step, total_steps, warmup_steps, peak):  # divides by 0 without warm-up
    if step <= warmup_steps:
        return peak * step / warmup_steps
    return peak * (total_steps - step) / (total_steps - warmup_steps)
"""),
        (NOT_RIGHT, """
def learning_rate_at(step, total_steps, warmup_steps, peak):  # a cosine decay: equal to linear half-way only
    if step < warmup_steps:
        return peak * step / warmup_steps
    progress = (step - warmup_steps) / (total_steps - warmup_steps)
    return peak * 0.5 * (1 + math.cos(math.pi * progress))
"""),
        (NOT_RIGHT, """
def learning_rate_at(step, total_steps, warmup_steps, peak):  # constant after warm-up
    return peak * min(1.0, step / warmup_steps) if warmup_steps else peak
"""),
    ],
    "optimizer_steps": [
        (RIGHT, """
def optimizer_steps(sentences, batch_size, epochs, warmup_share):
    per_epoch = -(-sentences // batch_size)
    total = int(np.ceil(epochs * per_epoch))
    return total, TrainingArguments(output_dir="unused", warmup_steps=warmup_share).get_warmup_steps(total)
"""),
        (RIGHT, """
def optimizer_steps(sentences, batch_size, epochs, warmup_share):
    total = math.ceil(epochs * math.ceil(sentences / batch_size))
    return [total, math.ceil(warmup_share * total)]
"""),
        (NOT_RIGHT, """
def optimizer_steps(sentences, batch_size, epochs, warmup_share):  # the last, smaller batch forgotten
    total = int(epochs * (sentences // batch_size))
    return total, math.ceil(total * warmup_share)
"""),
        (NOT_RIGHT, """
def optimizer_steps(sentences, batch_size, epochs, warmup_share):  # warm-up rounded down
    total = math.ceil(epochs * math.ceil(sentences / batch_size))
    return total, int(total * warmup_share)
"""),
        (NOT_RIGHT, """
def optimizer_steps(sentences, batch_size, epochs, warmup_share):  # warm-up as a share of one epoch
    per_epoch = math.ceil(sentences / batch_size)
    return math.ceil(epochs * per_epoch), math.ceil(per_epoch * warmup_share)
"""),
        (NOT_RIGHT, """
def optimizer_steps(sentences, batch_size, epochs, warmup_share):  # a fraction of a step
    total = epochs * math.ceil(sentences / batch_size)
    return total, math.ceil(total * warmup_share)
"""),
        (NOT_RIGHT, """
def optimizer_steps(sentences, batch_size, epochs, warmup_share):  # the steps rounded down
    total = int(epochs * math.ceil(sentences / batch_size))
    return total, math.ceil(total * warmup_share)
"""),
        (NOT_RIGHT, """
def optimizer_steps(sentences, batch_size, epochs, warmup_share):  # one division for all epochs
    total = math.ceil(epochs * sentences / batch_size)
    return total, math.ceil(total * warmup_share)
"""),
        (NOT_RIGHT, """
def optimizer_steps(sentences, batch_size, epochs, warmup_share):  # (warm-up, all) swapped
    total = math.ceil(epochs * math.ceil(sentences / batch_size))
    return math.ceil(total * warmup_share), total
"""),
    ],
    "my_compute_metrics": [
        (RIGHT, """
def my_compute_metrics(eval_pred):
    logits, labels = eval_pred
    logits = logits[0] if isinstance(logits, tuple) else logits
    predictions = torch.as_tensor(logits).argmax(dim=-1).numpy()
    return {"mcc": matthews_corrcoef(labels, predictions), "accuracy": accuracy_score(labels, predictions),
            "f1": f1_score(labels, predictions)}
"""),
        (RIGHT, """
def my_compute_metrics(eval_pred):
    logits = eval_pred.predictions[0] if isinstance(eval_pred.predictions, tuple) else eval_pred.predictions
    predictions = (logits[:, 1] > logits[:, 0]).astype(int)
    labels = eval_pred.label_ids
    return {"mcc": matthews_corrcoef(labels, predictions), "accuracy": np.mean(predictions == labels),
            "f1": f1_score(labels, predictions)}
"""),
        (NOT_RIGHT, """
def my_compute_metrics(eval_pred):
    return compute_metrics(eval_pred)
"""),
        (NOT_RIGHT, """
def my_compute_metrics(eval_pred):  # the sign of one logit
    logits = eval_pred.predictions[0] if isinstance(eval_pred.predictions, tuple) else eval_pred.predictions
    predictions = logits[:, 1] > 0
    labels = eval_pred.label_ids
    return {"mcc": matthews_corrcoef(labels, predictions), "accuracy": accuracy_score(labels, predictions),
            "f1": f1_score(labels, predictions)}
"""),
        (NOT_RIGHT, """
def my_compute_metrics(eval_pred):  # no tuple handling
    predictions = np.argmax(eval_pred.predictions, axis=-1)
    labels = eval_pred.label_ids
    return {"mcc": matthews_corrcoef(labels, predictions), "accuracy": accuracy_score(labels, predictions),
            "f1": f1_score(labels, predictions)}
"""),
        (RIGHT, """
def my_compute_metrics(eval_pred):  # the arguments the other way round: the three scores are symmetric
    logits = eval_pred.predictions[0] if isinstance(eval_pred.predictions, tuple) else eval_pred.predictions
    predictions, labels = logits.argmax(-1), eval_pred.label_ids
    return {"mcc": matthews_corrcoef(predictions, labels), "accuracy": accuracy_score(predictions, labels),
            "f1": f1_score(predictions, labels)}
"""),
        (NOT_RIGHT, """
def my_compute_metrics(eval_pred):  # F1 averaged over both labels
    logits = eval_pred.predictions[0] if isinstance(eval_pred.predictions, tuple) else eval_pred.predictions
    predictions, labels = logits.argmax(-1), eval_pred.label_ids
    return {"mcc": matthews_corrcoef(labels, predictions), "accuracy": accuracy_score(labels, predictions),
            "f1": f1_score(labels, predictions, average="macro")}
"""),
        (NOT_RIGHT, """
def my_compute_metrics(eval_pred):  # the Trainer's names: it adds the "eval_" itself
    logits = eval_pred.predictions[0] if isinstance(eval_pred.predictions, tuple) else eval_pred.predictions
    predictions, labels = logits.argmax(-1), eval_pred.label_ids
    return {"eval_mcc": matthews_corrcoef(labels, predictions),
            "eval_accuracy": accuracy_score(labels, predictions), "eval_f1": f1_score(labels, predictions)}
"""),
    ],
    "last_token_index": [
        (RIGHT, """
def last_token_index(input_ids, attention_mask, pad_id):  # the model's own code
    positions = torch.arange(input_ids.shape[-1])
    return (positions * (input_ids != pad_id)).argmax(-1).tolist()
"""),
        (RIGHT, """
def last_token_index(input_ids, attention_mask, pad_id):  # the rightmost token that is not the pad id
    return [max(i for i, t in enumerate(row) if t != pad_id) for row in input_ids.tolist()]
"""),
        (RIGHT, """
def last_token_index(input_ids, attention_mask, pad_id):
    ids = np.asarray(input_ids)
    return [int(np.flatnonzero(row != pad_id)[-1]) for row in ids]
"""),
        (RIGHT, """
def last_token_index(input_ids, attention_mask, pad_id):  # from the right: the first token that is not pad
    return [len(row) - 1 - next(i for i, t in enumerate(reversed(row)) if t != pad_id)
            for row in input_ids.tolist()]
"""),
        (NOT_RIGHT, """
def last_token_index(input_ids, attention_mask, pad_id):  # the mask's answer: not what the model reads
    return (attention_mask.sum(dim=1) - 1).tolist()
"""),
        (NOT_RIGHT, """
def last_token_index(input_ids, attention_mask, pad_id):  # the mask's last 1
    mask = np.asarray(attention_mask)
    return [int(np.flatnonzero(row)[-1]) for row in mask]
"""),
        (NOT_RIGHT, """
def last_token_index(input_ids, attention_mask, pad_id):  # off by one
    return attention_mask.sum(dim=1).tolist()
"""),
        (NOT_RIGHT, """
def last_token_index(input_ids, attention_mask, pad_id):  # counts the tokens that are not the pad id
    return ((input_ids != pad_id).sum(dim=1) - 1).tolist()
"""),
        (NOT_RIGHT, """
def last_token_index(input_ids, attention_mask, pad_id):  # the first pad token, minus one
    return [(row.tolist() + [pad_id]).index(pad_id) - 1 for row in input_ids]
"""),
        (NOT_RIGHT, """
def last_token_index(input_ids, attention_mask, pad_id):  # the first token that is not the pad id
    return (input_ids != pad_id).int().argmax(dim=1).tolist()
"""),
        (NOT_RIGHT, """
def last_token_index(input_ids, attention_mask, pad_id):  # the last position, padding or not
    return [input_ids.shape[1] - 1] * input_ids.shape[0]
"""),
    ],
    "to_verdicts": [
        (RIGHT, """
def to_verdicts(logits, id2label):
    probabilities = torch.softmax(torch.as_tensor(logits, dtype=torch.float64), dim=-1)
    best = probabilities.argmax(dim=-1)
    return [{"label": id2label[int(i)], "score": float(p[i])} for i, p in zip(best, probabilities)]
"""),
        (RIGHT, """
from scipy.special import softmax
def to_verdicts(logits, id2label):
    return [{"label": id2label[int(np.argmax(row))], "score": float(np.max(softmax(row)))} for row in logits]
"""),
        (NOT_RIGHT, """
def to_verdicts(logits, id2label):  # the logit, not its probability
    return [{"label": id2label[int(np.argmax(row))], "score": float(np.max(row))} for row in logits]
"""),
        (NOT_RIGHT, """
def to_verdicts(logits, id2label):  # softmax over the wrong axis
    logits = np.asarray(logits, dtype=float)
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=0, keepdims=True)
    return [{"label": id2label[int(p.argmax())], "score": float(p.max())} for p in probabilities]
"""),
        (NOT_RIGHT, """
def to_verdicts(logits, id2label):  # exp without subtracting the max overflows
    logits = np.asarray(logits, dtype=float)
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return [{"label": id2label[int(p.argmax())], "score": float(p.max())} for p in probabilities]
"""),
        (RIGHT, """
def to_verdicts(logits, id2label):  # with two labels, the sigmoid of the logit gap
    gaps = np.asarray(logits, dtype=float) @ np.array([-1.0, 1.0])
    return [{"label": id2label[int(g > 0)], "score": float(1 / (1 + np.exp(-abs(g))))} for g in gaps]
"""),
        (NOT_RIGHT, """
def to_verdicts(logits, id2label):  # minus the largest logit of the whole batch: far rows underflow
    logits = np.asarray(logits, dtype=float)
    exp = np.exp(logits - logits.max())
    probabilities = exp / exp.sum(axis=1, keepdims=True)
    return [{"label": id2label[int(p.argmax())], "score": float(p.max())} for p in probabilities]
"""),
        (NOT_RIGHT, """
def to_verdicts(logits, id2label):  # always P(label 1)
    probabilities = torch.softmax(torch.as_tensor(logits, dtype=torch.float64), dim=-1)
    return [{"label": id2label[int(p.argmax())], "score": float(p[1])} for p in probabilities]
"""),
        (NOT_RIGHT, """
def to_verdicts(logits, id2label):  # the workshop's names, not those passed in
    probabilities = torch.softmax(torch.as_tensor(logits, dtype=torch.float64), dim=-1)
    names = {0: "unacceptable", 1: "acceptable"}
    return [{"label": names[int(p.argmax())], "score": float(p.max())} for p in probabilities]
"""),
    ],
    "acceptable_probability": [
        (RIGHT, """
def acceptable_probability(model_dir, sentences):
    classify = pipeline("text-classification", model=str(model_dir), top_k=None)
    return [{v["label"]: v["score"] for v in both}["acceptable"] for both in classify(sentences)]
"""),
        (NOT_RIGHT, """
def acceptable_probability(model_dir, sentences):  # the top label's score
    classify = pipeline("text-classification", model=str(model_dir))
    return [v["score"] for v in classify(sentences)]
"""),
        (NOT_RIGHT, """
def acceptable_probability(model_dir, sentences):  # a position, not the name
    classify = pipeline("text-classification", model=str(model_dir), top_k=None)
    return [both[0]["score"] for both in classify(sentences)]
"""),
        (RIGHT, """
def acceptable_probability(model_dir, sentences):  # the top label's score, or 1 minus it
    classify = pipeline("text-classification", model=str(model_dir))
    return [v["score"] if v["label"] == "acceptable" else 1 - v["score"] for v in classify(sentences)]
"""),
        (NOT_RIGHT, """
def acceptable_probability(model_dir, sentences):  # "acceptable" is also inside "unacceptable"
    classify = pipeline("text-classification", model=str(model_dir), top_k=None)
    return [next(v["score"] for v in both if "acceptable" in v["label"]) for both in classify(sentences)]
"""),
    ],
    "evaluation_loss": [
        (RIGHT, """
def evaluation_loss(batch_losses, batch_sizes):
    total = sum(loss * size for loss, size in zip(batch_losses, batch_sizes))
    return total / sum(batch_sizes)
"""),
        (RIGHT, """
import numpy as np

def evaluation_loss(batch_losses, batch_sizes):
    return float(np.average(batch_losses, weights=batch_sizes))
"""),
        (NOT_RIGHT, """
def evaluation_loss(batch_losses, batch_sizes):  # the mean of the batch means
    return sum(batch_losses) / len(batch_losses)
"""),
        (NOT_RIGHT, """
def evaluation_loss(batch_losses, batch_sizes):  # a sum, not a mean
    return sum(loss * size for loss, size in zip(batch_losses, batch_sizes))
"""),
        (NOT_RIGHT, """
def evaluation_loss(batch_losses, batch_sizes):  # divided by the number of batches
    return sum(loss * size for loss, size in zip(batch_losses, batch_sizes)) / len(batch_sizes)
"""),
        (RIGHT, """
def evaluation_loss(batch_losses, batch_sizes):
    losses, sizes = np.asarray(batch_losses), np.asarray(batch_sizes)
    return float(np.mean(losses * sizes) / np.mean(sizes))
"""),
        (NOT_RIGHT, """
def evaluation_loss(batch_losses, batch_sizes):  # every batch taken as large as the first
    return sum(loss * batch_sizes[0] for loss in batch_losses) / (batch_sizes[0] * len(batch_losses))
"""),
    ],
}


def test_every_coding_exercise_has_a_corpus_of_right_and_wrong_answers():
    coding = {name for name, item in registry().items() if isinstance(item, Exercise)}
    assert set(ANSWERS) == coding
    for name, answers in ANSWERS.items():
        assert {verdict for verdict, _ in answers} == {RIGHT, NOT_RIGHT}, name


CORPUS = [(name, verdict, source) for name, answers in ANSWERS.items() for verdict, source in answers]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the overflowing softmax among the wrong answers
@pytest.mark.parametrize(
    "name,verdict,source",
    CORPUS,
    ids=[f"{n}-{v.replace(' ', '_')}-{i}" for i, (n, v, _) in enumerate(CORPUS)],
)
def test_likely_answers_get_the_verdict_they_deserve(name, verdict, source):
    namespace: dict = {}
    exec(compile(PRELUDE + source, "<cell>", "exec"), namespace)
    result = feedback(name, namespace[name])
    assert result.verdict == verdict, result.message
    if verdict == NOT_RIGHT:
        assert len(result.message) > len("Not right yet: ") + 20  # says what went wrong


def test_a_wrong_answer_that_calls_the_workshops_function_is_told_so():
    namespace: dict = {}
    exec(compile(PRELUDE + ANSWERS["find_threshold"][1][1], "<cell>", "exec"), namespace)
    assert "`best_threshold`" in feedback("find_threshold", namespace["find_threshold"]).message


def mentions(number: int, text: str) -> bool:
    """Whether `text` states `number` (written with thousands commas) as a whole number."""
    return re.search(rf"(?<![\d,]){re.escape(f'{number:,}')}(?![\d,]|\.\d)", text) is not None


def test_batch_64_answer_holds_the_numbers_of_the_profiles():
    answer = " ".join(registry()["batch_64_steps"].answer.split())
    smoke_sentences = len(load_data(resolve("smoke"))["train"])  # what the smoke profile really trains on
    embedded = sum(1 for _ in (shipped("acceptability") / "train.tsv").open())
    assert smoke_sentences == embedded - selection_size(embedded)  # the rule the answer uses
    cola_sentences = COLA_TRAIN_SENTENCES - selection_size(COLA_TRAIN_SENTENCES)
    for sentences, profile in [(smoke_sentences, "smoke"), (cola_sentences, "full")]:
        recipe = resolve(profile)
        for batch in (recipe.batch_size, 64):
            per_epoch = math.ceil(sentences / batch)
            total = math.ceil(recipe.epochs * per_epoch)
            warmup = math.ceil(total * recipe.warmup_steps)
            expected = {"per_epoch": per_epoch, "total": total, "warmup": warmup}
            assert steps_for(sentences, profile, batch) == expected
            assert mentions(total, answer) and mentions(warmup, answer), (profile, batch)
            if batch == 64 or profile == "full":  # smoke's own steps per epoch are not in the answer
                assert mentions(per_epoch, answer), (profile, batch)
    assert f"{resolve('full').epochs:g} epochs" in answer


def test_cola_training_size_matches_the_glue_file():
    folder = Path(os.environ.get("WORKSHOP_COLA_DIR", "/nonexistent")) / "glue"
    if not (folder / "train.tsv").is_file():
        pytest.skip("WORKSHOP_COLA_DIR does not hold GLUE's CoLA files")
    assert sum(1 for _ in (folder / "train.tsv").open()) == COLA_TRAIN_SENTENCES


def test_last_token_index_expects_what_gpt2s_head_pools_and_explains_the_mask():
    """The check's expected positions are those GPT2ForSequenceClassification itself reads, and the mask's
    answer is told how the two rules differ."""
    import torch
    from transformers import GPT2Config, GPT2ForSequenceClassification

    from workshop_lib.exercises.ex05 import _last_token_cases

    config = GPT2Config(n_layer=1, n_head=2, n_embd=8, vocab_size=50257, num_labels=2, pad_token_id=50256)
    model = GPT2ForSequenceClassification(config).eval()
    with torch.no_grad():
        for case in _last_token_cases():
            input_ids, attention_mask, _ = case.args
            out = model(input_ids=input_ids, attention_mask=attention_mask, output_hidden_states=True)
            per_position = model.score(out.hidden_states[-1])
            pooled = per_position[torch.arange(len(input_ids)), torch.tensor(case.expected)]
            assert torch.allclose(pooled, out.logits), case.expected
    namespace: dict = {}
    exec(compile(PRELUDE + ANSWERS["last_token_index"][4][1], "<cell>", "exec"), namespace)
    message = feedback("last_token_index", namespace["last_token_index"]).message
    assert "does not read the attention mask" in message and "position 1" in message


def test_steps_arguments_feedback_names_the_arguments_in_words():
    for verdict, source in ANSWERS["steps_arguments"]:
        if verdict == NOT_RIGHT:
            namespace: dict = {}
            exec(compile(PRELUDE + source, "<cell>", "exec"), namespace)
            message = feedback("steps_arguments", namespace["steps_arguments"]).message
            assert "accelerator_config" not in message and "=" in message, message  # no cut-off repr
