"""Run notebooks 01-06 headless with papermill into a run folder, then check metrics against a baseline.

python -m workshop_lib.runner --profile smoke [-p NAME VALUE ...] [--run-dir DIR]
python -m workshop_lib.runner --resume DIR   (continue a run that was interrupted)
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import sys
import time
from datetime import datetime
from pathlib import Path

from .arguments import Parser, guarded
from .artifacts import ArtifactExistsError, atomic_write_json, atomic_write_text, markdown_table, read_metrics
from .config import (
    SettingError,
    Settings,
    from_parameters,
    parameter,
    parse_parameter,
    profile_name,
    refuse_tracked,
)
from .resources import notebook_sources, shipped, work_root

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


def kept_notebooks(finished: dict[str, float]) -> dict[str, float]:
    """The finished notebooks before the first unfinished one: a resume keeps these and reruns the rest."""
    kept = {}
    for path in notebook_sources():
        if path.stem not in finished:
            break
        kept[path.stem] = finished[path.stem]
    return kept


def run_notebooks(run_dir: Path, parameters: dict, log=print) -> dict[str, float]:
    """Execute the notebooks in order into run_dir, stopping at the first failure; return seconds each.

    Notebooks the run folder records as finished (before the first unfinished one) are kept, not rerun.
    """
    import papermill

    state = run_dir / RUN_STATE
    seconds = kept_notebooks(json.loads(state.read_text())["finished"]) if state.is_file() else {}
    for path in notebook_sources():
        if path.stem in seconds:
            log(f"[{path.stem}] kept: it finished before the run was interrupted")
            continue
        out = run_dir / path.name
        log(f"[{path.stem}] running ...")
        start = time.perf_counter()
        try:
            papermill.execute_notebook(
                str(path), str(out), parameters=parameters, cwd=str(path.parent), progress_bar=False
            )
        except papermill.PapermillExecutionError as err:
            raise NotebookFailed(f"{path.name} failed in {failed_cell(out)}") from err
        seconds[path.stem] = round(time.perf_counter() - start, 1)
        record_finished(run_dir, path.stem, seconds[path.stem])
        log(f"[{path.stem}] done in {seconds[path.stem]} s")
    return seconds


def flatten(metrics: dict[str, dict]) -> dict[str, float]:
    """{'phase': {'name': v}} -> {'phase.name': v} for numeric values."""
    return {
        f"{phase}.{name}": value
        for phase, values in metrics.items()
        for name, value in values.items()
        if isinstance(value, int | float) and not isinstance(value, bool)
    }


TIMING_WORDS = ("second", "runtime", "per_s", "sentences_per")  # speed varies by machine: never a baseline
TOLERANCE = 0.02  # default allowed move of a quality metric (MCC, accuracy, F1, loss, ...)


def quality_metrics(metrics: dict[str, dict]) -> dict[str, float]:
    """The flattened metrics that should not depend on the machine's speed."""
    return {k: v for k, v in flatten(metrics).items() if not any(w in k for w in TIMING_WORDS)}


def recipe(settings: Settings) -> dict:
    """The settings that decide a run's metrics (all but where the outputs go)."""
    return {k: v for k, v in dataclasses.asdict(settings).items() if k != "output_dir"}


def default_baseline(profile: str) -> Path:
    """baselines/<profile>-<CPU kind>.json: fp32 training rounds differently on another kind of CPU."""
    from .device import cpu_kind

    return shipped("baselines") / f"{profile}-{re.sub(r'[^a-z0-9]+', '-', cpu_kind().lower())}.json"


def baseline_from(metrics: dict[str, dict], settings: Settings, tolerance: float = TOLERANCE) -> dict:
    """Make a baseline of this run's quality metrics, with the settings and the CPU kind they came from."""
    from .device import cpu_kind

    return {
        "cpu": cpu_kind(),
        "settings": recipe(settings),
        "metrics": {
            k: {"value": round(v, 6), "tolerance": tolerance} for k, v in quality_metrics(metrics).items()
        },
    }


def other_settings(baseline: dict, settings: Settings) -> list[str]:
    """The settings (and CPU kind) in which this run differs from the baseline's ("name: X there, Y here")."""
    from .device import cpu_kind

    ours = recipe(settings)
    theirs = baseline.get("settings", {})
    found = [f"{k}: {v!r} there, {ours.get(k)!r} here" for k, v in theirs.items() if ours.get(k) != v]
    if "cpu" in baseline and baseline["cpu"] != cpu_kind():  # fp32 rounds differently on another kind
        found.append(f"cpu: {baseline['cpu']!r} there, {cpu_kind()!r} here")
    return found


def compare(metrics: dict[str, dict], baseline: dict) -> list[str]:
    """Return one line per baseline metric that is missing or moved beyond its tolerance."""
    flat = flatten(metrics)
    problems = []
    for key, spec in baseline["metrics"].items():
        if key not in flat:
            problems.append(f"{key}: missing from this run (baseline {spec['value']})")
        elif not abs(flat[key] - spec["value"]) <= spec["tolerance"] + 1e-12:  # NaN fails; ± alike
            problems.append(
                f"{key}: moved from {spec['value']} to {flat[key]:.4f} (tolerance ±{spec['tolerance']})"
            )
    return problems


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
    return "\n".join(lines + ["", f"Baseline check: {verdict}", ""])


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `workshop run`."""
    parser.add_argument("--profile", help="smoke, quick or full (default: $WORKSHOP_PROFILE, else full)")
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
    parser.add_argument(
        "--baseline", type=Path, help="baseline JSON (default baselines/<profile>-<this CPU kind>.json)"
    )
    parser.add_argument(
        "--save-baseline", action="store_true", help="write this run's metrics as the baseline"
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
    baseline_path = args.baseline or default_baseline(profile)
    problems: list[str] = []
    baseline = json.loads(baseline_path.read_text()) if baseline_path.is_file() else None
    if args.save_baseline:
        atomic_write_json(baseline_path, baseline_from(metrics, settings))
        verdict = f"saved as the new baseline {baseline_path}"
    elif baseline is not None and other_settings(baseline, settings):
        verdict = (
            f"not compared: {baseline_path} was measured with other settings ("
            + "; ".join(other_settings(baseline, settings))
            + ")"
        )
    elif baseline is not None:
        problems = compare(metrics, baseline)
        verdict = "REGRESSION\n\n" + "\n".join(f"- {p}" for p in problems) if problems else "passed"
    else:
        others = sorted(p.name for p in baseline_path.parent.glob(f"{profile}-*.json"))
        verdict = f"no baseline for profile {profile!r} ({baseline_path} absent): not compared" + (
            f"; baselines of other CPU kinds: {', '.join(others)} (fp32 rounds differently on another kind; "
            "record one for this kind with --save-baseline)"
            if others and args.baseline is None
            else ""
        )
    summary = {"profile": profile, "settings": dataclasses.asdict(settings), "seconds": seconds}
    atomic_write_json(run_dir / "metrics.json", {**summary, "metrics": metrics})
    atomic_write_text(run_dir / "report.md", report(settings, parameters, seconds, metrics, verdict))
    print(f"Total {sum(seconds.values()):.0f} s. Metrics: {run_dir / 'metrics.json'}")
    print(f"Baseline check: {verdict}")
    return 2 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
