"""What quick's in-epoch evaluations and checkpoints cost: each one timed inside one whole quick run.

GPT-2 small's architecture (random weights; speed does not depend on them) with the real GPT-2 tokenizer and
real CoLA when WORKSHOP_GPT2_TOKENIZER / WORKSHOP_COLA_DIR point at them, trained by `training.train` as
`workshop train --profile quick` does.

    python benchmarks/quick_evaluations.py --json benchmarks/results/quick-evaluations-3.json
    python benchmarks/quick_evaluations.py --set evaluations_per_epoch=4 \
        --json benchmarks/results/quick-evaluations-4.json
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from train_speed import cola_source, gpt2_small_dir, load, machine, origin, publish  # same script folder
from transformers import TrainerCallback

from workshop_lib import training
from workshop_lib.commands.train import checked_setting
from workshop_lib.data import load_cola
from workshop_lib.device import pick_device, pick_precision
from workshop_lib.settings import resolve


class EvaluationClock(TrainerCallback):
    """Seconds of every evaluation (from the step that asks for it) and of every checkpoint save after it."""

    def __init__(self):
        self.evaluations: list[dict] = []
        self.began = 0.0
        self.training = True

    def on_step_end(self, args, state, control, **kwargs):
        self.began = time.perf_counter()  # the Trainer evaluates and saves right after this callback

    def on_train_end(self, args, state, control, **kwargs):
        self.training = False  # the validation score and this script's own evaluations follow

    def on_evaluate(self, args, state, control, metrics=None, **kwargs):
        if not self.training:
            return
        now = time.perf_counter()
        self.evaluations.append({"step": state.global_step, "evaluate_s": now - self.began,
                                 "mcc": metrics.get("eval_mcc")})
        self.began = now

    def on_save(self, args, state, control, **kwargs):
        self.evaluations[-1]["save_s"] = time.perf_counter() - self.began


def main(argv: list[str] | None = None) -> dict:
    """Run quick once with the clock attached; report each evaluation and save and their share."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="also write the report here")
    parser.add_argument("--set", action="append", default=[], type=checked_setting, metavar="NAME=VALUE")
    args = parser.parse_args(argv)
    source, load_start, started = cola_source(), load(), origin("quick_evaluations.py", argv)
    with tempfile.TemporaryDirectory(prefix="quick-evaluations-") as tmp:
        sentences = list(load_cola(source)["train"]["sentence"])
        model_dir, _, _ = gpt2_small_dir(Path(tmp) / "gpt2-small", sentences)
        settings = resolve(
            "quick", model_name=str(model_dir), data_source=source, output_dir=f"{tmp}/run", **dict(args.set)
        )
        clock = EvaluationClock()
        metrics = training.train(settings, callbacks=[clock], disable_tqdm=True)
    extra = clock.evaluations[:-1]  # every evaluation and save but the one an epoch-end run makes too
    extra_seconds = sum(e["evaluate_s"] + e.get("save_s", 0.0) for e in extra)
    report = {
        **started,
        "machine": machine(),
        "load_start": load_start,
        "load_end": load(),
        "precision": pick_precision(pick_device(), settings.precision),
        "evaluations_per_epoch": settings.evaluations_per_epoch,
        "train_seconds": metrics["train_seconds"],
        "evaluations": clock.evaluations,
        "extra_seconds": extra_seconds,
        "extra_share_of_training": extra_seconds / (metrics["train_seconds"] - extra_seconds),
    }
    return publish(report, args.json)


if __name__ == "__main__":
    main()
