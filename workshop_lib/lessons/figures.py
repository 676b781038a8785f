"""Numbers in the notebooks' and docs' prose and the model answers that follow from the profiles, computed,
never typed.

In a Markdown cell or a document of docs/, `<!-- profile:NAME -->value<!-- /profile -->` holds
`figures()[NAME]`; `python -m workshop_lib.dev.figures` rewrites those values, `--check` lists the places that
disagree.
"""

from __future__ import annotations

import re

from ..data import selection_size
from ..paths import shipped
from ..settings import PROFILES, resolve, times

COLA_TRAIN_SENTENCES = 8551  # CoLA's public training split (GLUE's train.tsv), quick's and full's data
MARKER = re.compile(r"<!-- profile:(?P<name>[\w.]+) -->(?P<value>.*?)<!-- /profile -->", re.S)


def rate(value: float) -> str:
    """A learning rate as the notebooks write it: 1.5e-4, 1e-3."""
    mantissa, exponent = f"{value:.1e}".split("e")
    return f"{mantissa.removesuffix('.0')}e{int(exponent)}"


def training_sentences(data_source: str) -> int:
    """Training sentences after the selection split: the embedded set's, else CoLA's."""
    total = (
        sum(1 for _ in (shipped("acceptability") / "train.tsv").open())
        if data_source == "embedded"
        else COLA_TRAIN_SENTENCES
    )
    return total - selection_size(total)


def mega_batch(sentences: int, batch_size: int) -> int:
    """Batches per chunk that `group_by_length` sorts (transformers' get_length_grouped_indices)."""
    return max(min(sentences // (batch_size * 4), 50), 1)


def count(number: int) -> str:
    """A small count in words: one, two, three; 12 stays 12."""
    return {1: "one", 2: "two", 3: "three", 4: "four", 5: "five"}.get(number, str(number))


def epochs(number: float) -> str:
    """A number of epochs in words: one epoch, three epochs, 1.5 epochs."""
    if number == int(number):
        return f"{count(int(number))} epoch" + ("" if number == 1 else "s")
    return f"{number:g} epochs"


def figures() -> dict[str, str]:
    """Every profile-derived figure the notebooks and answers quote, by name ("quick.rate_x10", ...)."""
    found = {}
    for name in PROFILES:
        recipe = resolve(name)
        sentences = training_sentences(recipe.data_source)
        found |= {
            f"{name}.epochs": f"{recipe.epochs:g}",
            f"{name}.batch": str(recipe.batch_size),
            f"{name}.rate": rate(recipe.learning_rate),
            f"{name}.rate_x10": rate(recipe.learning_rate * 10),
            f"{name}.warmup": f"{recipe.warmup_steps:.0%}".replace("%", " %"),
            f"{name}.evaluations": times(recipe.evaluations_per_epoch),
            f"{name}.run_epochs": epochs(recipe.epochs),
            f"{name}.points": count(round(recipe.evaluations_per_epoch * recipe.epochs)),
            f"{name}.mega_batch": str(mega_batch(sentences, recipe.batch_size)),
        }
    return found


def render(text: str, values: dict[str, str] | None = None) -> str:
    """`text` with every profile marker's value replaced by the figure it names."""
    values = figures() if values is None else values
    return MARKER.sub(lambda m: f"<!-- profile:{m['name']} -->{values[m['name']]}<!-- /profile -->", text)
