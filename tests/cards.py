"""Read a model card back: its YAML metadata and its model-index results."""

from __future__ import annotations

import yaml


def card_parts(text: str) -> tuple[dict, str]:
    """Split a card into its YAML metadata (parsed) and its Markdown prose."""
    _, metadata, prose = text.split("---\n", 2)
    return yaml.safe_load(metadata), prose


def results(metadata: dict) -> dict[str, float]:
    """The model-index metrics by type."""
    (entry,) = metadata["model-index"]
    (result,) = entry["results"]
    assert result["dataset"]["split"] == "validation"
    return {m["type"]: m["value"] for m in result["metrics"]}
