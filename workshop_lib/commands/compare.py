"""Compare finished runs side by side: model, data, seed, zero-shot and fine-tuned scores, speed.

python -m workshop_lib.commands.compare RUN_DIR [RUN_DIR ...] [--markdown FILE]
"""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path

from ..paths import work_root
from ..records import atomic_write_text, load_run, markdown_table
from .arguments import Parser, guarded

COLUMNS = [  # (column title, where the value comes from, format)
    ("run", "run", "{}"), ("model", "settings.model_name", "{}"),
    ("profile", "settings.profile", "{}"), ("data source", "settings.data_source", "{}"),
    ("seed", "settings.seed", "{}"), ("zero-shot MCC", "zero_shot.mcc", "{:.3f}"),
    ("zero-shot method", "zero_shot.method", "{}"), ("fine-tuned MCC", "training.mcc", "{:.3f}"),
    ("chosen on", "training.chosen_on", "{}"), ("selection MCC", "training.selection_mcc", "{:.3f}"),
    ("accuracy", "training.accuracy", "{:.3f}"), ("F1", "training.f1", "{:.3f}"),
    ("training s", "training.train_seconds", "{:.1f}"),
    ("samples/s", "training.train_samples_per_second", "{:.0f}"),
]
MISSING = "–"


def _lookup(run: dict, key: str):
    """The value at 'settings.x' or '<phase>.x' in a loaded run, or None."""
    part, name = key.split(".", 1)
    source = run["settings"] if part == "settings" else run["metrics"].get(part, {})
    return source.get(name)


def table_rows(folders: list[str | Path]) -> list[dict]:
    """One row of raw values per run folder, keyed by column title."""
    rows = []
    for folder in folders:
        run = load_run(folder)
        rows.append(
            {title: Path(folder).name if key == "run" else _lookup(run, key) for title, key, _ in COLUMNS}
        )
    return rows


def _cell(value, fmt: str) -> str:
    """Format one value; missing values show as a dash."""
    if value is None:
        return MISSING
    try:
        return fmt.format(value)
    except (TypeError, ValueError):
        return str(value)


def comparison_table(rows: list[dict]) -> str:
    """A Markdown table of the rows, in COLUMNS order."""
    cells = [[_cell(row[title], fmt) for title, _, fmt in COLUMNS] for row in rows]
    return markdown_table([title for title, _, _ in COLUMNS], cells)


def notes(rows: list[dict]) -> list[str]:
    """What a reader must know before comparing the numbers across these runs."""
    found = []
    unknown = [row["run"] for row in rows if row["model"] is None]
    if unknown:
        found.append(
            f"No settings recorded in {', '.join(unknown)} (runs made before the runner saved them): "
            "model, data source and seed are unknown."
        )
    sources = {row["data source"] for row in rows if row["data source"] is not None}
    if len(sources) > 1:
        found.append(
            f"The runs used different data ({', '.join(sorted(map(str, sources)))}): "
            "their scores are not comparable."
        )
    methods = {row["zero-shot method"] for row in rows if row["zero-shot method"] is not None}
    if len(methods) > 1:
        found.append(
            "The zero-shot scores come from different methods (" + ", ".join(sorted(methods)) + "): "
            "compare their MCCs, never their raw scores or thresholds."
        )
    if any(row["fine-tuned MCC"] is not None and row["chosen on"] is None for row in rows):
        found.append(
            "Runs without a 'chosen on' split chose their checkpoint on validation, the split their "
            "fine-tuned MCC is scored on: that MCC is optimistic next to runs chosen on the selection split."
        )
    if any(row["profile"] == "smoke" for row in rows):
        found.append(
            "Smoke runs use tiny random models: their numbers test the code, not the model families."
        )
    return found


def report(rows: list[dict]) -> str:
    """The Markdown document: a title, the table and the notes."""
    lines = [f"# Workshop runs compared ({datetime.now():%Y-%m-%d %H:%M})", "", comparison_table(rows), ""]
    lines += [f"- {note}" for note in notes(rows)]
    return "\n".join(lines).rstrip() + "\n"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of `workshop compare`."""
    parser.add_argument(
        "runs", nargs="+", type=Path, help="run folders (runs/<profile>-<time>) or OUTPUT_DIRs"
    )
    parser.add_argument(
        "--markdown",
        type=Path,
        help="where to write the Markdown table (default runs/compare-<time>.md)",
    )


def main(argv: list[str] | None = None) -> int:
    """`workshop compare`: print the comparison and write it as Markdown."""
    parser = Parser(prog="workshop compare", description="Compare finished runs side by side.")
    add_arguments(parser)
    args = parser.parse_args(argv)
    return guarded(parser.prog, lambda: run(args))


def run(args: argparse.Namespace) -> int:
    """Compare the parsed run folders; a folder that is not a finished run raises RunFolderError."""
    text = report(table_rows(args.runs))
    out = args.markdown or work_root() / "runs" / f"compare-{datetime.now():%Y%m%d-%H%M%S}.md"
    atomic_write_text(out, text)
    print(text)
    print(f"Written to {out}")
    return 0
