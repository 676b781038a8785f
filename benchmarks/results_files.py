"""The results files in benchmarks/results/, read once, and the published figures of published.json."""

from __future__ import annotations

import json
import os
import re
import tempfile
from functools import cache
from pathlib import Path

from numbers_format import NOT_MEASURED, num, per_seed, span, with_unit

from workshop_lib.records import atomic_write_json
from workshop_lib.settings import PROFILES

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
SEEDS = (42, 1, 2)  # the order every per-seed figure is shown in
RECIPE = (
    "epochs", "batch_size", "learning_rate", "warmup_steps", "freeze_embeddings", "freeze_blocks",
    "train_limit", "evaluations_per_epoch",
)
NONE_IF_0 = ("train_limit", "freeze_blocks")  # 0 and None: every sentence; no block frozen
UNRECORDED = {"evaluations_per_epoch": 1}  # what a record from before the setting existed ran with


def recipe(values: dict) -> tuple:
    """A run's or a profile's recipe; a train_limit or freeze_blocks of 0 means the same as none."""
    found = UNRECORDED | values
    return tuple((found.get(k) or None) if k in NONE_IF_0 else found.get(k) for k in RECIPE)


def recipe_record(values: dict) -> dict:
    """A profile's or a run's recipe as a results file records it (the scripts write it beside "profile")."""
    return {k: values.get(k) for k in RECIPE}


def same_recipe(found: dict) -> bool:
    """Whether a results file's profile still has the recipe the file recorded."""
    return "recipe" in found and recipe(found["recipe"]) == recipe(PROFILES[found["profile"]])


def for_recipe(found: dict, figures: dict[str, str]) -> dict[str, str]:
    """`figures` of a results file while its profile has the recipe it recorded; else not measured."""
    return figures if same_recipe(found) else dict.fromkeys(figures, NOT_MEASURED)


PLACES = ("WORKSHOP_COLA_DIR", "WORKSHOP_GPT2_TOKENIZER", "WORKSHOP_STANDIN_DIR")  # named, not spelled out


def portable(found):
    """`found` with this machine's folders named as a reader sets them: $WORKSHOP_COLA_DIR and the other
    PLACES, $TMPDIR, and the repository as "."; a results file holds no path of one machine."""
    if isinstance(found, dict):
        return {k: portable(v) for k, v in found.items()}
    if isinstance(found, list):
        return [portable(v) for v in found]
    if not isinstance(found, str):
        return found
    places = {os.environ[name]: f"${name}" for name in PLACES if os.environ.get(name)}
    places |= {str(ROOT): ".", tempfile.gettempdir(): "$TMPDIR"}
    for folder, name in sorted(places.items(), key=lambda p: -len(p[0])):  # the longest folder first
        found = re.sub(re.escape(folder.rstrip("/")) + r"(?![^/\s\"'.,;:)])", lambda _, n=name: n, found)
    return found


def write_result(path: Path, found: dict) -> None:
    """Write a results file (atomically, keys sorted) with portable() paths."""
    atomic_write_json(path, portable(found))


@cache
def result(stem: str) -> dict:
    """benchmarks/results/<stem>.json."""
    return json.loads((RESULTS / f"{stem}.json").read_text())


@cache
def entries() -> dict[str, dict]:
    """The published figures (published.json, made by published.py), by name."""
    return result("published")["figures"]


def value(path: str):
    """The raw value of ENTRY.KEY in published.json."""
    name, key = path.split(".")
    return entries()[name]["values"][key]


def recorded(path: str) -> str:
    """ENTRY.KEY[.INDEX][|STYLE] of published.json, formatted by its unit."""
    path, _, style = path.partition("|")
    name, key, *index = path.split(".")
    entry = entries()[name]
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



def cpu_name(found: dict) -> str:
    """A results file's machine as "<cpu>, <n> cores" and, where recorded, its kind ("AuthenticAMD AVX2")."""
    kind = f", {found['kind']}" if "kind" in found else ""
    return f"{found['cpu']}, {found['nproc']} cores{kind}"
