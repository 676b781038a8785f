"""The step breakdown block: where a quick step's time goes, the levers, the floors at the run's shapes."""

from __future__ import annotations

from numbers_format import gflops, num, pct, rates, ratio, secs_fine
from results_files import RESULTS, cpu_name, recipe, result

from workshop_lib.records import markdown_table
from workshop_lib.settings import PROFILES

GPU_NOTE = "On GPUs these figures are not measured."
FLOOR_TARGET = 4  # the stand-in's whole quick run: at most this many times the floor of its work


def linear_parameters(report: dict) -> int:
    """Weights of the model's matrix-product layers (the rows of `layer_shapes`: in, out, count)."""
    return sum(k * n * count for k, n, count in report["layer_shapes"])


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
    seconds = {run["lever"]: run["epoch_seconds"][1] for run in runs[::-1]}  # today's first run, if two
    said = []
    for run in (run for run in runs if run["lever"] != "today"):
        name, second = run["lever"], run["epoch_seconds"][1]
        against = f"{ratio(seconds['today'] / second)} today's speed"
        if name != "fp32" and name.startswith("fp32"):
            against += f", {ratio(seconds['fp32'] / second)} fp32's"
        if run["epoch_seconds"][0] > 2 * second:  # one-time costs in the first epoch: compiling
            against += f", after a first epoch of {secs_fine(run['epoch_seconds'][0])}"
        said.append(f"{name}: {against} ({num(run['shapes'])} batch shapes)")
    today = next(run for run in runs if run["lever"] == "today")
    return f"{'; '.join(said)} (today: {secs_fine(seconds['today'])}, {num(today['shapes'])} shapes)"


def noisy(reports: list[dict]) -> bool:
    """Whether today's repeat in a process differs from its first run more than any lever at its precision."""

    def spread(a: float, b: float) -> float:
        return max(a, b) / min(a, b)

    for report in reports:
        runs = [run for run in report["levers"] if not run["lever"].startswith("fp32")]
        today = [run["epoch_seconds"][1] for run in runs if run["lever"] == "today"]
        others = [run["epoch_seconds"][1] for run in runs if run["lever"] != "today"]
        if spread(today[0], today[-1]) < max(spread(today[0], other) for other in others):
            return False
    return True


def drift(report: dict) -> str:
    """Today's second epoch at the start and at the end of a process: 17.1 s → 17.9 s (or once)."""
    today = [run["epoch_seconds"][1] for run in report["levers"] if run["lever"] == "today"]
    return " → ".join(secs_fine(s) for s in today)


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


BREAKDOWNS = ("step-profile-standin", "step-profile-standin-amx")  # step_profile.py's, one per CPU kind
SPEEDS = ("train-speed-shapes", "train-speed-recipes")  # train_speed.py's with the floors at its shapes


def same_quick(settings: dict) -> bool:
    """Whether a run's settings are today's quick recipe."""
    return recipe(settings) == recipe(PROFILES["quick"])


def one_machine(report: dict) -> str:
    """One CPU kind's breakdown: the step, its floor at the model's shapes, the table, the levers."""
    found, shaped = report["operators"], report["shape_gflops"]
    rows = report["batch_size"] * found["mean_padded_length"]
    floor = 6 * linear_parameters(report) * rows / (shaped[report["precision"]] * 1e9)
    intro = (
        f"**{cpu_name(report['machine'])}**: {report['precision']} as "
        f'`precision="auto"` picks there, batches padded to {found["mean_padded_length"]:.1f} tokens on '
        f"average. Under torch.profiler a step took {secs_fine(found['step_seconds'])} in "
        f"{num(round(found['operators_per_step']))} operator calls; its layers' matrix products would take "
        f"{secs_fine(floor)} at the rate this CPU reaches at the stand-in's own layer shapes "
        f"({num(report['shape_rows'])} rows, forward and both backward products: {rates(shaped)}). Each "
        "operator's own time, by what it does (a backward operator counts where its forward ran):"
    )
    said = [
        "Levers, each alone against today's recipe in one process (the same sample's second epoch; the "
        f"first holds one-time costs such as compiling): {levers(report)}."
    ]
    if noisy([report]):
        said.append(
            "Today's own time moved more within its process than any lever at its precision moved it: on "
            "this busy machine these ratios show no lever that pays."
        )
    said.append(f"Today's second epoch, first and last: {drift(report)}. Measured {provenance(report)}.")
    return "\n\n".join([intro, operator_table(report), " ".join(said)])


def quick_floor(runs: list[dict], speeds: list[dict]) -> str:
    """The stand-in's whole quick runs against the floor of their work at the peak rate of their CPU kind."""
    kinds = {speed["machine"]["kind"]: speed for speed in speeds}
    said, lowest = [], []
    for kind in sorted({run["machine"]["kind"] for run in runs}):
        mine = [run for run in runs if run["machine"]["kind"] == kind]
        speed, precision = kinds.get(kind), mine[0].get("precision")
        if speed is None or precision not in speed["matmul_gflops"]:
            continue
        ratios = []
        for run in mine:
            m, schedule = run["metrics"], run["settings"]
            evaluations = schedule["evaluations_per_epoch"] * schedule["epochs"]
            tokens = m["train_real_tokens_per_second"] * m["train_seconds"]
            evaluated = evaluations * m["selection_sentences"] * tokens / m["train_sentences"]
            work = 6 * m["trained_parameters"] * tokens + 2 * m["trained_parameters"] * evaluated
            ratios.append(m["train_seconds"] / (work / (speed["matmul_gflops"][precision] * 1e9)))
        lowest.append(min(ratios))
        said.append(
            f"{cpu_name(mine[0]['machine'])}: {', '.join(ratio(r, 1, '×') for r in ratios)} (seeds "
            f"{', '.join(str(run['settings']['seed']) for run in mine)}; peak "
            f"{gflops(speed['matmul_gflops'][precision])} in {precision}, train_speed.py's, another process)"
        )
    if not said:
        return "The stand-in's whole quick run against its floor: not measured."
    return (
        "The stand-in's whole quick run (`train_seconds`, its in-epoch evaluations included) against the "
        "floor of its work (6 × trained parameters × training tokens, plus 2 × parameters × tokens "
        f"evaluated, at the peak matrix-product rate): {'; '.join(said)}. The target, at most "
        f"{ratio(FLOOR_TARGET, 0, '×')}, is " + ("met." if max(lowest) <= FLOOR_TARGET else "not met.")
    )


def step_breakdown() -> str:
    """The performance document's section on a quick step, from step_profile.py's and train_speed.py's."""
    reports = [found for found in map(measured, BREAKDOWNS) if found]
    first = reports[0]
    intro = (
        f"The quick recipe with the stand-in (SmolLM2-135M, not GPT-2): batch {first['batch_size']}, "
        "frozen embeddings, real CoLA padded per batch, per CPU kind measured."
    )
    speeds = [found for found in map(measured, SPEEDS) if found]
    floor = " ".join(map(floors, speeds)) or "GPT-2 small's ratios to its floors at its shapes: not measured."
    full = [r for r in result("lora-quick-standin")["runs"] if "trained" not in r]
    runs = [r for r in full if same_quick(r["settings"])]
    return "\n\n".join([intro, *map(one_machine, reports), floor, quick_floor(runs, speeds), GPU_NOTE])
