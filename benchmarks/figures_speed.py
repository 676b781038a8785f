"""Figures computed from the speed, memory and set-up results files."""

from __future__ import annotations

import json

from numbers_format import fixed, gib, gib_gb, num, pct, secs, secs_min, span
from results_files import RESULTS, cpu_name, for_recipe, load, result, same_recipe


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
    """train_speed.py's workshop leg (b): an epoch's real and padded tokens."""
    fp32 = result("train-speed-bf16-pad8")["b"]
    real, padded = fp32["epoch_real_tokens"], fp32["epoch_padded_tokens"]
    return {
        "epoch.real_tokens_3": num(3 * real),
        "epoch.padded_tokens": num(padded),
        "epoch.padding": pct(1 - real / padded),
    }


def full_run_figures() -> dict[str, str]:
    """full_run.py's whole runs through workshop_lib.training.train: time, speed, peak memory. The full
    profile's runs only while it has the recipe they recorded; the 2-epoch run is named by its own."""
    runs = {
        "before": result("full-run-before"),  # fp32, 3 epochs
        "after": result("full-run-after"),  # bf16, heap returned every 5 steps (the code now)
        "two": result("full-run-2-epochs"),  # 2 epochs, bf16: the docs say "2 epochs"
    }
    f = {}
    for name, run in runs.items():
        found = {
            f"run.{name}.train": secs_min(run["train_seconds"]),
            f"run.{name}.train_s": secs(run["train_seconds"]),
            f"run.{name}.samples": num(run["samples_per_second"], 1),
            f"run.{name}.peak": gib_gb(run["peak_rss_gib"]),
            f"run.{name}.peak_gib": gib(run["peak_rss_gib"]),
            f"run.{name}.date": run["started_utc"][:10],
            f"run.{name}.cpu": cpu_name(run["machine"]),
        }
        f |= found if name == "two" else for_recipe(run, found)
    return f


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


def notebook_figures() -> dict[str, str]:
    """notebook-times.json: each notebook's wall time in a headless smoke run (notebook_times.py), its
    fastest round, while the smoke profile has the recipe the file recorded."""
    found = result("notebook-times")
    best = min(found["rounds"], key=lambda r: r["wall_seconds"])
    seconds = best["notebooks"]
    each = {f"smoke.{stem[:2]}": num(s, 1) + " s" for stem, s in seconds.items()}
    return for_recipe(found, each | {
        "smoke.cells": " | ".join(num(s, 1) for s in seconds.values()),
        "smoke.all": secs(sum(seconds.values())),
        "smoke.all_n": num(round(sum(seconds.values()))),
        "smoke.wall": secs(best["wall_seconds"]),
        "smoke.load": loads(best["load"]),
        "smoke.date": found["started_utc"][:10],
        "smoke.time_utc": found["started_utc"][11:16],
        "smoke.cpu": cpu_name(found["machine"]),
        "smoke.machine": "{name}, {ram_gib:g} GiB of memory, Python {python}, torch {torch}, transformers "
        "{transformers}".format(name=cpu_name(found["machine"]), **found["machine"]),
        "smoke.command": found["command"],
    })


def notebook_seconds() -> dict[str, float]:
    """Each notebook's seconds in notebook-times.json's fastest round; none while the recipe changed."""
    found = result("notebook-times")
    best = min(found["rounds"], key=lambda r: r["wall_seconds"])
    return best["notebooks"] if same_recipe(found) else {}


NOT_YET = "not measured yet"  # a tier test_tiers.py has not timed (or timed on a subset only)


def tier_figures() -> dict[str, str]:
    """test-tiers.json (test_tiers.py): each tier's wall time and counts in a fresh clone, and the browser
    and hub tests' seconds within `--all`; "not measured yet" for a tier not timed whole."""
    path = RESULTS / "test-tiers.json"
    found = json.loads(path.read_text()) if path.is_file() else {}
    tiers = found.get("tiers", {}) if not found.get("only") else {}
    f = dict.fromkeys(("tiers.default", "tiers.all", "tiers.browser", "tiers.hub", "tiers.where"), NOT_YET)
    for name, tier in tiers.items():
        failed = tier["failed"] + tier["errors"]
        counts = f"{num(tier['passed'])} passed, {num(tier['skipped'])} skipped, {num(failed)} failed"
        said = f"pytest {secs(tier['pytest_seconds'])}; {counts}; load {loads(tier['load'])}"
        wall = tier["wall_seconds"]
        f[f"tiers.{name}"] = f"{secs(wall)} ({wall / 60:.1f} min; {said})"
    if "all" in tiers:
        for key, file in (("browser", "tests/test_browser.py"), ("hub", "tests/test_hub_class.py")):
            seconds = tiers["all"]["files"].get(file)
            f[f"tiers.{key}"] = secs(seconds) if seconds is not None else NOT_YET
    if tiers:
        f["tiers.where"] = f"{cpu_name(found['machine'])}, {found['started_utc'][:10]}: `{found['command']}`"
    return f


def loads(readings: list[str]) -> str:
    """'1.66/1.90/1.98' load readings as their 1-minute figures: 1.7 → 1.9."""
    return " → ".join(num(load(reading), 1) for reading in readings)
