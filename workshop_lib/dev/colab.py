"""Insert or update the Colab cell, the first code cell of each learner, appendix and reference notebook.

    python -m workshop_lib.dev.colab          write the cell where it is missing or stale
    python -m workshop_lib.dev.colab --check  list the notebooks whose cell is missing or stale; exit 1

The cell does nothing outside Colab (CI runs it offline). On Colab it installs the workshop at this version
with the tested versions; the notebooks then default to the class profile (settings.DEFAULT_PROFILE) as they
do everywhere, so the cell sets no profile. Run it again after editing a
notebook's first cells; then `python -m workshop_lib.dev.solutions`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import nbformat

from workshop_lib.dev import launch
from workshop_lib.settings import DEFAULT_PROFILE

ROOT = Path(__file__).resolve().parents[2]
PATTERNS = ("notebooks/0[1-6]_*.ipynb", "notebooks/appendix_*.ipynb", "notebooks/reference/0[1-6]_*.ipynb")
TAG = "colab"


def cell_source(repo: str | None = None) -> str:
    """The Colab cell's code: the one docs/classroom.md describes."""
    return "\n".join(
        [
            "# On Google Colab only (elsewhere this cell does nothing): install the workshop at this page's",
            "# version with the tested library versions; the notebooks default to the class profile",
            f"# ({DEFAULT_PROFILE}) there as everywhere.",
            "# Colab gives each notebook its own machine: set OUTPUT_DIR below to a Google Drive folder",
            "# (docs/classroom.md, \"Colab\") so that later notebooks find what earlier ones made.",
            "import subprocess",
            "import sys",
            "",
            'if "google.colab" in sys.modules:',
            "    pip = [sys.executable, \"-m\", \"pip\"]",
            f"    subprocess.run(pip + {json.dumps(launch.install_arguments(repo))}, check=True)",
        ]
    )


def title_index(nb: nbformat.NotebookNode) -> int:
    """The index of the notebook's title cell (a Markdown cell starting with '# ')."""
    return next(i for i, c in enumerate(nb.cells) if c.cell_type == "markdown" and c.source.startswith("# "))


def apply(nb: nbformat.NotebookNode, source: str) -> bool:
    """Put the Colab cell right after the title; True when the notebook changed."""
    found = [i for i, c in enumerate(nb.cells) if TAG in c.metadata.get("tags", [])]
    if found and nb.cells[found[0]].source == source and found == [title_index(nb) + 1]:
        return False
    for i in reversed(found):
        del nb.cells[i]
    cell = nbformat.v4.new_code_cell(source, metadata={"tags": [TAG]})
    cell.pop("id", None)
    if nb.nbformat_minor >= 5:
        cell["id"] = "colab-install"
    nb.cells.insert(title_index(nb) + 1, cell)
    return True


def notebooks() -> list[Path]:
    """Every notebook that carries the cell."""
    return sorted(path for pattern in PATTERNS for path in ROOT.glob(pattern))


def main(argv: list[str] | None = None) -> int:
    """Write (or with --check only list) the notebooks whose Colab cell is missing or stale."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 when a cell is stale")
    args = parser.parse_args(argv)
    source, stale = cell_source(), []
    for path in notebooks():
        nb = nbformat.read(path, as_version=nbformat.NO_CONVERT)
        if apply(nb, source):
            stale.append(str(path.relative_to(ROOT)))
            if not args.check:
                nbformat.write(nb, path)
    done = "stale" if args.check else "updated"
    print(f"{len(stale)} notebook(s) {done}" + "".join(f"\n  {s}" for s in stale))
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
