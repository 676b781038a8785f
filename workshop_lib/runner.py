"""Run notebooks 01-06 headless with papermill into a run folder, then check metrics against a baseline.

python -m workshop_lib.runner --profile smoke [-p NAME VALUE ...] [--run-dir DIR]
python -m workshop_lib.runner --resume DIR   (continue a run that was interrupted)
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime
from pathlib import Path

from .artifacts import ArtifactExistsError, atomic_write_json, atomic_write_text
from .config import profile_name
from .data import PROJECT_ROOT

NOTEBOOKS = PROJECT_ROOT / "notebooks"
BASELINES = PROJECT_ROOT / "baselines"
RUN_STATE = "run.json"  # in the run folder: the parameters it started with, the notebooks that finished


class NotebookFailed(RuntimeError):
    """A notebook raised; the message names the notebook and the cell."""


def parse_value(text: str):
    """Read a -p value as papermill does: int, float, bool, None, else the string itself."""
    lowered = text.lower()
    if lowered in {"none", "null"}:
        return None
    if lowered in {"true", "false"}:
        return lowered == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def notebooks() -> list[Path]:
    """The workshop's notebooks in phase order."""
    return sorted(NOTEBOOKS.glob("0[1-6]_*.ipynb"))


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
    for path in notebooks():
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
    for path in notebooks():
        if path.stem in seconds:
            log(f"[{path.stem}] kept: it finished before the run was interrupted")
            continue
        out = run_dir / path.name
        log(f"[{path.stem}] running ...")
        start = time.perf_counter()
        try:
            papermill.execute_notebook(
                str(path), str(out), parameters=parameters, cwd=str(NOTEBOOKS), progress_bar=False
            )
        except papermill.PapermillExecutionError as err:
            raise NotebookFailed(f"{path.name} failed in {failed_cell(out)}") from err
        seconds[path.stem] = round(time.perf_counter() - start, 1)
        record_finished(run_dir, path.stem, seconds[path.stem])
        log(f"[{path.stem}] done in {seconds[path.stem]} s")
    return seconds


def collect_metrics(artifacts: Path) -> dict[str, dict]:
    """Gather the metrics each phase recorded under <artifacts>/metrics."""
    return {p.stem: json.loads(p.read_text()) for p in sorted((artifacts / "metrics").glob("*.json"))}


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


def baseline_from(metrics: dict[str, dict], tolerance: float = TOLERANCE) -> dict:
    """Make a baseline of this run's quality metrics."""
    return {
        "metrics": {
            k: {"value": round(v, 6), "tolerance": tolerance} for k, v in quality_metrics(metrics).items()
        }
    }


def compare(metrics: dict[str, dict], baseline: dict) -> list[str]:
    """Return one line per baseline metric that is missing or moved beyond its tolerance."""
    flat = flatten(metrics)
    problems = []
    for key, spec in baseline["metrics"].items():
        if key not in flat:
            problems.append(f"{key}: missing from this run (baseline {spec['value']})")
        elif abs(flat[key] - spec["value"]) > spec["tolerance"]:
            problems.append(
                f"{key}: moved from {spec['value']} to {flat[key]:.4f} (tolerance ±{spec['tolerance']})"
            )
    return problems


def report(profile: str, parameters: dict, seconds: dict, metrics: dict, verdict: str) -> str:
    """A short Markdown report of the run."""
    lines = [f"# Workshop run: profile `{profile}`", "", f"Finished {datetime.now():%Y-%m-%d %H:%M}.", ""]
    lines += ["| parameter | value |", "|---|---|"] + [f"| {k} | {v} |" for k, v in parameters.items()]
    lines += ["", "| notebook | seconds |", "|---|---|"] + [f"| {k} | {v} |" for k, v in seconds.items()]
    lines += ["", "| metric | value |", "|---|---|"]
    lines += [f"| {k} | {v:.4g} |" for k, v in flatten(metrics).items()]
    return "\n".join(lines + ["", f"Baseline check: {verdict}", ""])


def main(argv: list[str] | None = None) -> int:
    """Command line: run the series, write metrics.json and report.md, compare with the baseline."""
    parser = argparse.ArgumentParser(description="Run the six workshop notebooks headless with papermill.")
    parser.add_argument("--profile", help="smoke, quick or full (default: $WORKSHOP_PROFILE, else full)")
    parser.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"))
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
        "--save-baseline", action="store_true", help="write this run's metrics as the baseline"
    )
    args = parser.parse_args(argv)

    if args.resume:
        run_dir, parameters = resumed_run(parser, args)
        profile = parameters["PROFILE"]
    else:
        profile = profile_name(args.profile)
        run_dir = args.run_dir or PROJECT_ROOT / "runs" / f"{profile}-{datetime.now():%Y%m%d-%H%M%S}"
        if run_dir.exists():
            raise ArtifactExistsError(f"{run_dir} already exists; runs never overwrite each other.")
        run_dir.mkdir(parents=True)
        parameters = {"PROFILE": profile, "OUTPUT_DIR": str((run_dir / "artifacts").resolve())}
        parameters.update({name: parse_value(value) for name, value in args.parameter})
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

    metrics = collect_metrics(run_dir / "artifacts")
    baseline_path = args.baseline or BASELINES / f"{profile}.json"
    problems: list[str] = []
    if args.save_baseline:
        atomic_write_json(baseline_path, baseline_from(metrics))
        verdict = f"saved as the new baseline {baseline_path}"
    elif baseline_path.is_file():
        problems = compare(metrics, json.loads(baseline_path.read_text()))
        verdict = "REGRESSION\n\n" + "\n".join(f"- {p}" for p in problems) if problems else "passed"
    else:
        verdict = f"no baseline for profile {profile!r} ({baseline_path} absent): not compared"
    atomic_write_json(run_dir / "metrics.json", {"profile": profile, "seconds": seconds, "metrics": metrics})
    atomic_write_text(run_dir / "report.md", report(profile, parameters, seconds, metrics, verdict))
    print(f"Total {sum(seconds.values()):.0f} s. Metrics: {run_dir / 'metrics.json'}")
    print(f"Baseline check: {verdict}")
    return 2 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
