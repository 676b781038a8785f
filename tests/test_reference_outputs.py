"""The reference outputs (benchmarks/reference_outputs.py): real weights, labelled, and not stale."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from workshop_lib.paths import notebook_sources, referenced_appendices

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "notebooks" / "reference"
STANDIN = "SmolLM2-135M-Instruct (stand-in, not GPT-2)"  # benchmarks/real_weights.LABEL
MAX_BYTES = 4 * 1024**2
REFERENCED = [*notebook_sources(), *referenced_appendices()]  # the six, then the appendices that have one


def code_sources(nb: nbformat.NotebookNode) -> list[str]:
    """The code cells' sources, without the cell papermill injects for the run's parameters."""
    return [
        cell.source
        for cell in nb.cells
        if cell.cell_type == "code" and "injected-parameters" not in cell.metadata.get("tags", [])
    ]


def prose(cells: list) -> list[tuple[str, str]]:
    """The Markdown cells' ids and sources."""
    return [(cell.id, cell.source) for cell in cells if cell.cell_type == "markdown"]


@pytest.mark.parametrize("source", REFERENCED, ids=lambda p: p.stem)
def test_each_notebook_has_a_labelled_reference_with_the_same_code(source):
    target = REFERENCE / source.name
    assert target.is_file(), f"{target} is missing: run benchmarks/reference_outputs.py"
    reference = nbformat.read(target, as_version=4)
    banner = reference.cells[0]
    assert banner.get("id") == "reference-banner", "the first cell must be the banner"
    assert STANDIN in banner.source, "the banner must name the model that ran"
    assert "quick profile" in banner.source.lower()
    learner = nbformat.read(source, as_version=4)
    assert code_sources(reference) == code_sources(learner), (
        f"{target.name} is stale: the learner notebook's code changed since it ran; "
        "rerun benchmarks/reference_outputs.py"
    )
    assert prose(reference.cells[1:]) == prose(learner.cells), (
        f"{target.name} shows other prose than the learner notebook: "
        "run python benchmarks/reference_outputs.py --prose-only"
    )
    outputs = [out for cell in reference.cells if cell.cell_type == "code" for out in cell.get("outputs", [])]
    assert outputs, f"{target.name} was not executed"
    assert not [out for out in outputs if out.get("output_type") == "error"], f"{target.name} holds an error"


def test_reference_outputs_are_small_and_carry_no_machine_folders():
    files = sorted(REFERENCE.glob("*.ipynb"))
    assert [p.name for p in files] == sorted(p.name for p in REFERENCED), "one per referenced notebook"
    assert sum(p.stat().st_size for p in files) <= MAX_BYTES
    for path in files:
        text = path.read_text(encoding="utf-8")
        for folder in ("/root/", "/tmp/", "/home/", str(ROOT)):
            assert folder not in text, f"{path.name} names this machine's folder {folder}"
