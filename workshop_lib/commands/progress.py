"""`workshop progress FOLDER...`: who is stuck? Every learner's coding exercises checked, as one table.

For each learner folder (made by `workshop init`) and each of its notebooks, a child process runs only the
exercise cells (the stub cells, tagged `exercise`, and the check cell below each) with a time limit, so
one learner's endless loop costs the table that notebook's time limit, nothing more. The stubs need no
setup cells: each one imports what it uses, and each check builds its own inputs (notebook 06's even its
own tiny classifier), so no trained model is needed. Questions (Markdown) are not checked. Each quiz
question is a column too, read from the quiz cell's text without running it (workshop_lib/quiz.py); each
learner's row ends with how many quiz questions they answered and got right.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import multiprocessing
import os
import sys
import tempfile
import time
from pathlib import Path

from ..exercises import quiz
from ..exercises.check import NOT_DONE, NOT_RIGHT, RIGHT, feedback, registry
from ..paths import appendix_sources, notebook_sources
from ..records import atomic_write_text, markdown_table

WORDS = {RIGHT: "right", NOT_RIGHT: "not right yet", NOT_DONE: "not done"}
TAG = "exercise"


class LearnerFolderError(ValueError):
    """A folder given to `workshop progress` holds none of the workshop's notebooks."""


def positive_seconds(text: str) -> float:
    """A time limit from the command line: seconds above 0."""
    try:
        seconds = float(text)
    except ValueError:
        seconds = 0.0
    if not seconds > 0:
        raise argparse.ArgumentTypeError(f"expected seconds above 0, got {text!r}")
    return seconds


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of `workshop progress`."""
    parser.add_argument(
        "folders", nargs="+", type=Path, metavar="FOLDER", help="learner folders (workshop init)"
    )
    parser.add_argument(
        "--time-limit",
        type=positive_seconds,
        default=60.0,
        metavar="SECONDS",
        help="per learner notebook; an answer still running then is 'not right yet' (default: 60)",
    )
    parser.add_argument("--markdown", type=Path, metavar="FILE", help="also write the table as Markdown")
    parser.add_argument("--csv", type=Path, metavar="FILE", help="also write the table as CSV")


def coding_exercises() -> dict[str, list[str]]:
    """The coding exercises of each shipped lesson and appendix, in order: {notebook file name: [names]}."""
    return {path.name: list(exercise_cells(path)) for path in [*notebook_sources(), *appendix_sources()]}


def quiz_columns() -> dict[str, list[str]]:
    """Each shipped notebook's quiz questions as columns: {notebook file name: ["quiz 01.1", ...]}."""
    keys, shipped = quiz.by_notebook(), {p.name for p in [*notebook_sources(), *appendix_sources()]}
    return {
        name: [f"quiz {key}.{n}" for n in range(1, len(quiz.questions(key)) + 1)]
        for name, key in keys.items()
        if name in shipped
    }


def quiz_results(path: Path) -> dict[str, tuple[str, str]]:
    """{column: (verdict, feedback)} of a learner notebook's quiz; not done where the cell is missing."""
    import nbformat

    key = quiz.by_notebook()[path.name]
    try:
        cells = nbformat.read(path, as_version=4).cells
    except Exception:  # missing or unreadable: as for the exercises
        cells = []
    sources = [c.source for c in cells if c.cell_type == "code" and quiz.TAG in c.metadata.get("tags", [])]
    answers = next((found for s in sources if (found := quiz.answers_in(s, key)) is not None), None)
    if answers is None:
        missing = "the quiz cell is missing (a notebook from before the quizzes?)"
        return {f"quiz {key}.{n}": (NOT_DONE, missing) for n in range(1, len(quiz.questions(key)) + 1)}
    return {f"quiz {key}.{n}": verdict for n, verdict in quiz.verdicts(key, answers).items()}


def exercise_cells(path: Path) -> dict[str, tuple[str, str]]:
    """{exercise name: (stub cell source, check cell source)} of a notebook's coding exercises."""
    import nbformat

    cells = nbformat.read(path, as_version=4).cells
    found = {}
    for index, cell in enumerate(cells):
        name = cell.metadata.get(TAG)
        if cell.cell_type == "code" and TAG in cell.metadata.get("tags", []) and name:
            below = next((c.source for c in cells[index + 1 :] if c.cell_type == "code"), "")
            found[name] = (cell.source, below)
    return found


def judge(name: str, stub: str, check_cell: str) -> tuple[str, str]:
    """Run a stub cell, then its check cell with `check` recording the verdict; (verdict, message)."""
    verdicts = []
    namespace = {
        "__name__": "__main__",
        "check": lambda checked, answer: (
            verdicts.append(feedback(checked, answer)) if checked == name else None
        ),
        "show_solution": lambda *_: None,
    }
    try:
        exec(compile(stub, f"<{name}>", "exec"), namespace)
    except Exception as err:
        return NOT_RIGHT, f"the exercise cell raised {type(err).__name__}: {err}"
    with contextlib.suppress(Exception):  # an edited check cell: the exercise is then judged directly
        exec(compile(check_cell, "<check>", "exec"), dict(namespace))
    result = verdicts[0] if verdicts else feedback(name, namespace.get(name))
    return result.verdict, result.message


def check_notebook(path: Path, names: list[str], results, scratch: str) -> None:
    """In the child process: judge each exercise of one learner notebook and send (name, verdict, message)."""
    os.chdir(path.parent)
    if "torch" in sys.modules:  # as DataLoader workers do: a forked OpenMP pool may hang the child
        sys.modules["torch"].set_num_threads(1)
    tempfile.tempdir = scratch  # checks that save files (06's classifier) leave nothing behind
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        try:
            cells = exercise_cells(path)
        except Exception as err:
            cells = {}
            missing = f"the notebook cannot be read ({type(err).__name__})"
        else:
            missing = "the exercise cell is missing"
        for name in names:
            if name not in cells:
                results.send((name, NOT_DONE, missing))
                continue
            try:
                verdict = judge(name, *cells[name])
            except BaseException as err:  # sys.exit() or the like in the learner's code
                verdict = (NOT_RIGHT, f"the code stopped the check ({type(err).__name__})")
            results.send((name, *verdict))
    results.close()


def run_notebook(path: Path, names: list[str], limit: float, scratch: str) -> dict[str, tuple[str, str]]:
    """Check one learner notebook in child processes with `limit` s each; an exercise still running then is
    not right, and a fresh child judges the ones after it."""
    if not path.is_file():
        return {name: (NOT_DONE, "the notebook is missing") for name in names}
    results: dict[str, tuple[str, str]] = {}
    while len(results) < len(names):
        left = [name for name in names if name not in results]
        results |= run_child(path, left, limit, scratch)
        if left[0] not in results:
            results[left[0]] = (
                NOT_RIGHT,
                f"not finished within the time limit ({limit:g} s): an endless loop?",
            )
    return {name: results[name] for name in names}


def run_child(path: Path, names: list[str], limit: float, scratch: str) -> dict[str, tuple[str, str]]:
    """The verdicts one child process sends within `limit` s (in order; it is killed then)."""
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)  # fork: the libraries are imported once, in the parent
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=check_notebook, args=(path, names, send, scratch), daemon=True)
    child.start()
    send.close()
    deadline, results = time.monotonic() + limit, {}
    with contextlib.suppress(EOFError):
        while len(results) < len(names) and receive.poll(max(0.0, deadline - time.monotonic())):
            name, verdict, message = receive.recv()
            results[name] = (verdict, message)
    child.kill()
    child.join()
    return results


def progress(folders: list[Path], limit: float) -> dict[str, dict[str, tuple[str, str]]]:
    """{learner: {exercise: (verdict, message)}} for every learner folder."""
    for folder in folders:
        if not folder.is_dir():
            raise FileNotFoundError(f"No learner folder {folder}")
        if not any((folder / path.name).is_file() for path in notebook_sources()):
            raise LearnerFolderError(
                f"{folder} holds none of the workshop's notebooks (made by workshop init?)"
            )
    registry()  # import every check once, before the children start
    names = [folder.name for folder in folders]
    labels = names if len(set(names)) == len(names) else [str(folder) for folder in folders]
    table = {}
    with tempfile.TemporaryDirectory(prefix="workshop-progress-") as scratch:
        for label, folder in zip(labels, folders, strict=True):
            table[label] = {}
            for notebook, exercises in coding_exercises().items():
                table[label] |= run_notebook(folder.resolve() / notebook, exercises, limit, scratch)
            for notebook in quiz_columns():
                table[label] |= quiz_results(folder.resolve() / notebook)
    return table


def rows(table: dict[str, dict[str, tuple[str, str]]]) -> tuple[list[str], list[list[str]]]:
    """The header and rows: one row per learner (its quiz answered / right last), then totals per verdict."""
    exercises = [name for names in coding_exercises().values() for name in names]
    questions = [name for names in quiz_columns().values() for name in names]
    columns = [*exercises, *questions]
    body = [
        [
            learner,
            *(WORDS[results[name][0]] for name in columns),
            str(sum(results[name][0] != NOT_DONE for name in questions)),
            str(sum(results[name][0] == RIGHT for name in questions)),
        ]
        for learner, results in table.items()
    ]
    totals = [
        [
            f"total {words}",
            *(str(sum(results[name][0] == verdict for results in table.values())) for name in columns),
            "",
            "",
        ]
        for verdict, words in WORDS.items()
    ]
    return ["learner", *columns, "quiz answered", "quiz right"], body + totals


def text_table(header: list[str], body: list[list[str]]) -> str:
    """Columns aligned with spaces, for the terminal."""
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip()
        for line in [header, *body]
    )


def details(table: dict[str, dict[str, tuple[str, str]]]) -> list[str]:
    """What the checks said about each answer that is not right yet, one Markdown list item each."""
    return [
        f"- {learner} · {name}: {message}"
        for learner, results in table.items()
        for name, (verdict, message) in results.items()
        if verdict == NOT_RIGHT
    ]


def run(args: argparse.Namespace) -> int:
    """Print the table (and write it where asked); 0 whatever the learners' answers."""
    table = progress(args.folders, args.time_limit)
    header, body = rows(table)
    print(text_table(header, body))
    if args.markdown:
        notes = details(table)
        text = (
            markdown_table(header, body)
            + "\n"
            + ("\n## Not right yet\n\n" + "\n".join(notes) + "\n" if notes else "")
        )
        atomic_write_text(args.markdown, text)
        print(f"Wrote {args.markdown}")
    if args.csv:
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows([header, *body])
        atomic_write_text(args.csv, out.getvalue())
        print(f"Wrote {args.csv}")
    return 0
