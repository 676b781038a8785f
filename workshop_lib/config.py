"""Every setting declared once (type, default, help, what is allowed), the profiles, and where outputs go.

The notebooks' parameters cells (`python -m workshop_lib.parameters`), the runner's `-p` and the CLI's
`--set` all come from the dataclasses below, and every entry is checked by their `__post_init__`.
No torch or transformers here: the runner and the CLI check settings before anything heavy loads.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import os
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .hub import is_local
from .resources import PROJECT_ROOT, work_root

HUB_MODEL = "openai-community/gpt2"  # GPT-2 small on the Hugging Face hub
PROFILE_ENV = "WORKSHOP_PROFILE"
OUTPUT_ENV = "WORKSHOP_OUTPUT_DIR"  # default parent of every profile's output folder
OUTPUT_FOLDERS = ("artifacts", "runs")  # the project's git-ignored output folders (see .gitignore)
DEFAULT_PROFILE = "full"
TINY = "tiny"  # model name of the offline tiny GPT-2 that the project builds itself
DATA_KEYWORDS = ("hub", "embedded")
PRECISIONS = ("auto", "fp32", "bf16", "fp16")

PROFILES: dict[str, dict] = {  # per profile: which model and data, then the recipe
    # The tiny random GPT-2 and the embedded set: offline and fast (measured: README.md, "Profiles").
    "smoke": dict(
        model_name=TINY, data_source="embedded", train_limit=None, eval_limit=None,
        epochs=10, batch_size=16, learning_rate=1e-3,
        precision="fp32",  # the same numbers on every CPU, so that its baseline holds everywhere
    ),
    # Real GPT-2 on a CoLA subset, one epoch: fits a laptop lesson. Tuned with the stand-in decoder: batch 16
    # at a peak rate of 1e-4 learned more steadily than batch 32 at 5e-5, and twice the sentences of the
    # first try met the lesson's targets on every seed once bf16 made room for them (measured: README.md,
    # "Tuning the quick profile"; benchmarks/results/quick-tuning.md and real-weights.json).
    "quick": dict(
        model_name=HUB_MODEL, data_source="hub", train_limit=6000, eval_limit=None,
        epochs=1, batch_size=16, learning_rate=1e-4, warmup_steps=0.1,
    ),
    # Real GPT-2 on all of CoLA: the article's run, done right. 2 epochs, not the article's 3: with the
    # stand-in decoder, the third epoch gained less MCC than the spread between seeds, cost an epoch's time
    # and over-fitted (measured: BENCHMARKS.md, "The full recipe, compared").
    "full": dict(
        model_name=HUB_MODEL, data_source="hub", train_limit=None, eval_limit=None,
        epochs=2, batch_size=32, learning_rate=5e-5,
    ),
}


class SettingError(ValueError):
    """An unknown setting, or a wrong type or value: the message names it, the value and what is allowed."""


def setting(
    help: str,
    allowed: str,
    default: Any = dataclasses.MISSING,
    check: Callable[[Any], bool] | None = None,
    path: str | None = None,
) -> Any:
    """Declare one setting: help for learners, what is allowed (for errors), a range check, path handling.

    path="always": a folder, made absolute; path="maybe": made absolute only when `hub.is_local` calls it a
    local folder (else a hub id or keyword, kept as written).
    """
    return field(default=default, metadata={"help": help, "allowed": allowed, "check": check, "path": path})


def parameter(name: str) -> str:
    """The notebooks' (and `-p`'s) spelling of a setting: learning_rate -> LEARNING_RATE."""
    return name.upper()


def _kind(hint: Any) -> tuple[type, bool]:
    """(declared type, whether None is allowed) of an annotation such as `int | None`."""
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        kinds = [a for a in typing.get_args(hint) if a is not type(None)]
        return kinds[0], True
    return hint, False


def coerce(value: Any, kind: type) -> Any:
    """Convert `value` to `kind` where that is unambiguous ("3" -> 3, 2.0 -> 2), else raise ValueError."""
    text = value.strip() if isinstance(value, str) else None
    if kind is bool:
        if isinstance(value, bool):
            return value
        if text is not None and text.lower() in ("true", "false"):
            return text.lower() == "true"
    elif kind is int and not isinstance(value, bool):
        if isinstance(value, int):
            return value
        number = value if isinstance(value, float) else None
        if text is not None:
            try:
                return int(text)
            except ValueError:
                try:
                    number = float(text)
                except ValueError:
                    pass
        if number is not None and number.is_integer():
            return int(number)
    elif kind is float and not isinstance(value, bool):  # an int is a float too (3 epochs stays 3)
        number = value if isinstance(value, int | float) else None
        for read in (int, float) if text is not None else ():
            try:
                number = read(text)
                break
            except ValueError:
                pass
        if number is not None and math.isfinite(number):
            return number
    elif kind is str:
        if isinstance(value, os.PathLike):
            return os.fspath(value)
        if text:
            return value
    raise ValueError(f"{value!r} is not a {kind.__name__}")


def is_tiny_model(name: str) -> bool:
    """True for the names of the workshop's own tiny random models: "tiny" and "tiny-<family>"."""
    return name == TINY or (name.startswith(f"{TINY}-") and "/" not in name)


def _is_keyword(text: str) -> bool:
    """Model and data names that are never paths: the tiny models' names, "hub", "embedded"."""
    return text in DATA_KEYWORDS or is_tiny_model(text)


def as_path(text: str, always: bool) -> str:
    """Make a path absolute against the current folder; unless `always`, leave hub ids and keywords alone."""
    if not always and (_is_keyword(text) or not is_local(text)):
        return text
    return os.path.normpath(Path.cwd() / os.path.expanduser(text))


def check_value(owner: type, name: str, value: Any) -> Any:
    """Coerce and check one declared setting; a SettingError names it, the value and what is allowed."""
    specs = {f.name: f for f in dataclasses.fields(owner)}
    if name not in specs:
        raise SettingError(f"Unknown setting {name!r}; known: {', '.join(specs)}.")
    spec = specs[name]
    kind, optional = _kind(typing.get_type_hints(owner)[name])
    if value is None and optional:
        return None
    meta = spec.metadata
    problem = SettingError(f"Setting {parameter(name)} ({name}) got {value!r}; allowed: {meta['allowed']}.")
    try:
        result = coerce(value, kind)
    except ValueError:
        raise problem from None
    if meta["check"] is not None and not meta["check"](result):
        raise problem
    if meta["path"]:
        result = as_path(result, meta["path"] == "always")
    return result


class Declared:
    """Base of the declarations: coerce and check every field when an instance is made."""

    def __post_init__(self) -> None:
        for spec in dataclasses.fields(self):
            object.__setattr__(self, spec.name, check_value(type(self), spec.name, getattr(self, spec.name)))


def _positive(x: float) -> bool:
    """Above 0."""
    return x > 0


def _non_negative(x: float) -> bool:
    """0 or more."""
    return x >= 0


@dataclass(frozen=True, kw_only=True)
class Settings(Declared):
    """Everything a phase needs to know; `resolve` fills it from a profile and checks every value."""

    profile: str = setting(
        '"smoke" (tiny offline model, fastest), "quick" (GPT-2, CoLA subset) or "full" (GPT-2, all of CoLA); '
        'None: $WORKSHOP_PROFILE, else "full"',
        f"one of {', '.join(PROFILES)}",
        check=lambda name: name in PROFILES,
    )
    model_name: str = setting(
        'a hub id such as "openai-community/gpt2" or a local model folder; "tiny", "tiny-llama" or '
        '"tiny-bert": a small random GPT-2, Llama-style decoder or BERT, built offline',
        "a hub id, a model folder or a tiny model's name",
        path="maybe",
    )
    data_source: str = setting(
        '"hub" (CoLA from the Hugging Face hub), "embedded" (the offline set in data/acceptability) or a '
        "folder of CoLA TSV files",
        f"{' or '.join(map(repr, DATA_KEYWORDS))} or a folder of CoLA TSV files",
        path="maybe",
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
        check=_positive,
    )
    batch_size: int = setting(
        "sentences per step on each device: larger is faster per sentence but needs more memory",
        "a whole number of at least 1",
        check=_positive,
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
        check=lambda x: 0 <= x < 1,
    )
    weight_decay: float = setting(
        "AdamW pulls every weight slightly toward 0 each step: a mild guard against overfitting",
        "a number of at least 0, such as 0.01",
        0.01,
        check=_non_negative,
    )
    train_limit: int | None = setting(
        "train on a random sample of at most this many sentences, 0 for all: faster, usually less accurate",
        "a whole number of at least 0 (0 = all)",
        check=_non_negative,
    )
    eval_limit: int | None = setting(
        "evaluate on at most this many validation sentences, 0 for all: faster, noisier metrics",
        "a whole number of at least 0 (0 = all)",
        check=_non_negative,
    )
    output_dir: str = setting(
        "folder the six notebooks share (tokenized data, checkpoints, model, metrics); None: "
        "<project>/artifacts/<profile>",
        "a folder outside the project's tracked files",
        path="always",
    )
    precision: str = setting(
        '"auto": bf16 or fp16 on a CUDA GPU, bf16 on a CPU with native bf16 (AVX-512 BF16 or AMX), fp32 '
        'elsewhere; "fp32", "bf16" or "fp16" force one (bf16 needs CUDA or such a CPU, fp16 needs CUDA)',
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


@dataclass(frozen=True, kw_only=True)
class GoalOptions(Declared):
    """Notebook 01's own parameters."""

    zero_shot_train_sample: int = setting(
        "training sentences scored to choose the zero-shot threshold, 0 for all: more is steadier, slower",
        "a whole number of at least 0 (0 = all)",
        2000,
        check=_non_negative,
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


def refuse_tracked(folder: Path, label: str) -> None:
    """Refuse an output folder inside the project's git-tracked files (git status would fill with models)."""
    if not (PROJECT_ROOT / ".git").exists():
        return  # an installed package, not a checkout: nothing is tracked
    real = Path(os.path.realpath(folder))
    allowed = [PROJECT_ROOT / name for name in OUTPUT_FOLDERS]
    if real.is_relative_to(PROJECT_ROOT) and not any(real.is_relative_to(a) for a in allowed):
        raise SettingError(
            f"{label} got {str(folder)!r}, inside the project's tracked files, where "
            f"git would list every model file; allowed: a folder under {allowed[0]} (the default) or "
            f"{allowed[1]}, or outside {PROJECT_ROOT}."
        )


def output_root() -> Path:
    """Parent of the profiles' default output folders: <project>/artifacts, or $WORKSHOP_OUTPUT_DIR.

    A relative $WORKSHOP_OUTPUT_DIR is taken from the project root, so that notebooks (which start in
    notebooks/), the runner and the CLI all mean the same folder. An installed package (no checkout) uses
    the current folder instead: the folder `workshop init` made, where JupyterLab starts its kernels.
    """
    if not os.environ.get(OUTPUT_ENV):
        return work_root() / OUTPUT_FOLDERS[0]
    root = Path(os.path.normpath(work_root() / os.path.expanduser(os.environ[OUTPUT_ENV])))
    refuse_tracked(root, f"Environment variable {OUTPUT_ENV}")
    return root


def profile_name(profile: str | None = None) -> str:
    """Pick the profile: the argument, else $WORKSHOP_PROFILE, else 'full'."""
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
