"""CoLA's figures that the notebooks and docs quote: split sizes, label shares, GPT-2 token lengths, padding.

Measured on a local copy of CoLA (raw 1.1 form: it also says which domain a validation sentence is from;
the GLUE form for the unlabelled test split) with GPT-2's tokenizer, plus the time of tokenizing the training
split with `Dataset.map` row by row and batched (notebook 03; `map`'s cache off, three times each). Writes
benchmarks/results/cola-stats.json, from which `benchmarks/render.py` fills the docs.

    WORKSHOP_COLA_DIR=/path/to/cola WORKSHOP_GPT2_TOKENIZER=/path/to/gpt2-tokenizer \
        python benchmarks/cola_stats.py
"""

from __future__ import annotations

import json
import os
import shlex
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import datasets
import numpy as np
from results_files import write_result  # same script folder
from train_speed import machine

from workshop_lib.data import load_cola
from workshop_lib.lessons.exploration import token_lengths
from workshop_lib.modeling import load_tokenizer
from workshop_lib.preprocess import padding_report

ROOT = Path(__file__).resolve().parent.parent
BATCH = 16  # notebook 03's padding comparison ran with this batch size
REPEATS = 3


def map_seconds(split: datasets.Dataset, tokenizer, batched: bool) -> list[float]:
    """Seconds to tokenize `split` with Dataset.map, row by row or batched, REPEATS times (cache off)."""
    datasets.disable_caching()
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        split.map(lambda rows: tokenizer(rows["sentence"]), batched=batched, desc=None)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    """Measure and write the JSON."""
    cola, tokenizer_dir = Path(os.environ["WORKSHOP_COLA_DIR"]), os.environ["WORKSHOP_GPT2_TOKENIZER"]
    data, glue = load_cola(cola / "raw"), load_cola(cola / "glue")
    tokenizer = load_tokenizer(tokenizer_dir)
    lengths = np.asarray(token_lengths(data["train"]["sentence"], tokenizer))
    validation = data["validation"]
    padding = padding_report(lengths, BATCH, max_length=1024)
    load_before = os.getloadavg()[0]
    row_by_row, batched = (
        map_seconds(data["train"], tokenizer, False),
        map_seconds(data["train"], tokenizer, True),
    )
    result = {
        "what": "CoLA 1.1 (raw form) with GPT-2's tokenizer: sizes, label shares, token lengths, padding",
        "command": shlex.join(["python", "benchmarks/cola_stats.py", *sys.argv[1:]]),
        "data": str(cola / "raw"),
        "tokenizer": tokenizer_dir,
        "machine": machine(),
        "started_utc": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M"),
        "train_sentences": len(lengths),
        "validation_sentences": len(validation),
        "test_sentences": len(glue["test"]),
        "glue_validation_acceptable": sum(glue["validation"]["label"]),  # GLUE's dev.tsv differs in 2 labels
        "validation_by_domain": {d: validation["domain"].count(d) for d in sorted(set(validation["domain"]))},
        "train_acceptable_share": float(np.mean(data["train"]["label"])),
        "validation_acceptable_share": float(np.mean(validation["label"])),
        "train_tokens": {
            "total": int(lengths.sum()),
            "mean": float(lengths.mean()),
            "p95": float(np.percentile(lengths, 95)),
            "max": int(lengths.max()),
        },
        "padding_batch_size": BATCH,
        "padding_wasted_share": {name: row["wasted_share"] for name, row in padding.items()},
        "map_seconds": {"row_by_row": row_by_row, "batched": batched},
        "map_load": [load_before, os.getloadavg()[0]],
    }
    out = ROOT / "benchmarks" / "results" / "cola-stats.json"
    write_result(out, result)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
