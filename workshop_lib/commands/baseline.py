"""The smoke baseline: a run's quality metrics against a recorded run of the same settings and CPU kind."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

from ..device import cpu_kind, versions
from ..paths import shipped
from ..records import atomic_write_json
from ..settings import Settings


def flatten(metrics: dict[str, dict]) -> dict[str, float]:
    """{'phase': {'name': v}} -> {'phase.name': v} for numeric values."""
    return {
        f"{phase}.{name}": value
        for phase, values in metrics.items()
        for name, value in values.items()
        if isinstance(value, int | float) and not isinstance(value, bool)
    }


TIMING_WORDS = ("second", "runtime", "per_s", "sentences_per")  # speed varies by machine: never a baseline
TOLERANCE = 0.02  # default allowed move of a quality metric (MCC, accuracy, F1, loss, ...)


def quality_metrics(metrics: dict[str, dict]) -> dict[str, float]:
    """The flattened metrics that should not depend on the machine's speed."""
    return {k: v for k, v in flatten(metrics).items() if not any(w in k for w in TIMING_WORDS)}


def recipe(settings: Settings) -> dict:
    """The settings that decide a run's metrics (all but where the outputs go)."""
    return {k: v for k, v in dataclasses.asdict(settings).items() if k != "output_dir"}


def default_baseline(profile: str) -> Path:
    """baselines/<profile>-<CPU kind>.json: fp32 training rounds differently on another kind of CPU."""
    return shipped("baselines") / f"{profile}-{re.sub(r'[^a-z0-9]+', '-', cpu_kind().lower())}.json"


NUMERIC_LIBRARIES = ("torch", "transformers", "datasets", "accelerate")  # another release trains otherwise


def libraries() -> dict[str, str | None]:
    """The installed versions of the libraries a run's numbers depend on."""
    found = versions()
    return {name: found[name] for name in NUMERIC_LIBRARIES}


def baseline_from(metrics: dict[str, dict], settings: Settings, tolerance: float = TOLERANCE) -> dict:
    """Make a baseline of this run's quality metrics, with the settings and the CPU kind they came from."""
    return {
        "cpu": cpu_kind(),
        "libraries": libraries(),
        "settings": recipe(settings),
        "metrics": {
            k: {"value": round(v, 6), "tolerance": tolerance} for k, v in quality_metrics(metrics).items()
        },
    }


def other_settings(baseline: dict, settings: Settings) -> list[str]:
    """The settings, CPU kind and library releases in which this run differs from the baseline's ("name: X
    there, Y here")."""
    ours = recipe(settings)
    theirs = baseline.get("settings", {})
    found = [f"{k}: {v!r} there, {ours.get(k)!r} here" for k, v in theirs.items() if ours.get(k) != v]
    if "cpu" in baseline and baseline["cpu"] != cpu_kind():  # fp32 rounds differently on another kind
        found.append(f"cpu: {baseline['cpu']!r} there, {cpu_kind()!r} here")
    here = libraries()  # another release of these trains differently
    found += [f"{k}: {v!r} there, {here.get(k)!r} here" for k, v in baseline.get("libraries", {}).items()
              if here.get(k) != v]
    return found


def compare(metrics: dict[str, dict], baseline: dict) -> list[str]:
    """Return one line per baseline metric that is missing or moved beyond its tolerance."""
    flat = flatten(metrics)
    problems = []
    for key, spec in baseline["metrics"].items():
        if key not in flat:
            problems.append(f"{key}: missing from this run (baseline {spec['value']})")
        elif not abs(flat[key] - spec["value"]) <= spec["tolerance"] + 1e-12:  # NaN fails; ± alike
            problems.append(
                f"{key}: moved from {spec['value']} to {flat[key]:.4f} (tolerance ±{spec['tolerance']})"
            )
    return problems


def check(
    metrics: dict[str, dict], settings: Settings, path: Path | None, save: bool = False
) -> tuple[list[str], str]:
    """Compare with (or, with `save`, record) the baseline at `path` (default: this profile and CPU kind).

    Returns the metrics that moved and the verdict for the report.
    """
    explicit = path is not None
    path = path or default_baseline(settings.profile)
    if save:
        atomic_write_json(path, baseline_from(metrics, settings))
        return [], f"saved as the new baseline {path}"
    baseline = json.loads(path.read_text()) if path.is_file() else None
    if baseline is None:
        others = sorted(p.name for p in path.parent.glob(f"{settings.profile}-*.json"))
        return [], f"no baseline for profile {settings.profile!r} ({path} absent): not compared" + (
            f"; baselines of other CPU kinds: {', '.join(others)} (fp32 rounds differently on another kind; "
            "record one for this kind with --save-baseline)"
            if others and not explicit
            else ""
        )
    if other_settings(baseline, settings):
        return [], (
            f"not compared: {path} was measured with other settings ("
            + "; ".join(other_settings(baseline, settings))
            + ")"
        )
    problems = compare(metrics, baseline)
    return problems, "REGRESSION\n\n" + "\n".join(f"- {p}" for p in problems) if problems else "passed"
