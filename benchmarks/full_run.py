"""Measure and profile a whole training run of a profile (full unless --profile), through `training.train`.

The model is GPT-2 small's architecture (`GPT2Config()`, random weights; speed does not depend on them) with
the real GPT-2 tokenizer and real CoLA when WORKSHOP_GPT2_TOKENIZER / WORKSHOP_COLA_DIR point at them. The
run is the one a learner starts with `workshop train --profile full` (or quick); this script adds only
clocks: every step's time and padded tokens, every evaluation and checkpoint save, the resident memory.

    python benchmarks/full_run.py [--profile quick] [--set name=value ...] --json benchmarks/results/NAME.json

It also replays the short benchmark's prediction (`train_speed.py`: a fit over steps 2-50, no evaluation, no
saves) on this run's own first steps, to show how far a 50-step sample lands from the whole run.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import psutil
from results_files import recipe_record  # same script folder
from train_speed import (  # same script folder
    GIB,
    PeakRSS,
    cola_source,
    gpt2_small_dir,
    load,
    machine,
    openmp,
    publish,
)
from transformers import TrainerCallback

from workshop_lib import training
from workshop_lib.commands.train import checked_setting
from workshop_lib.data import load_cola
from workshop_lib.device import pick_device, pick_precision
from workshop_lib.settings import PROFILES, resolve

SAMPLE_STEPS = 50  # what train_speed.py times: the first mega-batch of the length-grouped sampler


class RunClock(TrainerCallback):
    """Timestamps of every step, epoch boundary, evaluation, save and log; RSS after every step."""

    def __init__(self):
        self.events: list[tuple[str, float]] = []
        self.steps: list[dict] = []
        self.epoch_starts: list[int] = []  # index in `steps` of each epoch's first step
        self.phase = "setup"
        self.proc = psutil.Process()

    def _mark(self, name: str) -> None:
        self.events.append((name, time.perf_counter()))

    def on_train_begin(self, args, state, control, **kwargs):
        self._mark("train_begin")

    def on_epoch_begin(self, args, state, control, **kwargs):
        self.phase = "train"
        self.epoch_starts.append(len(self.steps))
        self._mark("epoch_begin")

    def on_step_begin(self, args, state, control, **kwargs):
        self.steps.append({"begin": time.perf_counter()})

    def on_step_end(self, args, state, control, **kwargs):
        self.steps[-1].update(end=time.perf_counter(), rss=self.proc.memory_info().rss)

    def on_epoch_end(self, args, state, control, **kwargs):
        self.phase = "evaluate"
        self._mark("epoch_end")

    def on_evaluate(self, args, state, control, **kwargs):
        self._mark("evaluate")

    def on_save(self, args, state, control, **kwargs):
        self._mark("save")

    def on_train_end(self, args, state, control, **kwargs):
        self.phase = "after"
        self._mark("train_end")


class RSSTrace(PeakRSS):
    """PeakRSS that also keeps (time, RSS) every interval, to find which phase holds the peak."""

    def _sample(self) -> None:
        self.trace: list[tuple[float, int]] = []
        proc = psutil.Process()
        while not self._stop.is_set():
            rss = proc.memory_info().rss
            self.peak = max(self.peak, rss)
            self.trace.append((time.perf_counter(), rss))
            time.sleep(self.interval)


def phase_peaks(events: list[tuple[str, float]], trace: list[tuple[float, int]]) -> dict:
    """Highest RSS (GiB) in each phase: steps, evaluations, saves, and after training (best reload, save)."""
    cuts = sorted(events, key=lambda e: e[1])
    names = {"epoch_begin": "steps", "epoch_end": "evaluation", "evaluate": "checkpoint save"}
    names |= {"save": "between save and next epoch", "train_end": "after training (reload best, save model)"}
    peaks: dict[str, float] = {}
    for t, rss in trace:
        phase = "setup"
        for name, when in cuts:
            if when <= t:
                phase = names.get(name, phase)
        peaks[phase] = max(peaks.get(phase, 0.0), rss / GIB)
    return peaks


def counting_collator(clock: RunClock) -> type:
    """The Trainer's collator class, also recording each training batch's rows, real and padded tokens."""
    base = training.DataCollatorWithPadding

    class Counting(base):
        batches: list[tuple[int, int, int]] = []

        def __call__(self, features):
            batch = super().__call__(features)
            if clock.phase == "train":
                mask = batch["attention_mask"]
                Counting.batches.append((mask.shape[0], int(mask.sum()), mask.numel()))
            return batch

    return Counting


def between(events: list[tuple[str, float]], first: str, then: str) -> list[float]:
    """Seconds from each `first` event to the next `then` event."""
    out, start = [], None
    for name, t in events:
        if name == first:
            start = t
        elif name == then and start is not None:
            out.append(t - start)
            start = None
    return out


def fit(padded: np.ndarray, seconds: np.ndarray) -> tuple[float, float]:
    """Least-squares seconds = c0 + c1 x padded tokens."""
    c1, c0 = np.polyfit(padded, seconds, 1)
    return float(c0), float(c1)


def analyse(clock: RunClock, batches: list, train_seconds: float) -> dict:
    """Where the run's time went, and what a 50-step sample would have predicted."""
    ends = np.array([s["end"] for s in clock.steps])
    begins = np.array([s["begin"] for s in clock.steps])
    # A step's time: from the previous step's end (so data loading counts), except the first step of an
    # epoch, which starts at its begin (evaluation and saving lie before it).
    step_seconds = np.diff(np.concatenate([[begins[0]], ends]))
    first_of_epoch = np.array(clock.epoch_starts)
    step_seconds[first_of_epoch] = ends[first_of_epoch] - begins[first_of_epoch]
    padded = np.array([b[2] for b in batches[: len(ends)]], dtype=float)
    real = np.array([b[1] for b in batches[: len(ends)]], dtype=float)
    evaluations = between(clock.events, "epoch_end", "evaluate")
    saves = between(clock.events, "evaluate", "save")
    train_begin = dict(clock.events)["train_begin"]
    train_end = [t for n, t in clock.events if n == "train_end"][-1]
    after_last_save = train_end - [t for n, t in clock.events if n == "save"][-1]
    c0, c1 = fit(padded, step_seconds)
    epochs = []
    for start, stop in zip(clock.epoch_starts, [*clock.epoch_starts[1:], len(ends)], strict=True):
        part = slice(start, stop)
        epochs.append(
            {
                "steps": int(len(step_seconds[part])),
                "seconds": float(step_seconds[part].sum()),
                "seconds_per_step": float(step_seconds[part].mean()),
                "padded_tokens": int(padded[part].sum()),
                "ms_per_padded_token": float(step_seconds[part].sum() / padded[part].sum() * 1e3),
            }
        )
    # By position in the run: does a step of the same size get slower over time?
    quarters = np.array_split(np.arange(len(step_seconds)), 8)
    drift = [
        {
            "steps": f"{q[0] + 1}-{q[-1] + 1}",
            "seconds_per_step": float(step_seconds[q].mean()),
            "ms_per_padded_token": float(step_seconds[q].sum() / padded[q].sum() * 1e3),
            "residual_vs_whole_fit": float(np.mean(step_seconds[q] - (c0 + c1 * padded[q]))),
            "rss_gib": float(np.mean([clock.steps[i]["rss"] for i in q]) / GIB),
        }
        for q in quarters
    ]
    # train_speed.py's prediction: fit over steps 2-50 of the first epoch, summed over every batch.
    sample = slice(1, SAMPLE_STEPS)
    s0, s1 = fit(padded[sample], step_seconds[sample])
    predicted = float(np.sum(s0 + s1 * padded))
    step_total = float(step_seconds.sum())
    return {
        "train_seconds": train_seconds,
        "steps": len(step_seconds),
        "samples_per_second": float(sum(b[0] for b in batches[: len(ends)]) / train_seconds),
        "real_tokens": int(real.sum()),
        "padded_tokens": int(padded.sum()),
        "padding_share": float(1 - real.sum() / padded.sum()),
        "time_share": {
            "training_steps": step_total / train_seconds,
            "evaluations": sum(evaluations) / train_seconds,
            "checkpoint_saves": sum(saves) / train_seconds,
            "other (setup, best-model reload)": 1
            - (step_total + sum(evaluations) + sum(saves)) / train_seconds,
        },
        "step_seconds_total": step_total,
        "evaluation_seconds": evaluations,
        "save_seconds": saves,
        "after_last_save_seconds": after_last_save,
        "before_first_step_seconds": float(begins[0] - train_begin),
        "whole_run_fit": {"seconds_per_step": c0, "ms_per_padded_token": c1 * 1e3},
        "epochs": epochs,
        "drift": drift,
        "sample_prediction": {
            "fit_steps": "2-50",
            "seconds_per_step": s0,
            "ms_per_padded_token": s1 * 1e3,
            "predicted_step_seconds": predicted,
            "measured_step_seconds": step_total,
            "predicted_over_measured_train_seconds": predicted / train_seconds,
        },
    }


def main(argv: list[str] | None = None) -> dict:
    """Run a profile once with clocks attached; print and optionally save the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="full", choices=["full", "quick"], help="which profile's recipe")
    parser.add_argument("--set", action="append", default=[], type=checked_setting, metavar="NAME=VALUE")
    parser.add_argument("--json", type=Path, help="also write the report here")
    parser.add_argument("--label", default="", help="a name for this run in the report")
    parser.add_argument(
        "--trim-every", type=int, help="experiment: return freed heap memory every N steps too"
    )
    args = parser.parse_args(argv)
    source = cola_source()
    started, load_start = time.time(), load()
    with tempfile.TemporaryDirectory(prefix="full-run-") as tmp:
        sentences = list(load_cola(source)["train"]["sentence"])
        model_dir, _, _ = gpt2_small_dir(Path(tmp) / "gpt2-small", sentences)
        overrides = {"model_name": str(model_dir), "data_source": source, **dict(args.set)}
        settings = resolve(args.profile, output_dir=str(Path(tmp) / "run"), **overrides)
        clock = RunClock()
        collator = counting_collator(clock)
        training.DataCollatorWithPadding = collator  # count padded tokens of the batches train() builds
        process_start = time.perf_counter()
        with RSSTrace(interval=0.05) as mem:
            # on top of the trimming every 5 steps that every bf16 CPU run of the workshop does
            extra = [training.ReturnFreedMemory(args.trim_every)] if args.trim_every else []
            metrics = training.train(settings, callbacks=[clock, *extra])
            clock._mark("model_saved")
        process_seconds = time.perf_counter() - process_start
        report = {
            "label": args.label,
            "profile": args.profile,
            "recipe": recipe_record(PROFILES[args.profile] | dict(args.set)),
            "trim_every": args.trim_every,
            "command": shlex.join(["python", "benchmarks/full_run.py", *sys.argv[1:]]),
            "machine": machine(),
            "openmp": openmp(),
            "started_utc": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(started)),
            "load_start": load_start,
            "load_end": load(),
            "settings": {k: v for k, v in overrides.items() if k != "model_name"},
            "precision": pick_precision(pick_device(), settings.precision),
            "train_and_save_seconds": process_seconds,
            "peak_rss_gib": mem.peak / GIB,
            "peak_rss_gib_by_phase": phase_peaks(clock.events, mem.trace),
            "validation": {k: metrics.get(k) for k in ("mcc", "accuracy", "loss")},
            **analyse(clock, collator.batches, metrics["train_seconds"]),
        }
    return publish(report, args.json)


if __name__ == "__main__":
    main()
