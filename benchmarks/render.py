"""Fill the measured figures of the README, the guide, BENCHMARKS.md and the notebooks from the results files.

Every measured number the docs show lives in one results file (benchmarks/results/*.json, with its machine
and command) and reaches the docs only through this script. In a doc, a figure or a table sits between
markers, which Markdown and Jupyter do not show:

    <!-- measured:NAME -->443 s (7.4 min)<!-- /measured -->

NAME is a template of benchmarks/templates.md (a table or a phrase with {FIGURE} fields), a block below
(`BLOCKS`), a figure computed from a raw results file (`derived`), or ENTRY.KEY[.INDEX] of measured.json or
published.json, formatted by its unit: |n drops the unit; a list shows as 1 / 2 / 3, with |range as
lowest-highest, |list as 1, 2 and 3, |cells as table cells. Numbers are formatted only in this file.

    python benchmarks/render.py          rewrite the marked places from the results files
    python benchmarks/render.py --check  list the stale places and exit 1 (tests/test_rendered.py runs it)
"""

from __future__ import annotations

import argparse
import json
import math
import re
import statistics
import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path

from workshop_lib.records import markdown_table
from workshop_lib.settings import PROFILES

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
TEMPLATES = ROOT / "benchmarks" / "templates.md"
DOCS = ["README.md", "docs/teaching.md", "docs/classroom.md", "docs/maintaining.md", "docs/performance.md"]
NOTEBOOKS = ("notebooks/0[1-6]_*.ipynb", "notebooks/reference/0[1-6]_*.ipynb")  # Markdown; solutions/ copies
MARKER = re.compile(r"<!-- measured:([\w.|-]+) -->(.*?)<!-- /measured -->", re.S)
FIELD = re.compile(r"\{([\w.|-]+)\}")
SEEDS = (42, 1, 2)  # the order every per-seed figure is shown in
TARGET_SECONDS = 240  # the quick profile's training-time target: at most 4 minutes (issue 22)


# ---- numbers -----------------------------------------------------------------------------------------------
def num(value: float, digits: int | None = None) -> str:
    """A number as the docs write it: thousands separated; `digits` decimals, else as recorded."""
    if digits is not None:
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    whole, _, frac = repr(float(value)).partition(".")
    return f"{int(whole):,}" + (f".{frac}" if frac else "")


def fixed(digits: int) -> Callable[[float], str]:
    """A formatter with `digits` decimals."""
    return lambda value: num(value, digits)


def with_unit(text: str, unit: str) -> str:
    """`text` and its unit; ratios (x, ×) attach without a space."""
    if not unit:
        return text
    return f"{text}{unit}" if unit in ("x", "×") else f"{text} {unit}"


def secs(seconds: float) -> str:
    """Whole seconds: 1,045 s."""
    return f"{seconds:,.0f} s"


def secs_min(seconds: float) -> str:
    """Seconds and minutes: 443 s (7.4 min)."""
    return f"{secs(seconds)} ({seconds / 60:.1f} min)"


def gib(value: float) -> str:
    """Memory in GiB, two decimals."""
    return f"{value:.2f} GiB"


def gib_gb(value: float) -> str:
    """Memory in GiB and in GB: 3.64 GiB (3.91 GB)."""
    return f"{gib(value)} ({value * 2**30 / 1e9:.2f} GB)"


def mcc(value: float) -> str:
    """An MCC (or another score below 1), three decimals."""
    return f"{value:.3f}"


def pct(share: float, digits: int = 0) -> str:
    """A share as a percentage: 4.5 %."""
    return f"{100 * share:.{digits}f} %"


def signed_pct(change: float) -> str:
    """A relative difference: +1.9 %."""
    return f"{100 * change:+.1f} %"


def ratio(value: float, digits: int = 2, sign: str = "x") -> str:
    """A speed or time ratio: 1.56x."""
    return f"{value:.{digits}f}{sign}"


def per_seed(values: list, fmt: Callable = mcc, unit: str = "") -> str:
    """One value per seed (or run): 0.383 / 0.300 / 0.354."""
    return with_unit(" / ".join(fmt(v) for v in values), unit)


def span(values: list, fmt: Callable = num, unit: str = "") -> str:
    """Lowest-highest: 286-290 s."""
    low, high = fmt(min(values)), fmt(max(values))
    return with_unit(low if low == high else f"{low}-{high}", unit)


# ---- the results files -------------------------------------------------------------------------------------
@cache
def result(stem: str) -> dict:
    """benchmarks/results/<stem>.json."""
    return json.loads((RESULTS / f"{stem}.json").read_text())


@cache
def entries() -> dict[str, dict]:
    """The hand-recorded figures: measured.json's and published.json's entries, by name."""
    merged: dict[str, dict] = {}
    for stem in ("measured", "published"):
        for name, entry in result(stem)["figures"].items():
            if name in merged:
                raise ValueError(f"{stem}.json: entry {name!r} is also in another file")
            merged[name] = entry
    return merged


def value(path: str):
    """The raw value of ENTRY.KEY in measured.json or published.json."""
    name, key = path.split(".")
    return entries()[name]["values"][key]


def recorded(path: str) -> str:
    """ENTRY.KEY[.INDEX][|STYLE] of measured.json or published.json, formatted by its unit."""
    path, _, style = path.partition("|")
    name, key, *index = path.split(".")
    entry = entries()[name]
    if key not in entry["values"]:
        return str(entry[key])  # a field of the record: date, time_utc, command
    found = entry["values"][key]
    unit = "" if style == "n" else entry.get("units", {}).get(key, entry.get("unit", ""))
    digits = entry.get("digits", {}).get(key)

    def fmt(v: float | str) -> str:
        return v if isinstance(v, str) else num(v, digits)

    if index:
        found = found[int(index[0])]
    if not isinstance(found, list):
        return with_unit(fmt(found), unit if not isinstance(found, str) else "")
    if style == "cells":
        return " | ".join(fmt(v) for v in found)
    if style == "list":
        return with_unit(", ".join(fmt(v) for v in found[:-1]) + f" and {fmt(found[-1])}", unit)
    return span(found, fmt, unit) if style == "range" else per_seed(found, fmt, unit)


def standin(profile: str, epochs: int, learning_rate: float) -> list[dict]:
    """The stand-in's runs of one recipe in real-weights.json, in SEEDS order."""
    runs = [
        r
        for r in result("real-weights")["runs"]
        if (r["settings"]["profile"], r["settings"]["epochs"], r["settings"]["learning_rate"])
        == (profile, epochs, learning_rate)
    ]
    return sorted(runs, key=lambda r: SEEDS.index(r["settings"]["seed"]))


def load(reading: str) -> float:
    """The 1-minute figure of a '1.66/1.90/1.98' load reading."""
    return float(reading.split("/")[0])


# ---- figures computed from the raw results files -----------------------------------------------------------
def cola_figures() -> dict[str, str]:
    """CoLA's sizes, shares, token lengths and padding (cola_stats.py)."""
    cola = result("cola-stats")
    tokens, waste = cola["train_tokens"], cola["padding_wasted_share"]
    glue_share = cola["glue_validation_acceptable"] / cola["validation_sentences"]
    return {
        "cola.train": num(cola["train_sentences"]),
        "cola.validation": num(cola["validation_sentences"]),
        "cola.in_domain": num(cola["validation_by_domain"]["in"]),
        "cola.out_of_domain": num(cola["validation_by_domain"]["out"]),
        "cola.test": num(cola["test_sentences"]),
        "cola.validation_acceptable": f"{glue_share:.2f}",  # what answering "acceptable" scores on GLUE's
        "cola.validation_acceptable_pct": pct(glue_share),
        "cola.validation_acceptable_count": num(cola["glue_validation_acceptable"]),
        "cola.train_acceptable": pct(cola["train_acceptable_share"]),
        "cola.mean_tokens": f"{tokens['mean']:.1f}",
        "cola.p95_tokens": num(int(tokens["p95"])),
        "cola.max_tokens": num(tokens["max"]),
        "cola.pad_1024": pct(waste["pad to 1024"], 1),
        "cola.pad_1024_whole": pct(waste["pad to 1024"]),
        "cola.pad_per_batch": pct(waste["pad per batch"], 1),
        "cola.pad_sorted": pct(waste["pad per length-sorted batch"], 1),
        "cola.padding_batch": num(cola["padding_batch_size"]),
        "cola.map_row_by_row": span(cola["map_seconds"]["row_by_row"], fixed(1), "s"),
        "cola.map_batched": span(cola["map_seconds"]["batched"], fixed(1), "s"),
        "cola.map_load": span(cola["map_load"], fixed(0)),
        "cola.date": cola["started_utc"][:10],
    }


def speed_figures() -> dict[str, str]:
    """train_speed.py's 50-step legs: fp32 against bf16 and pad_to_multiple_of=8, and torch.compile."""
    speed, compiled = result("train-speed-bf16-pad8"), result("train-speed-compile")
    fp32, bf16, pad8 = speed["b"], speed["b_bf16=True"], speed["b_pad_to_multiple_of=8"]
    real, padded, sentences = fp32["epoch_real_tokens"], fp32["epoch_padded_tokens"], fp32["train_sentences"]
    faster = bf16["samples_per_second"] / fp32["samples_per_second"]
    with_compile = compiled["b_torch_compile=True"]
    return {
        "epoch.real_tokens": num(real),
        "epoch.real_tokens_3": num(3 * real),
        "epoch.padded_tokens": num(padded),
        "epoch.padding": pct(1 - real / padded),
        "epoch.mean_tokens": f"{real / sentences:.1f}",
        "epoch.pad_1024_tokens": num(sentences * 1024),
        "epoch.pad_1024_ratio": ratio(sentences * 1024 / real, 0, "×"),
        "bf16.speedup": ratio(faster),
        "bf16.samples": num(bf16["samples_per_second"], 1),
        "fp32.samples": num(fp32["samples_per_second"], 1),
        "bf16.evaluation": num(bf16["evaluation_seconds"], 1),
        "fp32.evaluation": f"{fp32['evaluation_seconds']:.1f} s",
        "bf16.peak_50": num(bf16["peak_rss_gib"], 2),
        "fp32.peak_50": gib(fp32["peak_rss_gib"]),
        "pad8.samples": num(pad8["samples_per_second"], 1),
        "pad8.tokens": num(pad8["mean_padded_length"], 1),
        "fp32.tokens": num(fp32["mean_padded_length"], 1),
        "fp32.step": f"{fp32['seconds_per_step']:.2f} s",
        "fp32.epochs_3": f"{speed['summary']['b']['3_epochs_minutes_extrapolated']:.1f} min",
        "variants.load": span([load(leg["load"]) for leg in (fp32, bf16, pad8)], fixed(1)),
        "compile.samples": num(with_compile["samples_per_second"], 1),
        "compile.base_samples": num(compiled["b"]["samples_per_second"], 1),
        "compile.step": num(with_compile["seconds_per_step"], 2),
        "compile.base_step": f"{compiled['b']['seconds_per_step']:.2f} s",
        "compile.run": num(compiled["summary"]["b_torch_compile=True"]["run_minutes_extrapolated"], 1),
        "compile.base_run": f"{compiled['summary']['b']['run_minutes_extrapolated']:.1f} min",
    }


def full_run_figures() -> dict[str, str]:
    """full_run.py's whole runs through workshop_lib.training.train; train_speed.py's predictions of them."""
    runs = {
        "before": result("full-run-before"),  # fp32, 3 epochs
        "after": result("full-run-after"),  # bf16, heap returned every 5 steps (the code now)
        "no_trim": result("full-run-after-no-trim"),
        "trim20": result("full-run-after-trim20"),
        "two": result("full-run-2-epochs"),  # the full profile now
    }
    f = {}
    for name, run in runs.items():
        levels = [part["rss_gib"] for part in run["drift"]]  # resident memory between steps
        f |= {
            f"run.{name}.train": secs_min(run["train_seconds"]),
            f"run.{name}.train_s": secs(run["train_seconds"]),
            f"run.{name}.all": secs(run["train_and_save_seconds"]),
            f"run.{name}.samples": num(run["samples_per_second"], 1),
            f"run.{name}.peak": gib_gb(run["peak_rss_gib"]),
            f"run.{name}.peak_gib": gib(run["peak_rss_gib"]),
            f"run.{name}.mcc_accuracy": per_seed([run["validation"]["mcc"], run["validation"]["accuracy"]]),
            f"run.{name}.started": f"{run['started_utc'][:16]} UTC",
            f"run.{name}.date": run["started_utc"][:10],
            f"run.{name}.steps_s": secs(run["step_seconds_total"]),
            f"run.{name}.steps_vs_no_trim": signed_pct(
                run["step_seconds_total"] / runs["no_trim"]["step_seconds_total"] - 1
            ),
            f"run.{name}.levels": span(levels, fixed(2), "GiB"),
            f"run.{name}.levels_from_to": f"{levels[0]:.2f} to {levels[-1]:.2f} GiB",
            f"run.{name}.evaluation": span(run["evaluation_seconds"], fixed(1), "s"),
        }
    before, after = runs["before"], runs["after"]
    evaluations, saves = sum(before["evaluation_seconds"]), sum(before["save_seconds"])
    other = before["train_seconds"] - before["step_seconds_total"] - evaluations - saves
    sample = before["sample_prediction"]
    fit, drift = before["whole_run_fit"], before["drift"]
    predicted_fp32 = result("train-speed-bf16-pad8")["b"]["extrapolated_run_seconds"]
    predicted_bf16 = result("train-speed-compile")["b"]["extrapolated_run_seconds"]
    return f | {
        "run.before.steps": num(before["steps"]),
        "run.before.step_seconds": num(before["step_seconds_total"], 1),
        "run.before.evaluations": " + ".join(num(s, 1) for s in before["evaluation_seconds"]),
        "run.before.saves": " + ".join(num(s, 1) for s in before["save_seconds"]),
        "run.before.saves_span": span(before["save_seconds"], fixed(1), "s"),
        "run.before.share_steps": pct(before["time_share"]["training_steps"], 1),
        "run.before.share_evaluations": pct(before["time_share"]["evaluations"], 1),
        "run.before.share_saves": pct(before["time_share"]["checkpoint_saves"], 1),
        "run.before.share_other": pct(before["time_share"]["other (setup, best-model reload)"], 2),
        "run.before.other": num(other, 1),
        "run.before.final_extra": f"{before['train_and_save_seconds'] - before['train_seconds']:.1f} s",
        "run.before.drift_step": span([p["seconds_per_step"] for p in drift], fixed(2), "s"),
        "run.before.drift_token": span([p["ms_per_padded_token"] for p in drift], fixed(2), "ms"),
        "run.before.fit": f"{fit['seconds_per_step']:.3f} s + {fit['ms_per_padded_token']:.2f} ms",
        "run.before.residual": f"±{max(abs(p['residual_vs_whole_fit']) for p in drift):.2f} s",
        "run.before.epochs": span([e["seconds"] for e in before["epochs"]], fixed(0), "s"),
        "run.before.padded_tokens": num(before["padded_tokens"]),
        "run.before.real_tokens": num(before["real_tokens"]),
        "run.before.padding": pct(before["padding_share"], 1),
        "run.before.predicted": f"{sample['predicted_step_seconds']:,.1f} s",
        "run.before.measured_steps": f"{before['step_seconds_total']:,.1f} s",
        "run.before.prediction_error": signed_pct(
            sample["predicted_step_seconds"] / before["step_seconds_total"] - 1
        ),
        "run.before.not_steps": secs(evaluations + saves),
        "run.before.not_steps_share": pct((evaluations + saves) / before["train_seconds"], 1),
        "run.after.above_levels": f"{after['peak_rss_gib'] - max(p['rss_gib'] for p in after['drift']):.1f}"
        " GiB",
        "run.speedup": ratio(before["train_seconds"] / after["train_seconds"]),
        "run.load_starts": span([load(r["load_start"]) for r in (before, after)], fixed(1)),
        "run.predicted_fp32": secs(predicted_fp32),
        "run.predicted_fp32_error": signed_pct(predicted_fp32 / before["train_seconds"] - 1),
        "run.predicted_bf16": secs(predicted_bf16),
        "run.predicted_bf16_error": signed_pct(predicted_bf16 / after["train_seconds"] - 1),
    }


RECIPE = (
    "epochs", "batch_size", "learning_rate", "warmup_steps", "freeze_embeddings", "freeze_blocks",
    "train_limit",
)
NONE_IF_0 = ("train_limit", "freeze_blocks")  # 0 and None: every sentence; no block frozen
LIMITS = (5000, 4000)  # training sentences compared with eager attention on 2026-12-02
BEFORE = dict(batch_size=16, learning_rate=1e-4, train_limit=6000, freeze_blocks=None)  # before the re-tuning
ALL_DATA = dict(train_limit=None, freeze_blocks=None)  # the quick profile of 2026-12-01: all of CoLA


def recipe(values: dict) -> tuple:
    """A run's or a profile's recipe; a train_limit or freeze_blocks of 0 means the same as none."""
    return tuple((values.get(k) or None) if k in NONE_IF_0 else values.get(k) for k in RECIPE)


def attention(run: dict) -> str:
    """The attention kernel a run trained with: SDPA in every run recorded before the key existed."""
    return run.get("attention", "sdpa")


def retuned(top_only: bool = False, kernel: str = "sdpa", **changes) -> list[dict]:
    """quick-retune.json's runs of the quick recipe with `changes` (none: the profile now), by SEEDS."""
    wanted = recipe(PROFILES["quick"] | changes)
    runs = [
        r
        for r in result("quick-retune")["runs"]
        if recipe(r["settings"]) == wanted and ("trained" in r) == top_only and attention(r) == kernel
    ]
    return sorted(runs, key=lambda r: SEEDS.index(r["settings"]["seed"]))


def machine_figures() -> dict[str, str]:
    """quick-machines.json: the quick profile on another 2-core machine, bf16 and fp32; its matmul rates."""
    found = result("quick-machines")
    f = {f"machines.matmul.{k}": f"{v:.0f} GFLOP/s" for k, v in found["matmul_gflops"].items()}
    f["machines.matmul.command"] = found["matmul_command"]
    for run in found["runs"]:
        name = f"machines.quick_{run['precision']}"
        f |= {
            f"{name}.mcc": mcc(run["metrics"]["mcc"]),
            f"{name}.train": num(round(run["metrics"]["train_seconds"])) + " s",
            f"{name}.samples": f"{run['metrics']['train_samples_per_second']:.1f} sentences/s",
            f"{name}.cpu": cpu_name(run["machine"]),
            f"{name}.command": run["command"],
            f"{name}.date": run["started"][:16].replace("T", " "),
        }
    # full_run.py --profile quick: GPT-2 small's architecture, random weights; SDPA on the Intel Xeon
    gpt2_runs = {"gpt2_quick": "quick-run-gpt2", "gpt2_quick_intel": "quick-run-gpt2-intel",
                 "gpt2_quick_avx2": "quick-run-gpt2-avx2"}
    for name, stem in gpt2_runs.items():
        gpt2 = result(stem)
        f |= {
            f"machines.{name}.train": num(round(gpt2["train_seconds"])) + " s",
            f"machines.{name}.samples": f"{gpt2['samples_per_second']:.1f} sentences/s",
            f"machines.{name}.precision": gpt2["precision"],
            f"machines.{name}.peak": gib(gpt2["peak_rss_gib"]),
            f"machines.{name}.cpu": cpu_name(gpt2["machine"]),
            f"machines.{name}.command": gpt2["command"],
            f"machines.{name}.date": gpt2["started_utc"][:16],
        }
    return f


def cpu_name(found: dict) -> str:
    """A results file's machine as "<cpu>, <n> cores" and, where recorded, its kind ("AuthenticAMD AVX2")."""
    kind = f", {found['kind']}" if "kind" in found else ""
    return f"{found['cpu']}, {found['nproc']} cores{kind}"


def attention_figures() -> dict[str, str]:
    """quick-recheck.json (whole quick runs, SDPA then eager) and attention-speed-*.json (same process)."""
    f = {}
    for run in result("quick-recheck")["runs"]:
        name, metrics = f"recheck.{run['attention']}", run["metrics"]
        f |= {
            f"{name}.train": num(round(metrics["train_seconds"])) + " s",
            f"{name}.samples": f"{metrics['train_samples_per_second']:.1f} sentences/s",
            f"{name}.mcc": mcc(metrics["mcc"]),
            f"{name}.selection_mcc": mcc(metrics["selection_mcc"]),
            f"{name}.cpu": cpu_name(run["machine"]),
            f"{name}.date": run["started"][:16].replace("T", " "),
            f"{name}.command": run["command"],
        }
    before = next(r for r in retuned(**ALL_DATA) if r["settings"]["seed"] == 42)  # 2026-12-01's machine
    sdpa = next(r for r in result("quick-recheck")["runs"] if r["attention"] == "sdpa")
    f["recheck.slower"] = f"{sdpa['metrics']['train_seconds'] / before['metrics']['train_seconds']:.1f}×"
    for model in ("standin", "gpt2"):
        found = result(f"attention-speed-{model}")
        best = {k: min(v) for k, v in found["seconds"].items()}
        f |= {
            f"attention.{model}.sdpa": f"{best['sdpa']:.1f} s",
            f"attention.{model}.eager": f"{best['eager']:.1f} s",
            f"attention.{model}.saved": f"{1 - found['eager_over_sdpa']:.0%}",
            f"attention.{model}.rounds": "; ".join(
                f"{kernel} " + " / ".join(f"{v:.1f}" for v in values) + " s"
                for kernel, values in found["seconds"].items()
            ),
            f"attention.{model}.precision": found["precision"],
            f"attention.{model}.steps": f"{found['steps']} steps of batch {found['batch_size']}",
            f"attention.{model}.cpu": cpu_name(found["machine"]),
            f"attention.{model}.date": found["started_utc"][:16].replace("T", " "),
            f"attention.{model}.command": found["command"],
        }
    return f


def omp_figures() -> dict[str, str]:
    """omp-wait-{quiet,busy}.json: the same steps under each OpenMP wait policy, in fresh processes."""
    f = {}
    for state in ("quiet", "busy"):
        found = result(f"omp-wait-{state}")
        minute = [float(load.split("/")[0]) for load in found["load"][1:]]  # 1-minute load after each timing
        best = {policy.split(":")[0]: min(v) for policy, v in found["seconds"].items()}
        f |= {f"omp_wait.{state}.{policy}": f"{seconds:.1f} s" for policy, seconds in best.items()}
        f |= {
            f"omp_wait.{state}.rounds": "; ".join(
                f"{policy} " + " / ".join(f"{v:.1f}" for v in values) + " s"
                for policy, values in found["seconds"].items()
            ),
            f"omp_wait.{state}.steps": f"{found['steps']} steps of batch 64",
            f"omp_wait.{state}.load": f"{min(minute):.1f}-{max(minute):.1f}",
            f"omp_wait.{state}.cpu": cpu_name(found["machine"]),
            f"omp_wait.{state}.date": found["started_utc"][:16].replace("T", " "),
            f"omp_wait.{state}.command": found["command"],
        }
    whole: dict[str, list[dict]] = {"spin": [], "passive": []}  # whole quick runs, by seed
    for run in result("omp-wait-whole")["runs"]:
        spin = dict(pair.split("=") for pair in run["openmp"].split()).get("GOMP_SPINCOUNT", "0")
        whole["passive" if spin == "0" else "spin"].append(run)  # no spin count with PASSIVE: sleep at once
    for name, runs in whole.items():
        runs.sort(key=lambda r: -r["settings"]["seed"])  # 42 first
        seconds = [r["metrics"]["train_seconds"] for r in runs]
        f |= {
            f"omp_whole.{name}.train": " / ".join(f"{x:.0f}" for x in seconds) + " s",
            f"omp_whole.{name}.mcc": " / ".join(mcc(r["metrics"]["mcc"]) for r in runs),
            f"omp_whole.{name}.load": "; ".join("{:.1f} → {:.1f}".format(*r["load"]) for r in runs),
            f"omp_whole.{name}.command": f"{runs[0]['openmp']} {runs[0]['command']}",
        }
    earlier = result("quick-drift")["runs"][0]  # the same machine, seed 42, sleeping at once, an hour before
    f |= {
        "omp_whole.earlier.train": f"{earlier['metrics']['train_seconds']:.0f} s",
        "omp_whole.earlier.date": earlier["started"][:16].replace("T", " "),
        "omp_whole.earlier.mcc": mcc(earlier["metrics"]["mcc"]),
    }
    f["omp_whole.seeds"] = " / ".join(str(r["settings"]["seed"]) for r in whole["spin"])
    times = sorted(r["started"][:16].replace("T", " ") for runs in whole.values() for r in runs)
    f["omp_whole.dates"] = f"{times[0]} to {times[-1][11:]}"
    f["omp_whole.saved"] = " / ".join(
        f"{1 - spun['metrics']['train_seconds'] / slept['metrics']['train_seconds']:.0%}"
        for spun, slept in zip(whole["spin"], whole["passive"], strict=True)
    )
    return f


def slow_figures() -> dict[str, str]:
    """quick-fourth.json and quick-lowest-blocks.json: the quick profile on an AVX2-only AMD EPYC (fp32)."""
    f = {}
    stems = {"quick": "quick-fourth", "lowest10": "quick-lowest-blocks"}
    runs = {name: result(stem)["runs"][0] for name, stem in stems.items()}
    for name, run in runs.items():  # seed 42 each
        metrics = run["metrics"]
        f |= {
            f"slow.{name}.train": num(round(metrics["train_seconds"])) + " s",
            f"slow.{name}.samples": f"{metrics['train_samples_per_second']:.1f} sentences/s",
            f"slow.{name}.mcc": mcc(metrics["mcc"]),
            f"slow.{name}.selection_mcc": mcc(metrics["selection_mcc"]),
            f"slow.{name}.precision": run["precision"],
            f"slow.{name}.cpu": cpu_name(run["machine"]),
            f"slow.{name}.date": run["started"][:16].replace("T", " "),
            f"slow.{name}.command": run["command"],
        }
    fastest = next(r for r in retuned(**ALL_DATA) if r["settings"]["seed"] == 42)  # 2026-12-01's machine
    slowest = runs["quick"]["metrics"]["train_seconds"]
    f["slow.spread"] = f"{slowest / fastest['metrics']['train_seconds']:.1f}×"
    return f


def lora_figures() -> dict[str, str]:
    """lora-speed-standin.json: quick-recipe steps against LoRA adapters, and the bar this machine sets."""
    found = result("lora-speed-standin")
    here = result("reference-outputs")  # the same machine's whole quick run, the same morning
    steady = {k: min(v) for k, v in found["steady_seconds"].items()}
    return {
        "lora.quick": f"{steady['quick']:.1f} s",
        "lora.lora": f"{steady['lora']:.1f} s",
        "lora.ratio": f"{steady['quick'] / steady['lora']:.2f}×",
        "lora.wall_ratio": f"{min(found['seconds']['quick']) / min(found['seconds']['lora']):.2f}×",
        "lora.rounds": str(len(found["seconds"]["quick"])),
        "lora.needed": f"{here['results']['train_seconds'] / TARGET_SECONDS:.2f}×",
        "lora.rank": str(found["rank"]),
        "lora.targets": ", ".join(f"`{t}`" for t in found["lora"]["targets"]),
        "lora.trained": f"{found['lora']['trained_parameters'] / 1e6:.2f} M",
        "lora.steps": f"{found['steps']} steps of batch {found['batch_size']}",
        "lora.precision": found["precision"],
        "lora.cpu": cpu_name(found["machine"]),
        "lora.date": found["started_utc"][:16].replace("T", " "),
        "lora.command": found["command"],
    }


def site_figures() -> dict[str, str]:
    """site-build.json: the course website built from scratch (benchmarks/site_build.py)."""
    found = result("site-build")
    return {
        "site_build.seconds": span(found["seconds"], fixed(0), "s"),
        "site_build.cpu": cpu_name(found["machine"]),
        "site_build.load": span([load(reading) for reading in found["load"]], fixed(1)),
        "site_build.command": found["command"],
    }


def setup_figures() -> dict[str, str]:
    """setup-time.json: a fresh clone's first `./workshop.sh` with uv (empty, filled cache) and pip."""
    found = result("setup-time")
    best = {k: min(v) for k, v in found["seconds"].items()}
    return {
        "setup.uv": f"{best['uv, empty cache']:.0f} s",
        "setup.uv_warm": f"{best['uv, cache filled']:.0f} s",
        "setup.pip": f"{best['pip']:.0f} s",
        "setup.cpu": cpu_name(found["machine"]),
        "setup.command": found["command"],
    }


def retune_figures() -> dict[str, str]:
    """The quick profile re-tuned on the selection split (quick-retune.json): each variant's MCC and time."""
    f = {}
    for name, group in {
        "quick": retuned(),  # the profile now (SDPA attention then)
        "quick_b16": retuned(**BEFORE),  # batch 16 on 6,000 sentences, embeddings frozen
        "quick_unfrozen": retuned(**BEFORE, freeze_embeddings=False),
        "top_only": retuned(True, **BEFORE),
        **{
            f"b64_lr{round(rate * 1e5)}": retuned(**ALL_DATA, learning_rate=rate)
            for rate in (1e-4, 1.5e-4, 2e-4, 3e-4)
        },
        "lower_half": retuned(**ALL_DATA | dict(freeze_blocks=0.5)),  # and the lower half of the blocks
        **{f"limit{n}": retuned(kernel="eager", train_limit=n) for n in LIMITS},
        "limit5000_fifth": retuned(kernel="eager", train_limit=5000, freeze_blocks=0.2),
    }.items():
        mccs = [r["metrics"]["mcc"] for r in group]
        chosen = [r["metrics"]["selection_mcc"] for r in group]
        seconds = [r["metrics"]["train_seconds"] for r in group]
        sentences = group[0]["metrics"]["train_sentences"]
        f |= {
            f"standin.{name}.mcc": per_seed(mccs),
            f"standin.{name}.selection_mcc": per_seed(chosen),
            f"standin.{name}.selection_mean": mcc(statistics.mean(chosen)),
            f"standin.{name}.mean": mcc(statistics.mean(mccs)),
            f"standin.{name}.lowest": mcc(min(mccs)),
            f"standin.{name}.train": per_seed(seconds, fixed(0), "s"),
            f"standin.{name}.train_span": span(seconds, fixed(0), "s"),
            f"standin.{name}.samples": per_seed(
                [r["metrics"]["train_samples_per_second"] for r in group], fixed(1), "sentences/s"
            ),
            f"standin.{name}.load": "; ".join(" → ".join(f"{v:.1f}" for v in r["load"]) for r in group),
            f"standin.{name}.sentences": num(sentences),
            f"standin.{name}.steps": num(math.ceil(sentences / group[0]["settings"]["batch_size"])),
            f"standin.{name}.range": mcc(max(mccs) - min(mccs)),
            f"standin.{name}.date": group[0]["started"][:10],
            f"standin.{name}.cpu": cpu_name(group[0]["machine"]),
            f"standin.{name}.started": ", ".join(r["started"][11:16] for r in group) + " UTC",
        }
    full = [run for run, *_ in optimism_runs() if run["settings"]["profile"] == "full"]
    f["optimism.full.validation_mcc"] = per_seed([r["metrics"]["mcc"] for r in full])
    f["optimism.full.train_span"] = span([r["metrics"]["train_seconds"] for r in full], fixed(0), "s")
    return f


def reference_figures() -> dict[str, str]:
    """The reference outputs' run (reference_outputs.py): each notebook's wall time and its results."""
    run = result("reference-outputs")
    f = {f"reference.{stem[:2]}": secs_min(seconds) for stem, seconds in run["notebooks"].items()}
    return f | {
        "reference.all": secs_min(sum(run["notebooks"].values())),
        "reference.date": run["started"][:16].replace("T", " ") + " UTC",
        "reference.load": " → ".join(f"{v:.1f}" for v in run["load"]),
        "reference.cpu": cpu_name(run["machine"]),
        "reference.command": run["command"],
        "reference.train": num(round(run["results"]["train_seconds"])) + " s",
        "reference.mcc": mcc(run["results"]["mcc"]),
        "reference.selection_mcc": mcc(run["results"]["selection_mcc"]),
    }


def standin_figures() -> dict[str, str]:
    """The stand-in decoder with real weights (real_weights.py, quick-tuning-*.json): MCC, times, losses."""
    recipes = {
        "quick_before": standin("quick", 1, 1e-4),  # before the selection split, embeddings trained
        "full2": standin("full", 2, 5e-5),  # the full profile now
        "full3": standin("full", 3, 5e-5),  # the article's 3 epochs
        "lr2e5": standin("full", 3, 2e-5),
    }
    f = {}
    for name, group in recipes.items():
        mccs, seconds = [r["metrics"]["mcc"] for r in group], [r["metrics"]["train_seconds"] for r in group]
        f |= {
            f"standin.{name}.mcc": per_seed(mccs),
            f"standin.{name}.mean": mcc(statistics.mean(mccs)),
            f"standin.{name}.sd": mcc(statistics.stdev(mccs)),
            f"standin.{name}.train": per_seed(seconds, fixed(0), "s"),
            f"standin.{name}.train_span": span(seconds, fixed(0), "s"),
            f"standin.{name}.samples": span(
                [r["metrics"]["train_samples_per_second"] for r in group], fixed(1), "sentences/s"
            ),
            f"standin.{name}.date": group[0]["started"][:10],
        }
    losses = {  # validation loss after each epoch, per seed: the JSON's own, else the logs' (measured.json)
        name: [
            r["metrics"].get("epoch_eval_loss")
            or value(f"standin_epoch_loss.{name}_s{r['settings']['seed']}")
            for r in group
        ]
        for name, group in recipes.items()
        if name != "quick_before"
    }
    for name, per_run in losses.items():
        f |= {
            f"standin.{name}.last_loss": per_seed([run[-1] for run in per_run], fixed(2)),
            f"standin.{name}.last_loss_span": span([run[-1] for run in per_run], fixed(2)),
            f"standin.{name}.early_loss_span": span([v for run in per_run for v in run[:-1]], fixed(2)),
            f"standin.{name}.epoch_loss": "; ".join(
                f"seed {seed}: " + " -> ".join(num(v, 2) for v in run)
                for seed, run in zip(SEEDS, per_run, strict=True)
            ),
        }
    three, two, first = recipes["full3"], recipes["full2"], recipes["full3"][0]
    gaps = [a["metrics"]["mcc"] - b["metrics"]["mcc"] for a, b in zip(three, two, strict=True)]
    mean_seconds = {n: statistics.mean(r["metrics"]["train_seconds"] for r in g) for n, g in recipes.items()}
    recipe_minutes = [sum(r["metrics"]["train_seconds"] for r in recipes[n]) / 60 for n in losses]
    f |= {
        "standin.gap": mcc(statistics.mean(gaps)),
        "standin.gap_seed_1": mcc(gaps[SEEDS.index(1)]),
        "standin.gap_seed_2": mcc(gaps[SEEDS.index(2)]),
        "standin.gap_seed_42": mcc(-gaps[SEEDS.index(42)]),
        "standin.time_ratio": ratio(mean_seconds["full3"] / mean_seconds["full2"], 1),
        "standin.epoch_2_loss": num(statistics.mean(run[1] for run in losses["full3"]), 2),
        "standin.recipe_minutes": span(recipe_minutes, fixed(0), "minutes"),
        "standin.quick_before.lowest": mcc(min(r["metrics"]["mcc"] for r in recipes["quick_before"])),
        "standin.full3.seed42": mcc(first["metrics"]["mcc"]),
        "standin.full3.seed42_epochs": per_seed(first["metrics"]["epoch_mcc"]),
        "standin.full3.seed42_accuracy": mcc(first["metrics"]["accuracy"]),
        "standin.full3.seed42_train": secs(first["metrics"]["train_seconds"]),
        "standin.full3.seed42_samples": f"{first['metrics']['train_samples_per_second']:.1f} samples/s",
        "standin.full3.seed42_started": first["started"][11:16] + " UTC",
        "standin.full3.seed42_load": span(first["load"], fixed(1)),
        "standin.zero_shot": mcc(result("zero-shot-standin")["runs"][0]["metrics"]["mcc"]),
        # what the 2026-11 tuning compared with: chosen on another sample, before the selection split existed
        "tuning.zero_shot": mcc(result("quick-tuning-zeroshot")["runs"][0]["metrics"]["mcc"]),
    }
    for config in ("A", "B", "C"):  # quick-tuning-<config>-s<seed>.json; a seed not run shows as –
        files = [RESULTS / f"quick-tuning-{config}-s{seed}.json" for seed in SEEDS]
        f[f"tuning.{config}.mcc"] = " / ".join(
            mcc(json.loads(p.read_text())["runs"][0]["metrics"]["mcc"]) if p.is_file() else "–" for p in files
        )
    return f


def recorded_figures() -> dict[str, str]:
    """Figures computed from the hand-recorded ones (measured.json, published.json)."""
    quiet = entries()["speed_1128"]["values"]
    sentences = result("cola-stats")["train_sentences"]
    hours = [3 * sentences / samples / 3600 for samples in quiet["a_samples_s"]]
    gb = [g * 2**30 / 1e9 for g in quiet["b_peak_gib"]]
    gpt1, bert = value("gpt1_cola.mcc100"), value("bert_base_cased_run_glue.mcc100")
    return {
        "speed.a_samples": span(quiet["a_samples_s"]),
        "speed.b_samples": span(quiet["b_samples_s"], fixed(1)),
        "speed.ratio": span(quiet["ratio_steps"], num, "x"),
        "speed.a_3_epochs": span(hours, fixed(0), "h"),
        "speed.b_peak_gb": span(gb, fixed(1), "GB"),
        "speed.b_peak_gb_2": span(gb, fixed(2), "GB"),
        "speed.b_step": f"{value('speed_1128_run1.b_s_per_step'):.2f} s",
        "speed.batch8": f"{value('article_memory_probe.batch8_gib'):.0f} GiB",
        "speed.article_vs_here": ratio(value("article.samples_per_second") / quiet["a_samples_s"][0], 0, "×"),
        "omp.slowdown": ratio(value("omp_smoke.two_threads") / value("omp_smoke.one_thread"), 0),
        "omp.busy_ratio": ratio(value("omp_busy.b2_s_per_step") / value("omp_busy.b1_s_per_step"), 1, "×"),
        "gelu.saved": gib(value("gelu_1128.gelu_new_peak_gib") - value("gelu_1128.fused_peak_gib")),
        "gelu.saved_share": pct(1 - value("gelu_1128.fused_peak_gib") / value("gelu_1128.gelu_new_peak_gib")),
        "issue10.minutes": f"{value('issue10_full_run.seconds') / 60:.0f} minutes",
        "published.gpt1": f"{mcc(gpt1 / 100)} ({num(gpt1)})",
        "published.bert_run_glue": f"{mcc(bert / 100)} ({num(bert)})",
    }


@cache
def derived() -> dict[str, str]:
    """Every figure computed from the results files, by the name the docs use."""
    return (
        cola_figures() | speed_figures() | full_run_figures() | standin_figures() | retune_figures()
        | machine_figures() | attention_figures() | omp_figures() | slow_figures() | lora_figures()
        | setup_figures() | site_figures() | reference_figures() | recorded_figures()
    )


# ---- blocks: places rendered by a function -----------------------------------------------------------------
def expectations() -> str:
    """The what-to-expect table: expectations.json's rows with their fields filled."""
    table = result("expectations")
    rows = [[fill(cell) for cell in row] for row in table["rows"]]
    return markdown_table(table["columns"], rows) + "\n\n" + table["note"]


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
    lines = [
        title,
        "",
        f"Written by `benchmarks/render.py` from `{source}` (`benchmarks/real_weights.py` runs them). Every",
        "number here is the **stand-in's** (SmolLM2-135M-Instruct, Llama architecture, weights dequantized",
        "from a 4-bit GGUF), not GPT-2's. MCC on CoLA validation; zero-shot threshold chosen on a training",
        "sample.",
        "",
        markdown_table(header, rows),
        "",
        "Seconds: training time (zero-shot: loading and scoring); `*` resumed from a checkpoint, the time",
        "covers only the part after the resume. Load: the 1-minute load average before → after the run.",
        "",
        "Machines:",
        "",
    ]
    lines += [
        f"{i}. {m['cpu']}, {m['nproc']} cores, {m['ram_gib']} GiB; Python {m['python']}, torch {m['torch']} "
        f"({m['torch_threads']} threads), transformers {m['transformers']}"
        for i, m in enumerate(machines, 1)
    ]
    lines += ["", "Commands:", ""] + [f"{i}. `{c}`" for i, c in enumerate(commands, 1)]
    return "\n".join(lines)


def optimism_runs() -> list[tuple[dict, int, int]]:
    """selection-optimism.json's runs with the epoch the selection split kept and the one validation would."""
    path = RESULTS / "selection-optimism.json"
    runs = json.loads(path.read_text())["runs"] if path.is_file() else []
    found = []
    for run in sorted(runs, key=lambda r: (r["settings"]["profile"], SEEDS.index(r["settings"]["seed"]))):
        chose, peek = run["metrics"]["epoch_mcc"], run["metrics"]["epoch_validation_mcc"]
        found.append((run, chose.index(max(chose)), peek.index(max(peek))))  # the first best is kept
    return found


def optimism_table() -> str:
    """selection-optimism.json: per run, what the selection split chose against a choice on validation."""
    runs = optimism_runs()
    if not runs:
        return "No run finished yet (`benchmarks/results/selection-optimism.json` is empty)."
    header = ["profile", "seed", "selection MCC per epoch", "validation MCC per epoch", "chosen on selection"]
    header += ["chosen on validation", "optimism", "training s", "load (1-min)", "date (UTC)"]
    rows = []
    for run, kept, best in runs:
        chose, peek = run["metrics"]["epoch_mcc"], run["metrics"]["epoch_validation_mcc"]
        rows.append(
            [
                run["settings"]["profile"],
                run["settings"]["seed"],
                per_seed(chose),
                per_seed(peek),
                f"epoch {kept + 1}: {mcc(peek[kept])}",
                f"epoch {best + 1}: {mcc(peek[best])}",
                f"{peek[best] - peek[kept]:+.3f}",
                num(round(run["metrics"]["train_seconds"])),
                " → ".join(f"{value:.1f}" for value in run["load"]),
                run["started"][:16].replace("T", " "),
            ]
        )
    commands = sorted({run["command"] for run, *_ in runs})
    machines = sorted({f"{m['cpu']}, {m['nproc']} cores" for m in (run["machine"] for run, *_ in runs)})
    return (
        markdown_table(header, rows)
        + "\n\nOptimism: the validation MCC a validation-chosen checkpoint reports minus the one the "
        "selection split's choice scores (both as the extra per-epoch scoring measures them; the run's own "
        "final validation score, in bf16 like its training, can differ in the third decimal). Training "
        "seconds ran beside other work (the load column): not a speed measurement. Stand-in: "
        "SmolLM2-135M-Instruct, not GPT-2. Machine: "
        + "; ".join(machines)
        + ". Command: "
        + "; ".join(f"`{c}`" for c in commands)
        + " (`benchmarks/results/selection-optimism.json`)."
    )


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
    "classroom_sizing": classroom_sizing,
    "expectations": expectations,
    "optimism": optimism_table,
    "optimism_lesson": optimism_lesson,
    "real_weights": lambda: real_weights_table(
        result("real-weights")["runs"], "benchmarks/results/real-weights.json"
    ),
    "quick_retune": lambda: real_weights_table(
        result("quick-retune")["runs"],
        "benchmarks/results/quick-retune.json",
        "### The quick profile, re-tuned on the selection split: every configuration tried (stand-in)",
    ),
}


# ---- rendering ---------------------------------------------------------------------------------------------
@cache
def templates() -> dict[str, str]:
    """benchmarks/templates.md's templates, by name."""
    found = re.findall(r"<!-- template:([\w.-]+) -->\n(.*?)\n<!-- /template -->", TEMPLATES.read_text(), re.S)
    return dict(found)


def fill(template: str) -> str:
    """`template` with its {FIGURE} fields filled."""
    return FIELD.sub(lambda m: figure(m.group(1)), template)


def figure(name: str) -> str:
    """The text of one template, block or figure."""
    if name in templates():
        return fill(templates()[name])
    if name in BLOCKS:
        return BLOCKS[name]()
    if name in derived():
        return derived()[name]
    try:
        return recorded(name)
    except (KeyError, IndexError, ValueError) as error:
        raise KeyError(f"unknown figure or template {name!r} ({error!r})") from None


def render_text(text: str) -> str:
    """`text` with every marked place filled. A block (a table, paragraphs) gets lines of its own, indented
    like its marker; anything else stays inline."""

    def place(match: re.Match) -> str:
        body = figure(match.group(1))
        if body.startswith("|") or "\n\n" in body:
            indent = text[text.rfind("\n", 0, match.start()) + 1 : match.start()]
            indent = "" if indent.strip() else indent
            body = "".join(f"\n{indent}{line}" if line else "\n" for line in body.split("\n")) + f"\n{indent}"
        return f"<!-- measured:{match.group(1)} -->{body}<!-- /measured -->"

    return MARKER.sub(place, text)


def problems(name: str, old: str, new: str) -> list[str]:
    """The marked places of `old` that `new` changes, and lines of text that start with a marker (Markdown
    would take such a line for raw HTML, and show its Markdown as it is)."""
    before, after = MARKER.findall(old), MARKER.findall(new)
    found = [f"{name}: {b[0]} is stale" for b, a in zip(before, after, strict=True) if b != a]
    for number, line in enumerate(new.splitlines(), 1):
        if re.match(r"\s*<!-- /?measured", line) and not re.fullmatch(
            r"\s*<!-- (measured:[\w.|-]+|/measured) -->", line
        ):
            found.append(f"{name}, line {number}: a marker starts a line of text; move it after a word")
    return found


def render_all(write: bool) -> list[str]:
    """Render every doc and the notebooks' Markdown cells; write them when `write`. The problems found."""
    import nbformat

    found = []
    for doc in DOCS:
        path = ROOT / doc
        old = path.read_text()
        new = render_text(old)
        found += problems(doc, old, new)
        if write and new != old:
            path.write_text(new)
    for path in sorted(path for pattern in NOTEBOOKS for path in ROOT.glob(pattern)):
        nb = nbformat.read(path, as_version=nbformat.NO_CONVERT)
        changed = False
        for i, cell in enumerate(nb.cells):
            if cell.cell_type == "markdown" and "<!-- " in cell.source:
                new = render_text(cell.source)
                found += problems(f"{path.relative_to(ROOT)} cell {i}", cell.source, new)
                changed |= new != cell.source
                cell.source = new
        if write and changed:
            nbformat.write(nb, path)
    return found


def main(argv: list[str] | None = None) -> int:
    """Render (or with --check only compare) and list what was stale."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare only; exit 1 when a place is stale")
    args = parser.parse_args(argv)
    found = render_all(write=not args.check)
    print(f"{len(found)} problem(s)" + "".join(f"\n  {place}" for place in found))
    if not args.check and found:
        print("(rewritten; after changing a learner notebook run python -m workshop_lib.dev.solutions)")
    return 1 if args.check and found else 0


if __name__ == "__main__":
    sys.exit(main())
