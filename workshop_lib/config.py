"""Workshop profiles (smoke, quick, full) and the settings every notebook resolves from them."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path

from .modeling import HUB_MODEL

PROFILE_ENV = "WORKSHOP_PROFILE"
OUTPUT_ENV = "WORKSHOP_OUTPUT_DIR"  # default parent of every profile's output folder
DEFAULT_PROFILE = "full"
TINY = "tiny"  # model name of the offline tiny GPT-2 that the project builds itself


@dataclass(frozen=True)
class Settings:
    """Everything a phase needs to know; notebooks build it with `resolve`."""

    profile: str
    model_name: str  # hub id, local folder, or "tiny"
    data_source: str  # "hub", "embedded" or a folder of CoLA TSVs
    seed: int
    epochs: float
    batch_size: int
    learning_rate: float
    warmup_ratio: float  # share of steps with a linearly rising learning rate
    weight_decay: float
    train_limit: int | None  # at most this many training sentences (None = all)
    eval_limit: int | None  # at most this many validation sentences (None = all)
    output_dir: str
    precision: str  # "auto", "fp32", "bf16" or "fp16"

    @property
    def out(self) -> Path:
        """The output folder as a Path."""
        return Path(self.output_dir)


PROFILES: dict[str, dict] = {
    # The tiny random GPT-2 and the embedded set: offline, the whole series in about a minute.
    "smoke": dict(
        model_name=TINY,
        data_source="embedded",
        epochs=10,
        batch_size=16,
        learning_rate=1e-3,
        train_limit=None,
        eval_limit=None,
    ),
    # Real GPT-2 on a CoLA subset, one epoch: fits a laptop lesson.
    "quick": dict(
        model_name=HUB_MODEL,
        data_source="hub",
        epochs=1,
        batch_size=32,
        learning_rate=5e-5,
        train_limit=2000,
        eval_limit=None,
    ),
    # Real GPT-2 on all of CoLA for 3 epochs: the article's run, done right.
    "full": dict(
        model_name=HUB_MODEL,
        data_source="hub",
        epochs=3,
        batch_size=32,
        learning_rate=5e-5,
        train_limit=None,
        eval_limit=None,
    ),
}
COMMON = dict(seed=42, warmup_ratio=0.06, weight_decay=0.01, precision="auto")


def profile_name(profile: str | None = None) -> str:
    """Pick the profile: the argument, else $WORKSHOP_PROFILE, else 'full'."""
    name = profile or os.environ.get(PROFILE_ENV) or DEFAULT_PROFILE
    if name not in PROFILES:
        raise ValueError(f"Unknown profile {name!r}; choose one of {', '.join(PROFILES)}.")
    return name


def resolve(profile: str | None = None, **overrides) -> Settings:
    """Return the profile's settings with every override that is not None applied."""
    name = profile_name(profile)
    values = {
        **COMMON,
        **PROFILES[name],
        "profile": name,
        "output_dir": str(Path(os.environ.get(OUTPUT_ENV, "artifacts")) / name),
    }
    known = {f.name for f in dataclasses.fields(Settings)}
    unknown = set(overrides) - known
    if unknown:
        raise TypeError(f"Unknown setting(s) {sorted(unknown)}; known: {sorted(known)}.")
    values.update({k: v for k, v in overrides.items() if v is not None})
    for key in ("train_limit", "eval_limit"):
        if values[key] is not None and values[key] <= 0:
            values[key] = None  # 0 or a negative limit means "all"
    return Settings(**values)
