"""Figures of the quick profile on other machines: GPT-2 small's architecture, attention, slow CPUs."""

from __future__ import annotations

from figures_standin import ALL_DATA, retuned
from numbers_format import gib, num
from results_files import cpu_name, for_recipe, result, same_recipe

from workshop_lib.records import markdown_table


def machine_figures() -> dict[str, str]:
    """GPT-2 small's architecture (random weights) on the quick profile, the run the docs quote in prose
    (full_run.py --profile quick), while its record has today's recipe."""
    gpt2 = result("quick-run-gpt2")
    return for_recipe(gpt2, {
        "machines.gpt2_quick.train": num(round(gpt2["train_seconds"])) + " s",
        "machines.gpt2_quick.precision": gpt2["precision"],
        "machines.gpt2_quick.peak": gib(gpt2["peak_rss_gib"]),
        "machines.gpt2_quick.cpu": cpu_name(gpt2["machine"]),
    })


GPT2_QUICK = ("quick-run-gpt2", "quick-run-gpt2-avx2")  # full_run.py --profile quick, one per machine kind


def gpt2_quick_machines() -> str:
    """The quick profile per machine kind (GPT-2 small's architecture): a row per record of today's recipe,
    and the machine kinds whose record is of an older one."""
    rows, stale = [], []
    for stem in GPT2_QUICK:
        run = result(stem)
        where = cpu_name(run["machine"])
        if not same_recipe(run):
            stale.append(where)
            continue
        rows.append([where, run["precision"], num(round(run["train_seconds"])) + " s",
                     f"{run['samples_per_second']:.1f}", gib(run["peak_rss_gib"])])  # fmt: skip
    header = ["machine", "precision", "training", "sentences/s", "peak memory"]
    table = markdown_table(header, rows) if rows else "No machine has run today's quick recipe yet."
    return table + (f"\n\nNot measured for today's recipe: {'; '.join(stale)}." if stale else "")


def slow_figures() -> dict[str, str]:
    """quick-fourth.json: the quick profile on an AVX2-only AMD EPYC (fp32), against its tuning machine."""
    slowest = result("quick-fourth")["runs"][0]["metrics"]["train_seconds"]  # seed 42
    fastest = next(r for r in retuned(**ALL_DATA) if r["settings"]["seed"] == 42)  # 2026-12-01's machine
    return {"slow.spread": f"{slowest / fastest['metrics']['train_seconds']:.1f}×"}



def evaluation_figures() -> dict[str, str]:
    """quick-evaluations-N.json: what N evaluations and saves inside quick's epoch cost."""
    f = {}
    for n in (3, 4):
        run = result(f"quick-evaluations-{n}")
        f |= {
            f"evaluations_{n}.share": f"{run['extra_share_of_training']:.1%}",
            f"evaluations_{n}.extra": num(round(run["extra_seconds"], 1)) + " s",
            f"evaluations_{n}.train": num(round(run["train_seconds"])) + " s",
            f"evaluations_{n}.where": f"{cpu_name(run['machine'])}, {run['precision']}, load "
            f"{run['load_start'].split('/')[0]}-{run['load_end'].split('/')[0]}",
            f"evaluations_{n}.command": run["command"],
        }
    return f
