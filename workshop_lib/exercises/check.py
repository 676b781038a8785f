"""Self-checking exercises: plain-words feedback in the notebook, solutions revealed only on request.

In a notebook
-------------
A *coding* exercise is two cells. The learner edits the **stub cell**, a function whose body raises
`NotImplementedError` (tags ["exercise"], metadata "exercise": its name); the **check cell** below it,
`check("mcc_by_hand", mcc_by_hand)`, runs it on a few inputs and prints one line: "Right: ...", "Not done
yet: ..." (stub untouched) or "Not right yet: ..." (which input gave which output, what was expected, or which
error it raised). `check` never raises, so the rest of the notebook still runs. `show_solution(name)` prints
the solution on request. A *question* (explain why; predict, then run) is a Markdown cell tagged the same way.

Adding an exercise
------------------
1. In `exNN.py` (NN = the notebook's number) write the solution as a function named like the exercise, with
   the stub's signature, and register it with `exercise(name, solution, cases, right=...)`: `cases` returns
   `Case`s (inputs with the expected output, or an `accept` test plus the words `want` when several answers
   are right). Write the expected values out (or compute them with another library): a solution checked
   against itself cannot rot visibly. `forbidden` names the workshop's functions that already do the job.
   For a question, register `question(name, answer)`.
2. In the notebook, add the stub cell (tags `["exercise"]`, metadata `"exercise": name`; imports go above
   the `def`) and the check cell; for a question, the tagged Markdown cell and a `show_solution(name)` cell.
3. Run `python -m workshop_lib.dev.solutions`: it writes `notebooks/solutions/NN_*.ipynb` (each stub's `def`
   replaced by the solution, each question followed by its model answer, every check strict). The tests
   check each solution and stub, the solution notebooks, and a corpus of likely answers per exercise.
"""

from __future__ import annotations

import copy
import importlib
import inspect
import math
import pkgutil
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

RIGHT, NOT_DONE, NOT_RIGHT = "right", "not done", "not right"
_strict = False


@dataclass(frozen=True)
class Case:
    """One input of a check: arguments, and the expected output (or a test of the output)."""

    args: tuple = ()
    expected: Any = None
    accept: Callable[[Any], bool] | None = None  # replaces `expected` when several answers are right
    want: str = ""  # what `accept` wants, in words ("a threshold with the best MCC, 0.667")
    hint: str = ""  # added to the feedback when this case fails
    shown: Callable[[Any], str] | None = None  # the output in words, where its repr would be long or cut off


@dataclass(frozen=True)
class Exercise:
    """A coding exercise: its solution, the cases that check an answer, and what "right" means."""

    name: str
    solution: Callable
    cases: Callable[[], list[Case]]
    right: str
    forbidden: tuple[str, ...] = ()  # the library functions the exercise asks the learner to write


@dataclass(frozen=True)
class Question:
    """An explain-why or predict-then-run question and its short model answer."""

    name: str
    source: str | Callable[[], str]  # a function: an answer whose numbers are computed when it is read

    @property
    def answer(self) -> str:
        """The model answer as the learner reads it."""
        return inspect.cleandoc(self.source() if callable(self.source) else self.source)


@dataclass(frozen=True)
class Feedback:
    """The verdict on an answer and the sentence that explains it."""

    verdict: str
    message: str


class NotRightError(AssertionError):
    """Raised by `check` in strict mode (solution notebooks) when an answer is not right."""


_REGISTRY: dict[str, Exercise | Question] = {}
_loaded = False


def exercise(name: str, solution: Callable, cases: Callable[[], list[Case]], right: str,
             forbidden: tuple[str, ...] = ()) -> None:
    """Register a coding exercise (called at import time by the exNN modules); see "Adding an exercise"."""
    _register(Exercise(name, solution, cases, right, forbidden))


def question(name: str, answer: str | Callable[[], str]) -> None:
    """Register a question with its model answer (or a function that writes it from the profiles)."""
    _register(Question(name, answer))


def _register(item: Exercise | Question) -> None:
    """Add an exercise; names are unique across all notebooks."""
    if item.name in _REGISTRY and _REGISTRY[item.name] != item:
        raise ValueError(f"Two exercises are called {item.name!r}; rename one.")
    _REGISTRY[item.name] = item


def registry() -> dict[str, Exercise | Question]:
    """Every exercise of every exNN module, by name."""
    global _loaded
    if not _loaded:
        for module in pkgutil.iter_modules(importlib.import_module(__package__).__path__):
            if module.name.startswith("ex"):
                importlib.import_module(f"{__package__}.{module.name}")
        _loaded = True
    return _REGISTRY


def find(name: str) -> Exercise | Question:
    """The exercise called `name`, or a KeyError listing the known names."""
    items = registry()
    if name not in items:
        raise KeyError(f"No exercise called {name!r}. Known: {', '.join(sorted(items))}.")
    return items[name]


def strict(on: bool = True) -> None:
    """Make `check` raise unless the answer is right (the solution notebooks' first cell calls this)."""
    global _strict
    _strict = on


def check(name: str, answer: Callable) -> None:
    """Run the learner's `answer` for exercise `name` and print plain-words feedback.

    Whatever the answer does, this only prints; it raises only for an unknown `name`, and in strict mode.
    """
    result = feedback(name, answer)
    print(result.message)
    if _strict and result.verdict != RIGHT:
        raise NotRightError(result.message)


def feedback(name: str, answer: Callable) -> Feedback:
    """Judge `answer` on every case of exercise `name`; the first failing case explains the verdict."""
    item = find(name)
    if not isinstance(item, Exercise):
        message = f"Not right yet: {name!r} is a question; run show_solution({name!r}) to read its answer."
        return Feedback(NOT_RIGHT, message)
    if not callable(answer):
        return Feedback(NOT_RIGHT, f"Not right yet: pass the function itself, `{name}`, not {answer!r}.")
    if called := sorted(set(item.forbidden) & _names_used(answer)):
        message = f"Not right yet: `{called[0]}` already does what `{name}` should; write the steps yourself."
        return Feedback(NOT_RIGHT, message)
    for case in item.cases():
        call = _describe_call(item.solution, case.args)
        try:
            got = answer(*copy.deepcopy(case.args))  # an answer that changes its input spoils no case
        except NotImplementedError:
            message = f"Not done yet: write the body of `{name}` in the cell above, run it, then this cell."
            return Feedback(NOT_DONE, message)
        except Exception as err:  # the learner's code failed: say where, in words
            message = f"Not right yet: input {call} raised {_error(err)}."
            return Feedback(NOT_RIGHT, _join(message, case.hint))
        if case.accept is not None:
            ok, wanted = bool(_safely(case.accept, got, False)), case.want
        else:
            ok, wanted = same(got, case.expected), _short(case.expected)
        if not ok:
            gave = _safely(case.shown, got, _short(got)) if case.shown else _short(got)
            key = _first_different_key(got, case.expected) if case.accept is None else None
            if key is not None:
                gave, wanted = f"{key!r} {_short(got[key])}", _short(case.expected[key])
            message = f"Not right yet: input {call} gave {gave}, expected {wanted}."
            return Feedback(NOT_RIGHT, _join(message, case.hint))
    return Feedback(RIGHT, f"Right: {item.right}")


def show_solution(name: str) -> None:
    """Print the solution of a coding exercise, or the model answer of a question."""
    item = find(name)
    if isinstance(item, Question):
        print(f"Model answer ({name}):\n\n{item.answer}")
    else:
        module = inspect.getmodule(item.solution).__name__
        print(f"Solution of `{name}` (from {module}):\n\n{solution_source(name)}")


def solution_source(name: str) -> str:
    """The source code of an exercise's solution function."""
    item = find(name)
    if not isinstance(item, Exercise):
        raise TypeError(f"{name!r} is a question, not a coding exercise.")
    return inspect.getsource(item.solution).rstrip() + "\n"


def same(got: Any, expected: Any) -> bool:
    """Equal after turning tensors and arrays into lists; floats within a relative 1e-6."""
    got, expected = _plain(got), _plain(expected)
    if isinstance(expected, float) or isinstance(got, float):
        return (
            isinstance(got, (int, float))
            and isinstance(expected, (int, float))
            and math.isclose(got, expected, rel_tol=1e-6, abs_tol=1e-9)
        )
    if isinstance(expected, list):
        return (
            isinstance(got, list)
            and len(got) == len(expected)
            and all(same(g, e) for g, e in zip(got, expected, strict=True))
        )
    if isinstance(expected, dict):
        return (
            isinstance(got, dict)
            and got.keys() == expected.keys()
            and all(same(got[k], expected[k]) for k in expected)
        )
    return got == expected


def _names_used(function: Callable) -> set[str]:
    """The global and attribute names a function's code uses, nested functions included."""
    codes, names = [getattr(function, "__code__", None)], set()
    while codes:
        if (code := codes.pop()) is not None:
            names.update(code.co_names)
            codes.extend(c for c in code.co_consts if inspect.iscode(c))
    return names


def _first_different_key(got: Any, expected: Any) -> Any:
    """For two dicts with the same keys, the first key whose values differ; else None."""
    if isinstance(got, dict) and isinstance(expected, dict) and got.keys() == expected.keys():
        return next((k for k in expected if not same(got[k], expected[k])), None)
    return None


def _plain(value: Any) -> Any:
    """Tensors, arrays, tuples and numpy scalars as plain Python lists and numbers."""
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        return _plain(value.tolist())
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _safely(function: Callable[[Any], Any], got: Any, fallback: Any) -> Any:
    """A case's test or words applied to an answer; `fallback` where an answer of the wrong kind breaks it."""
    try:
        return function(got)
    except Exception:
        return fallback


def _describe_call(solution: Callable, args: tuple) -> str:
    """`a=1, b=[2, 3]`, with the solution's parameter names."""
    names = list(inspect.signature(solution).parameters)
    return ", ".join(f"{n}={_short(a, 80)}" for n, a in zip(names, args, strict=False))


def _error(err: Exception) -> str:
    """`ZeroDivisionError: division by zero (line 4 of your cell)`."""
    where = ""
    for frame in reversed(traceback.extract_tb(err.__traceback__)):
        if frame.filename.startswith("<") or "ipykernel" in frame.filename:  # notebook cells
            code = f": `{frame.line.strip()}`" if frame.line and frame.line.strip() else ""
            where = f" (line {frame.lineno} of your cell{code})"
            break
    return f"{type(err).__name__}: {err}{where}"


def _short(value: Any, limit: int = 200) -> str:
    """A readable repr: tensors and arrays as lists, floats to 6 significant digits, cut to `limit`."""
    text = _show(_plain(value))
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _show(value: Any) -> str:
    """repr, with floats written to 6 significant digits."""
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {_show(v)}" for k, v in value.items()) + "}"
    return repr(value)


def _join(message: str, hint: str) -> str:
    """Add a hint to a message when there is one."""
    return f"{message} Hint: {hint}" if hint else message
