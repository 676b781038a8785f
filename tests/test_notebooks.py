"""Notebook hygiene: six phases, one commented parameters cell, stripped outputs except checked cells."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import nbformat
import pytest
from papermill.translators import PythonTranslator

from workshop_lib.dev.nbclean import CHECK_MARK
from workshop_lib.dev.parameters import cell_source, parameters_cell
from workshop_lib.dev.parameters import main as parameters_main
from workshop_lib.exercises import quiz

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("0[1-6]_*.ipynb"))
WORD_BUDGET = 6500  # words a learner reads in the six lessons: their Markdown and their quizzes


def test_six_phases_in_order():
    assert [p.name[:2] for p in NOTEBOOKS] == ["01", "02", "03", "04", "05", "06"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_parameters_cell_is_plain_commented_assignments(path):
    nb = nbformat.read(path, as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    lines = [line for line in tagged[0].source.splitlines() if line.strip()]
    assert all(isinstance(node, ast.Assign) for node in ast.parse(tagged[0].source).body)
    assert all("#" in line for line in lines), "every parameter needs a comment"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_parameters_cell_matches_the_declaration(path):
    cell = parameters_cell(nbformat.read(path, as_version=4))
    assert cell.source == cell_source(path.stem), (
        f"{path.name}'s parameters cell disagrees with workshop_lib/settings.py: "
        "run `python -m workshop_lib.dev.parameters` to rewrite it"
    )
    assigned = [node.targets[0].id for node in ast.parse(cell.source).body]
    assert {"PROFILE", "MODEL_NAME", "DATA_SOURCE", "SEED", "OUTPUT_DIR"} <= set(assigned)
    # papermill reads each line's comment as the parameter's help (it skips lines with a second "=")
    assert [p.name for p in PythonTranslator.inspect(cell)] == assigned


def test_each_notebooks_own_parameters_are_declared_for_it():
    own = {"01_goal": "ZERO_SHOT_TRAIN_SAMPLE", "05_training": "OVERWRITE"}  # read by later cells
    for path in NOTEBOOKS:
        if path.stem in own:
            assert f"\n{own[path.stem]} = " in cell_source(path.stem)
            assert own[path.stem] in "".join(c.source for c in nbformat.read(path, as_version=4).cells[3:])


def test_parameters_command_rewrites_a_stale_cell(tmp_path, capsys):
    copy = tmp_path / NOTEBOOKS[0].name
    shutil.copy(NOTEBOOKS[0], copy)
    nb = nbformat.read(copy, as_version=4)
    parameters_cell(nb).source = "EPOCHS = 3  # stale"
    nbformat.write(nb, copy)
    assert parameters_main(["--check", str(copy)]) == 1
    assert parameters_main([str(copy)]) == 0
    assert parameters_main(["--check", str(copy)]) == 0
    assert copy.read_text() == NOTEBOOKS[0].read_text()  # byte for byte: reviewable diffs
    assert "1 parameters cell(s) disagree with the declaration: 01_goal.ipynb" in capsys.readouterr().out


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_setup_is_one_short_call(path):
    code = [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
    assert code[0].metadata.get("tags") == ["colab"]  # does nothing outside Colab (tests/test_launch.py)
    assert "settings = start(globals())" in code[2].source and len(code[2].source.splitlines()) <= 3


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_outputs_stripped_except_checked_cells(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    checked = [c for c in code if CHECK_MARK in c.source]
    assert checked, f"{path.name} needs a cell marked {CHECK_MARK}"
    assert all(c.outputs for c in checked), "checked cells keep their stored output (run nbclean --execute)"
    assert all(not c.outputs and c.execution_count is None for c in code if c not in checked)


def stream_text(cell: nbformat.NotebookNode) -> str:
    """What a code cell printed (stdout and stderr), as nbval compares it."""
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.output_type == "stream")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_checked_cells_reproduce_their_stored_output(path, smoke_run):
    """The marked cells print what the notebook stores, in the session's smoke chain (nbval's check, cheaper).

    `./workshop.sh test --all` also runs the notebooks themselves under nbval.
    """
    executed = {c.get("id"): c for c in nbformat.read(smoke_run / path.name, as_version=4).cells}
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type == "code" and CHECK_MARK in cell.source:
            assert cell.get("id") in executed, f"{path.name}: cell {cell.get('id')} did not run"
            ran = executed[cell.get("id")]
            assert not [o for o in ran.outputs if o.output_type == "error"], f"{path.name}: {cell.get('id')}"
            assert [o.output_type for o in cell.outputs] == ["stream"], "checked cells print text only"
            assert stream_text(ran) == stream_text(cell), (
                f"{path.name}, cell {cell.get('id')}: output differs from the stored one; if the change is "
                "meant, refresh it with `python -m workshop_lib.dev.nbclean --execute notebooks/0*.ipynb`"
            )


@pytest.mark.extended
def test_the_appendix_runs_offline_on_the_smoke_profile(tmp_path):
    """The optional appendix (GELU swap, masked-LM scores, callbacks, compare, last block only) runs top to
    bottom offline, as the lessons do."""
    import papermill

    appendix = NOTEBOOKS[0].parent / "appendix_under_the_hood.ipynb"
    out = tmp_path / appendix.name
    parameters = {"PROFILE": "smoke", "OUTPUT_DIR": str(tmp_path / "artifacts")}
    papermill.execute_notebook(str(appendix), str(out), parameters=parameters, cwd=str(appendix.parent))
    errors = [o for c in nbformat.read(out, as_version=4).cells for o in c.get("outputs", [])]
    assert not [o for o in errors if o.output_type == "error"]


def test_the_lessons_stay_within_their_word_budget():
    """Notebooks 01-06 teach their phase; how the project measured itself is in docs/performance.md.

    The budget holds what a learner reads: each notebook's Markdown and its quiz (kept in quizzes.md)."""
    markdown = sum(
        len(cell.source.split())
        for path in NOTEBOOKS
        for cell in nbformat.read(path, as_version=4).cells
        if cell.cell_type == "markdown"
    )
    quizzes = {path.name: quiz.words(key) for path in NOTEBOOKS if (key := quiz.by_notebook().get(path.name))}
    assert len(quizzes) == len(NOTEBOOKS), "every lesson has a quiz"
    words = markdown + sum(quizzes.values())
    assert words <= WORD_BUDGET, (
        f"{words} words in notebooks 01-06 (budget {WORD_BUDGET}): "
        f"{markdown} of Markdown and {sum(quizzes.values())} of quiz text"
    )


def test_parameters_cells_list_what_each_notebook_reads_with_one_short_line_each():
    import dataclasses

    from workshop_lib.dev.parameters import SHORT
    from workshop_lib.settings import NOTEBOOK_OPTIONS, Settings

    declared = {f.name for owner in (Settings, *NOTEBOOK_OPTIONS.values()) for f in dataclasses.fields(owner)}
    assert set(SHORT) == declared
    training = cell_source("05_training")  # notebook 05 trains: every shared setting changes its outputs
    assert all(f"\n{f.name.upper()} = " in training for f in dataclasses.fields(Settings))
    assert "EPOCHS" not in cell_source("02_data_exploration")  # 02 never trains
    for path in NOTEBOOKS:
        assert all(len(line) <= 110 for line in cell_source(path.stem).splitlines()), path.name


def test_profile_figures_in_the_notebooks_are_current():
    from workshop_lib.dev.figures import main as figures_main

    assert figures_main(["--check"]) == 0, "run `python -m workshop_lib.dev.figures`"
