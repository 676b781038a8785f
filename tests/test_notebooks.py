"""Notebook hygiene: six phases, one commented parameters cell, stripped outputs except checked cells."""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest

from workshop_lib.nbclean import CHECK_MARK

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("0[1-6]_*.ipynb"))


def test_six_phases_in_order():
    assert [p.name[:2] for p in NOTEBOOKS] == ["01", "02", "03", "04", "05", "06"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_parameters_cell_is_plain_commented_assignments(path):
    nb = nbformat.read(path, as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    lines = [line for line in tagged[0].source.splitlines() if line.strip()]
    assert all(isinstance(node, ast.Assign) for node in ast.parse(tagged[0].source).body)
    assert all("#" in line for line in lines), "every parameter needs a comment"
    assert {"PROFILE", "MODEL_NAME", "DATA_SOURCE", "SEED", "OUTPUT_DIR"} <= {
        line.split("=")[0].strip() for line in lines
    }


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_outputs_stripped_except_checked_cells(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    checked = [c for c in code if CHECK_MARK in c.source]
    assert checked, f"{path.name} needs a cell marked {CHECK_MARK}"
    assert all(c.outputs for c in checked), "checked cells keep their stored output (run nbclean --execute)"
    assert all(not c.outputs and c.execution_count is None for c in code if c not in checked)
