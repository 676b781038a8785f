"""Keep notebooks reviewable: strip outputs, except cells marked `# NBVAL_CHECK_OUTPUT`.

`python -m workshop_lib.nbclean notebooks/*.ipynb` strips in place; with `--execute` it first runs
each notebook in the smoke profile and keeps the outputs of the marked cells (nbval compares them).
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

import nbformat

CHECK_MARK = "# NBVAL_CHECK_OUTPUT"


def clean(nb: nbformat.NotebookNode, executed: nbformat.NotebookNode | None = None) -> None:
    """Strip outputs and counts in place; marked cells take their outputs from `executed`."""
    outputs = {c.get("id"): c.get("outputs", []) for c in executed.cells} if executed else {}
    nb.metadata.pop("papermill", None)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if cell.cell_type != "code":
            continue
        cell.execution_count = None
        keep = CHECK_MARK in cell.source
        cell.outputs = [_tidy(o) for o in outputs.get(cell.get("id"), [])] if keep else []


def _tidy(output: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop the execution count from an output so reruns give identical files."""
    if "execution_count" in output:
        output.execution_count = None
    return output


def execute(path: Path) -> nbformat.NotebookNode:
    """Run a notebook with papermill in the smoke profile and return the executed copy."""
    import papermill

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / path.name
        env = {"WORKSHOP_PROFILE": "smoke", "WORKSHOP_OUTPUT_DIR": str(Path(tmp) / "artifacts")}
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        try:
            papermill.execute_notebook(str(path), str(out), cwd=str(path.parent), progress_bar=False)
        finally:
            for key, value in saved.items():
                os.environ.pop(key) if value is None else os.environ.__setitem__(key, value)
        return nbformat.read(out, as_version=4)


def main(argv: list[str] | None = None) -> None:
    """Strip (and optionally re-execute) the given notebooks in place."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--execute", action="store_true", help="refresh the outputs of marked cells")
    args = parser.parse_args(argv)
    for path in args.notebooks:
        nb = nbformat.read(path, as_version=4)
        clean(nb, execute(path) if args.execute else None)
        nbformat.write(nb, path)
        print(f"cleaned {path}")


if __name__ == "__main__":
    main()
