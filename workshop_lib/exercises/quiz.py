"""Self-check quizzes: a few multiple-choice questions at the end of each notebook, on its key points.

The questions live in quizzes.md beside this module, as a teacher edits them. A notebook's quiz is one code
cell (tags ["quiz"], metadata "quiz": its key) calling `quiz(key, answers)` with a literal dict
{question number: letter}; "" is not answered yet. The cell prints each question, its
choices and a verdict (one sentence of feedback per wrong choice). `workshop progress` reads the dict
from the cell's text (never runs it) and counts answered and right per learner and per question.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from . import check
from .check import NOT_DONE, NOT_RIGHT, RIGHT

TAG = "quiz"


@dataclass(frozen=True)
class Question:
    """One multiple-choice question: the choices by letter, the right letter, a sentence per wrong one."""

    text: str
    choices: dict[str, str]
    right: str
    why: dict[str, str]  # for each wrong letter: why it is wrong


SOURCE = Path(__file__).with_name("quizzes.md")  # the questions, as a teacher edits them
SECTION = re.compile(r"^## (\w+): (\S+)$", re.M)
QUESTION = re.compile(r"^\d+\. (.+)$")
CHOICE = re.compile(r"^ +([a-z])\) (.+?)(?: \(right\)| -- (.+))$")


def parse(text: str) -> dict[str, tuple[str, list[Question]]]:
    """quizzes.md's quizzes: {key: (notebook file, questions)}."""
    found: dict[str, tuple[str, list[Question]]] = {}
    parts = SECTION.split(text)[1:]
    for key, notebook, body in zip(parts[::3], parts[1::3], parts[2::3], strict=True):
        items = []
        for block in body.strip().split("\n\n"):
            first, *rest = block.splitlines()
            choices, right, why = {}, "", {}
            for line in rest:
                letter, choice, wrong = CHOICE.fullmatch(line).groups()
                choices[letter] = choice
                if wrong:
                    why[letter] = wrong
                else:
                    right = letter
            items.append(Question(QUESTION.fullmatch(first).group(1), choices, right, why))
        found[key] = (notebook, items)
    return found


QUIZZES = parse(SOURCE.read_text(encoding="utf-8"))  # key: (notebook file, questions)


def questions(key: str) -> list[Question]:
    """The questions of quiz `key`."""
    return QUIZZES[key][1]


def words(key: str) -> int:
    """Words of quiz `key` as a learner reads them: each question, its choices and its feedback."""
    return sum(len(" ".join([q.text, *q.choices.values(), *q.why.values()]).split()) for q in questions(key))


def cell_source(key: str, answers: dict[int, str] | None = None) -> str:
    """The quiz cell of notebook `key`, with `answers` (default: none given)."""
    given = answers or {}
    slots = ", ".join(f'{n}: "{given.get(n, "")}"' for n in range(1, len(questions(key)) + 1))
    return (
        f'# Quiz: write the letter you choose between the quotes, then run this cell.\n'
        f"from workshop_lib.exercises.quiz import quiz\n\n"
        f'quiz("{key}", {{{slots}}})'
    )


def right_answers(key: str) -> dict[int, str]:
    """Every question's right letter."""
    return {n: q.right for n, q in enumerate(questions(key), start=1)}


def verdicts(key: str, answers: dict) -> dict[int, tuple[str, str]]:
    """{question number: (verdict, feedback)} for the given answers."""
    out = {}
    for number, item in enumerate(questions(key), start=1):
        letter = str(answers.get(number, "")).strip().lower()
        if not letter:
            out[number] = (NOT_DONE, "Not answered yet.")
        elif letter == item.right:
            out[number] = (RIGHT, "Right.")
        elif letter in item.why:
            out[number] = (NOT_RIGHT, f"Not right yet: {item.why[letter]}")
        else:
            out[number] = (NOT_RIGHT, f"Not right yet: choose one of {', '.join(item.choices)}.")
    return out


def quiz(key: str, answers: dict) -> None:
    """Print each question with its choices and the verdict on the given answer."""
    judged = verdicts(key, answers)
    for number, item in enumerate(questions(key), start=1):
        print(f"{number}. {item.text}")
        print("   " + "   ".join(f"{letter}) {text}" for letter, text in item.choices.items()))
        print(f"   -> {judged[number][1]}")
    right = sum(v == RIGHT for v, _ in judged.values())
    print(f"{right} of {len(judged)} right.")
    if check._strict and right < len(judged):
        raise check.NotRightError(f"quiz {key}: {right} of {len(judged)} right")


def answers_in(source: str, key: str) -> dict | None:
    """The answers dict of a quiz cell's `quiz(key, {...})` call, read without running it; None if absent."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "quiz" and len(node.args) == 2:
            try:
                if ast.literal_eval(node.args[0]) == key:
                    found = ast.literal_eval(node.args[1])
                    return found if isinstance(found, dict) else None
            except ValueError:
                return None
    return None


def by_notebook() -> dict[str, str]:
    """{notebook file name: quiz key}."""
    return {notebook: key for key, (notebook, _) in QUIZZES.items()}
