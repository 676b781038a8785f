"""The workshop's settings, each declared once (type, default, help, what is allowed), and the profiles.

The notebooks' parameters cells (`python -m workshop_lib.dev.parameters`), `workshop run -p` and
`workshop train --set` all come from the dataclasses below, checked by the engine in `declare.py`.
No torch or transformers here: the commands check settings before anything heavy loads.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .declare import Declared, SettingError, check_value, non_negative, parameter, positive, setting, share
from .hub import is_local
from .paths import output_root, refuse_tracked

HUB_MODEL = "openai-community/gpt2"  # GPT-2 small on the Hugging Face hub
PROFILE_ENV = "WORKSHOP_PROFILE"
DEFAULT_PROFILE = "quick"  # the class profile
TINY = "tiny"  # model name of the offline tiny GPT-2 that the project builds itself
# The tiny random models the project builds offline, name -> folder under OUTPUT_DIR: the one table every
# caller reads (tiny.py keeps how each is built, keyed by these names).
TINY_FAMILIES = {TINY: "tiny-gpt2", "tiny-llama": "tiny-llama", "tiny-bert": "tiny-bert"}
DATA_KEYWORDS = ("hub", "embedded")
PRECISIONS = ("auto", "fp32", "bf16", "fp16")

PROFILES: dict[str, dict] = {  # per profile: which model and data, then the recipe
    # The tiny random GPT-2 and the embedded set: offline and fast (measured: README.md, "Profiles"). At
    # rate 3e-4 seeds and CPU kernel paths end close together (benchmarks/results/smoke-bands.json); at
    # 1e-3 they spread over 0.3 of MCC (that file's git history).
    "smoke": dict(
        model_name=TINY, data_source="embedded", train_limit=None, eval_limit=None,
        epochs=10, batch_size=16, learning_rate=3e-4,
        precision="fp32",  # the bands in baselines/smoke.json cover seeds and CPU kinds
    ),
    # Real GPT-2 on all of CoLA, one epoch: fits a laptop lesson. Tuned with the stand-in decoder on the
    # selection split: on the 2-core CPU it was tuned on, batch 64 went through all of CoLA faster than batch
    # 16 through 6,000 sentences (not on every CPU); of the peak rates 1e-4 to 3e-4 at batch 64, 1.5e-4 had
    # the best mean selection MCC; frozen token embeddings make each step cheaper
    # (measured: BENCHMARKS.md@afa5ab8, "The quick profile"; benchmarks/results/quick-retune.json).
    "quick": dict(
        model_name=HUB_MODEL, data_source="hub", train_limit=None, eval_limit=None,
        epochs=1, batch_size=64, learning_rate=1.5e-4, warmup_steps=0.1,
        freeze_embeddings=True,
        # Three evaluations and checkpoints in its one epoch: a curve to read, a checkpoint to resume from.
        # Their cost, and that of four (too much): benchmarks/results/quick-evaluations-{3,4}.json.
        evaluations_per_epoch=3,
    ),
    # Real GPT-2 on all of CoLA, the article's 3 epochs. The selection split keeps the best epoch: a model
    # that over-fits in the third keeps an earlier checkpoint, one that still learns gets it (measured:
    # BENCHMARKS.md@afa5ab8, "Choosing on one split, reporting on another").
    "full": dict(
        model_name=HUB_MODEL, data_source="hub", train_limit=None, eval_limit=None,
        epochs=3, batch_size=32, learning_rate=5e-5,
    ),
}


def is_tiny_model(name: str) -> bool:
    """True for the names of the workshop's own tiny random models (TINY_FAMILIES)."""
    return name in TINY_FAMILIES


def names_folder(text: str) -> bool:
    """Whether a model or data name is a local folder: not a keyword ("hub", "embedded", a tiny model's
    name) and not a hub id."""
    return not (text in DATA_KEYWORDS or is_tiny_model(text)) and is_local(text)


@dataclass(frozen=True, kw_only=True)
class Settings(Declared):
    """Everything a phase needs to know; `resolve` fills it from a profile and checks every value."""

    profile: str = setting(
        '"smoke" (tiny offline model, fastest), "quick" (GPT-2, all of CoLA once) or "full" (GPT-2, up to 3 '
        'epochs); None: $WORKSHOP_PROFILE, else "quick", the class profile',
        f"one of {', '.join(PROFILES)}",
        check=lambda name: name in PROFILES,
    )
    model_name: str = setting(
        'a hub id such as "openai-community/gpt2" or a local model folder; "tiny", "tiny-llama" or '
        '"tiny-bert": a small random GPT-2, Llama-style decoder or BERT, built offline',
        "a hub id, a model folder or a tiny model's name",
        path=names_folder,
    )
    data_source: str = setting(
        '"hub" (CoLA from the Hugging Face hub), "embedded" (the offline set in data/acceptability) or a '
        "folder of CoLA TSV files",
        f"{' or '.join(map(repr, DATA_KEYWORDS))} or a folder of CoLA TSV files",
        path=names_folder,
    )
    seed: int = setting(
        "one seed for data order, sampling and the new head's first weights: same seed, same result",
        "a whole number from 0 to 4294967295 (NumPy's range)",
        42,
        check=lambda x: 0 <= x < 2**32,
    )
    epochs: float = setting(
        "passes over the training data (2.5 stops half-way through the third); too many overfit",
        "a number above 0",
        check=positive,
    )
    batch_size: int = setting(
        "sentences per step on each device: larger is faster per sentence but needs more memory",
        "a whole number of at least 1",
        check=positive,
    )
    learning_rate: float = setting(
        "AdamW's peak step size, reached after warm-up; fine-tuning needs small ones (5e-5 for GPT-2)",
        "a number between 0 and 1 (both excluded), such as 5e-05",
        check=lambda x: 0 < x < 1,
    )
    warmup_steps: float = setting(
        "share of all steps (a float below 1, as TrainingArguments' warmup_steps reads it; notebook 04) "
        "over which the rate climbs from 0 to its peak",
        "a share from 0 up to (not including) 1, such as 0.06",
        0.06,
        check=share,
    )
    weight_decay: float = setting(
        "AdamW pulls every weight slightly toward 0 each step: a mild guard against overfitting",
        "a number of at least 0, such as 0.01",
        0.01,
        check=non_negative,
    )
    evaluations_per_epoch: int = setting(
        "times per epoch the selection split is scored and a checkpoint saved: more points on the curve, "
        "less work lost to a crash, a little slower",
        "a whole number of at least 1",
        1,
        check=positive,
    )
    freeze_embeddings: bool = setting(
        "True leaves the token embeddings as pretrained: a fifth to a third of a small model's weights "
        "that the optimizer would otherwise update every step, so each step is cheaper on a CPU",
        "True or False",
        False,
    )
    freeze_blocks: float = setting(
        "share of the transformer blocks, lowest first, kept as pretrained with the embeddings (0.5: the "
        "lower half): backward stops at the first trained block, so each step is cheaper",
        "a share from 0 up to (not including) 1, such as 0.5",
        0.0,
        check=share,
    )
    train_limit: int | None = setting(
        "train on a random sample of at most this many sentences, 0 for all: faster, usually less accurate",
        "a whole number of at least 0 (0 = all)",
        check=non_negative,
    )
    eval_limit: int | None = setting(
        "evaluate on at most this many validation sentences, 0 for all: faster, noisier metrics",
        "a whole number of at least 0 (0 = all)",
        check=non_negative,
    )
    output_dir: str = setting(
        "folder the six notebooks share (tokenized data, checkpoints, model, metrics); None: "
        "<project>/artifacts/<profile>",
        "a folder outside the project's tracked files",
        path=True,
    )
    precision: str = setting(
        '"auto": bf16 or fp16 on a CUDA GPU, bf16 on a CPU with native bf16 (AVX-512 BF16 or AMX) where '
        'a quick test finds it faster, fp32 elsewhere; "fp32", "bf16" or "fp16" force one (bf16 needs CUDA '
        'or a CPU with native bf16, fp16 needs CUDA)',
        f"one of {', '.join(PRECISIONS)}",
        "auto",
        check=lambda name: name in PRECISIONS,
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        for name in ("train_limit", "eval_limit"):
            if getattr(self, name) == 0:
                object.__setattr__(self, name, None)  # 0 means "all"
        refuse_tracked(self.out, "Setting OUTPUT_DIR (output_dir)")

    @property
    def out(self) -> Path:
        """The output folder as a Path."""
        return Path(self.output_dir)


def times(count: int) -> str:
    """A count of times in words: once, twice, three times, 12 times."""
    return {1: "once", 2: "twice", 3: "three times", 4: "four times"}.get(count, f"{count} times")


def frozen_parts(settings: Settings) -> str:
    """What a run keeps as pretrained, in words ("" when it trains every weight)."""
    if settings.freeze_blocks:
        return f"embeddings and the lowest {settings.freeze_blocks:.0%} of the blocks frozen"
    return "token embeddings frozen" if settings.freeze_embeddings else ""


@dataclass(frozen=True, kw_only=True)
class GoalOptions(Declared):
    """Notebook 01's own parameters."""

    zero_shot_train_sample: int = setting(
        "training sentences scored to choose the zero-shot threshold, 0 for all: more is steadier, slower",
        "a whole number of at least 0 (0 = all)",
        2000,
        check=non_negative,
    )


@dataclass(frozen=True, kw_only=True)
class TrainingOptions(Declared):
    """Notebook 05's own parameters."""

    overwrite: bool = setting(
        "True trains again and replaces a finished model in OUTPUT_DIR; False reuses it and its metrics",
        "True or False",
        False,
    )


NOTEBOOK_OPTIONS: dict[str, type] = {"01_goal": GoalOptions, "05_training": TrainingOptions}


def parameters() -> dict[str, tuple[type, str]]:
    """Every parameter the notebooks declare: NAME -> (declaring class, field name)."""
    owners = [Settings, *NOTEBOOK_OPTIONS.values()]
    return {parameter(f.name): (owner, f.name) for owner in owners for f in dataclasses.fields(owner)}


def parse_parameter(name: str, text: str) -> Any:
    """Check a `-p NAME VALUE` or `--set name=value` given as text; "None" means the default."""
    known = parameters()
    if parameter(name) not in known:
        close = difflib.get_close_matches(parameter(name), known, n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise SettingError(f"Unknown parameter {name!r}{hint}; the notebooks declare: {', '.join(known)}.")
    if text.strip().lower() in ("none", "null"):
        return None
    owner, field_name = known[parameter(name)]
    return check_value(owner, field_name, text)


def profile_name(profile: str | None = None) -> str:
    """Pick the profile: the argument, else $WORKSHOP_PROFILE, else the class profile (DEFAULT_PROFILE)."""
    if profile is None and os.environ.get(PROFILE_ENV):
        name = os.environ[PROFILE_ENV]
        if name not in PROFILES:
            raise SettingError(
                f"Environment variable {PROFILE_ENV} got {name!r}; allowed: one of {', '.join(PROFILES)} "
                f"(or unset it for {DEFAULT_PROFILE!r})."
            )
        return name
    return check_value(Settings, "profile", DEFAULT_PROFILE if profile is None else profile)


def resolve(profile: str | None = None, **overrides: Any) -> Settings:
    """Return the profile's settings with every override that is not None applied, all checked."""
    name = profile_name(profile)
    known = [f.name for f in dataclasses.fields(Settings)]
    unknown = sorted(set(overrides) - set(known))
    if unknown:
        raise SettingError(f"Unknown setting(s) {', '.join(map(repr, unknown))}; known: {', '.join(known)}.")
    values = {**PROFILES[name], "profile": name, "output_dir": str(output_root() / name)}
    values.update({k: v for k, v in overrides.items() if v is not None})
    return Settings(**values)


def from_parameters(values: Mapping[str, Any]) -> Settings:
    """Resolve the settings from notebook parameters (PROFILE, MODEL_NAME, ...); a missing one is None."""
    names = [f.name for f in dataclasses.fields(Settings) if f.name != "profile"]
    return resolve(values.get("PROFILE"), **{name: values.get(parameter(name)) for name in names})
