"""Fill the measured figures of the README, docs/ and the notebooks from the results files.

Every measured number the docs show lives in one results file (benchmarks/results/*.json, with its machine,
command and recipe) and reaches the docs only through this script. In a doc, a figure or a table sits between
markers, which Markdown and Jupyter do not show:

    <!-- measured:NAME -->443 s (7.4 min)<!-- /measured -->

NAME is a template of benchmarks/templates.md (a table or a phrase with {FIGURE} fields), a block
(`places()`), a figure computed from a raw results file (`derived`, in the figures_*.py modules), or
ENTRY.KEY[.INDEX] of published.json (published.py's figures with their sources), formatted by its unit:
|n drops the unit; a list shows as 1 / 2 / 3, with |range as lowest-highest, |list as 1, 2 and 3, |cells
as table cells. Numbers are formatted only in numbers_format.py. A figure of a recipe that no results file
holds reads "not measured for this recipe"; one whose results file is not made yet, "not measured yet".

    python benchmarks/render.py          rewrite the marked places from the results files
    python benchmarks/render.py --check  list the stale places and exit 1 (tests/test_rendered.py runs it)
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path

import course
from blocks import BLOCKS
from figures_machines import evaluation_figures, machine_figures, slow_figures
from figures_recipes import recipe_figures, speed_recipes
from figures_speed import (
    cola_figures,
    full_run_figures,
    notebook_figures,
    notebook_seconds,
    setup_figures,
    site_figures,
    speed_figures,
    tier_figures,
)
from figures_standin import recorded_figures, reference_figures, retune_figures, standin_figures
from results_files import RESULTS, recorded, result, same_recipe

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "benchmarks" / "templates.md"
# Where figures go: these documents and the notebooks' Markdown cells (solutions/ copies them).
DOCS = ["README.md", "docs/teaching.md", "docs/classroom.md", "docs/maintaining.md", "docs/performance.md"]
NOTEBOOKS = ("notebooks/0[1-6]_*.ipynb", "notebooks/appendix_*.ipynb", "notebooks/reference/*.ipynb")
MARKER = re.compile(r"<!-- measured:([\w.|-]+) -->(.*?)<!-- /measured -->", re.S)
FIELD = re.compile(r"\{([\w.|-]+)\}")
SCRATCH = re.compile(r"\$TMPDIR/(?:[\w.-]+/)*([\w-]+)\.json")  # a scratch copy of a results file
__all__ = ["RESULTS", "main", "figure", "problems", "render_all", "render_text"]


@cache
def derived() -> dict[str, str]:
    """Every figure computed from the results files, by the name the docs use."""
    return (
        cola_figures() | speed_figures() | full_run_figures() | standin_figures() | retune_figures()
        | machine_figures() | slow_figures() | evaluation_figures()
        | setup_figures() | site_figures() | reference_figures() | recorded_figures() | notebook_figures()
        | tier_figures() | recipe_figures()
    )


PROFILE_TIMES = {  # what the profiles table says each profile's measured time is
    "smoke": "{readme.smoke_time}",
    "quick": "stand-in, training: {standin.quick.train_span} ({standin.quick.cpu}); "
    "GPT-2 small's architecture: "
    "{machines.gpt2_quick.train} ({machines.gpt2_quick.cpu})",
    "full": "GPT-2 small's architecture, training: {run.after.train} in bf16 "
    "({run.after.cpu}, {run.after.date})",
}
CHAPTER_TIMES = (  # where the chapter table's times were measured: two runs, each named
    "Times: each whole notebook's wall time, kernel start included; smoke on {smoke.cpu} "
    "({smoke.date}, load {smoke.load}), quick with the stand-in on {reference.cpu} "
    "({reference.date}, load {reference.load})."
)


def chapters() -> str:
    """The README's chapter table, with each notebook's measured times (quick's by the recipe recorded)."""
    reference = result("reference-outputs")
    quick = reference["notebooks"] if same_recipe(reference) else {}
    return course.chapters(notebook_seconds(), quick) + "\n\n" + fill(CHAPTER_TIMES)


def places() -> dict[str, Callable[[], str]]:
    """Every place rendered by a function, by name."""
    return BLOCKS | {
        "chapters": chapters,
        "speed_recipes": speed_recipes,
        "profiles": lambda: course.profile_rows({k: fill(v) for k, v in PROFILE_TIMES.items()}),
    }


# ---- rendering ---------------------------------------------------------------------------------------------
@cache
def templates() -> dict[str, str]:
    """benchmarks/templates.md's templates, by name."""
    found = re.findall(r"<!-- template:([\w.-]+) -->\n(.*?)\n<!-- /template -->", TEMPLATES.read_text(), re.S)
    return dict(found)


def fill(template: str) -> str:
    """`template` with its {FIGURE} fields filled."""
    return FIELD.sub(lambda m: figure(m.group(1)), template)


def figure(name: str) -> str:
    """The text of one template, block or figure."""
    if name in templates():
        return fill(templates()[name])
    if name in places():
        return places()[name]()
    if name in derived():
        return derived()[name]
    try:
        return recorded(name)
    except (KeyError, IndexError, ValueError) as error:
        raise KeyError(f"unknown figure or template {name!r} ({error!r})") from None


def reproducible(shown: str) -> str:
    """`shown` with a command's output written where the docs read it: a script run into
    $TMPDIR/.../NAME.json whose results file is benchmarks/results/NAME.json names that file."""
    return SCRATCH.sub(
        lambda m: f"benchmarks/results/{m[1]}.json" if (RESULTS / f"{m[1]}.json").is_file() else m[0], shown
    )


def render_text(text: str) -> str:
    """`text` with every marked place filled. A block (a table, paragraphs) gets lines of its own, indented
    like its marker; anything else stays inline."""

    def place(match: re.Match) -> str:
        body = reproducible(figure(match.group(1)))
        if body.startswith("|") or "\n\n" in body:
            indent = text[text.rfind("\n", 0, match.start()) + 1 : match.start()]
            indent = "" if indent.strip() else indent
            body = "".join(f"\n{indent}{line}" if line else "\n" for line in body.split("\n")) + f"\n{indent}"
        return f"<!-- measured:{match.group(1)} -->{body}<!-- /measured -->"

    return MARKER.sub(place, text)


def problems(name: str, old: str, new: str) -> list[str]:
    """The marked places of `old` that `new` changes, and lines of text that start with a marker (Markdown
    would take such a line for raw HTML, and show its Markdown as it is)."""
    before, after = MARKER.findall(old), MARKER.findall(new)
    found = [f"{name}: {b[0]} is stale" for b, a in zip(before, after, strict=True) if b != a]
    for number, line in enumerate(new.splitlines(), 1):
        if re.match(r"\s*<!-- /?measured", line) and not re.fullmatch(
            r"\s*<!-- (measured:[\w.|-]+|/measured) -->", line
        ):
            found.append(f"{name}, line {number}: a marker starts a line of text; move it after a word")
    return found


def render_all(write: bool) -> list[str]:
    """Render every doc and the notebooks' Markdown cells; write them when `write`. The problems found."""
    import nbformat

    found = []
    for doc in DOCS:
        path = ROOT / doc
        old = path.read_text()
        new = render_text(old)
        found += problems(doc, old, new)
        if write and new != old:
            path.write_text(new)
    for path in sorted(path for pattern in NOTEBOOKS for path in ROOT.glob(pattern)):
        nb = nbformat.read(path, as_version=nbformat.NO_CONVERT)
        changed = False
        for i, cell in enumerate(nb.cells):
            if cell.cell_type == "markdown" and "<!-- " in cell.source:
                new = render_text(cell.source)
                found += problems(f"{path.relative_to(ROOT)} cell {i}", cell.source, new)
                changed |= new != cell.source
                cell.source = new
        if write and changed:
            nbformat.write(nb, path)
    return found


def main(argv: list[str] | None = None) -> int:
    """Render (or with --check only compare) and list what was stale."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare only; exit 1 when a place is stale")
    args = parser.parse_args(argv)
    found = render_all(write=not args.check)
    print(f"{len(found)} problem(s)" + "".join(f"\n  {place}" for place in found))
    if not args.check and found:
        print("(rewritten; after changing a learner notebook run python -m workshop_lib.dev.solutions)")
    return 1 if args.check and found else 0


if __name__ == "__main__":
    sys.exit(main())
