"""The article's recipe against the workshop's (train_speed.py --legs abi: train-speed-recipes.json): the
performance document's "Results" section, its summary figures, the memory probe and inference."""

from __future__ import annotations

import json

from numbers_format import gib, gib_gb, num, rates, ratio
from results_files import RESULTS, cpu_name, load, recorded

from workshop_lib.records import markdown_table

STEM = "train-speed-recipes"
NOT_YET = "not measured yet"
COMMAND = f"python benchmarks/train_speed.py --steps 50 --article-steps 1 --legs abi --json benchmarks/results/{STEM}.json"  # noqa: E501
TARGETS = {"ratio": 150, "minutes": 30, "gb": 4}  # the project's targets for leg (b) against leg (a)


def report() -> dict | None:
    """train-speed-recipes.json when it holds both training legs, else None."""
    path = RESULTS / f"{STEM}.json"
    found = json.loads(path.read_text()) if path.is_file() else {}
    return found if "a" in found and "b" in found else None


def machine(found: dict) -> str:
    """The machine and software a report ran on, and the load around it."""
    m = found["machine"]
    when = f" on {found['started_utc'][:10]}" if "started_utc" in found else ""
    return (
        f"{cpu_name(m)}, {num(m['ram_gib'])} GiB RAM; Python {m['python']}, torch {m['torch']} "
        f"({m['torch_threads']} threads), transformers {m['transformers']}; 1-minute load "
        f"{num(load(found['load_at_start']), 1)} at the start, "
        f"{num(load(found['summary']['load_at_end']), 1)} at the end{when}"
    )


def recipe_figures() -> dict[str, str]:
    """The figures other places name: the ratio to the article's recipe, 3 epochs against the floor."""
    names = ("ratio", "b_3_epochs", "floor", "precision")
    found = report()
    if not found:
        return {f"recipes.{name}": NOT_YET for name in names}
    s = found["summary"]
    return {
        "recipes.ratio": ratio(s["b"]["over_a_samples_per_second"], 0, "×"),
        "recipes.b_3_epochs": f"{s['b']['3_epochs_minutes_extrapolated']:.1f} min",
        "recipes.floor": f"{s['floor_3_epochs_minutes']:.1f} min",
        "recipes.precision": found["b"]["precision"],
    }


def legs_table(found: dict) -> str:
    """Leg (a) against leg (b), row by row."""
    a, b, s = found["a"], found["b"], found["summary"]
    ways = {k: v / 60 for k, v in b["extrapolated_3_epochs_seconds"].items()}
    timed, whole = s["b"]["over_a_samples_per_second"], s["b"]["over_a_epoch_samples_per_second"]
    by = s["b"]["extrapolated_by"].replace("_", " ")
    rows = [
        ["precision", "fp32", b["precision"]],
        [
            "micro-batch × accumulation",
            f"{a['micro_batch']} × {a['accumulation_steps']}",
            f"{b['batch_size']} × 1",
        ],
        ["timed optimizer steps", num(a["timed_steps"]), num(b["timed_steps"])],
        ["seconds per step", num(a["seconds_per_step"], 2), num(b["seconds_per_step"], 3)],
        ["samples/s", num(a["samples_per_second"], 4), f"**{num(b['samples_per_second'], 2)}**"],
        ["real tokens/s", num(a["real_tokens_per_second"], 2), num(b["real_tokens_per_second"], 1)],
        ["padded tokens/s", num(a["padded_tokens_per_second"], 1), num(b["padded_tokens_per_second"], 1)],
        [
            "peak RSS, sampled (RSS when the leg started)",
            gib(max(a["peak_rss_gib"], a["high_water_gib"])),
            f"**{gib_gb(s['b']['peak_gib'])}** ({gib(b['rss_at_start_gib'])})",
        ],
        ["samples/s ratio to (a), timed steps", "1", f"**{ratio(timed, 0, '×')}**"],
        [
            "samples/s ratio to (a), whole epoch (extrapolated)",
            "1",
            f"{ratio(whole, 0, '×')} "
            f"({num(s['b']['epoch_samples_per_second_extrapolated'], 1)} samples/s)",
        ],
        [
            "3 epochs, full CoLA (**extrapolated**)",
            f"{s['a_3_epochs_hours_extrapolated']:.1f} h",
            f"**{s['b']['3_epochs_minutes_extrapolated']:.1f} min** ({by}; "
            f"{ways['by_steps']:.1f} by steps, {ways['by_padded_tokens']:.1f} by padded tokens)",
        ],
        [
            f"ratio to the floor at {b['precision']} ({s['floor_3_epochs_minutes']:.1f} min)",
            "–",
            ratio(s["b"]["over_floor"], 1, "×"),
        ],
    ]
    return markdown_table(["", "(a) article", "(b) workshop"], rows)


def probe(found: dict) -> str:
    """Leg (a)'s memory probe: one and two padded sentences, and batch 8 extrapolated."""
    a = found["a"]
    one, two = a["memory_probe"]["1"], a["memory_probe"]["2"]
    per = two["peak_gib"] - one["peak_gib"]
    batch8 = one["peak_gib"] + 7 * per
    faster = ratio(found["summary"]["article_machine_vs_a"], 0, "×")
    fit = (
        f"more than the script's memory budget, so it ran micro-batch {a['micro_batch']} with "
        f"{a['accumulation_steps']} accumulation steps"
        if a["accumulation_steps"] > 1
        else "within the script's memory budget, so it ran batch 8 whole"
    )
    return (
        "(a)'s memory probe: forward + backward of 1 sentence padded to 1024 peaked at "
        f"{gib(one['peak_gib'])} RSS ({num(one['seconds'], 1)} s), of 2 at {gib(two['peak_gib'])} "
        f"({num(two['seconds'], 1)} s): about "
        f"{gib(per)} per sentence with eager attention, so batch 8 would need about {gib(batch8)} "
        f"(extrapolated): {fit}. The article's own machine "
        f"({recorded('article.samples_per_second')}) was {faster} faster than this CPU on its recipe."
    )


def inference(found: dict) -> str:
    """The inference leg: PyTorch and ONNX Runtime sentences per second."""
    i = found.get("inference")
    if not i or "skipped" in i:
        return "**Inference**: not measured in this run."
    return (
        f"**Inference** on the validation split ({num(i['sentences'])} sentences, batch {i['batch_size']}, "
        f"random-weight GPT-2 small, fp32): PyTorch `predict_logits` "
        f"**{num(i['pytorch_sentences_per_second'], 1)} sentences/s**; ONNX Runtime `onnx_logits` "
        f"**{num(i['onnx_sentences_per_second'], 1)} sentences/s**, plus "
        f"{num(i['onnx_export_and_load_seconds'], 1)} s to export and open the session once."
    )


def targets(found: dict) -> str:
    """The project's targets for leg (b), met or not."""
    s = found["summary"]["b"]
    timed, whole = s["over_a_samples_per_second"], s["over_a_epoch_samples_per_second"]
    peak_gb = s["peak_gib"] * 2**30 / 1e9
    rows = [
        [
            f"(b) ≥ {TARGETS['ratio']}× the samples/s of (a)",
            f"{ratio(timed, 0, '×')} over the timed steps; {ratio(whole, 0, '×')} over a whole epoch "
            "(extrapolated)",
            "yes" if min(timed, whole) >= TARGETS["ratio"] else "no",
        ],
        [
            f"(b) 3 epochs ≤ {TARGETS['minutes']} min (extrapolated)",
            f"{s['3_epochs_minutes_extrapolated']:.1f} min",
            "yes" if s["3_epochs_minutes_extrapolated"] <= TARGETS["minutes"] else "no",
        ],
        [
            f"(b) peak memory ≤ {TARGETS['gb']} GB",
            gib_gb(s["peak_gib"]),
            "yes" if peak_gb <= TARGETS["gb"] else "no",
        ],
    ]
    return markdown_table(["target", "result", "met?"], rows)


def speed_recipes() -> str:
    """The performance document's "Results" section, from train-speed-recipes.json."""
    found = report()
    if not found:
        return f"Not measured yet: `{COMMAND}`, on a quiet machine, then `python benchmarks/render.py`."
    matmul = rates(found["matmul_gflops"])
    s, precision = found["summary"], found["b"]["precision"]
    head = (
        f"`python benchmarks/{found['command']}` on {machine(found)}. Measured matmul rate: {matmul}; "
        f"floor for 3 epochs at the run's precision ({precision}): **{s['floor_3_epochs_minutes']:.1f} min** "
        f"(in fp32: {s['fp32_floor_3_epochs_minutes']:.1f} min). 1-minute load at the end of each leg: "
        f"(a) {span_load(found['a'])}, (b) {span_load(found['b'])}."
    )
    parts = [head, legs_table(found), probe(found), inference(found), "**Targets**", targets(found)]
    return "\n\n".join(parts)


def span_load(leg: dict) -> str:
    """A leg's 1-minute load when it ended."""
    return num(load(leg["load"]), 1)

