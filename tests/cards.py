"""Read a model card back: its YAML metadata and its model-index results."""

from __future__ import annotations

import yaml


def card_parts(text: str) -> tuple[dict, str]:
    """Split a card into its YAML metadata (parsed) and its Markdown prose."""
    _, metadata, prose = text.split("---\n", 2)
    return yaml.safe_load(metadata), prose


SELECTION = "selection (held out of train: chose the checkpoint)"  # the card's name of the selection split


def results(metadata: dict, split: str = "validation") -> dict[str, float]:
    """The model-index metrics of one split (validation: scored; the selection split: chose), by type."""
    (entry,) = metadata["model-index"]
    found = {r["dataset"]["split"]: {m["type"]: m["value"] for m in r["metrics"]} for r in entry["results"]}
    assert set(found) == {"validation", SELECTION}, found
    return found[split]
