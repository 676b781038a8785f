"""Quizzes: right, wrong and unanswered verdicts, feedback per wrong choice, a cell per notebook, short."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from workshop_lib.commands.progress import quiz_results
from workshop_lib.dev import quizcells
from workshop_lib.exercises import check, quiz
from workshop_lib.exercises.check import NOT_DONE, NOT_RIGHT, RIGHT

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
WORDS_PER_QUIZ = 200  # two minutes of class: the questions, choices and feedback together


@pytest.mark.parametrize("key", quiz.QUIZZES)
def test_each_quiz_is_well_formed_and_short(key):
    questions = quiz.questions(key)
    assert 3 <= len(questions) <= 5
    for item in questions:
        assert item.right in item.choices and len(item.choices) >= 3
        assert set(item.why) == set(item.choices) - {item.right}, "one sentence per wrong choice"
        assert all(why.endswith(".") and why.count(". ") == 0 for why in item.why.values()), item.text
    words = quiz.words(key)
    assert words <= WORDS_PER_QUIZ, f"quiz {key}: {words} words"


@pytest.mark.parametrize("key", quiz.QUIZZES)
def test_each_notebook_has_its_quiz_cell_just_before_key_points(key):
    cells = nbformat.read(NOTEBOOKS / quiz.QUIZZES[key][0], as_version=4).cells
    tagged = [i for i, c in enumerate(cells) if quiz.TAG in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and cells[tagged[0]].metadata[quiz.TAG] == key
    after = cells[tagged[0] + 1]
    assert after.cell_type == "markdown" and after.source.startswith("## Key points")
    unanswered = dict.fromkeys(range(1, len(quiz.questions(key)) + 1), "")
    assert quiz.answers_in(cells[tagged[0]].source, key) == unanswered


def test_the_placing_tool_has_nothing_left_to_do():
    with pytest.raises(SystemExit) as stop:
        quizcells.main(["--check"])
    assert stop.value.code == 0


def test_right_wrong_and_unanswered(capsys):
    first, second = quiz.questions("03")[:2]
    wrong = sorted(second.why)[0]
    verdicts = quiz.verdicts("03", {1: first.right.upper(), 2: wrong})
    assert verdicts[1] == (RIGHT, "Right.")
    assert verdicts[2] == (NOT_RIGHT, f"Not right yet: {second.why[wrong]}")
    assert verdicts[3] == (NOT_DONE, "Not answered yet.")
    assert quiz.verdicts("03", {1: "z"})[1][0] == NOT_RIGHT  # a letter that is no choice
    quiz.quiz("03", {1: first.right, 2: wrong})
    out = capsys.readouterr().out
    assert "-> Right." in out and second.why[wrong] in out and out.rstrip().endswith("1 of 3 right.")


def test_strict_mode_raises_unless_all_right():
    check.strict()
    try:
        quiz.quiz("02", quiz.right_answers("02"))
        with pytest.raises(check.NotRightError):
            quiz.quiz("02", {})
    finally:
        check.strict(False)


def test_answers_are_read_without_running_the_cell():
    source = quiz.cell_source("01", {1: "b"}) + "\nimport os; os.remove('nothing')"
    assert quiz.answers_in(source, "01") == {1: "b", 2: "", 3: ""}
    assert quiz.answers_in("quiz('01', answers)", "01") is None  # not a literal: unanswered
    assert quiz.answers_in("quiz(", "01") is None


def test_progress_reads_a_learner_notebook_and_an_older_one(tmp_path):
    source = NOTEBOOKS / quiz.QUIZZES["05"][0]
    nb = nbformat.read(source, as_version=4)
    cell = next(c for c in nb.cells if quiz.TAG in c.metadata.get("tags", []))
    cell.source = quiz.cell_source("05", {1: quiz.questions("05")[0].right, 2: "c"})
    nbformat.write(nb, tmp_path / source.name)
    results = quiz_results(tmp_path / source.name)
    assert [v for v, _ in results.values()] == [RIGHT, NOT_RIGHT, NOT_DONE]
    nb.cells.remove(cell)  # a learner folder made before the quizzes existed
    nbformat.write(nb, tmp_path / source.name)
    assert {v for v, _ in quiz_results(tmp_path / source.name).values()} == {NOT_DONE}
    (tmp_path / source.name).unlink()
    assert {v for v, _ in quiz_results(tmp_path / source.name).values()} == {NOT_DONE}
