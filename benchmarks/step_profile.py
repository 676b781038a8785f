"""Where a training step's time goes: per phase of a plain loop, or per operator category of the recipe.

    python benchmarks/step_profile.py --batch 32 --length 10 --steps 5        # phases, GPT-2 small, 1 thread
    python benchmarks/step_profile.py --model-dir DIR --steps 12 --json FILE   # operators and levers, quick

Phases: process CPU seconds (user + system) per step with one torch thread, so that other programs on the
machine inflate them less than wall-clock times; minor page faults count freshly touched memory pages.

Operators (`--model-dir`): the quick profile's recipe through `build_trainer` (its batch, the precision
`precision="auto"` picks, frozen embeddings) over a sample of real CoLA, under torch.profiler: each
operator's own time goes to a category, found from the operator's name, else from the model module that ran
it (the forward's) or whose forward made it (the backward's, by autograd's sequence numbers). Then the
levers: each variant trains the same sample for two epochs in this process, the second epoch timed.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import resource
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path

import workshop_lib  # noqa: F401  # isort: skip  (first: its OpenMP defaults apply only before torch loads)
import torch
from torch.profiler import ProfilerActivity, record_function, schedule
from train_speed import (  # same script folder
    layer_shapes,
    load,
    machine,
    origin,
    publish,
    release_memory,
    sample_settings,
    shape_gflops,
)
from transformers import GPT2Config, GPT2ForSequenceClassification, TrainerCallback

from workshop_lib import training
from workshop_lib.device import cpu_has_native_bf16, pick_device, pick_precision

OPERATORS = {  # an operator's name (or its start) -> its category; the innermost named one decides
    "matrix products": ("aten::mm", "aten::addmm", "aten::bmm", "aten::matmul", "aten::linear"),
    "casts": ("aten::_to_copy",),
    "attention": ("aten::_softmax", "aten::softmax", "aten::scaled_dot_product", "aten::_scaled_dot_product"),
    "loss": ("aten::nll_loss", "aten::log_softmax", "aten::_log_softmax", "aten::cross_entropy"),
    "activation": ("aten::silu", "aten::gelu", "aten::tanh"),
    "optimizer and clipping": ("aten::_foreach_", "aten::_fused_adam", "aten::linalg_vector_norm"),
    "embedding": ("aten::embedding",),
}
MODULES = {  # a model module's class name (its start or end) -> the category of what runs inside it
    "normalisation": ("RMSNorm", "LayerNorm"),
    "attention": ("Attention",),
    "activation": ("SiLU", "GELU", "Activation"),
    "matrix products": ("Linear", "Conv1D"),
    "embedding": ("Embedding",),
}
MODULE, COLLATE = "module:", "workshop:collate"  # the labels this script adds
BACKWARD = "autograd::engine::evaluate_function"
PYTHON = "Trainer, data, Python"  # the time outside any operator


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


def phases(args) -> None:
    """Profile the plain loop's variants and print one JSON line each."""
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


# ---- operators ---------------------------------------------------------------------------------------------
def named(name: str, table: dict[str, tuple[str, ...]], match=str.startswith) -> str | None:
    """The category of `table` whose names `name` matches, or None."""
    return next((category for category, names in table.items() if any(match(name, n) for n in names)), None)


def module_category(module: torch.nn.Module) -> str | None:
    """The category of what runs inside a model module, by its class name."""
    cls = type(module).__name__
    return named(cls, MODULES, lambda text, part: text.startswith(part) or text.endswith(part))


def label_modules(model: torch.nn.Module) -> None:
    """Wrap each categorised module's forward in a profiler label `module:<category>`."""

    def enter(module, _inputs):
        module._label = record_function(MODULE + module_category(module))
        module._label.__enter__()

    def leave(module, _inputs, _output):
        module._label.__exit__(None, None, None)

    for module in model.modules():
        if module_category(module):
            module.register_forward_pre_hook(enter)
            module.register_forward_hook(leave)


class LabelledCollator:
    """The Trainer's collator, its work labelled for the profiler; counts the rows and padded tokens."""

    def __init__(self, collator):
        self.collator, self.rows, self.padded = collator, 0, 0

    def __call__(self, features):
        with record_function(COLLATE):
            batch = self.collator(features)
        self.rows += batch["input_ids"].shape[0]
        self.padded += batch["input_ids"].numel()
        return batch


def chain(event) -> list:
    """An event and its enclosing events, innermost first."""
    found = []
    while event is not None:
        found.append(event)
        event = event.cpu_parent
    return found


def category(event, forward: dict[int, str]) -> str:
    """The category of an event's own time; `forward` maps autograd sequence numbers to forward categories."""
    around = chain(event)
    names = [e.name for e in around]
    if any(n.startswith("Optimizer.") for n in names):
        return "optimizer and clipping"
    if COLLATE in names or any("DataLoader" in n for n in names):
        return PYTHON
    for name in names:
        if found := named(name, OPERATORS):
            return found
    for e in around:
        if e.name.startswith(MODULE):
            return e.name.removeprefix(MODULE)
        if e.name.startswith(BACKWARD):
            # the node's own time, and nodes that no forward operator recorded (accumulating gradients)
            return forward.get(e.sequence_nr, "autograd engine") if e is not event else "autograd engine"
    return "other operators" if event.name.startswith("aten::") else PYTHON


def forward_categories(events) -> dict[int, str]:
    """The category of each forward operator that recorded an autograd node, by its sequence number."""
    forward: dict[int, str] = {}
    for e in sorted(events, key=lambda e: e.time_range.start):  # the innermost operator of a number last
        in_backward = any(p.name.startswith(BACKWARD) for p in chain(e))
        if e.sequence_nr >= 0 and not in_backward and e.name.startswith("aten::"):
            forward[e.sequence_nr] = category(e, {})
    return forward


def breakdown(events, steps: int) -> dict:
    """Seconds per step by category, operators per step and the heaviest operators, over profiled steps."""
    events = [e for e in events if e.device_type == torch.autograd.DeviceType.CPU]
    forward = forward_categories(events)
    seconds, ops, heavy = Counter(), Counter(), Counter()
    for e in events:
        seconds[category(e, forward)] += e.self_cpu_time_total / 1e6 / steps
        if e.name.startswith("aten::"):
            ops[e.name] += 1 / steps
            heavy[e.name] += e.self_cpu_time_total / 1e6 / steps
    wall = sum(e.cpu_time_total for e in events if e.name.startswith("ProfilerStep")) / 1e6 / steps
    return {
        "step_seconds": wall,
        "seconds_per_step": dict(seconds.most_common()),
        "operators_per_step": sum(ops.values()),
        "heaviest_operators": {name: [s, ops[name]] for name, s in heavy.most_common(12)},
    }


class Profiled(TrainerCallback):
    """Advance the profiler at each step's end (its schedule skips the first steps)."""

    def __init__(self, profiler):
        self.profiler = profiler

    def on_step_end(self, args, state, control, **kwargs):
        self.profiler.step()


NO_EVALUATION = dict(eval_strategy="no", save_strategy="no", load_best_model_at_end=False, disable_tqdm=True)


def operators(settings, steps: int) -> dict:
    """The breakdown of steps 3 to `steps` (the first two: warm-up) of one epoch over the sample."""
    active = steps - 2
    with torch.profiler.profile(
        activities=[ProfilerActivity.CPU], schedule=schedule(wait=1, warmup=1, active=active)
    ) as profiler:
        trainer = training.build_trainer(settings, [Profiled(profiler)], **NO_EVALUATION)
        label_modules(trainer.model)
        trainer.data_collator = collator = LabelledCollator(trainer.data_collator)
        trainer.train()
    return breakdown(profiler.events(), active) | {"mean_padded_length": collator.padded / collator.rows}


class EpochClock(TrainerCallback):
    """Wall seconds of each epoch, and the shapes of the batches seen."""

    def __init__(self):
        self.seconds: list[float] = []

    def on_epoch_begin(self, args, state, control, **kwargs):
        self.start = time.perf_counter()

    def on_epoch_end(self, args, state, control, **kwargs):
        self.seconds.append(time.perf_counter() - self.start)


LEVERS = {  # name -> what it changes: padding multiple, torch.compile, precision, attention, batch size
    "today": {},
    "pad to 8": dict(pad=8),
    "pad to 32": dict(pad=32),
    "pad to 32, compiled": dict(pad=32, compiled=True),
    "SDPA attention": dict(attention="sdpa"),
    "batch 128": dict(batch_size=128),
    "fp32": dict(precision="fp32"),
    "fp32, pad to 32": dict(pad=32, precision="fp32"),
}


def lever(settings, name: str) -> dict:
    """Both epochs' wall seconds of one lever over the sample, and its padded tokens per step."""
    change = LEVERS[name]
    settings = dataclasses.replace(
        settings,
        epochs=2,
        precision=change.get("precision", "auto"),
        batch_size=change.get("batch_size", settings.batch_size),  # the same sample in fewer, larger steps
    )
    clock = EpochClock()
    trainer = training.build_trainer(
        settings, [clock], torch_compile=change.get("compiled", False), **NO_EVALUATION
    )
    trainer.data_collator.pad_to_multiple_of = change.get("pad")
    if "attention" in change:
        trainer.model.set_attn_implementation(change["attention"])
    shapes: Counter = Counter()
    collate = trainer.data_collator.__call__

    def counted(features):
        batch = collate(features)
        shapes[tuple(batch["input_ids"].shape)] += 1
        return batch

    trainer.data_collator = counted
    # compiled: one static graph per batch shape (few, when padded to a multiple), not one dynamic graph
    with torch._dynamo.config.patch(automatic_dynamic_shapes=False):
        trainer.train()
    padded = sum(rows * length * n for (rows, length), n in shapes.items()) / sum(shapes.values())
    return {"epoch_seconds": clock.seconds, "shapes": len(shapes), "padded_tokens_per_step": padded}


def operators_and_levers(args) -> dict:
    """The breakdown, the matrix-product rates at the model's own shapes, and the levers, in one process."""
    provenance, load_before = origin("step_profile.py", args.argv), load()
    report: dict = {"model": Path(args.model_dir).name}
    with tempfile.TemporaryDirectory() as work:
        settings = sample_settings(args.model_dir, Path(work), args.steps)
        report["precision"] = pick_precision(pick_device(), settings.precision)
        report["batch_size"], report["steps"] = settings.batch_size, args.steps
        report["operators"] = operators(settings, args.steps)
        print(json.dumps(report["operators"], indent=1), flush=True)
        levers = [name for name in LEVERS if name in args.levers] + (["today"] if args.levers else [])
        report["levers"] = []  # in the order run: "today" first and last, to show how far the machine drifted
        for name in levers:
            report["levers"].append({"lever": name} | lever(settings, name))
            release_memory()  # the last lever's Trainer, before the next one's
            print(json.dumps(report["levers"][-1]), flush=True)
    shapes = layer_shapes(args.model_dir)
    rows = settings.batch_size * round(report["operators"]["mean_padded_length"])
    report["layer_shapes"] = [[*shape, n] for shape, n in shapes.items()]
    dtypes = {"fp32": torch.float32} | ({"bf16": torch.bfloat16} if cpu_has_native_bf16() else {})
    report["shape_gflops"] = {name: shape_gflops(shapes, rows, dtype) for name, dtype in dtypes.items()}
    report["shape_rows"] = rows
    report["load"] = [load_before, load()]
    report["machine"] = machine()
    return publish(report | provenance, args.json)


def main(argv: list[str] | None = None) -> None:
    """Profile the plain loop's phases, or with --model-dir the recipe's operators and the levers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=32, help="phases: batch size")
    parser.add_argument("--length", type=int, default=10, help="phases: tokens per sentence (CoLA: ~10)")
    parser.add_argument("--steps", type=int, default=5, help="steps per variant (operators: at least 4)")
    parser.add_argument("--model-dir", help="a local model folder: profile the quick recipe's operators")
    parser.add_argument("--levers", nargs="*", default=list(LEVERS), help=f"of {', '.join(LEVERS)}")
    parser.add_argument("--json", type=Path, help="also write the report here")
    args = parser.parse_args(argv)
    args.argv = argv
    if args.model_dir:
        operators_and_levers(args)
    else:
        phases(args)


if __name__ == "__main__":
    main()
