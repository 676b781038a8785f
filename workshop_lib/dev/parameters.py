"""The notebooks' parameters cells, written from the one declaration in `config`.

python -m workshop_lib.dev.parameters            rewrite every notebook's parameters cell from the declaration
python -m workshop_lib.dev.parameters --check    only list the notebooks whose cell disagrees (exit status 1)
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from ..declare import parameter
from ..paths import PROJECT_ROOT, notebook_sources
from ..settings import NOTEBOOK_OPTIONS

HEADER = "# None takes the value of PROFILE; every setting: workshop_lib/settings.py."
SHORT = {  # each setting's one-line comment in a parameters cell (its full help is in settings.py)
    "profile": '"smoke", "quick" (the class) or "full"; None: $WORKSHOP_PROFILE, else "quick"',
    "model_name": 'hub id, model folder or "tiny"',
    "data_source": '"hub", "embedded" or a folder of CoLA TSV files',
    "seed": "same seed, same selection split, head and batch order",
    "train_limit": "at most this many training sentences (0: all)",
    "eval_limit": "at most this many validation sentences (0: all)",
    "output_dir": "folder the six notebooks share; None: artifacts/<profile>",
    "epochs": "passes over the training data",
    "batch_size": "sentences per optimizer step",
    "learning_rate": "AdamW's peak step size",
    "warmup_steps": "share of the steps over which the rate climbs to its peak",
    "weight_decay": "AdamW's pull of every weight toward 0",
    "evaluations_per_epoch": "selection-split scores and checkpoints per epoch",
    "freeze_embeddings": "True keeps the token embeddings as pretrained",
    "freeze_blocks": "share of the lowest blocks kept as pretrained",
    "precision": '"auto", "fp32", "bf16" or "fp16"',
    "zero_shot_train_sample": "training sentences that choose the zero-shot threshold (0: all)",
    "overwrite": "True trains again and replaces a finished model",
}
SHARED = ("profile", "model_name", "data_source", "seed", "train_limit", "eval_limit", "output_dir")
RECIPE = ("epochs", "batch_size", "learning_rate", "warmup_steps", "weight_decay", "evaluations_per_epoch")
OWN = {  # beyond SHARED, the settings whose change alters the notebook's own outputs
    "03_preprocessing": ("batch_size",),
    "04_training_setup_and_metric": (*RECIPE, "precision"),
    "05_training": (*RECIPE, "freeze_embeddings", "freeze_blocks", "precision"),
}


def cell_source(notebook: str) -> str:
    """A notebook's parameters cell (by file stem, e.g. "01_goal"): the settings it reads, then its own."""
    names = [*SHARED, *OWN.get(notebook, ())]
    lines = [HEADER, *(f"{parameter(name)} = None  # {SHORT[name]}" for name in names)]
    if notebook in NOTEBOOK_OPTIONS:
        lines += [
            f"{parameter(f.name)} = {f.default!r}  # {SHORT[f.name]}"
            for f in dataclasses.fields(NOTEBOOK_OPTIONS[notebook])
        ]
    return "\n".join(lines)


def parameters_cell(nb):
    """The notebook's one cell tagged `parameters`."""
    [cell] = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    return cell


def main(argv: list[str] | None = None) -> int:
    """Rewrite (or with --check only compare) each notebook's parameters cell."""
    import nbformat

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare only; exit 1 when a cell disagrees")
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: the six workshop notebooks")
    args = parser.parse_args(argv)
    stale = []
    for path in args.notebooks or notebook_sources(PROJECT_ROOT / "notebooks"):
        nb = nbformat.read(path, as_version=nbformat.NO_CONVERT)
        cell, wanted = parameters_cell(nb), cell_source(path.stem)
        if cell.source != wanted:
            stale.append(path)
            if not args.check:
                cell.source = wanted
                nbformat.write(nb, path)
    verb = "disagree with" if args.check else "rewritten from"
    names = ", ".join(p.name for p in stale) or "-"
    print(f"{len(stale)} parameters cell(s) {verb} the declaration: {names}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
