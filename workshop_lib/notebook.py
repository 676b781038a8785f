"""What every notebook does first and last: resolve settings, show the setup, record metrics."""

from __future__ import annotations

import json
import platform
from importlib.metadata import PackageNotFoundError, version

from .artifacts import atomic_write_json
from .config import Settings, resolve
from .device import describe

LIBRARIES = ["torch", "transformers", "datasets", "evaluate", "accelerate", "tokenizers", "scikit-learn"]


def versions() -> dict[str, str]:
    """Installed versions of Python and the workshop's main libraries."""
    found = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    return found


def start(profile: str | None = None, **overrides) -> Settings:
    """Resolve the notebook's settings and print versions, device and the settings in use."""
    settings = resolve(profile, **overrides)
    print("  ".join(f"{k} {v}" for k, v in versions().items()))
    print(f"device: {describe()}")
    print(f"profile: {settings.profile}")
    for key, value in vars(settings).items():
        if key != "profile":
            print(f"  {key:14} {value}")
    return settings


def save_metrics(settings: Settings, phase: str, metrics: dict) -> None:
    """Record a phase's headline numbers in <output>/metrics/<phase>.json for the run report."""
    atomic_write_json(settings.out / "metrics" / f"{phase}.json", metrics)


def load_metrics(settings: Settings) -> dict[str, dict]:
    """Read every phase's recorded metrics, keyed by phase."""
    folder = settings.out / "metrics"
    if not folder.is_dir():
        return {}
    return {p.stem: json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))}
