"""Notebook 03 shows the pad fix, the batched tokenization and the collator as cells; they must agree with
workshop_lib, which notebook 05, the training command and the benchmark use (no second recipe that drifts)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
import torch

from workshop_lib.data import load_data
from workshop_lib.modeling import load_tokenizer
from workshop_lib.preprocess import MAX_LENGTH, tokenize
from workshop_lib.settings import resolve
from workshop_lib.training import build_trainer

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "03_preprocessing.ipynb"
CELLS = ["cell-04", "cell-06", "cell-10", "cell-12", "collator"]  # setup, pad fix, map timing, map, collator


@pytest.fixture(scope="module")
def notebook(tmp_path_factory) -> dict:
    """The namespace after running notebook 03's code cells for these steps, in the smoke profile."""
    cells = {c.get("id"): c.source for c in nbformat.read(NOTEBOOK, as_version=4).cells}
    namespace = {"settings": resolve("smoke", output_dir=str(tmp_path_factory.mktemp("nb03")))}
    for cell_id in CELLS:
        exec(compile(cells[cell_id], f"<03_preprocessing {cell_id}>", "exec"), namespace)
    return namespace


def test_pad_fix_cell_pads_like_load_tokenizer(notebook):
    cell_tokenizer, library_tokenizer = notebook["tokenizer"], load_tokenizer(notebook["source"])
    assert cell_tokenizer.pad_token == library_tokenizer.pad_token == cell_tokenizer.eos_token
    assert cell_tokenizer.pad_token_id == library_tokenizer.pad_token_id
    pair = notebook["pair"]
    assert cell_tokenizer(pair, padding=True) == library_tokenizer(pair, padding=True)


def test_batched_map_cell_gives_preprocess_tokenize_ids_and_lengths(notebook):
    settings = notebook["settings"]
    library = tokenize(load_data(settings), load_tokenizer(notebook["source"]), MAX_LENGTH)
    cell = notebook["tokenized_here"]
    assert set(cell) == set(library)
    for split in library:
        for column in ["input_ids", "attention_mask", "length"]:
            assert cell[split][column] == library[split][column], (split, column)
    assert notebook["same"] is True  # what the cell prints


def test_collator_cell_makes_the_trainers_batch(notebook):
    trainer = build_trainer(notebook["settings"])
    expected = trainer.data_collator(notebook["features"])
    collated = notebook["collated"]
    assert set(collated) == set(expected) == {"input_ids", "attention_mask", "labels"}
    assert all(torch.equal(collated[key], expected[key]) for key in expected)
    assert collated["input_ids"].shape[1] == max(len(f["input_ids"]) for f in notebook["features"])
