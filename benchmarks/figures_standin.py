"""The stand-in's figures, looked up by the recipe each run recorded, never by today's profile."""

from __future__ import annotations

import json
import math
import statistics

from numbers_format import NOT_MEASURED, fixed, mcc, num, per_seed, secs_min, span
from results_files import RESULTS, SEEDS, cpu_name, for_recipe, recipe, result, standin, value

from workshop_lib.settings import PROFILES

BEFORE = dict(batch_size=16, learning_rate=1e-4, train_limit=6000, freeze_blocks=None)  # before the re-tuning
ALL_DATA = dict(train_limit=None, freeze_blocks=None)  # the quick profile of 2026-12-01: all of CoLA


def attention(run: dict) -> str:
    """The attention kernel a run trained with: SDPA in every run recorded before the key existed."""
    return run.get("attention", "sdpa")


# The quick recipe quick-retune.json's runs were measured around (2026-12-01); each figure names its changes.
MEASURED_QUICK = dict(
    epochs=1, batch_size=64, learning_rate=1.5e-4, warmup_steps=0.1, freeze_embeddings=True, train_limit=None,
    freeze_blocks=None,
)


def current(name: str, measured: dict) -> bool:
    """Whether PROFILES[name] still has the recipe `measured` describes (else its figures are not shown)."""
    return recipe(PROFILES[name]) == recipe(measured)


def retuned(top_only: bool = False, kernel: str = "sdpa", **changes) -> list[dict]:
    """quick-retune.json's runs of MEASURED_QUICK with `changes`, by the recipe each recorded; by SEEDS."""
    wanted = recipe(MEASURED_QUICK | changes)
    runs = [
        r
        for r in result("quick-retune")["runs"]
        if recipe(r["settings"]) == wanted and ("trained" in r) == top_only and attention(r) == kernel
    ]
    return sorted(runs, key=lambda r: SEEDS.index(r["settings"]["seed"]))



GROUP_FIGURES = (  # what each group of runs gives; all "not measured for this recipe" when none has it
    "mcc", "seeds", "recipe", "selection_mcc", "selection_mean", "mean", "lowest", "train", "train_span",
    "samples", "load", "sentences", "steps", "range", "date", "cpu", "started",
)


def described(run: dict) -> str:
    """What a run trained, from its record: "all of CoLA once, batch 64, token embeddings frozen, bf16"."""
    s = run["settings"]
    data = "all of CoLA" if not s.get("train_limit") else f"{num(s['train_limit'])} training sentences"
    epochs = "once" if s["epochs"] == 1 else f"{s['epochs']:g} epochs"
    frozen = ", token embeddings frozen" if s.get("freeze_embeddings") else ""
    return f"{data} {epochs}, batch {s['batch_size']}{frozen}, {run.get('precision', s['precision'])}"


def group_figures(name: str, group: list[dict]) -> dict[str, str]:
    """The figures of one recipe's runs (one per seed), named standin.<name>.<figure>."""
    if not group:
        return {f"standin.{name}.{key}": NOT_MEASURED for key in GROUP_FIGURES}
    mccs = [r["metrics"]["mcc"] for r in group]
    chosen = [r["metrics"]["selection_mcc"] for r in group]
    seconds = [r["metrics"]["train_seconds"] for r in group]
    sentences = group[0]["metrics"]["train_sentences"]
    return {
        f"standin.{name}.mcc": per_seed(mccs),
        f"standin.{name}.seeds": " / ".join(str(r["settings"]["seed"]) for r in group),
        f"standin.{name}.recipe": "; ".join(dict.fromkeys(described(r) for r in group)),
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


def todays_quick() -> list[dict]:
    """Every full fine-tuning run of today's quick recipe (lora-quick-standin.json): SEEDS first, then any
    other seed, so that no seed that ran is left out."""
    runs = result("lora-quick-standin")["runs"]
    runs = [r for r in runs if "trained" not in r and current("quick", r["settings"])]
    return sorted(runs, key=lambda r: (r["settings"]["seed"] not in SEEDS, seed_order(r["settings"]["seed"])))


def seed_order(seed: int) -> int:
    """Where a seed goes among per-seed figures: SEEDS' order, then the others by number."""
    return SEEDS.index(seed) if seed in SEEDS else seed


def retune_figures() -> dict[str, str]:
    """The quick profile re-tuned on the selection split (quick-retune.json): each variant's MCC and time."""
    f = {}
    for name, group in {
        "quick": todays_quick(),  # the profile now, every seed that ran
        "quick_unfrozen": retuned(**BEFORE, freeze_embeddings=False),  # batch 16 on 6,000 sentences
        "top_only": retuned(True, **BEFORE),  # the same, only the last block, final norm and head trained
    }.items():
        f |= group_figures(name, group)
    full = [run for run, *_ in optimism_runs() if run["settings"]["profile"] == "full"]
    f["optimism.full.validation_mcc"] = per_seed([r["metrics"]["mcc"] for r in full])
    f["optimism.full.seeds"] = " / ".join(str(r["settings"]["seed"]) for r in full)
    f["optimism.full.train_span"] = span([r["metrics"]["train_seconds"] for r in full], fixed(0), "s")
    return f


def reference_figures() -> dict[str, str]:
    """The reference outputs' run (reference_outputs.py): each notebook's wall time and its results, while
    the profile has the recipe the run recorded."""
    run = result("reference-outputs")
    f = {f"reference.{stem[:2]}": secs_min(seconds) for stem, seconds in run["notebooks"].items()}
    appendices = run.get("appendices", {})
    f |= {f"reference.{stem}": secs_min(entry["seconds"]) for stem, entry in appendices.items()}
    return for_recipe(run, f | {
        "reference.all": secs_min(sum(run["notebooks"].values())),
        "reference.date": run["started"][:16].replace("T", " ") + " UTC",
        "reference.load": " → ".join(f"{v:.1f}" for v in run["load"]),
        "reference.cpu": cpu_name(run["machine"]),
        "reference.command": run["command"],
        "reference.train": num(round(run["results"]["train_seconds"])) + " s",
        "reference.mcc": mcc(run["results"]["mcc"]),
        "reference.selection_mcc": mcc(run["results"]["selection_mcc"]),
    })


def standin_figures() -> dict[str, str]:
    """The stand-in decoder with real weights (real_weights.py, zero-shot-standin.json): MCC and times."""
    full2, full3 = standin("full", 2, 5e-5), standin("full", 3, 5e-5)  # 2 epochs; the article's 3
    return {
        "standin.full2.train_span": span([r["metrics"]["train_seconds"] for r in full2], fixed(0), "s"),
        "standin.full3.seed42": mcc(full3[0]["metrics"]["mcc"]),
        "standin.zero_shot": mcc(result("zero-shot-standin")["runs"][0]["metrics"]["mcc"]),
    }


def recorded_figures() -> dict[str, str]:
    """Figures computed from the published ones (published.json): MCC as a share and as published."""
    gpt1, bert = value("gpt1_cola.mcc100"), value("bert_base_cased_run_glue.mcc100")
    return {
        "published.gpt1": f"{mcc(gpt1 / 100)} ({num(gpt1)})",
        "published.bert_run_glue": f"{mcc(bert / 100)} ({num(bert)})",
    }


def optimism_runs() -> list[tuple[dict, int, int]]:
    """selection-optimism.json's runs with the epoch the selection split kept and the one validation would."""
    path = RESULTS / "selection-optimism.json"
    runs = json.loads(path.read_text())["runs"] if path.is_file() else []
    found = []
    for run in sorted(runs, key=lambda r: (r["settings"]["profile"], SEEDS.index(r["settings"]["seed"]))):
        chose, peek = run["metrics"]["epoch_mcc"], run["metrics"]["epoch_validation_mcc"]
        found.append((run, chose.index(max(chose)), peek.index(max(peek))))  # the first best is kept
    return found

