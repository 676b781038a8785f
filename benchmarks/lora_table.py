"""render.py's `lora` block: full fine-tuning against LoRA on the stand-in, from the results files.

The runs are benchmarks/real_weights.py's, with and without `--lora 8`, one process each, in
benchmarks/results/lora-quick-standin.json: LoRA's learning rate is chosen on the selection split at the
first seed (TUNING_SEED), and the table shows that rate's runs. The ratio per step is
benchmarks/lora_speed.py's (both variants in one process, in alternating order), lora-speed-standin.json.
"""

from __future__ import annotations

import re
import statistics

from numbers_format import gib, mcc, num, per_seed, ratio
from results_files import result

from workshop_lib.records import markdown_table

TUNING_SEED = 42
FULL = "full fine-tuning"  # the quick recipe: every weight but the token embeddings


def variant(run: dict) -> str:
    """What a run trained: "full fine-tuning" or "LoRA rank R"."""
    return run.get("trained", FULL)


def rate(run: dict) -> float:
    """A run's peak learning rate."""
    return run["settings"]["learning_rate"]


def seed_order(run: dict) -> tuple[bool, int]:
    """The tuning seed first, then the others in order."""
    return run["settings"]["seed"] != TUNING_SEED, run["settings"]["seed"]


def chosen_rates(runs: list[dict]) -> dict[str, float]:
    """Per variant, the rate with the best selection MCC at TUNING_SEED: chosen on one split, not reported."""
    tuning = [r for r in runs if r["settings"]["seed"] == TUNING_SEED]
    best = {}
    for name in sorted({variant(r) for r in tuning}):
        tried = [r for r in tuning if variant(r) == name]
        best[name] = rate(max(tried, key=lambda r: r["metrics"]["selection_mcc"]))
    return best


def row(name: str, runs: list[dict]) -> list[str]:
    """One variant's row: per seed MCC and time, the means, the counts and the load."""
    m = [r["metrics"] for r in runs]
    return [
        name,
        f"{rate(runs[0]):g}",
        ", ".join(str(r["settings"]["seed"]) for r in runs),
        per_seed([x["mcc"] for x in m]),
        mcc(statistics.mean(x["mcc"] for x in m)),
        per_seed([x["train_seconds"] for x in m], lambda s: num(s, 0)),
        gib(statistics.mean(x["peak_rss_gib"] for x in m)),
        num(m[0]["trained_parameters"]),
        num(m[0]["saved_bytes"] / 1e6, 1),
        " / ".join(f"{a:.1f}→{b:.1f}" for a, b in (r["load"] for r in runs)),
    ]


def tuning_line(runs: list[dict], chosen: dict[str, float]) -> str:
    """The selection MCC of each LoRA rate tried at TUNING_SEED, and the rate chosen."""
    tried = sorted((r for r in runs if variant(r) != FULL and r["settings"]["seed"] == TUNING_SEED), key=rate)
    shown = ", ".join(f"{rate(r):g} → {mcc(r['metrics']['selection_mcc'])}" for r in tried)
    best = ", ".join(f"{value:g}" for name, value in chosen.items() if name != FULL)
    seed = TUNING_SEED
    if len(tried) == 1:
        return f"LoRA's rate {best} is the only rate tried (selection MCC at seed {seed}: {shown})."
    return f"LoRA's rate {best} scored best on the selection split at seed {seed} of those tried ({shown})."


def against_full(shown: dict[str, list[dict]]) -> str:
    """How each LoRA variant's validation MCC compares with full fine-tuning's on the seeds both ran."""
    full = {r["settings"]["seed"]: r["metrics"]["mcc"] for r in shown.get(FULL, [])}
    lines = []
    for name, runs in shown.items():
        mine = {r["settings"]["seed"]: r["metrics"]["mcc"] for r in runs}
        seeds = [s for s in mine if s in full]
        if name == FULL or not seeds:
            continue
        lower = sum(mine[s] < full[s] for s in seeds)
        gap = statistics.mean(full[s] - mine[s] for s in seeds)
        zero = " One of its seeds ended at MCC 0, a constant answer." if min(mine.values()) == 0 else ""
        lines.append(
            f"On the seeds both ran ({', '.join(map(str, seeds))}), {name} scored below full fine-tuning at "
            f"{lower} of {len(seeds)}, by {mcc(gap)} on average.{zero}"
        )
    return " ".join(lines)


def step_line(speed: dict) -> str:
    """Full fine-tuning's steady seconds over LoRA's in lora_speed.py's timing (one process), its machine."""
    steady = speed["steady_seconds"]
    times = statistics.mean(steady["quick"]) / statistics.mean(steady["lora"])
    loads = " / ".join(speed["load"])
    return (
        f"Per step, timed in one process ({speed['steps']} steps a timing, {speed['precision']}, no "
        f"evaluation; {speed['machine']['cpu']}, {speed['machine']['kind']}, load {loads}): LoRA "
        f"{ratio(times, sign='×')} as fast as full fine-tuning (`{portable(speed['command'])}`)."
    )


def portable(command: str) -> str:
    """`command` without this machine's folders: the block is also shown in the (reference) notebooks."""
    return re.sub(r"(--model-dir|--work-dir) \S+", r"\1 DIR", command)


def commands(runs: list[dict]) -> str:
    """The runs' commands, one per kind with the seed as S."""
    found = sorted({portable(re.sub(r"--seeds( \d+)+", "--seeds S", r["command"])) for r in runs})
    return "; ".join(f"`{c}`" for c in found)


def block() -> str:
    """The table and its notes."""
    runs, speed = result("lora-quick-standin")["runs"], result("lora-speed-standin")
    chosen = chosen_rates(runs)
    header = ["Trained", "Rate", "Seeds", "Validation MCC per seed", "Mean", "Train s per seed",
              "Peak RSS (mean)", "Trained parameters", "To save, MB", "Load (1-min)"]  # fmt: skip
    shown = {
        name: sorted((r for r in runs if variant(r) == name and rate(r) == best), key=seed_order)
        for name, best in sorted(chosen.items(), key=lambda item: item[0] != FULL)
    }
    rows = [row(name, mine) for name, mine in shown.items()]
    missing = "" if FULL in chosen else " Full fine-tuning on this recipe: not measured yet (`--lora 0`)."
    machine = runs[0]["machine"]
    precision = ", ".join(sorted({r.get("precision", "?") for r in runs}))
    where = f"{machine['cpu']} ({machine['kind']}), {machine['nproc']} cores, torch {machine['torch']}"
    return (
        markdown_table(header, rows)
        + f"\n\n{against_full(shown)} {tuning_line(runs, chosen)}{missing} {step_line(speed)} "
        + f"SmolLM2-135M-Instruct (the stand-in, not GPT-2), quick profile, {precision}; {where}. "
        + f"Commands: {commands(runs)}"
    )
