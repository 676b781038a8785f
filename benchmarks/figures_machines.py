"""Figures of the quick profile on other machines: GPT-2 small's architecture, attention, slow CPUs."""

from __future__ import annotations

from figures_standin import ALL_DATA, retuned
from numbers_format import gib, num
from results_files import cpu_name, for_recipe, result


def machine_figures() -> dict[str, str]:
    """The quick profile on other 2-core machines: the stand-in (quick-machines.json) and GPT-2 small's
    architecture with random weights (full_run.py --profile quick; SDPA on the Intel Xeon), by its recipe."""
    f = {
        f"machines.quick_{run['precision']}.train": num(round(run["metrics"]["train_seconds"])) + " s"
        for run in result("quick-machines")["runs"]
    }
    gpt2_runs = {"gpt2_quick": "quick-run-gpt2", "gpt2_quick_intel": "quick-run-gpt2-intel",
                 "gpt2_quick_avx2": "quick-run-gpt2-avx2"}
    for name, stem in gpt2_runs.items():
        gpt2 = result(stem)
        f |= for_recipe(gpt2, {
            f"machines.{name}.train": num(round(gpt2["train_seconds"])) + " s",
            f"machines.{name}.samples": f"{gpt2['samples_per_second']:.1f} sentences/s",
            f"machines.{name}.precision": gpt2["precision"],
            f"machines.{name}.peak": gib(gpt2["peak_rss_gib"]),
            f"machines.{name}.cpu": cpu_name(gpt2["machine"]),
        })
    return f


def attention_figures() -> dict[str, str]:
    """quick-recheck.json: whole quick runs of the stand-in, SDPA then eager attention (the CPU default)."""
    return {
        f"recheck.{run['attention']}.train": num(round(run["metrics"]["train_seconds"])) + " s"
        for run in result("quick-recheck")["runs"]
    }


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
