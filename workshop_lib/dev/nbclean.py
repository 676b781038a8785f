"""Keep notebooks reviewable: strip outputs, except cells marked `# NBVAL_CHECK_OUTPUT`.

`python -m workshop_lib.dev.nbclean notebooks/0*.ipynb` strips in place; with `--execute` it first runs the
notebooks in order in the smoke profile (sharing one output folder, as a real run does) and keeps the
outputs of the marked cells (nbval compares them).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import nbformat

CHECK_MARK = "# NBVAL_CHECK_OUTPUT"


def clean(nb: nbformat.NotebookNode, executed: nbformat.NotebookNode | None = None) -> None:
    """Strip outputs and counts in place; marked cells take the outputs of `executed`, else keep theirs."""
    outputs = {c.get("id"): c.get("outputs", []) for c in (executed or nb).cells}
    nb.metadata.pop("papermill", None)
    nb.metadata.pop("widgets", None)
    for number, cell in enumerate(nb.cells, start=1):
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if cell.cell_type != "code":
            continue
        keep = CHECK_MARK in cell.source
        cell.outputs = [_tidy(o) for o in outputs.get(cell.get("id"), [])] if keep else []
        # nbval refuses outputs of cells without a count ("unrun"); a fixed count keeps reruns identical.
        cell.execution_count = number if cell.outputs else None


def _tidy(output: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop the execution count from an output so reruns give identical files."""
    if "execution_count" in output:
        output.execution_count = None
    return output


def execute(paths: list[Path]) -> dict[Path, nbformat.NotebookNode]:
    """Run notebooks in order with papermill in the smoke profile, sharing one output folder."""
    import papermill

    executed = {}
    with tempfile.TemporaryDirectory() as tmp:
        artifacts = str(Path(tmp) / "artifacts")
        for path in paths:
            out = Path(tmp) / path.name
            papermill.execute_notebook(
                str(path),
                str(out),
                parameters={"PROFILE": "smoke", "OUTPUT_DIR": artifacts},
                cwd=str(path.parent),
                progress_bar=False,
            )
            executed[path] = nbformat.read(out, as_version=4)
    return executed


def main(argv: list[str] | None = None) -> None:
    """Strip (and optionally re-execute, in the order given) the notebooks in place."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--execute", action="store_true", help="refresh the outputs of marked cells")
    args = parser.parse_args(argv)
    executed = execute(args.notebooks) if args.execute else {}
    for path in args.notebooks:
        nb = nbformat.read(path, as_version=4)
        clean(nb, executed.get(path))
        nbformat.write(nb, path)
        print(f"cleaned {path}")


if __name__ == "__main__":
    main()
