"""Exercises: every check says "Right" on its solution and "Not done yet" on its notebook's stub; feedback is
plain words; solution notebooks are up to date (nbval then runs them with every check required to pass)."""

from __future__ import annotations

import linecache

import nbformat
import numpy as np
import pytest
import torch

from workshop_lib.dev.solutions import NOTEBOOKS, exercise_cells, render, stale
from workshop_lib.exercises import check as framework
from workshop_lib.exercises.check import (
    NOT_DONE,
    NOT_RIGHT,
    RIGHT,
    Case,
    Exercise,
    Feedback,
    NotRightError,
    Question,
    feedback,
    registry,
    same,
)

LEARNER_NOTEBOOKS = sorted(NOTEBOOKS.glob("0[1-6]_*.ipynb"))
CODE = sorted(name for name, item in registry().items() if isinstance(item, Exercise))


def tagged_cells() -> list[tuple[str, str, nbformat.NotebookNode]]:
    """(notebook, exercise name, cell) for every cell tagged `exercise` in the lessons and appendices."""
    found = []
    for path in [*LEARNER_NOTEBOOKS, *sorted(NOTEBOOKS.glob("appendix_*.ipynb"))]:
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
    assert not stale(), "run: python -m workshop_lib.dev.solutions"


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


# The checker's own rules, on small exercises registered for the test only (the real registry is untouched).


@pytest.fixture
def toy(monkeypatch):
    """An empty registry for the test; returns `framework` to register toy exercises with."""
    monkeypatch.setattr(framework, "_REGISTRY", {})
    monkeypatch.setattr(framework, "_loaded", True)
    return framework


def first_item(xs):
    """The first element of a list."""
    return xs[0]


def halve(x, exact=True):
    """Half of x."""
    return x / 2


def test_a_registered_exercise_is_checked_against_its_cases(toy):
    shared = [3, 1, 2]  # two cases share one list: an answer that sorts it must not spoil the second
    toy.exercise("first", first_item, lambda: [Case((shared,), 3), Case((shared,), 3)], right="first found.")

    def first_after_sorting(xs):
        value = xs[0]
        xs.sort()
        return value

    assert feedback("first", first_after_sorting) == Feedback(RIGHT, "Right: first found.")
    assert feedback("first", lambda xs: xs[-1]) == Feedback(
        NOT_RIGHT, "Not right yet: input xs=[3, 1, 2] gave 2, expected 3."
    )


def test_registering_twice_is_harmless_but_two_exercises_with_one_name_are_refused(toy):
    toy.exercise("first", first_item, lambda: [], right="yes")
    toy.exercise("first", first_item, toy._REGISTRY["first"].cases, right="yes")  # the same one again
    toy.question("why", "Because.")
    with pytest.raises(ValueError, match=r"^Two exercises are called 'first'; rename one\.$"):
        toy.exercise("first", halve, lambda: [], right="yes")
    with pytest.raises(ValueError, match=r"^Two exercises are called 'why'; rename one\.$"):
        toy.question("why", "Another answer.")
    assert sorted(registry()) == ["first", "why"]


def test_the_registry_loads_every_exercise_module(monkeypatch):
    """In a fresh process the registry starts empty and imports ex01 ... ex06 itself."""
    import sys

    names = set(registry())
    modules = [m for m in sys.modules if m.startswith("workshop_lib.exercises.ex")]
    assert modules, "no exercise module imported"
    for module in modules:
        monkeypatch.delitem(sys.modules, module)
    monkeypatch.setattr(framework, "_REGISTRY", {})
    monkeypatch.setattr(framework, "_loaded", False)
    assert set(registry()) == names


def test_questions_are_answered_on_request_only(toy, capsys):
    toy.question(
        "why",
        """
        First line of the answer,
        second line.
        """,
    )
    assert feedback("why", lambda: None) == Feedback(
        NOT_RIGHT, "Not right yet: 'why' is a question; run show_solution('why') to read its answer."
    )
    toy.show_solution("why")
    assert capsys.readouterr().out == "Model answer (why):\n\nFirst line of the answer,\nsecond line.\n"
    with pytest.raises(TypeError, match=r"^'why' is a question, not a coding exercise\.$"):
        toy.solution_source("why")


def test_the_solution_is_shown_with_its_module(toy, capsys):
    toy.exercise("first", first_item, lambda: [], right="yes")
    source = toy.solution_source("first")
    assert source.startswith("def first_item(xs):\n") and source.endswith("return xs[0]\n")
    toy.show_solution("first")
    assert capsys.readouterr().out == f"Solution of `first` (from {__name__}):\n\n{source}\n"


def test_an_unknown_name_lists_the_known_ones(toy):
    toy.question("b_question", "B.")
    toy.question("a_question", "A.")
    with pytest.raises(KeyError, match=r"No exercise called 'nope'\. Known: a_question, b_question\."):
        feedback("nope", first_item)


def test_passing_something_that_is_not_a_function(toy):
    toy.exercise("first", first_item, lambda: [Case(([1],), 1)], right="yes")
    assert feedback("first", 0.5) == Feedback(
        NOT_RIGHT, "Not right yet: pass the function itself, `first`, not 0.5."
    )


def test_a_wrong_value_gets_the_cases_hint(toy):
    cases = [Case((4,), 2.0), Case((3,), 1.5, hint="an odd number has a half too.")]
    toy.exercise("halve", halve, lambda: cases, right="yes")
    assert feedback("halve", lambda x: x // 2).message == (
        "Not right yet: input x=3 gave 1, expected 1.5. Hint: an odd number has a half too."
    )


def test_arguments_the_answer_leaves_to_their_defaults(toy):
    toy.exercise("halve", halve, lambda: [Case((4,), 2), Case((5, False), 2.5)], right="halved.")
    assert feedback("halve", lambda x, exact=True: x / 2).verdict == RIGHT
    assert feedback("halve", lambda x, exact=True: x).message == (
        "Not right yet: input x=4 gave 4, expected 2."
    )


@pytest.mark.parametrize(
    ("got", "expected", "equal"),
    [
        (1, 1.0 + 1e-9, True),  # an int answer for a float: compared as numbers
        (2.0, 2, True),
        (1000.0005, 1000.0, True),  # relative 1e-6
        (1000.002, 1000.0, False),
        (1e-10, 0.0, True),  # absolute 1e-9 around 0
        (1e-8, 0.0, False),
        (0.5, 0.0, False),
        ("2", 2.0, False),
        (None, 0.0, False),
        ([1, 2], [1, 2, 3], False),
        ((1, 2.0), [1, 2], True),
        ({"a": 1}, {"a": 1, "b": 2}, False),
        (np.array([0.5, 1.0]), [0.5, 1], True),  # arrays and tensors as lists
        (torch.tensor([[1, 0]]), [[1, 0]], True),
        (np.float64(0.25), 0.25, True),
        (np.array([1, 2]), [1, 3], False),
        ("ab", ["a", "b"], False),  # a string is not a list of characters
    ],
)
def test_same_compares_values_as_a_learner_means_them(got, expected, equal):
    assert same(got, expected) is equal


def test_wrong_answers_are_shown_as_plain_values(toy):
    expected = {"mean": 1 / 3, "items": [1, 2]}
    toy.exercise("stats", first_item, lambda: [Case(([0],), expected)], right="yes")
    assert feedback("stats", lambda xs: {"mean": 1 / 3}).message == (
        "Not right yet: input xs=[0] gave {'mean': 0.333333}, expected {'mean': 0.333333, 'items': [1, 2]}."
    )
    assert feedback("stats", lambda xs: [1 / 3]).message == (
        "Not right yet: input xs=[0] gave [0.333333], expected {'mean': 0.333333, 'items': [1, 2]}."
    )
    assert feedback("stats", lambda xs: np.array([1.5, 2.0])).message == (
        "Not right yet: input xs=[0] gave [1.5, 2], expected {'mean': 0.333333, 'items': [1, 2]}."
    )
    assert feedback("stats", lambda xs: {"mean": 0.5, "items": [1, 2]}).message == (
        "Not right yet: input xs=[0] gave 'mean' 0.5, expected 0.333333."
    )


def test_long_values_are_cut_to_200_characters_and_inputs_to_80(toy):
    toy.exercise("first", first_item, lambda: [Case((list(range(40)),), 0)], right="yes")
    exact = "x" * 198  # its repr is exactly 200 characters: shown whole
    message = feedback("first", lambda xs: exact).message
    assert message == f"Not right yet: input xs={repr(list(range(40)))[:77]}... gave {exact!r}, expected 0."
    longer = "x" * 199
    message = feedback("first", lambda xs: longer).message
    assert f" gave {repr(longer)[:197]}..., expected 0." in message


def test_errors_outside_a_cell_name_no_line(toy):
    toy.exercise("halve", halve, lambda: [Case((4,), 2)], right="yes")
    assert feedback("halve", lambda x: x / 0).message == (
        "Not right yet: input x=4 raised ZeroDivisionError: division by zero."
    )


def test_errors_in_a_cell_name_its_line_and_code():
    source = (
        "import math\n\ndef mcc_by_hand(tp, tn, fp, fn):\n"
        "    return (tp * tn - fp * fn) / math.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))\n"
    )
    result = feedback("mcc_by_hand", define(source, "mcc_by_hand"))  # "<cell>": no source to quote
    assert result.message.startswith(
        "Not right yet: input tp=7, tn=0, fp=3, fn=0 raised ZeroDivisionError: float division by zero "
        "(line 4 of your cell). Hint: "
    )
    # Jupyter's kernel compiles a cell as /tmp/ipykernel_<pid>/<hash>.py and keeps its source in linecache
    cell = "/tmp/ipykernel_4242/2186245837.py"
    linecache.cache[cell] = (len(source), None, source.splitlines(True), cell)
    try:
        namespace: dict = {}
        exec(compile(source, cell, "exec"), namespace)
        message = feedback("mcc_by_hand", namespace["mcc_by_hand"]).message
    finally:
        del linecache.cache[cell]
    assert (
        "raised ZeroDivisionError: float division by zero (line 4 of your cell: `return (tp * tn - fp * fn)"
        in (message)
    )
