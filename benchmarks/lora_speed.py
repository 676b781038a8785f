"""Train the same quick-recipe steps as they are and with LoRA adapters only, in one process.

    python benchmarks/lora_speed.py [--model-dir DIR] [--steps 15] [--rounds 2] [--rank 8] --json OUT.json

Whether low-rank adapters (peft's LoRA) could make the quick profile fast enough on a slow CPU. "quick" is the
quick recipe as it is (every weight trained but the token embeddings); "lora" freezes every pretrained weight
and trains rank-`--rank` adapters on peft's default modules for the model type, with the new classification
head. Backward still runs through every block (the lowest adapter needs its gradient), so only the weight
gradients and AdamW's work shrink. Each round times both, in alternating order, from the same start over one
epoch of a seeded sample of steps × batch training sentences (no evaluation, no saves). The report keeps the
wall time of each epoch and its steady part: the steps after the first, without the set-up that both pay.
Speed only: MCC, memory and sizes are real_weights.py --lora's (render.py's `lora` block, lora_table.py).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import torch
from train_speed import (  # same script folder
    StepClock,
    load,
    machine,
    origin,
    publish,
    sample_settings,
    timed_steps,
)

from workshop_lib.device import pick_device, pick_precision
from workshop_lib.settings import Settings

VARIANTS = ("quick", "lora")


def add_adapters(model: torch.nn.Module, rank: int) -> dict[str, object]:
    """Freeze every pretrained weight, add LoRA adapters of `rank` and train them with the head."""
    from peft import LoraConfig, inject_adapter_in_model
    from peft.utils.constants import TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING as TARGETS

    targets = TARGETS[model.config.model_type]
    inject_adapter_in_model(LoraConfig(r=rank, lora_alpha=2 * rank, target_modules=targets), model)
    model.requires_grad_(False)  # as real_weights.TrainTopOnly does; then only the adapters and the head
    (model.score if hasattr(model, "score") else model.classifier).requires_grad_(True)
    for name, param in model.named_parameters():
        if "lora_" in name:
            param.requires_grad_(True)
    trained = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return {"targets": list(targets), "trained_parameters": trained}


def timed(settings: Settings, variant: str, rank: int, adapters: dict) -> tuple[float, float]:
    """Wall seconds of one epoch of `variant`, and of its steps after the first."""
    clock = StepClock()
    prepare = (lambda model: adapters.update(add_adapters(model, rank))) if variant == "lora" else None
    wall = timed_steps(settings, prepare, [clock])
    return wall, sum(mark["end"] - mark["begin"] for mark in clock.marks[1:])


def main(argv: list[str] | None = None) -> dict:
    """Time both variants in turn and write the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", help="a local model folder (default: GPT-2 small's architecture)")
    parser.add_argument("--steps", type=int, default=15, help="training steps per timing")
    parser.add_argument("--rounds", type=int, default=2, help="timings per variant, in alternating order")
    parser.add_argument("--rank", type=int, default=8, help="LoRA rank")
    parser.add_argument("--json", type=Path, help="also write the report here")
    args = parser.parse_args(argv)
    import peft  # a workshop dependency since the LoRA appendix
    provenance = origin("lora_speed.py", argv)
    seconds: dict[str, list[float]] = {v: [] for v in VARIANTS}
    steady: dict[str, list[float]] = {v: [] for v in VARIANTS}
    adapters: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as work:
        settings = sample_settings(args.model_dir, Path(work), args.steps)
        load_before = load()
        for round_ in range(args.rounds):
            for variant in VARIANTS[:: 1 if round_ % 2 == 0 else -1]:
                wall, rest = timed(settings, variant, args.rank, adapters)
                seconds[variant].append(wall)
                steady[variant].append(rest)
                print(f"{variant}: {wall:.1f} s, steps 2-{args.steps} {rest:.1f} s", flush=True)
    report = {
        "model": Path(args.model_dir).name if args.model_dir else "GPT-2 small architecture",
        "precision": pick_precision(pick_device(), settings.precision),
        "batch_size": settings.batch_size,
        "steps": args.steps,
        "rank": args.rank,
        "lora": adapters,
        "seconds": seconds,
        "steady_seconds": steady,
        "peft": peft.__version__,
        "load": [load_before, load()],
        "machine": machine(),
        **provenance,
    }
    return publish(report, args.json)


if __name__ == "__main__":
    main()
