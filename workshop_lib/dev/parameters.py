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
from ..settings import NOTEBOOK_OPTIONS, Settings

HEADER = "# Change a value to override it; None takes the value of the chosen PROFILE."


def cell_source(notebook: str) -> str:
    """The parameters cell of a notebook (by file stem, e.g. "01_goal"): shared settings, then its own."""
    lines = [HEADER]
    lines += [f"{parameter(f.name)} = None  # {f.metadata['help']}" for f in dataclasses.fields(Settings)]
    if notebook in NOTEBOOK_OPTIONS:
        lines += [
            f"{parameter(f.name)} = {f.default!r}  # {f.metadata['help']}"
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
