"""`workshop init --update`: a corrected notebook reaches a learner who has started; their work survives."""

from __future__ import annotations

import nbformat
import pytest

from workshop_lib.commands.main import main
from workshop_lib.dev.solutions import replace_function
from workshop_lib.exercises.check import solution_source
from workshop_lib.paths import HANDED_OUT, notebook_sources

NAME = "02_data_exploration.ipynb"
SHIPPED = next(p for p in notebook_sources() if p.name == NAME)


def cells(nb) -> dict:
    """A notebook's cells by id."""
    return {cell.id: cell for cell in nb.cells}


def older_version() -> nbformat.NotebookNode:
    """What the teacher handed out before correcting it: a bug, an old docstring, a cell since removed and
    one not yet written (cell-10)."""
    nb = nbformat.read(SHIPPED, as_version=4)
    by = cells(nb)
    by["cell-04"].source += "\nBUG = 1 / 0"
    by["cell-15"].source += "\n# old"
    by["ex-mcc-by-hand-stub"].source = by["ex-mcc-by-hand-stub"].source.replace("Return the", "Give the")
    nb.cells.remove(by["cell-10"])
    nb.cells.insert(2, nbformat.v4.new_markdown_cell("A cell the fix removes.", id="old-note"))
    return nb


def learner_works(path) -> None:
    """Answer two exercises, change two ordinary cells, add a cell of their own."""
    nb = nbformat.read(path, as_version=4)
    by = cells(nb)
    for name in ("confusion_counts", "mcc_by_hand"):
        stub = by[f"ex-{name.replace('_', '-')}-stub"]
        stub.source = replace_function(stub.source, name, solution_source(name))
    by["cell-01"].source = by["cell-01"].source.replace("SEED = None", "SEED = 64")
    by["cell-15"].source += "\n# my note"
    nb.cells.insert(nb.cells.index(by["cell-05"]) + 1, nbformat.v4.new_code_cell("mine = 1", id="mine"))
    nbformat.write(nb, path)


@pytest.fixture
def started(tmp_path):
    """A folder made by init, then given the older notebook 02, in which the learner has worked."""
    folder = tmp_path / "learner"
    assert main(["init", str(folder)]) == 0
    for path in (folder / NAME, folder / HANDED_OUT / NAME):
        nbformat.write(older_version(), path)
    learner_works(folder / NAME)
    return folder


def test_a_fix_arrives_and_the_learners_work_survives(started, capsys):
    before = {p.name: p.read_bytes() for p in started.glob("0*.ipynb")}
    capsys.readouterr()
    assert main(["init", "--update", str(started)]) == 0
    report = capsys.readouterr().out
    nb, shipped = nbformat.read(started / NAME, as_version=4), nbformat.read(SHIPPED, as_version=4)
    by, fixed = cells(nb), cells(shipped)

    assert by["cell-04"].source == fixed["cell-04"].source, "the corrected cell arrived"
    assert "SEED = 64" in by["cell-01"].source, "a cell only the learner changed is kept"
    for name in ("confusion_counts", "mcc_by_hand"):
        assert solution_source(name).strip() in by[f"ex-{name.replace('_', '-')}-stub"].source, name
    assert "CONFLICT cell ex-mcc-by-hand-stub (exercise mcc_by_hand)" in report and "kept yours" in report
    assert by["cell-15"].source == fixed["cell-15"].source, "an ordinary cell both changed takes the fix"
    assert "CONFLICT cell cell-15" in report and "took the new one" in report
    ids = [cell.id for cell in nb.cells]
    assert ids[ids.index("cell-05") + 1] == "mine", "the learner's own cell stays where it was"
    assert ids[ids.index("cell-09") + 1] == "cell-10", "a new cell arrives in its place"
    assert "old-note" not in ids and "removed cell old-note" in report
    assert [i for i in ids if i != "mine"] == [cell.id for cell in shipped.cells]

    backups = list(started.glob("backup-*"))
    assert len(backups) == 1 and (backups[0] / NAME).read_bytes() == before[NAME], "the learner's file, kept"
    assert (backups[0] / "handed-out" / NAME).read_bytes() == SHIPPED.read_bytes()
    assert "# my note" in cells(nbformat.read(backups[0] / NAME, as_version=4))["cell-15"].source
    assert [p.name for p in backups[0].glob("*.ipynb")] == [NAME], "unchanged notebooks are not touched"
    assert all((started / n).read_bytes() == b for n, b in before.items() if n != NAME)
    assert (started / HANDED_OUT / NAME).read_bytes() == SHIPPED.read_bytes(), "the new ancestor"

    assert main(["init", "--update", str(started)]) == 0
    assert capsys.readouterr().out.strip() == f"{started}: already up to date"
    assert len(list(started.glob("backup-*"))) == 1


def test_without_an_ancestor_exercise_cells_are_kept_and_nothing_is_lost(tmp_path, capsys):
    folder = tmp_path / "early"
    assert main(["init", str(folder)]) == 0
    for path in sorted((folder / HANDED_OUT).rglob("*.ipynb")):
        path.unlink()  # a folder made before init kept the ancestor
    learner_works(folder / NAME)
    (folder / "solutions" / NAME).unlink()
    mine = (folder / NAME).read_bytes()
    capsys.readouterr()
    assert main(["init", "--update", str(folder)]) == 0
    report = capsys.readouterr().out
    by = cells(nbformat.read(folder / NAME, as_version=4))
    assert solution_source("mcc_by_hand").strip() in by["ex-mcc-by-hand-stub"].source
    assert "SEED = 64" not in by["cell-01"].source and "CONFLICT cell cell-01" in report
    assert next(folder.glob(f"backup-*/{NAME}")).read_bytes() == mine
    assert f"solutions/{NAME}: new, copied" in report and (folder / "solutions" / NAME).is_file()


@pytest.mark.parametrize(
    ("folder", "line"),
    [
        ("/no/such/learner", "workshop init: error: No learner folder /no/such/learner"),
        ("{tmp}", "workshop init: error: {tmp} holds none of the workshop's notebooks"),
    ],
)
def test_update_mistakes_are_one_line(folder, line, tmp_path, capsys):
    assert main(["init", "--update", folder.format(tmp=tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(line.format(tmp=tmp_path)) and len(err.strip().splitlines()) == 1, err
