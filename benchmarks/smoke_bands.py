"""The smoke profile's learned numbers over seeds and CPU kernel paths, and the baseline made from them.

Each point is one `workshop train --profile smoke --set seed=S` plus notebook 01's zero-shot score of the same
tiny model, in a child process; `--kernels avx2` runs the children with ATEN_CPU_CAPABILITY=avx2 and
ONEDNN_MAX_CPU_ISA=AVX2 (this CPU forced to AVX2 kernels: labelled so, never as another CPU). The points of
an earlier results file made on another CPU (--points-from) join with their own CPU kind named. Each band:
the points' range, widened by itself on each side (BAND_WIDENING) and by at least BAND_FLOOR.

    python benchmarks/smoke_bands.py --seeds 1 2 3 4 5 6 42 --kernels native avx2 \
        [--points-from A_RESULTS_FILE_FROM_ANOTHER_CPU.json ...] \
        --exact-from runs/smoke-X/metrics.json --out benchmarks/results/smoke-bands.json \
        --baseline baselines/smoke.json
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from train_speed import machine, origin, publish  # same script folder

from workshop_lib.commands.baseline import kind_of, libraries, quality_metrics, recipe
from workshop_lib.device import cpu_kind
from workshop_lib.records import atomic_write_json
from workshop_lib.settings import resolve

KERNELS = {"native": {}, "avx2": {"ATEN_CPU_CAPABILITY": "avx2", "ONEDNN_MAX_CPU_ISA": "AVX2"}}
BAND_WIDENING = 1.0  # each side: the points' whole range (the band is three times as wide)
BAND_FLOOR = 0.01  # and at least this much on each side
RECORD_SEED = 42  # the profile's seed: its seed-drawn counts are recorded exactly
SAME_AS_TRAINING = {
    "deployment.validation_mcc": "training.mcc",
    "deployment.validation_accuracy": "training.accuracy",
    "deployment.validation_f1": "training.f1",
}  # notebook 06 rescoring


def zero_shot(settings, source: str) -> dict:
    """Notebook 01's zero-shot score: threshold chosen on training sentences, MCC on validation."""
    from workshop_lib.data import load_data
    from workshop_lib.modeling import load_tokenizer
    from workshop_lib.settings import GoalOptions
    from workshop_lib.zero_shot import best_threshold, load_language_model, sentence_scores, zero_shot_metrics

    data, tokenizer = load_data(settings), load_tokenizer(source)
    train = data["train"].shuffle(seed=settings.seed)
    train = train.select(range(min(GoalOptions().zero_shot_train_sample, len(train))))
    lm = load_language_model(source)
    threshold, _ = best_threshold(sentence_scores(lm, tokenizer, train["sentence"]), train["label"])
    scores = sentence_scores(lm, tokenizer, data["validation"]["sentence"])
    return {
        "mcc": zero_shot_metrics(scores, data["validation"]["label"], threshold)["mcc"],
        "threshold": threshold,
    }


def one_point(seed: int, out: Path) -> dict:
    """Train the smoke profile with `seed` into `out`, score the tiny model zero-shot; the learned numbers."""
    from workshop_lib.modeling import base_model
    from workshop_lib.training import train

    settings = resolve("smoke", seed=seed, output_dir=str(out))
    metrics = {"training": train(settings), "zero_shot": zero_shot(settings, base_model(settings))}
    return {k: v for k, v in quality_metrics(metrics).items() if kind_of(k) == "learned"}


def child(seed: int, kernels: str) -> dict:
    """One point in a fresh process with the kernel path's environment."""
    with tempfile.TemporaryDirectory(prefix="smoke-band-") as tmp:
        result = Path(tmp) / "point.json"
        subprocess.run(
            [sys.executable, __file__, "--one", str(seed), tmp, str(result)],
            env={**os.environ, **KERNELS[kernels]},
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        return json.loads(result.read_text())


def recorded_points(paths: list[Path]) -> list[dict]:
    """The points of earlier results files of this script (other CPUs' runs), each named by its CPU kind."""
    return [point for path in paths for point in json.loads(path.read_text())["points"]]


def bands(points: list[dict]) -> dict[str, dict]:
    """Per learned metric: the points' range widened by BAND_WIDENING of itself (>= BAND_FLOOR) each side."""
    keys = sorted(set.intersection(*(set(p["metrics"]) for p in points)))
    found = {}
    for key in keys:
        values = [p["metrics"][key] for p in points]
        low, high = min(values), max(values)
        widen = max(BAND_WIDENING * (high - low), BAND_FLOOR)
        found[key] = {"low": round(low - widen, 4), "high": round(high + widen, 4)}
    for key, same in SAME_AS_TRAINING.items():
        found[key] = found[same]
    return found


def baseline(points: list[dict], exact_run: Path) -> dict:
    """The profile's baseline: recipe, exact numbers from one full smoke run, bands, the kinds measured."""
    metrics = quality_metrics(json.loads(exact_run.read_text())["metrics"])
    exact = {k: round(v, 6) for k, v in metrics.items() if kind_of(k) == "exact"}
    seeded = {k: round(v, 6) for k, v in metrics.items() if kind_of(k) == "seeded"}
    return {
        "settings": recipe(resolve("smoke")),
        "seed": RECORD_SEED,
        "libraries": libraries(),
        "cpu_kinds": sorted({p["kind"].split(" (")[0] for p in points}),
        "band_rule": f"points' range widened by {BAND_WIDENING} of itself each side, at least {BAND_FLOOR}",
        "exact": exact,
        "seeded": seeded,
        "bands": bands(points),
    }


def main(argv: list[str] | None = None) -> dict:
    """Measure the points, write the results file and the baseline."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--one", nargs=3, metavar=("SEED", "OUT", "RESULT"), help=argparse.SUPPRESS)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5, 6, RECORD_SEED])
    parser.add_argument("--kernels", nargs="+", choices=list(KERNELS), default=list(KERNELS))
    parser.add_argument("--points-from", type=Path, nargs="*", default=[])
    parser.add_argument(
        "--exact-from", type=Path, help="a smoke run's metrics.json (seed 42): the exact numbers"
    )
    parser.add_argument("--out", type=Path)
    parser.add_argument("--baseline", type=Path)
    args = parser.parse_args(argv)
    if args.one:
        seed, out, result = args.one
        atomic_write_json(Path(result), one_point(int(seed), Path(out)))
        return {}
    load = os.getloadavg()
    points = recorded_points(args.points_from)
    for kernels in args.kernels:
        label = cpu_kind() + ("" if kernels == "native" else " forced to AVX2 kernels")
        for seed in args.seeds:
            start = time.perf_counter()
            values = child(seed, kernels)
            print(
                f"{label} seed {seed}: training.mcc {values['training.mcc']:.4f} "
                f"({time.perf_counter() - start:.0f} s)"
            )
            points.append({"kind": label, "seed": seed, "libraries": libraries(), "metrics": values})
    report = {
        **origin("smoke_bands.py", argv),
        "machine": machine(),
        "load_before": load,
        "load_after": os.getloadavg(),
        "points": points,
        "bands": bands(points),
    }
    if args.baseline and args.exact_from:
        atomic_write_json(args.baseline, baseline(points, args.exact_from))
    return publish(report, args.out)


if __name__ == "__main__":
    main()
