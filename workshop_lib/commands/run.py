"""Run notebooks 01-06 headless with papermill into a run folder, then check metrics against a baseline.

workshop run --profile smoke [-p NAME VALUE ...] [--run-dir DIR] [--regression]
workshop run --resume DIR   (continue a run that was interrupted)
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from datetime import datetime
from pathlib import Path

from ..declare import SettingError, parameter
from ..paths import notebook_sources, refuse_tracked, work_root
from ..records import (
    ArtifactExistsError,
    atomic_write_json,
    atomic_write_text,
    markdown_table,
    read_metrics,
)
from ..settings import DEFAULT_PROFILE, Settings, from_parameters, parse_parameter, profile_name
from .arguments import Parser, guarded
from .baseline import check, flatten

KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=ERROR"]  # not its warning that a local kernel talks plain TCP

RUN_STATE = "run.json"  # in the run folder: the parameters it started with, the notebooks that finished


DESCRIPTION = "Run the six workshop notebooks headless with papermill, then check the baseline."


class NotebookFailed(RuntimeError):
    """A notebook raised; the message names the notebook and the cell."""


def checked_parameters(pairs: list[tuple[str, str]], profile: str | None) -> dict:
    """Check `-p NAME VALUE` pairs against the declaration before any notebook runs.

    Only declared names; values of the declared type; relative paths made absolute against the caller's
    folder (papermill runs the notebooks in notebooks/); PROFILE filled in from --profile or the default.
    """
    given = {parameter(name): parse_parameter(name, text) for name, text in pairs}
    if given.get("PROFILE") and profile and given["PROFILE"] != profile:
        raise SettingError(f"--profile {profile} and -p PROFILE {given['PROFILE']} disagree: give one.")
    given["PROFILE"] = profile_name(given.get("PROFILE") or profile)
    return {name: value for name, value in given.items() if value is not None}


def failed_cell(executed: Path) -> str:
    """Describe the first cell that raised in an executed notebook."""
    import nbformat

    nb = nbformat.read(executed, as_version=4)
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    for number, cell in enumerate(code_cells, start=1):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                first_line = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
                return f"code cell {number} ({first_line!r}): {output['ename']}: {output['evalue']}"
    return "unknown cell"


def start_run(run_dir: Path, parameters: dict) -> None:
    """Record the parameters a new run starts with, so that `--resume` can continue it."""
    atomic_write_json(run_dir / RUN_STATE, {"parameters": parameters, "finished": {}})


def record_finished(run_dir: Path, notebook: str, seconds: float) -> None:
    """Mark a notebook as finished in the run folder's state."""
    path = run_dir / RUN_STATE
    state = json.loads(path.read_text()) if path.is_file() else {"finished": {}}
    state["finished"][notebook] = seconds
    atomic_write_json(path, state)


def resumed_run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> tuple[Path, dict]:
    """The folder and the parameters of the run `--resume` continues; stops with usage errors."""
    if args.profile or args.parameter or args.run_dir:
        parser.error(
            "--resume continues a run with the parameters it started with: no --profile, -p, --run-dir"
        )
    path = args.resume / RUN_STATE
    if not path.is_file():
        parser.error(
            f"{args.resume} is not a run folder that can be resumed (it has no {RUN_STATE}). Give the folder "
            "a run printed as 'Run folder: ...', or start a new run without --resume."
        )
    return args.resume, json.loads(path.read_text())["parameters"]


def kept_notebooks(finished: dict[str, float], notebooks: list[Path] | None = None) -> dict[str, float]:
    """The finished notebooks (of `notebooks`, default the six) before the first unfinished one: a resume
    keeps these and reruns the rest."""
    kept = {}
    for path in notebooks or notebook_sources():
        if path.stem not in finished:
            break
        kept[path.stem] = finished[path.stem]
    return kept


def run_notebooks(
    run_dir: Path, parameters: dict, notebooks: list[Path] | None = None, log=print
) -> dict[str, float]:
    """Execute `notebooks` (default: the six) in order into run_dir, stopping at the first failure; return
    seconds each.

    Notebooks the run folder records as finished (before the first unfinished one) are kept, not rerun.
    """
    import papermill

    notebooks = notebooks or notebook_sources()
    state = run_dir / RUN_STATE
    seconds = kept_notebooks(json.loads(state.read_text())["finished"], notebooks) if state.is_file() else {}
    for path in notebooks:
        if path.stem in seconds:
            log(f"[{path.stem}] kept: it finished before the run was interrupted")
            continue
        out = run_dir / path.name
        log(f"[{path.stem}] running ...")
        start = time.perf_counter()
        try:
            papermill.execute_notebook(
                str(path), str(out), parameters=parameters, cwd=str(path.parent), progress_bar=False,
                extra_arguments=KERNEL_ARGUMENTS,
            )
        except papermill.PapermillExecutionError as err:
            raise NotebookFailed(f"{path.name} failed in {failed_cell(out)}") from err
        seconds[path.stem] = round(time.perf_counter() - start, 1)
        record_finished(run_dir, path.stem, seconds[path.stem])
        log(f"[{path.stem}] done in {seconds[path.stem]} s")
    return seconds


def report(settings: Settings, parameters: dict, seconds: dict, metrics: dict, verdict: str) -> str:
    """A short Markdown report of the run: its settings, the parameters given, times, metrics, verdict."""
    lines = [
        f"# Workshop run: profile `{settings.profile}`",
        "",
        f"Finished {datetime.now():%Y-%m-%d %H:%M}.",
    ]
    lines += ["", markdown_table(["setting", "value"], list(map(list, dataclasses.asdict(settings).items())))]
    lines += ["", "Parameters given: " + ", ".join(f"`{k}={v!r}`" for k, v in parameters.items())]
    lines += ["", markdown_table(["notebook", "seconds"], list(map(list, seconds.items())))]
    lines += ["", markdown_table(["metric", "value"], [[k, f"{v:.4g}"] for k, v in flatten(metrics).items()])]
    training = metrics.get("training", {})
    if training.get("chosen_on"):
        lines += ["", f"Checkpoint chosen on the {training['chosen_on']} split (training.selection_*); "
                  f"scored once on the {training['scored_on']} split (training.mcc, accuracy, f1, loss)."]
    return "\n".join(lines + ["", f"Baseline check: {verdict}", ""])


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `workshop run`."""
    parser.add_argument(
        "--profile", help=f"smoke, quick or full (default: $WORKSHOP_PROFILE, else {DEFAULT_PROFILE})"
    )
    parser.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "VALUE"),
        help="set a notebook parameter, e.g. -p EPOCHS 2 (relative paths: from this folder)",
    )
    parser.add_argument("--run-dir", type=Path, help="new run folder (default runs/<profile>-<time>)")
    parser.add_argument(
        "--resume",
        type=Path,
        metavar="RUN_DIR",
        help="continue an interrupted run: keep its finished notebooks, rerun from the first unfinished one "
        "with the parameters it started with (training resumes from its last checkpoint)",
    )
    parser.add_argument("--baseline", type=Path, help="baseline JSON (default baselines/<profile>.json)")
    parser.add_argument(
        "--regression",
        action="store_true",
        help="a maintainer's regression run: exit 3 when nothing was compared (no baseline, another recipe)",
    )


def main(argv: list[str] | None = None) -> int:
    """`workshop run`: run the series, write metrics.json and report.md, compare with the baseline."""
    parser = Parser(prog="workshop run", description=DESCRIPTION)
    add_arguments(parser)
    args = parser.parse_args(argv)
    return guarded(parser.prog, lambda: run(args, parser))


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Run the series for parsed arguments; usage mistakes go to `parser.error`."""
    if args.resume:
        run_dir, parameters = resumed_run(parser, args)
        profile = parameters["PROFILE"]
        settings = from_parameters(parameters)
    else:
        try:
            parameters = checked_parameters(args.parameter, args.profile)
            profile = parameters["PROFILE"]
            run_dir = args.run_dir or work_root() / "runs" / f"{profile}-{datetime.now():%Y%m%d-%H%M%S}"
            refuse_tracked(run_dir, "--run-dir")
            parameters.setdefault("OUTPUT_DIR", str((run_dir / "artifacts").resolve()))
            settings = from_parameters(parameters)
        except SettingError as err:
            parser.error(str(err))
        if run_dir.exists():
            raise ArtifactExistsError(f"{run_dir} already exists; runs never overwrite each other.")
        run_dir.mkdir(parents=True)
        start_run(run_dir, parameters)
    print(f"Run folder: {run_dir}")
    try:
        seconds = run_notebooks(run_dir, parameters)
    except NotebookFailed as err:
        print(
            f"FAILED: {err}\nThe executed notebook is in {run_dir}. After fixing the cause, continue with "
            f"--resume {run_dir}",
            file=sys.stderr,
        )
        return 1

    metrics = read_metrics(settings.out)
    problems, verdict, compared = check(metrics, settings, args.baseline)
    summary = {"profile": profile, "settings": dataclasses.asdict(settings), "seconds": seconds}
    atomic_write_json(run_dir / "metrics.json", {**summary, "metrics": metrics})
    atomic_write_text(run_dir / "report.md", report(settings, parameters, seconds, metrics, verdict))
    print(f"Total {sum(seconds.values()):.0f} s. Metrics: {run_dir / 'metrics.json'}")
    print(f"Baseline check: {verdict}")
    if problems:
        return 2
    return 3 if args.regression and not compared else 0  # a regression run that compared nothing did not pass
