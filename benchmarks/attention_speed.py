"""Train the same quick-profile steps with PyTorch's fused attention (SDPA) and the plain one, in one process.

    python benchmarks/attention_speed.py [--model-dir DIR] [--steps 30] [--rounds 2] --json results/NAME.json

The model is the folder given (the stand-in) or GPT-2 small's architecture (random weights) with the real
GPT-2 tokenizer and real CoLA when WORKSHOP_GPT2_TOKENIZER / WORKSHOP_COLA_DIR point at them. Each round
trains the quick recipe for `--steps` steps (one epoch over a seeded sample of steps × batch training
sentences; no evaluation, no saves) once per kernel, in turn, from the same start; the report keeps each
kernel's fastest round and the ratio of the two.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from train_speed import load, machine, origin, publish, sample_settings, timed_steps  # same script folder

from workshop_lib.device import pick_device, pick_precision

KERNELS = ("sdpa", "eager")


def main(argv: list[str] | None = None) -> dict:
    """Time both kernels in turn and write the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", help="a local model folder (default: GPT-2 small's architecture)")
    parser.add_argument("--steps", type=int, default=30, help="training steps per timing")
    parser.add_argument("--rounds", type=int, default=2, help="timings per kernel, interleaved")
    parser.add_argument("--json", type=Path, help="also write the report here")
    args = parser.parse_args(argv)
    provenance = origin("attention_speed.py", argv)
    with tempfile.TemporaryDirectory() as work:
        settings = sample_settings(args.model_dir, Path(work), args.steps)
        seconds: dict[str, list[float]] = {k: [] for k in KERNELS}
        load_before = load()
        for _ in range(args.rounds):
            for kernel in KERNELS:
                use_kernel = lambda model, k=kernel: model.set_attn_implementation(k)  # noqa: E731
                seconds[kernel].append(timed_steps(settings, use_kernel))
                print(f"{kernel}: {seconds[kernel][-1]:.1f} s", flush=True)
    label = Path(args.model_dir).name if args.model_dir else "GPT-2 small architecture"
    best = {k: min(v) for k, v in seconds.items()}
    report = {
        "model": label,
        "precision": pick_precision(pick_device(), settings.precision),
        "batch_size": settings.batch_size,
        "steps": args.steps,
        "seconds": seconds,
        "eager_over_sdpa": best["eager"] / best["sdpa"],
        "load": [load_before, load()],
        "machine": machine(),
        **provenance,
    }
    return publish(report, args.json)


if __name__ == "__main__":
    main()
