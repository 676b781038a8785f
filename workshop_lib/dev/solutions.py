"""Generate the solution notebooks: each learner notebook with its exercises solved.

`python -m workshop_lib.dev.solutions` writes `notebooks/solutions/NN_*.ipynb`; with `--check` it
writes nothing and exits with status 1 when one of them is missing or stale.
"""

from __future__ import annotations

import argparse
import ast
import copy
import sys
from pathlib import Path

import nbformat

from ..exercises import quiz
from ..exercises.check import Exercise, Question, find, solution_source
from ..paths import APPENDIX_NAMES, PROJECT_ROOT, notebook_sources

NOTEBOOKS = PROJECT_ROOT / "notebooks"
SOLUTIONS = NOTEBOOKS / "solutions"
TAG = "exercise"

BANNER = """\
**Solutions notebook**, generated from `../{name}` by `python -m workshop_lib.dev.solutions`: do not
edit it by hand. Every exercise is solved, every question is followed by its model answer, the quiz is
answered, and every check must say "Right" (the cell below turns any other verdict into an error)."""
STRICT = 'from workshop_lib.exercises.check import strict\n\nstrict()  # any verdict but "Right" raises'


def exercise_cells(nb: nbformat.NotebookNode) -> list[tuple[int, str]]:
    """(cell index, exercise name) of every cell tagged `exercise`."""
    found = []
    for index, cell in enumerate(nb.cells):
        if TAG in cell.metadata.get("tags", []):
            name = cell.metadata.get(TAG)
            if not name:
                raise ValueError(f"Cell {cell.get('id')} is tagged {TAG!r} but its metadata has no name.")
            found.append((index, name))
    return found


def replace_function(source: str, name: str, replacement: str) -> str:
    """Replace the top-level `def name` in a cell's source by `replacement`; the rest of the cell stays."""
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            lines = source.splitlines()
            start = min([node.lineno, *(d.lineno for d in node.decorator_list)]) - 1
            return "\n".join([*lines[:start], replacement.rstrip(), *lines[node.end_lineno :]]).rstrip()
    raise ValueError(f"The exercise cell of {name!r} has no top-level `def {name}(...)`.")


def render(nb: nbformat.NotebookNode, name: str) -> nbformat.NotebookNode:
    """The solutions version of learner notebook `nb` (file name `name`)."""
    nb = copy.deepcopy(nb)
    answers = []
    for index, exercise_name in exercise_cells(nb):
        cell, item = nb.cells[index], find(exercise_name)
        if cell.cell_type == "code":
            if not isinstance(item, Exercise):
                raise ValueError(f"{exercise_name!r} tags a code cell but is registered as a question.")
            cell.source = replace_function(cell.source, exercise_name, solution_source(exercise_name))
        else:
            if not isinstance(item, Question):
                raise ValueError(f"{exercise_name!r} tags a Markdown cell but is registered as code.")
            answer = nbformat.v4.new_markdown_cell(f"**Model answer.** {item.answer}")
            answer.id = f"{cell.id}-model-answer"
            answers.append((index + 1, answer))
    for cell in nb.cells:
        if quiz.TAG in cell.metadata.get("tags", []):
            key = cell.metadata[quiz.TAG]
            cell.source = quiz.cell_source(key, quiz.right_answers(key))
    for index, cell in reversed(answers):
        nb.cells.insert(index, cell)
    banner = nbformat.v4.new_markdown_cell(BANNER.format(name=name))
    banner.id = "solutions-banner"
    strict = nbformat.v4.new_code_cell(STRICT)
    strict.id = "solutions-strict"
    nb.cells[1:1] = [banner, strict]
    ids = [cell.id for cell in nb.cells]
    if len(set(ids)) != len(ids):
        twice = sorted({i for i in ids if ids.count(i) > 1})
        raise ValueError(f"{name}: cell ids {twice} clash with the cells the solutions add; rename them.")
    return nb


def text(nb: nbformat.NotebookNode) -> str:
    """A notebook as its file's text, the way nbformat.write stores it."""
    out = nbformat.writes(nb)
    return out if out.endswith("\n") else out + "\n"


def expected() -> dict[Path, str]:
    """The solution notebooks' paths and text, for every lesson and appendix with exercises or a quiz."""
    files = {}
    for path in [*notebook_sources(NOTEBOOKS), *sorted(NOTEBOOKS.glob(APPENDIX_NAMES))]:
        nb = nbformat.read(path, as_version=4)
        if exercise_cells(nb) or any(quiz.TAG in c.metadata.get("tags", []) for c in nb.cells):
            files[SOLUTIONS / path.name] = text(render(nb, path.name))
    return files


def stale() -> list[Path]:
    """Solution notebooks that are missing or differ from what their learner notebook gives."""
    return [p for p, t in expected().items() if not p.is_file() or p.read_text(encoding="utf-8") != t]


def main(argv: list[str] | None = None) -> None:
    """Write the solution notebooks, or with --check report stale ones."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report missing or stale notebooks")
    args = parser.parse_args(argv)
    if args.check:
        outdated = stale()
        for path in outdated:
            print(f"stale: {path.relative_to(PROJECT_ROOT)} (run python -m workshop_lib.dev.solutions)")
        sys.exit(1 if outdated else 0)
    SOLUTIONS.mkdir(exist_ok=True)
    for path, content in expected().items():
        path.write_text(content, encoding="utf-8")
        print(f"wrote {path.relative_to(PROJECT_ROOT)}")


if __name__ == "__main__":
    main()
