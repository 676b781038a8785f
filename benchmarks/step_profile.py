"""Where one training step of GPT-2 small goes: forward, backward, clipping, optimizer, zeroing gradients.

    python benchmarks/step_profile.py --batch 32 --length 10 --steps 5

Times are process CPU seconds (user + system) per step with one torch thread, so that other programs on the
machine inflate them less than wall-clock times; minor page faults count freshly touched memory pages.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import time

import torch
from transformers import GPT2Config, GPT2ForSequenceClassification


def cpu() -> tuple[float, int]:
    """Process CPU seconds and minor page faults so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime, usage.ru_minflt


def profile(attn: str, fused: bool, set_to_none: bool, args) -> dict:
    """Median CPU seconds (and page faults) per step phase for one variant."""
    torch.manual_seed(0)
    config = GPT2Config(num_labels=2, pad_token_id=50256)
    model = GPT2ForSequenceClassification(config).train()
    model.set_attn_implementation(attn)
    opt = torch.optim.AdamW(model.parameters(), lr=5e-5, weight_decay=0.01, fused=fused, foreach=not fused)
    ids = torch.randint(0, 50000, (args.batch, args.length))
    labels = torch.randint(0, 2, (args.batch,))
    phases: dict[str, list[tuple[float, int]]] = {}
    for step in range(args.steps + 1):
        marks = [("start", cpu())]
        loss = model(input_ids=ids, attention_mask=torch.ones_like(ids), labels=labels).loss
        marks.append(("forward", cpu()))
        loss.backward()
        marks.append(("backward", cpu()))
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        marks.append(("clip", cpu()))
        opt.step()
        marks.append(("optimizer", cpu()))
        model.zero_grad(set_to_none=set_to_none)
        marks.append(("zero_grad", cpu()))
        if step == 0:
            continue  # first step: one-time allocations
        for (_, (t0, f0)), (name, (t1, f1)) in zip(marks, marks[1:], strict=False):
            phases.setdefault(name, []).append((t1 - t0, f1 - f0))
    out = {name: statistics.median(t for t, _ in v) for name, v in phases.items()}
    out["step"] = sum(out.values())
    faults = [sum(f for _, f in step) for step in zip(*phases.values(), strict=True)]
    out["page_faults_per_step"] = statistics.median(faults)
    return out


def main() -> None:
    """Profile the variants and print one JSON line each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--length", type=int, default=10, help="tokens per sentence (CoLA: ~10 padded)")
    parser.add_argument("--steps", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(1)
    print(json.dumps({"load": os.getloadavg(), "batch": args.batch, "length": args.length}))
    variants = [("sdpa", True, True), ("eager", True, True), ("sdpa", False, True), ("sdpa", True, False)]
    for attn, fused, set_to_none in variants:
        start = time.perf_counter()
        result = profile(attn, fused, set_to_none, args)
        name = f"attn={attn} adamw={'fused' if fused else 'foreach'} zero_grad(set_to_none={set_to_none})"
        rounded = {k: round(v, 3) for k, v in result.items()}
        wall = round(time.perf_counter() - start, 1)
        print(json.dumps({"variant": name, **rounded, "wall": wall}), flush=True)


if __name__ == "__main__":
    main()
