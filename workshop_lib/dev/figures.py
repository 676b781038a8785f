"""Rewrite the profile-derived figures in the notebooks' Markdown and in docs/ (workshop_lib.lessons.figures).

python -m workshop_lib.dev.figures            rewrite every marker's value in the six notebooks and the docs
python -m workshop_lib.dev.figures --check    only list the files whose values disagree (exit status 1)
"""

from __future__ import annotations

import argparse
import sys

from ..lessons.figures import figures, render
from ..paths import PROJECT_ROOT, notebook_sources


def main(argv: list[str] | None = None) -> int:
    """Rewrite (or with --check only compare) the markers of each workshop notebook."""
    import nbformat

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare only; exit 1 when a value disagrees")
    args = parser.parse_args(argv)
    values, stale = figures(), []
    for path in notebook_sources(PROJECT_ROOT / "notebooks"):
        nb = nbformat.read(path, as_version=nbformat.NO_CONVERT)
        cells = [c for c in nb.cells if c.cell_type == "markdown" and render(c.source, values) != c.source]
        if cells:
            stale.append(path.name)
            if not args.check:
                for cell in cells:
                    cell.source = render(cell.source, values)
                nbformat.write(nb, path)
    for path in sorted((PROJECT_ROOT / "docs").glob("*.md")):  # a checkout's docs (a wheel ships none)
        text = path.read_text()
        if render(text, values) != text:
            stale.append(path.name)
            if not args.check:
                path.write_text(render(text, values))
    verb = "disagree with" if args.check else "rewritten from"
    print(f"{len(stale)} file(s) {verb} the profiles: {', '.join(stale) or '-'}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
