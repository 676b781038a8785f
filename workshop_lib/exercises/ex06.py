"""Notebook 06's exercises: logits to verdicts, a pipeline with readable labels, padding, non-English text."""

from __future__ import annotations

import atexit
import functools
import math
import shutil
import tempfile
from pathlib import Path

import numpy as np
from transformers import pipeline

from ..modeling import ID2LABEL
from .check import Case, exercise, question


def to_verdicts(logits, id2label):
    """Pipeline-style verdicts from a (sentences, labels) array of logits and the label names by id."""
    logits = np.asarray(logits, dtype=float)
    exp = np.exp(logits - logits.max(axis=1, keepdims=True))  # minus the max: no overflow
    probabilities = exp / exp.sum(axis=1, keepdims=True)
    best = probabilities.argmax(axis=1)
    return [
        {"label": id2label[int(i)], "score": float(p[i])} for i, p in zip(best, probabilities, strict=True)
    ]


LABELS = ID2LABEL  # 0 unacceptable, 1 acceptable


def _verdict_cases() -> list[Case]:
    """Logits with their softmax written out: 1 / (1 + e^-d) for a logit gap d."""
    p2 = 1 / (1 + math.exp(-2))  # 0.8808
    return [
        Case(([[0.0, 2.0]], LABELS), [{"label": "acceptable", "score": p2}]),
        Case(
            ([[2.0, 0.0]], LABELS), [{"label": "unacceptable", "score": p2}], hint="label 0 is unacceptable."
        ),
        Case(
            ([[1.0, 1.0 + math.log(3)], [5.0, 5.0]], LABELS),
            [{"label": "acceptable", "score": 0.75}, {"label": "unacceptable", "score": 0.5}],
            hint="the score is the softmax probability of the chosen label, not the logit; a tie picks id 0.",
        ),
        Case(
            ([[1000.0, 998.0], [-1000.0, -998.0]], {0: "no", 1: "yes"}),
            [{"label": "no", "score": p2}, {"label": "yes", "score": p2}],
            hint="use the id2label given; subtract each row's largest logit before exp (no overflow).",
        ),
    ]


exercise(
    "to_verdicts",
    to_verdicts,
    _verdict_cases,
    right="softmax, the larger probability and its name: what the pipeline does after the model.",
)


def acceptable_probability(model_dir, sentences):
    """P(acceptable) for each sentence, from a text-classification pipeline."""
    classify = pipeline("text-classification", model=str(model_dir))
    verdicts = classify(sentences, top_k=None)  # both labels per sentence, best first
    return [next(v["score"] for v in both if v["label"] == "acceptable") for both in verdicts]


@functools.cache
def _untrained_classifier(swapped: bool = False) -> Path:
    """A tiny GPT-2 classifier with a random head, saved once per session; `swapped`: 0 is acceptable."""
    from transformers import set_seed

    from ..lessons.notebook import quiet
    from ..modeling import load_model, load_tokenizer
    from ..tiny import tiny_gpt2

    quiet()
    folder = Path(tempfile.mkdtemp(prefix="exercise-classifier-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)  # gone when the kernel stops
    base = tiny_gpt2(folder / "base", seed=6)
    set_seed(6)  # the same random head every session
    model = load_model(base)
    if swapped:  # the same logits, the names the other way round: P(acceptable) is then 1 - P(label 1)
        model.config.id2label = {0: "acceptable", 1: "unacceptable"}
        model.config.label2id = {"acceptable": 0, "unacceptable": 1}
    model.save_pretrained(folder / "classifier")
    load_tokenizer(base).save_pretrained(folder / "classifier")
    return folder / "classifier"


def _probability_case(swapped: bool) -> Case:
    """The untrained classifier's P(acceptable), computed by workshop_lib's own batched inference."""
    import torch

    from ..inference import AcceptabilityClassifier, predict_logits

    folder = _untrained_classifier(swapped)
    classifier = AcceptabilityClassifier.from_dir(folder, device="cpu")
    sentences = ["The cat sat on the mat.", "Mat the on sat cat the.", "She reads a book."]
    logits = torch.from_numpy(predict_logits(classifier.model, classifier.tokenizer, sentences, device="cpu"))
    expected = torch.softmax(logits, dim=-1)[:, 0 if swapped else 1].tolist()

    def close(got) -> bool:
        return len(got) == len(expected) and all(
            abs(g - e) < 1e-4 for g, e in zip(got, expected, strict=True)
        )

    where = "a model whose label 0 is 'acceptable'" if swapped else "the model"
    return Case(
        (str(folder), sentences),
        accept=close,
        want=f"{[round(e, 4) for e in expected]} (P(acceptable) per sentence, from {where})",
        hint="with top_k=None each sentence gets a list of both labels, the more probable first: pick "
        "the entry whose 'label' is 'acceptable', not the first entry or a position.",
    )


def _probability_cases() -> list[Case]:
    """The same random head with the label names both ways round: only the name finds P(acceptable)."""
    return [_probability_case(swapped=False), _probability_case(swapped=True)]


exercise(
    "acceptable_probability",
    acceptable_probability,
    _probability_cases,
    right="one P(acceptable) per sentence, found by its readable label, whatever the ranking.",
)

question(
    "batch_neighbour",
    """
    Nothing changes: the same label and the same score, up to float rounding. In a batch the
    short sentence is padded after its end. GPT-2 attends only to earlier tokens, the attention mask hides
    the pads, and the classification head reads the logits at the sentence's last *real* token, which it
    finds through `config.pad_token_id` (notebook 03 and notebook 05's exercise: without that id the model
    refuses to classify a batch at all). Padding costs compute, never a different verdict; notebook 04
    showed the same for padding to the model's full length.
    """,
)

question(
    "non_english_verdicts",
    """
    A classifier with two labels always answers one of them: it has no "I cannot tell". GPT-2's tokenizer
    falls back to bytes, so no character is unknown, but the model learnt mostly English text (OpenAI
    removed non-English pages from its training set, WebText) and the head was fine-tuned on English CoLA
    sentences only. Russian or Japanese byte sequences are far from anything it was trained to judge; the
    verdict and its confidence reflect surface statistics, not grammar. (In the smoke profile the tiny
    model knows only the embedded set's small English vocabulary, so every verdict there is noise.)
    An application should say what it can judge: detect the language first (or at least flag text with
    few Latin letters) and refuse or warn instead of showing a verdict, and treat a high score as the
    model's confidence, never as a guarantee.
    """,
)
