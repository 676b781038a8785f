"""Places rendered by a function: the what-to-expect table, the stand-in's runs, the room sizing."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import drift_canary
import fault_table
import lora_table
from figures_machines import gpt2_quick_machines
from figures_standin import attention, optimism_runs
from figures_step import step_breakdown
from numbers_format import mcc, num, pct, secs, secs_min
from results_files import result

from workshop_lib.records import markdown_table

SHOWN = {  # settings the real-weights table shows, with their short names
    "epochs": "epochs",
    "learning_rate": "lr",
    "batch_size": "batch",
    "train_limit": "train",
    "eval_limit": "val",
    "warmup_steps": "warm-up",
    "weight_decay": "wd",
}


STANDIN_TITLE = "## Reference results with real pretrained weights: SmolLM2-135M-Instruct (stand-in, not GPT-2)"  # noqa: E501


def real_weights_table(runs: list[dict], source: str, title: str = STANDIN_TITLE) -> str:
    """real_weights.py's runs as a section: one row per configuration, seeds pooled; machines, commands."""
    machines, commands, groups = [], [], {}
    for run in runs:
        for found, seen in ((run["machine"], machines), (run["command"], commands)):
            if found not in seen:
                seen.append(found)
        settings = {k: v for k, v in run["settings"].items() if k not in ("output_dir", "seed")}
        key = [run["kind"], settings, run.get("sample"), run.get("precision"), run.get("trained")]
        key += [attention(run)]
        key = json.dumps(key, sort_keys=True)
        groups.setdefault(key, []).append(run)
    header = ["Run", "Settings", "Data", "Seeds", "Validation MCC per seed", "Mean ± SD (min–max)"]
    header += ["Seconds per seed", "Train samples/s", "Load (1-min)", "Date (UTC)", "Machine", "Command"]
    rows = []
    for group in groups.values():
        group.sort(key=lambda r: r["settings"]["seed"])
        first, mccs, settings = group[0], [r["metrics"]["mcc"] for r in group], group[0]["settings"]
        trained = first["kind"] == "train"
        low_high = f"{mcc(min(mccs))}–{mcc(max(mccs))}"
        spread = ""
        if len(mccs) > 1:
            spread = f"{mcc(statistics.mean(mccs))} ± {mcc(statistics.stdev(mccs))} ({low_high})"
        shown = ", ".join(f"{short} {settings[name]}" for name, short in SHOWN.items() if name in settings)
        shown += ", embeddings frozen" if settings.get("freeze_embeddings") else ""
        if settings.get("freeze_blocks"):
            shown += f", lowest {settings['freeze_blocks']:.0%} of blocks frozen"
        shown += f", {first['trained']} trained" if first.get("trained") else ""
        shown += ", eager attention" if attention(first) == "eager" else ""
        rows.append(
            [
                settings["profile"] if trained else "zero-shot",
                f"{shown}, {first.get('precision', 'fp32')}"
                if trained
                else f"sample {first['metrics']['train_sample']}",
                "/".join(Path(settings["data_source"]).parts[-2:]),
                " ".join(str(r["settings"]["seed"]) for r in group),
                " / ".join(mcc(m) for m in mccs),
                spread or mcc(mccs[0]),
                " / ".join(
                    f"{r['metrics']['train_seconds' if trained else 'seconds']:.0f}"
                    + ("*" if r["metrics"].get("resumed_from") else "")
                    for r in group
                ),
                num(statistics.mean(r["metrics"]["train_samples_per_second"] for r in group), 1)
                if trained
                else "",
                " / ".join(f"{r['load'][0]:.1f}→{r['load'][1]:.1f}" for r in group),
                ", ".join(sorted({r["started"][:16].replace("T", " ") for r in group})),
                ", ".join(sorted({str(machines.index(r["machine"]) + 1) for r in group})),
                ", ".join(sorted({str(commands.index(r["command"]) + 1) for r in group})),
            ]
        )
    machine_list = "; ".join(
        f"{i}. {m['cpu']}, {m['nproc']} cores, {m['ram_gib']} GiB; Python {m['python']}, torch {m['torch']} "
        f"({m['torch_threads']} threads), transformers {m['transformers']}"
        for i, m in enumerate(machines, 1)
    )
    lines = [
        title,
        "",
        f"Written by `benchmarks/render.py` from `{source}` (`benchmarks/real_weights.py` runs them). Every "
        "number here is the **stand-in's** (SmolLM2-135M-Instruct, Llama architecture, weights dequantized "
        "from a 4-bit GGUF), not GPT-2's. MCC on CoLA validation; zero-shot threshold chosen on a training "
        "sample.",
        "",
        markdown_table(header, rows),
        "",
        "Seconds: training time (zero-shot: loading and scoring); `*` resumed from a checkpoint, the time "
        "covers only the part after the resume. Load: the 1-minute load average before → after the run.",
        "",
        f"Machines: {machine_list}.",
        "Commands:",
    ]
    lines += [f"{i}. `{c}`" for i, c in enumerate(commands, 1)]
    return "\n".join(lines)


def optimism_lesson() -> str:
    """Notebook 05's short form of the optimism table: validation MCC of each choice, per seed."""
    header = ["seed", "kept by the selection split", "best epoch on validation", "optimism"]
    rows = []
    for run, kept, best in optimism_runs():
        peek = run["metrics"]["epoch_validation_mcc"]
        rows.append(
            [
                f"{run['settings']['profile']}, {run['settings']['seed']}",
                f"epoch {kept + 1}: {mcc(peek[kept])}",
                f"epoch {best + 1}: {mcc(peek[best])}",
                f"{peek[best] - peek[kept]:+.3f}",
            ]
        )
    return markdown_table(header, rows)


SIZING = {  # results file: how the guide names its profile
    "classroom-sizing": "smoke",
    "classroom-sizing-quick-standin": "quick (stand-in)",  # SmolLM2-135M, not GPT-2: the guide says so
}
SIZING_SERVERS_GIB = (16, 32, 64)  # server sizes the sizing table is worked out for
SIZING_HEADROOM = 0.25  # share of a server's memory left to the system, the hub, the proxy and spikes
SIZING_ROOM = 30  # learners who press run in notebook 05 at once
SIZING_CORES = (8, 16, 32)


def sizing_rows(label: str, notebooks: dict[str, dict]) -> list[list[str]]:
    """One profile's measured rows: the kernel's peak and CPU seconds, its children's, per notebook."""
    shown = [
        ("kernel's peak resident memory (MiB)", "peak_rss_mib"),
        ("kernel's CPU seconds", "cpu_seconds"),
        ("its largest child process, as counted (MiB)", "children_peak_rss_mib"),
        ("its child processes' CPU seconds", "children_cpu_seconds"),
        ("wall seconds, one learner", "wall_seconds"),
    ]
    return [
        [f"{label}: {name}", *[num(n[key]) if key in n else "–" for n in notebooks.values()]]
        for name, key in shown
    ]


def room_wait(training: float) -> str:
    """How long SIZING_ROOM learners training at once wait at least on SIZING_CORES cores."""
    first, *rest = SIZING_CORES
    return f"{secs_min(SIZING_ROOM * training / first)} on {first} cores, " + ", ".join(
        f"{secs_min(SIZING_ROOM * training / cores)} on {cores}" for cores in rest
    )


def classroom_sizing() -> str:
    """The guide's sizing: the measured kernel peaks and CPU seconds per notebook, then the arithmetic."""
    measured, needs, notes, waits, together = [], [], [], [], []
    for stem, label in SIZING.items():
        found = result(stem)
        if "together" in found:
            alone = found["notebooks"][found["together"]["notebook"]]["wall_seconds"]
            walls = " and ".join(secs(w) for w in found["together"]["wall_seconds"])
            together.append(
                f"{label}: notebook 05 took {secs(alone)} of wall time for one learner alone and {walls} for "
                f"{found['together']['learners']} learners started at the same time on this "
                f"{found['machine']['nproc']}-core machine"
            )
        notebooks, server, machine = found["notebooks"], found["idle_server_rss_mib"], found["machine"]
        measured += sizing_rows(label, notebooks)
        peaks = [n["peak_rss_mib"] for n in notebooks.values()]
        needs.append((label, server + max(peaks), server + sum(peaks)))  # one kernel at a time; all six
        notes.append(
            f"{label}: {found['date']}, {machine['cpu']}, {machine['nproc']} cores, load average "
            f"{num(machine['load_average_1min_at_end'])} at the end, `{found['command']}` "
            f"(`benchmarks/results/{stem}.json`); an idle Jupyter server with JupyterLab loaded: "
            f"{num(server)} MiB"
        )
        training = notebooks[next(s for s in notebooks if s.startswith("05"))]["cpu_seconds"]
        waits.append(
            f"{label}: notebook 05 costs {num(training)} CPU seconds, {num(round(SIZING_ROOM * training))} "
            f"for the room; at least {room_wait(training)}"
        )
    header = ["", *[stem[:2] for stem in result(next(iter(SIZING)))["notebooks"]]]
    rows = []
    for size in SIZING_SERVERS_GIB:
        usable = size * 1024 * (1 - SIZING_HEADROOM)
        rows.append(
            [f"{size} GiB", *[num(int(usable // need)) for _, one, six in needs for need in (one, six)]]
        )
    learners = markdown_table(
        [
            "server",
            *[f"{label}: {kind}" for label, *_ in needs for kind in ("one notebook open", "all six open")],
        ],
        rows,
    )
    per_learner = "; ".join(
        f"{label}: {num(round(one))} and {num(round(six))} MiB" for label, one, six in needs
    )
    return (
        "Measured, each notebook in a fresh kernel with papermill: its peak resident memory and CPU seconds "
        "as the operating system counts them (`getrusage`; a busy machine changes them far less than wall "
        "time, though waiting PyTorch threads spin a little longer when other jobs share the cores). "
        + "; ".join(notes)
        + ".\n\n"
        + markdown_table(header, measured)
        + "\n\nA child's peak as Linux counts it includes the kernel's pages it shared before it started "
        "another program, so that row overstates what child processes add; the headroom below covers them."
        + "\n\nArithmetic, not measured: a learner needs the server plus the largest kernel when they close "
        "each notebook before opening the next, or plus all six peaks when every kernel stays running (an "
        f"upper bound): {per_learner}. Leaving {pct(SIZING_HEADROOM)} of each server's memory to the "
        "system, the hub and spikes, learners per server:\n\n"
        + learners
        + ("\n\nMeasured: " + "; ".join(together) + "." if together else "")
        + f"\n\nCPU, arithmetic, for {SIZING_ROOM} learners pressing run in notebook 05 at once with "
        "every core busy and nothing else running: " + "; ".join(waits) + ". Ask learners to close finished "
        "notebooks (File → Close and Shut Down Notebook), or have the servers shut idle kernels down "
        "(`--MappingKernelManager.cull_idle_timeout=SECONDS` in `c.Spawner.args`)."
    )


BLOCKS = {
    "drift_canary": lambda: drift_canary.summary(result("drift-canary")),
    "regression_faults": lambda: fault_table.table(result("regression-faults")),
    "classroom_sizing": classroom_sizing,
    "optimism_lesson": optimism_lesson,
    "step_breakdown": step_breakdown,
    "lora": lora_table.block,
    "gpt2_quick_machines": gpt2_quick_machines,
    "real_weights": lambda: real_weights_table(
        result("real-weights")["runs"], "benchmarks/results/real-weights.json"
    ),
}
