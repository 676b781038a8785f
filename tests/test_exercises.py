"""Exercises: every check says "Right" on its solution and "Not done yet" on its notebook's stub; feedback is
plain words; solution notebooks are up to date (nbval then runs them with every check required to pass)."""

from __future__ import annotations

import nbformat
import pytest

from workshop_lib.exercises import check as framework
from workshop_lib.exercises.check import (
    NOT_DONE,
    NOT_RIGHT,
    RIGHT,
    Exercise,
    NotRightError,
    Question,
    feedback,
    registry,
)
from workshop_lib.exercises.solutions import NOTEBOOKS, exercise_cells, render, stale

LEARNER_NOTEBOOKS = sorted(NOTEBOOKS.glob("0[1-6]_*.ipynb"))
CODE = sorted(name for name, item in registry().items() if isinstance(item, Exercise))


def tagged_cells() -> list[tuple[str, str, nbformat.NotebookNode]]:
    """(notebook, exercise name, cell) for every cell tagged `exercise` in the learner notebooks."""
    found = []
    for path in LEARNER_NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        found += [(path.name, name, nb.cells[i]) for i, name in exercise_cells(nb)]
    return found


STUBS = [(nb, name, cell) for nb, name, cell in tagged_cells() if cell.cell_type == "code"]


def define(source: str, name: str):
    """Run a cell's source in a fresh namespace and return the function it defines."""
    namespace: dict = {}
    exec(compile(source, "<cell>", "exec"), namespace)
    return namespace[name]


@pytest.mark.parametrize("name", CODE)
def test_check_says_right_on_its_solution(name):
    result = feedback(name, registry()[name].solution)
    assert result.verdict == RIGHT, result.message
    assert result.message.startswith("Right: ")


@pytest.mark.parametrize("notebook,name,cell", STUBS, ids=[f"{nb}:{name}" for nb, name, _ in STUBS])
def test_check_says_not_done_on_the_notebook_stub(notebook, name, cell):
    result = feedback(name, define(cell.source, name))
    assert result.verdict == NOT_DONE, result.message
    assert result.message.startswith("Not done yet: ")


def test_every_exercise_is_in_exactly_one_notebook_cell():
    tagged = [name for _, name, _ in tagged_cells()]
    assert sorted(tagged) == sorted(set(tagged)), "an exercise is tagged in two cells"
    assert set(tagged) == set(registry()), "registered and tagged exercises differ"
    for _, name, cell in tagged_cells():
        kind = Exercise if cell.cell_type == "code" else Question
        assert isinstance(registry()[name], kind), f"{name} tags a {cell.cell_type} cell"


@pytest.mark.parametrize("path", LEARNER_NOTEBOOKS, ids=lambda p: p.stem)
def test_each_notebook_ends_with_three_to_five_exercises_of_mixed_kinds(path):
    nb = nbformat.read(path, as_version=4)
    cells = exercise_cells(nb)
    assert 3 <= len(cells) <= 5, f"{path.name} has {len(cells)} exercises"
    kinds = {nb.cells[i].cell_type for i, _ in cells}
    assert kinds == {"code", "markdown"}, "mix coding exercises with questions"
    assert all(i > len(nb.cells) // 2 for i, _ in cells), "exercises belong at the end"


def test_solution_notebooks_are_up_to_date():
    assert not stale(), "run: python -m workshop_lib.exercises.solutions"


@pytest.mark.parametrize("path", LEARNER_NOTEBOOKS, ids=lambda p: p.stem)
def test_solution_cells_pass_their_checks(path):
    nb = nbformat.read(path, as_version=4)
    solved = render(nb, path.name)
    for index, name in exercise_cells(solved):
        cell = solved.cells[index]
        if cell.cell_type == "code":
            assert feedback(name, define(cell.source, name)).verdict == RIGHT, name
        else:
            answer = solved.cells[index + 1]
            assert answer.source.startswith("**Model answer.**") and registry()[name].answer in answer.source


def test_question_answers_are_short_paragraphs():
    for name, item in registry().items():
        if isinstance(item, Question):
            assert 20 <= len(item.answer.split()) <= 200, name


def test_wrong_answer_names_the_input_the_output_and_what_was_expected():
    result = feedback("mcc_by_hand", lambda tp, tn, fp, fn: (tp * tn - fp * fn) / 2)
    assert result.verdict == NOT_RIGHT
    assert result.message == "Not right yet: input tp=7, tn=2, fp=1, fn=0 gave 7, expected 0.763763."


def test_a_wrong_part_of_a_dict_answer_is_named():
    def mask_all_ones(sequences, pad_id):
        longest = max(len(ids) for ids in sequences)
        padded = [ids + [pad_id] * (longest - len(ids)) for ids in sequences]
        return {"input_ids": padded, "attention_mask": [[1] * longest for _ in sequences]}

    message = feedback("pad_batch", mask_all_ones).message
    assert (
        "gave 'attention_mask' [[1, 1, 1, 1], [1, 1, 1, 1]], expected [[1, 1, 1, 1], [1, 1, 1, 0]]."
        in message
    )


def test_an_error_in_the_learners_code_is_reported_in_words():
    source = (
        "import math\n\ndef mcc_by_hand(tp, tn, fp, fn):\n"
        "    return (tp * tn - fp * fn) / math.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))\n"
    )
    result = feedback("mcc_by_hand", define(source, "mcc_by_hand"))
    assert result.verdict == NOT_RIGHT
    raised = "tp=7, tn=0, fp=3, fn=0 raised ZeroDivisionError: float division by zero (line 4 of your cell"
    assert raised in result.message
    assert "Hint: when a row or a column of the matrix is all 0" in result.message


def test_several_right_answers_are_accepted_and_a_wrong_kind_is_not_an_error():
    def midpoint(scores, labels):  # any threshold between the right neighbours is as good
        best = registry()["find_threshold"].solution(scores, labels)
        below = max([s for s in scores if s < best], default=best - 1)
        return (best + below) / 2

    assert feedback("find_threshold", midpoint).verdict == RIGHT
    result = feedback("find_threshold", lambda scores, labels: "a string")
    assert result.verdict == NOT_RIGHT
    assert "gave 'a string', expected a threshold with MCC 0.707" in result.message


def test_check_prints_and_never_raises_except_in_strict_mode(capsys):
    def stub(tp, tn, fp, fn):
        raise NotImplementedError

    framework.check("mcc_by_hand", stub)
    framework.check("mcc_by_hand", lambda *counts: 1 / 0)
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("Not done yet: write the body of `mcc_by_hand`")
    assert out[1].startswith("Not right yet: input tp=7") and "ZeroDivisionError" in out[1]
    framework.strict()
    try:
        with pytest.raises(NotRightError, match="Not done yet"):
            framework.check("mcc_by_hand", stub)
        framework.check("mcc_by_hand", registry()["mcc_by_hand"].solution)  # right: no error
    finally:
        framework.strict(False)


def test_answers_cannot_change_the_next_cases_inputs():
    def pad_in_place(sequences, pad_id):
        expected = registry()["pad_batch"].solution(sequences, pad_id)
        sequences.clear()
        return expected

    assert feedback("pad_batch", pad_in_place).verdict == RIGHT


def test_show_solution_reveals_only_on_request(capsys):
    framework.show_solution("pad_batch")
    framework.show_solution("why_config_pad_id")
    out = capsys.readouterr().out
    assert "def pad_batch(sequences, pad_id):" in out and "longest = max(" in out
    assert out.count("Model answer (why_config_pad_id)") == 1 and "pad_token_id" in out
    with pytest.raises(KeyError, match="No exercise called 'nope'. Known: "):
        framework.show_solution("nope")


def test_a_stale_or_clashing_solution_notebook_is_refused():
    nb = nbformat.read(LEARNER_NOTEBOOKS[2], as_version=4)
    nb.cells[-1].id = "solutions-strict"
    with pytest.raises(ValueError, match="clash"):
        render(nb, "03.ipynb")
