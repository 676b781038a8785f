"""Caveats printed beside numbers that a tiny random model makes meaningless."""

from __future__ import annotations

from ..settings import Settings, is_tiny_model

# What a number printed in a notebook does not show when the model is one of the tiny random ones.
CAVEATS = {
    "fine_tuned_vs_zero_shot": (
        "smoke profile: this comparison says nothing about GPT-2. The tiny model started from random "
        "weights, so its zero-shot score is noise, and it was fine-tuned on a made-up set; compare the two "
        "with real weights (quick/full)."
    ),
    "fine_tuned_scores": (
        "smoke profile: a tiny random network fine-tuned for seconds on the small made-up embedded set, "
        "where surface patterns can carry a score; these numbers say nothing about GPT-2 on CoLA "
        "(quick/full; the table in section 5 of notebook 06 lists what real weights reach)."
    ),
    "zero_shot": (
        "smoke profile: the tiny model has random weights and knows no English, so this MCC is noise "
        "(unacceptable sentences may even score higher in the plot below), not the baseline of any real "
        "model (quick/full give GPT-2's)."
    ),
    "speed": (
        "smoke profile: a tiny model timed over a fraction of a second measures mostly overhead, not the "
        "engines; compare speeds with GPT-2 (quick/full)."
    ),
    "training_speed": (
        "smoke profile: the tiny model has about a thousandth of GPT-2 small's 124 M parameters, so its "
        "speed says nothing about GPT-2's; docs/performance.md measures GPT-2 small's."
    ),
    "non_english": (
        "smoke profile: the tiny model's vocabulary was learnt from the embedded set's small English "
        "vocabulary, so these verdicts mean nothing. GPT-2 itself learnt mostly English: even in quick/full "
        "a verdict on Russian or Japanese is not a grammar judgement."
    ),
    "verdicts": (
        "smoke profile: a tiny network trained for seconds on a made-up set; expect wrong verdicts. "
        "Judge GPT-2 (quick/full)."
    ),
}


def caveat(settings: Settings, topic: str) -> str:
    """The caveat for `topic` in brackets when the model is a toy, else an empty string."""
    if topic not in CAVEATS:
        raise KeyError(f"Unknown caveat {topic!r}; known: {', '.join(CAVEATS)}.")
    return f"({CAVEATS[topic]})" if is_tiny_model(settings.model_name) else ""


def print_caveat(settings: Settings, topic: str) -> None:
    """Print the caveat for `topic` on its own line when the model is a toy."""
    if text := caveat(settings, topic):
        print(text)
