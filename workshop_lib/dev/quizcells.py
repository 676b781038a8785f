"""Put each notebook's quiz cell just before its "Key points" cell (or last); idempotent.

    python -m workshop_lib.dev.quizcells [--check]
"""

from __future__ import annotations

import argparse
import sys

import nbformat

from ..exercises.quiz import QUIZZES, TAG, cell_source
from ..paths import PROJECT_ROOT

NOTEBOOKS = PROJECT_ROOT / "notebooks"


def place(nb: nbformat.NotebookNode, key: str) -> None:
    """Insert or refresh the quiz cell of `key` in `nb`, just before the last Key points cell."""
    cells = [c for c in nb.cells if TAG in c.metadata.get("tags", [])]
    if cells:
        cells[0].source = cell_source(key)
        return
    cell = nbformat.v4.new_code_cell(cell_source(key), metadata={"tags": [TAG], TAG: key})
    cell.id = f"quiz-{key}"
    points = [i for i, c in enumerate(nb.cells) if c.cell_type == "markdown" and "## Key points" in c.source]
    nb.cells.insert(points[-1] if points else len(nb.cells), cell)


def main(argv: list[str] | None = None) -> None:
    """Place every quiz cell; with --check write nothing and exit 1 when one is missing or stale."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report notebooks to update")
    args = parser.parse_args(argv)
    stale = []
    for key, (name, _) in QUIZZES.items():
        path = NOTEBOOKS / name
        if not path.is_file():
            continue
        before = path.read_text(encoding="utf-8")
        nb = nbformat.read(path, as_version=4)
        place(nb, key)
        after = nbformat.writes(nb) + "\n"
        if after != before:
            stale.append(name)
            if not args.check:
                path.write_text(after, encoding="utf-8")
    print("\n".join(f"{'stale' if args.check else 'wrote'}: notebooks/{n}" for n in stale))
    sys.exit(1 if args.check and stale else 0)


if __name__ == "__main__":
    main()
