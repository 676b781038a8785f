"""The regression check: one baseline per profile, valid on any machine, seed and library release.

Counts, shares and parity checks do not depend on rounding: they are compared exactly. Learned numbers (MCC,
accuracy, F1, losses, zero-shot scores) move with rounding and seed: they are checked against a band measured
over seeds and CPU kinds (benchmarks/smoke_bands.py), and against invariants that hold on any machine.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from ..device import cpu_kind, versions
from ..paths import MODEL, shipped
from ..settings import Settings

TIMING_WORDS = ("second", "runtime", "per_s", "sentences_per")  # speed varies by machine: never a baseline
LEARNED_PHASES = ("training", "deployment", "zero_shot")  # phases whose scores come from trained weights
LEARNED_WORDS = ("mcc", "accuracy", "f1", "loss", "threshold", "epoch")  # move with rounding and seed
# (training.epoch: the epoch of the checkpoint the selection split kept)
SEEDED_PHASES = ("preprocessing",)  # exact, but measured on the training rows the seed holds out
SEEDED_METRICS = ("training.train_tokens",)  # the same, in a phase that is otherwise exact everywhere
EXACT = 1e-6  # exact metrics are recorded to 6 decimals
MARGIN = (
    0.1  # the fine-tuned validation MCC must beat the constant guess's by this much (docs/maintaining.md)
)
NUMERIC_LIBRARIES = (
    "torch",
    "transformers",
    "datasets",
    "accelerate",
)  # named in the report when they differ


def flatten(metrics: dict[str, dict]) -> dict[str, float]:
    """{'phase': {'name': v}} -> {'phase.name': v} for numeric values."""
    return {
        f"{phase}.{name}": value
        for phase, values in metrics.items()
        for name, value in values.items()
        if isinstance(value, int | float) and not isinstance(value, bool)
    }


def quality_metrics(metrics: dict[str, dict]) -> dict[str, float]:
    """The flattened metrics that should not depend on the machine's speed."""
    return {k: v for k, v in flatten(metrics).items() if not any(w in k for w in TIMING_WORDS)}


def kind_of(key: str) -> str:
    """ "learned" (a band), "seeded" (exact at the record's seed) or "exact" (exact everywhere)."""
    phase, _, name = key.partition(".")
    if phase in LEARNED_PHASES and any(word in name for word in LEARNED_WORDS):
        return "learned"
    return "seeded" if phase in SEEDED_PHASES or key in SEEDED_METRICS else "exact"


def recipe(settings: Settings) -> dict:
    """The settings that decide a run's metrics, but the seed (the bands cover seeds) and output folder."""
    return {k: v for k, v in dataclasses.asdict(settings).items() if k not in ("output_dir", "seed")}


def default_baseline(profile: str) -> Path:
    """baselines/<profile>.json: one per profile, for every machine."""
    return shipped("baselines") / f"{profile}.json"


def libraries() -> dict[str, str | None]:
    """The installed versions of the libraries a run's numbers depend on."""
    found = versions()
    return {name: found[name] for name in NUMERIC_LIBRARIES}


def machines(baseline: dict) -> str:
    """This machine's CPU kind beside the kinds the bands were measured on, and whether it is one of them."""
    kinds = baseline.get("cpu_kinds", [])
    where = "one of the kinds" if cpu_kind() in kinds else "not among the kinds"
    return f"cpu: {cpu_kind()!r} here, {where} the bands were measured on ({', '.join(kinds)})"


def differences(baseline: dict, settings: Settings) -> list[str]:
    """What differs from the record but is compared anyway: seed, library releases."""
    found = []
    if settings.seed != baseline["seed"]:
        found.append(f"seed: {baseline['seed']} there, {settings.seed} here")
    here = libraries()
    found += [
        f"{k}: {v} there, {here.get(k)} here" for k, v in baseline["libraries"].items() if here.get(k) != v
    ]
    return found


def other_recipe(baseline: dict, settings: Settings) -> list[str]:
    """The settings in which this run differs from the baseline's recipe ("name: X there, Y here")."""
    ours = recipe(settings)
    return [
        f"{k}: {v!r} there, {ours.get(k)!r} here" for k, v in baseline["settings"].items() if ours.get(k) != v
    ]


def compare(
    metrics: dict[str, dict], baseline: dict, seed: int, phases: tuple[str, ...] | None = None
) -> list[str]:
    """One line per recorded metric missing, not exact, or outside its band (only `phases` if given)."""
    flat, problems = flatten(metrics), []
    wanted = {**baseline["exact"], **(baseline["seeded"] if seed == baseline["seed"] else {})}
    for key, value in wanted.items():
        if phases and key.split(".")[0] not in phases:
            continue
        if key not in flat:
            problems.append(f"{key}: missing from this run (recorded {value})")
        elif not abs(flat[key] - value) <= EXACT:  # NaN fails
            problems.append(
                f"{key}: {flat[key]:.6g}, not the exact {value} (off by {flat[key] - value:+.6g})"
            )
    for key, band in baseline["bands"].items():
        if phases and key.split(".")[0] not in phases:
            continue
        if key not in flat:
            problems.append(f"{key}: missing from this run (band {band['low']} to {band['high']})")
        elif not band["low"] <= flat[key] <= band["high"]:
            gap = flat[key] - (band["low"] if flat[key] < band["low"] else band["high"])
            problems.append(
                f"{key}: {flat[key]:.4f}, outside the band {band['low']} to {band['high']} ({gap:+.4f})"
            )
    return problems


def invariants(metrics: dict[str, dict], log_history: list[dict] | None) -> list[str]:
    """What holds on any machine: learning above the constant guess, a falling loss, the best kept."""
    training, problems = metrics.get("training", {}), []
    guess = metrics.get("training_setup", {}).get("majority_mcc", 0.0)  # the constant guess's MCC is 0
    if not training.get("mcc", float("nan")) >= guess + MARGIN:
        problems.append(f"invariant training.mcc >= constant guess {guess} + {MARGIN}: {training.get('mcc')}")
    if log_history is not None:
        losses = [e["loss"] for e in log_history if "loss" in e]
        if not (len(losses) >= 2 and losses[-1] < losses[0]):
            problems.append(f"invariant: the training loss falls (first {losses[:1]}, last {losses[-1:]})")
        scores = [e["eval_mcc"] for e in log_history if "eval_mcc" in e]
        best = max(scores, default=float("nan"))
        if not abs(training.get("selection_mcc", float("nan")) - best) <= EXACT:
            problems.append(
                f"invariant: the kept checkpoint is the selection split's best ({best:.4f}); kept "
                f"{training.get('selection_mcc')}"
            )
    return problems


def read_log_history(out: Path) -> list[dict] | None:
    """The trained model's log (every logged loss and evaluation), when the run saved one."""
    path = out / MODEL / "log_history.json"
    return json.loads(path.read_text()) if path.is_file() else None


def check(metrics: dict[str, dict], settings: Settings, path: Path | None) -> tuple[list[str], str, bool]:
    """Compare with the baseline at `path` (default: the profile's).

    Returns the problems, the verdict for the report, and whether anything was compared.
    """
    path = path or default_baseline(settings.profile)
    if not path.is_file():
        return [], f"no baseline for profile {settings.profile!r} ({path} absent): not compared", False
    baseline = json.loads(path.read_text())
    if other := other_recipe(baseline, settings):
        return [], f"not compared: {path} records another recipe ({'; '.join(other)})", False
    problems = compare(metrics, baseline, settings.seed) + invariants(metrics, read_log_history(settings.out))
    seen = "; ".join([machines(baseline), *differences(baseline, settings)])
    if problems:
        return (
            problems,
            f"REGRESSION (compared with {path.name}; {seen})\n\n" + "\n".join(f"- {p}" for p in problems),
            True,
        )
    skipped = (
        ""
        if settings.seed == baseline["seed"]
        else f"; {len(baseline['seeded'])} seed-drawn data counts skipped"
    )
    counted = f"{len(baseline['exact'])} exact, {len(baseline['bands'])} in bands, the invariants{skipped}"
    return [], f"passed ({counted}; compared with {path.name}; {seen})", True
