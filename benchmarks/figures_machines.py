"""Figures of the quick profile on other machines: attention kernels, slow CPUs, LoRA."""

from __future__ import annotations

from figures_standin import ALL_DATA, retuned
from numbers_format import gib, mcc, num
from results_files import cpu_name, result

TARGET_SECONDS = 240  # the quick profile's training-time target: at most 4 minutes (issue 22)


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
