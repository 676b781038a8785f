"""The step breakdown block: where a quick step's time goes, the levers, the floors at the run's shapes."""

from __future__ import annotations

from numbers_format import gflops, num, pct, ratio, secs_fine
from results_files import RESULTS, cpu_name, result

from workshop_lib.records import markdown_table

NOT_MEASURED = "On CPUs with AMX and on GPUs these figures are not measured."


def linear_parameters(report: dict) -> int:
    """Weights of the model's matrix-product layers (the rows of `layer_shapes`: in, out, count)."""
    return sum(k * n * count for k, n, count in report["layer_shapes"])


def rates(found: dict[str, float]) -> str:
    """Matrix-product rates by precision: 900 GFLOP/s in bf16 and 190 GFLOP/s in fp32."""
    return " and ".join(f"{gflops(rate)} in {precision}" for precision, rate in found.items())


def loads(first: str, last: str) -> str:
    """Two '1.66/1.90/1.98' load readings as their 1-minute figures: 1.7→1.9."""
    return "→".join(num(float(reading.split("/")[0]), 1) for reading in (first, last))


def provenance(report: dict) -> str:
    """When, where, under which load and by which command step_profile.py's results file was made."""
    where = f"{cpu_name(report['machine'])}, load {loads(*report['load'])}"
    return f"{report['started_utc'][:10]} on {where}: `{report['command']}`"


def operator_table(report: dict) -> str:
    """A column per category, heaviest first: seconds per step and share of the step."""
    found = report["operators"]
    parts = sorted(found["seconds_per_step"].items(), key=lambda item: -item[1])
    cells = [f"{secs_fine(s)}, {pct(s / found['step_seconds'])}" for _, s in parts]
    return markdown_table([name for name, _ in parts], [cells])


def levers(report: dict) -> str:
    """Each lever's second epoch against today's (fp32's against fp32 too), in the order run."""
    runs = report["levers"]
    seconds = {run["lever"]: run["epoch_seconds"][1] for run in runs[:-1]}
    said = []
    for run in runs[1:-1]:
        name, second = run["lever"], run["epoch_seconds"][1]
        against = f"{ratio(seconds['today'] / second)} today's speed"
        if name != "fp32" and name.startswith("fp32"):
            against += f", {ratio(seconds['fp32'] / second)} fp32's"
        if run["epoch_seconds"][0] > 2 * second:  # one-time costs in the first epoch: compiling
            against += f", after a first epoch of {secs_fine(run['epoch_seconds'][0])}"
        said.append(f"{name}: {against} ({num(run['shapes'])} batch shapes)")
    return f"{'; '.join(said)} (today: {secs_fine(seconds['today'])}, {num(runs[0]['shapes'])} shapes)"


def noisy(reports: list[dict]) -> bool:
    """Whether today's repeat in a process differs from its first run more than any lever at its precision."""

    def spread(a: float, b: float) -> float:
        return max(a, b) / min(a, b)

    for report in reports:
        runs = [run["epoch_seconds"][1] for run in report["levers"] if not run["lever"].startswith("fp32")]
        if spread(runs[0], runs[-1]) < max(spread(runs[0], run) for run in runs[1:-1]):
            return False
    return True


def drift(report: dict) -> str:
    """Today's second epoch at the start and at the end of a process: 17.1 s → 17.9 s."""
    return " → ".join(secs_fine(report["levers"][i]["epoch_seconds"][1]) for i in (0, -1))


def floors(speed: dict) -> str:
    """train_speed.py's runs against their floors: at the peak matmul rate and at the run's own shapes."""
    summary = speed["summary"]
    said = [
        f"{run['precision']} at {ratio(run['over_floor'], 1, '×')} its floor at the peak rate and "
        f"{ratio(run['over_shape_floor'], 1, '×')} the floor at its own shapes"
        for run in (summary[k] for k in summary if k == "b" or k.startswith("b_"))
    ]
    return (
        f"GPT-2 small's architecture, the full recipe, 3 epochs extrapolated: {'; '.join(said)} (peak "
        f"{rates(speed['matmul_gflops'])}; its layer shapes at {num(speed['shape_rows'])} rows "
        f"{rates(speed['shape_gflops'])}). {cpu_name(speed['machine'])}, load "
        f"{loads(speed['load_at_start'], summary['load_at_end'])}: `python benchmarks/{speed['command']}`."
    )


def measured(stem: str) -> dict | None:
    """A results file of this block, or None where it was not made."""
    return result(stem) if (RESULTS / f"{stem}.json").is_file() else None


def step_breakdown() -> str:
    """The performance document's section on a quick step, from step_profile.py's and train_speed.py's."""
    report, compiled = result("step-profile-standin"), measured("step-profile-standin-compiled")
    found, shaped = report["operators"], report["shape_gflops"]
    rows = report["batch_size"] * found["mean_padded_length"]
    floor = 6 * linear_parameters(report) * rows / (shaped[report["precision"]] * 1e9)
    intro = (
        f"The quick recipe with the stand-in (SmolLM2-135M, not GPT-2): batch {report['batch_size']}, "
        f'{report["precision"]} as `precision="auto"` picks here, frozen embeddings, real CoLA padded per '
        f"batch to {found['mean_padded_length']:.1f} tokens on average. Under torch.profiler a step took "
        f"{secs_fine(found['step_seconds'])} in {num(round(found['operators_per_step']))} operator calls; "
        f"its layers' matrix products would take {secs_fine(floor)} at the rate this CPU reaches at the "
        f"stand-in's own layer shapes ({num(report['shape_rows'])} rows, forward and both backward "
        f"products: {rates(shaped)}). Each operator's own time, by what it does (a backward operator "
        "counts where its forward ran):"
    )
    processes = [report, *([compiled] if compiled else [])]
    said = [
        "Levers, each alone against today's recipe in one process (the same sample's second epoch; the "
        f"first holds one-time costs): {'; '.join(map(levers, processes))}."
    ]
    if noisy(processes):
        said.append(
            "Today's own time moved more within its process (below) than any lever at its precision moved "
            "it: on this busy machine these ratios show no lever that pays."
        )
    if not compiled:
        said.append("`torch.compile` on the stand-in: not measured (not run in time here).")
    speed = measured("train-speed-shapes")
    said.append(floors(speed) if speed else "GPT-2 small's ratios to its floors at its shapes: not measured.")
    said.append(
        f"Today's second epoch, first and last in each process: {'; '.join(map(drift, processes))}. "
        f"Measured {'; '.join(map(provenance, processes))}. {NOT_MEASURED}"
    )
    return "\n\n".join([intro, operator_table(report), " ".join(said)])
