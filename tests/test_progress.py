"""`workshop progress` on four learner folders made by `workshop init`: right, wrong, untouched, endless."""

from __future__ import annotations

import csv
import time
from pathlib import Path

import nbformat
import pytest

from workshop_lib.commands.main import main
from workshop_lib.commands.progress import coding_exercises, quiz_columns
from workshop_lib.dev.solutions import replace_function
from workshop_lib.exercises import quiz
from workshop_lib.exercises.check import Exercise, registry, solution_source

EXERCISES = [name for names in coding_exercises().values() for name in names]
QUIZ = [name for names in quiz_columns().values() for name in names]
COUNTS = ["quiz answered", "quiz right"]
WRONG = "def {name}(*args):\n    return None\n"
LOOP = "def {name}(*args):\n    while True:\n        pass\n"
LIMIT = 8  # seconds per learner notebook (the endless loop costs this once)


def answer_quizzes(folder: Path, wrong: bool = False, remove: bool = False) -> None:
    """Every quiz answered right (or with a wrong letter), or its cells removed (an older folder)."""
    for path in sorted(folder.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        cells = [c for c in nb.cells if quiz.TAG in c.metadata.get("tags", [])]
        for cell in cells:
            key = cell.metadata[quiz.TAG]
            questions = enumerate(quiz.questions(key), 1)
            letters = {n: sorted(q.why)[0] if wrong else q.right for n, q in questions}
            cell.source = quiz.cell_source(key, letters)
        nb.cells = [c for c in nb.cells if not (remove and c in cells)]
        nbformat.write(nb, path)


def answer(folder: Path, answers: dict[str, str]) -> None:
    """Replace the `def` of each named exercise in the folder's notebooks, as a learner types it."""
    for path in sorted(folder.glob("*.ipynb")):  # the lessons and the appendices
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            name = cell.metadata.get("exercise")
            if cell.cell_type == "code" and name in answers:
                cell.source = replace_function(cell.source, name, answers[name])
        nbformat.write(nb, path)


@pytest.fixture(scope="module")
def room(tmp_path_factory) -> Path:
    """A room of four learners, each folder made by `workshop init`."""
    room = tmp_path_factory.mktemp("room")
    for learner in ("ada", "bob", "cy", "dee"):
        assert main(["init", str(room / learner)]) == 0
    answer(room / "ada", {name: solution_source(name) for name in EXERCISES})
    answer(room / "bob", {name: WRONG.format(name=name) for name in EXERCISES})
    answer(room / "dee", {"confusion_counts": LOOP.format(name="confusion_counts")})
    answer_quizzes(room / "ada")
    answer_quizzes(room / "bob", wrong=True)
    answer_quizzes(room / "dee", remove=True)  # a folder from before the quizzes
    return room


def test_progress_table_of_right_wrong_untouched_and_endless(room, tmp_path, capsys):
    folders = [str(room / learner) for learner in ("ada", "bob", "cy", "dee")]
    started = time.monotonic()
    code = main(["progress", *folders, "--time-limit", str(LIMIT), "--markdown", str(tmp_path / "p.md"),
                 "--csv", str(tmp_path / "p.csv")])  # fmt: skip
    took = time.monotonic() - started
    assert code == 0
    assert took < 6 * LIMIT, f"one endless loop must cost one time limit, not the table ({took:.0f} s)"
    out = capsys.readouterr().out
    with open(tmp_path / "p.csv", newline="") as f:
        table = list(csv.reader(f))
    coding = [name for name, found in registry().items() if isinstance(found, Exercise)]
    assert table[0] == ["learner", *EXERCISES, *QUIZ, *COUNTS] and sorted(EXERCISES) == sorted(coding)
    assert len(QUIZ) == sum(len(quiz.questions(key)) for key in quiz.QUIZZES) > 0  # every notebook's quiz
    every = {row[0]: dict(zip([*EXERCISES, *QUIZ, *COUNTS], row[1:], strict=True)) for row in table[1:]}
    rows = {learner: {name: row[name] for name in EXERCISES} for learner, row in every.items()}
    for learner, verdict, right in [("ada", "right", len(QUIZ)), ("bob", "not right yet", 0)]:
        assert {every[learner][q] for q in QUIZ} == {verdict}
        assert [every[learner][c] for c in COUNTS] == [str(len(QUIZ)), str(right)]
    for learner in ("cy", "dee"):  # not answered; no quiz cell at all
        assert {every[learner][q] for q in QUIZ} == {"not done"}
        assert [every[learner][c] for c in COUNTS] == ["0", "0"]
    assert [every[f"total {v}"][QUIZ[0]] for v in ("right", "not right yet", "not done")] == ["1", "1", "2"]
    assert set(rows["ada"].values()) == {"right"}, rows["ada"]
    assert set(rows["bob"].values()) == {"not right yet"}, rows["bob"]
    assert set(rows["cy"].values()) == {"not done"}, rows["cy"]
    endless = rows["dee"]
    assert endless.pop("confusion_counts") == "not right yet"
    assert set(endless.values()) == {"not done"}, "the exercises after the loop are still judged"
    for name in EXERCISES:
        loop = 1 if name == "confusion_counts" else 0
        totals = [rows[f"total {verdict}"][name] for verdict in ("right", "not right yet", "not done")]
        assert totals == ["1", str(1 + loop), str(2 - loop)], name
    markdown = (tmp_path / "p.md").read_text()
    assert markdown.startswith("| learner | " + " | ".join(EXERCISES) + " |")
    not_done = ["1" if name == "confusion_counts" else "2" for name in EXERCISES]
    assert "| total not done | " + " | ".join(not_done) + " |" in markdown
    assert "- dee · confusion_counts: not finished within the time limit (8 s): an endless loop?" in markdown
    assert (
        "- bob · mcc_by_hand: Not right yet: input tp=7, tn=2, fp=1, fn=0 gave None, expected 0.763763."
        in markdown
    )
    assert "- ada ·" not in markdown and "- cy ·" not in markdown
    assert out.splitlines()[0].split()[: 1 + len(EXERCISES)] == ["learner", *EXERCISES]
    first = quiz.questions("01")[0]
    assert f"- bob · quiz 01.1: Not right yet: {first.why[sorted(first.why)[0]]}" in markdown
    assert "quiz cell is missing" not in markdown  # not done is not listed; its reason is in the verdict


def test_an_edited_check_cell_and_a_broken_cell(room, tmp_path, capsys):
    learner = tmp_path / "eve"
    assert main(["init", str(learner)]) == 0
    answer(
        learner,
        {
            "mcc_by_hand": "def mcc_by_hand(tp, tn, fp, fn)\n    return 0\n",  # a syntax error
            "confusion_counts": "def confusion_counts(labels, predictions):\n    raise SystemExit\n",
        },
    )
    path = learner / "04_training_setup_and_metric.ipynb"
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.source.startswith('check("learning_rate_at"'):
            cell.source = "print('checked it myself')"
    nbformat.write(nb, path)
    (learner / "06_usage_and_deployment.ipynb").unlink()
    capsys.readouterr()
    assert main(["progress", str(learner), "--time-limit", str(LIMIT), "--csv", str(tmp_path / "e.csv")]) == 0
    with open(tmp_path / "e.csv", newline="") as f:
        row = dict(zip(["learner", *EXERCISES, *QUIZ, *COUNTS], list(csv.reader(f))[1], strict=True))
    assert row["mcc_by_hand"] == row["confusion_counts"] == "not right yet"
    assert row["learning_rate_at"] == "not done", "judged directly when the check cell was changed"
    assert row["to_verdicts"] == row["acceptable_probability"] == "not done", "a deleted notebook"


@pytest.mark.parametrize(
    ("args", "status", "line"),
    [
        (["/no/such/learner"], 1, "workshop progress: error: No learner folder /no/such/learner"),
        (["{tmp}"], 1, "workshop progress: error: {tmp} holds none of the workshop's notebooks"),
        (["{tmp}", "--time-limit", "0"], 2, "workshop progress: error: argument --time-limit: expected"),
        ([], 2, "workshop progress: error: the following arguments are required: FOLDER"),
    ],
)
def test_a_mistake_is_one_line(args, status, line, tmp_path, capsys):
    try:
        code = main(["progress", *(a.format(tmp=tmp_path) for a in args)])
    except SystemExit as stop:
        code = stop.code
    err = capsys.readouterr().err
    assert code == status and err.startswith(line.format(tmp=tmp_path)), err
    assert len(err.strip().splitlines()) == 1
