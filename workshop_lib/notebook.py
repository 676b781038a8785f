"""What every notebook does first and last: resolve settings, show the setup, record metrics."""

from __future__ import annotations

import dataclasses
from collections.abc import MutableMapping
from typing import Any

from .artifacts import atomic_write_json, read_metrics
from .config import NOTEBOOK_OPTIONS, Settings, check_value, from_parameters, parameter
from .device import describe, versions


def start(namespace: MutableMapping[str, Any]) -> Settings:
    """Check the notebook's parameters (`start(globals())`), print the setup and save <output>/settings.json.

    The shared settings are resolved from PROFILE; a notebook's own parameters (OVERWRITE, ...) are
    checked too and stored back in `namespace` with their declared type.
    """
    settings = from_parameters(namespace)
    own = {
        parameter(f.name): check_value(options, f.name, namespace[parameter(f.name)])
        for options in NOTEBOOK_OPTIONS.values()
        for f in dataclasses.fields(options)
        if parameter(f.name) in namespace
    }
    namespace.update(own)
    print("  ".join(f"{k} {v or 'not installed'}" for k, v in versions().items()))
    print(f"device: {describe(settings.precision)}")
    print(f"profile: {settings.profile}")
    for key, value in dataclasses.asdict(settings).items():
        if key != "profile":
            print(f"  {key:14} {'all' if value is None else value}")  # only the limits can be None
    saved = atomic_write_json(settings.out / "settings.json", dataclasses.asdict(settings))
    print(f"  (saved in {saved})")
    if own:
        print("this notebook: " + ", ".join(f"{name} = {value!r}" for name, value in own.items()))
    return settings


def save_metrics(settings: Settings, phase: str, metrics: dict) -> None:
    """Record a phase's headline numbers in <output>/metrics/<phase>.json for the run report."""
    atomic_write_json(settings.out / "metrics" / f"{phase}.json", metrics)


def load_metrics(settings: Settings) -> dict[str, dict]:
    """Read every phase's recorded metrics, keyed by phase."""
    return read_metrics(settings.out)
