"""Teaching helpers: caveats beside numbers a toy model makes meaningless, quiet library output."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager

from transformers.utils import logging as hf_logging

from .config import TINY, Settings

ANSI = re.compile(r"\x1b\[[0-9;]*m")

# What a number printed in a notebook does not show when the model is one of the tiny random ones.
CAVEATS = {
    "fine_tuned_vs_zero_shot": (
        "smoke profile: this comparison says nothing about GPT-2. The tiny model started from random "
        "weights, so its zero-shot score is noise, and it was fine-tuned on a made-up set; compare the two "
        "with real weights (quick/full)."
    ),
    "speed": (
        "smoke profile: a tiny model timed over a fraction of a second measures mostly overhead, not the "
        "engines; compare speeds with GPT-2 (quick/full)."
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


def is_toy(settings: Settings) -> bool:
    """True when the model is one of the tiny random-weight models the workshop builds itself."""
    return str(settings.model_name).startswith(TINY)


def caveat(settings: Settings, topic: str) -> str:
    """The caveat for `topic` in brackets when the model is a toy, else an empty string."""
    if topic not in CAVEATS:
        raise KeyError(f"Unknown caveat {topic!r}; known: {', '.join(CAVEATS)}.")
    return f"({CAVEATS[topic]})" if is_toy(settings) else ""


def print_caveat(settings: Settings, topic: str) -> None:
    """Print the caveat for `topic` on its own line when the model is a toy."""
    if text := caveat(settings, topic):
        print(text)


class _StripAnsi(logging.Filter):
    """Remove terminal colour codes (transformers' load report has them) from log messages."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = ANSI.sub("", str(record.msg))
        return True


def _strip_ansi_from_transformers_logs() -> None:
    """Make every transformers log line plain text, so saved notebook outputs hold no escape codes."""
    for handler in logging.getLogger("transformers").handlers:
        if not any(isinstance(f, _StripAnsi) for f in handler.filters):
            handler.addFilter(_StripAnsi())


def quiet() -> None:
    """Silence transformers' load reports and weight loading/saving bars (notebook 01 shows them once)."""
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    _strip_ansi_from_transformers_logs()


@contextmanager
def load_report() -> Iterator[None]:
    """Show transformers' load report (without colour codes) inside the block, quiet again after it."""
    hf_logging.set_verbosity_warning()
    _strip_ansi_from_transformers_logs()
    try:
        yield
    finally:
        quiet()
