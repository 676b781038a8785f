"""Training speed of GPT-2 small on CoLA: the article's recipe (pad to 1024, batch 8) against the workshop's.

One process runs, in order: an fp32 matmul rate probe, leg (b) the workshop recipe through the same
`workshop_lib.training.build_trainer` path notebook 5 uses, leg (a) the article recipe in a plain PyTorch
loop, and inference on the validation split (PyTorch and ONNX). The model is GPT-2 small's real architecture
(`GPT2Config()` defaults, 124M parameters) with random weights: speed does not depend on the weights.

    python benchmarks/train_speed.py --steps 50 --article-steps 1

Real CoLA and GPT-2's tokenizer are used when WORKSHOP_COLA_DIR / WORKSHOP_GPT2_TOKENIZER point at them,
else the embedded set and a BPE tokenizer trained on it.
"""

from __future__ import annotations

import argparse
import ast
import ctypes
import dataclasses
import gc
import json
import os
import platform
import resource
import shlex
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import workshop_lib  # noqa: F401  # isort: skip  (first: its OpenMP defaults apply only before torch loads)
import numpy as np
import psutil
import torch
import transformers
from results_files import write_result  # same script folder
from transformers import (
    AutoConfig,
    AutoModelForSequenceClassification,
    GPT2Config,
    GPT2ForSequenceClassification,
    TrainerCallback,
)
from transformers.activations import NewGELUActivation
from transformers.pytorch_utils import Conv1D
from transformers.trainer_pt_utils import get_length_grouped_indices

from workshop_lib import training
from workshop_lib.commands.train import split_pair
from workshop_lib.data import load_cola, selection_size
from workshop_lib.device import cpu_has_native_bf16, cpu_kind
from workshop_lib.modeling import ID2LABEL, LABEL2ID, ensure_pad_token, load_tokenizer
from workshop_lib.settings import Settings, resolve
from workshop_lib.tiny import train_bpe_tokenizer

FULL_TRAIN_SENTENCES = 8551  # CoLA's training split
FULL_SELECTION_SENTENCES = selection_size(FULL_TRAIN_SENTENCES)  # held out, evaluated after every epoch
WORKSHOP_TRAIN_SENTENCES = FULL_TRAIN_SENTENCES - FULL_SELECTION_SENTENCES  # what the workshop trains on
EPOCHS = 3
ARTICLE = {"max_length": 1024, "batch_size": 8, "learning_rate": 5e-5}
ARTICLE_SAMPLES_PER_SECOND = 5.04  # on the article's own machine: 3 epochs in 5085 s
GIB = 1024**3


class PeakRSS:
    """Context manager sampling this process's resident memory every few milliseconds; keeps the maximum."""

    def __init__(self, interval: float = 0.005):
        self.interval, self.peak, self._stop = interval, 0, threading.Event()

    def _sample(self) -> None:
        proc = psutil.Process()
        while not self._stop.is_set():
            self.peak = max(self.peak, proc.memory_info().rss)
            time.sleep(self.interval)

    def __enter__(self) -> PeakRSS:
        self.start = psutil.Process().memory_info().rss
        self.peak = self.start
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, psutil.Process().memory_info().rss)


def parse_setting(pair: str) -> tuple[str, object]:
    """A TrainingArguments override `name=value`: the value read as a Python literal (3, 5e-5), else text."""
    name, value = split_pair(pair)
    try:
        return name, ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return name, value


def high_water() -> int:
    """The process's RSS high-water mark in bytes (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def load() -> str:
    """The 1/5/15-minute load averages, as a string."""
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def origin(script: str, argv: list[str] | None) -> dict[str, str]:
    """How a benchmark was started: its command line (as run from the repository root) and the UTC minute."""
    given = sys.argv[1:] if argv is None else argv
    return {
        "command": shlex.join(["python", f"benchmarks/{script}", *given]),
        "started_utc": datetime.now(timezone.utc).isoformat(timespec="minutes"),
    }


def rounds_options(doc: str, rounds: int, argv: list[str] | None) -> argparse.Namespace:
    """A timing benchmark's options: --rounds (each from scratch) and --json, the report's file."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=rounds, help="rounds, each from scratch")
    parser.add_argument("--json", type=Path, help="also write the report here")
    return parser.parse_args(argv)


def publish(report: dict, path: Path | None) -> dict:
    """Print a benchmark's report and, when `path` is given, write it there atomically."""
    print(json.dumps(report, indent=2))
    if path:
        write_result(path, report)
    return report


def openmp() -> dict[str, str]:
    """The OpenMP wait variables of this process (workshop_lib, imported before torch, sets its defaults)."""
    return {k: os.environ[k] for k in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT") if k in os.environ}


def machine() -> dict:
    """What this ran on."""
    cpu = (
        next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            platform.processor(),
        )
        if Path("/proc/cpuinfo").exists()
        else platform.processor()
    )
    return {
        "cpu": cpu,
        "kind": cpu_kind(),  # maker and vector instructions: machines of one name differ (AVX2, AVX-512)
        "nproc": os.cpu_count(),
        "ram_gib": round(psutil.virtual_memory().total / GIB, 1),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "torch_threads": torch.get_num_threads(),
    }


def matmul_gflops(dtype: torch.dtype = torch.float32, seconds: float = 3.0) -> float:
    """Measured rate of a GPT-2-shaped matmul (2048x768 @ 768x3072, the MLP's first layer) in `dtype`."""
    a, b = torch.randn(2048, 768, dtype=dtype), torch.randn(768, 3072, dtype=dtype)
    for _ in range(3):
        a @ b
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        a @ b
        n += 1
    return 2 * 2048 * 768 * 3072 * n / (time.perf_counter() - start) / 1e9


def layer_shapes(model_dir: str | Path) -> Counter[tuple[int, int]]:
    """(in, out) features of the model's trained matrix-product layers (Linear, GPT-2's Conv1D), counted."""
    config = AutoConfig.from_pretrained(model_dir, num_labels=2)
    with torch.device("meta"):  # shapes only: no memory, no weights read
        model = AutoModelForSequenceClassification.from_config(config)
    shapes: Counter[tuple[int, int]] = Counter()
    for module in model.modules():
        if isinstance(module, torch.nn.Linear):
            shapes[module.in_features, module.out_features] += 1
        elif isinstance(module, Conv1D):
            shapes[tuple(module.weight.shape)] += 1  # stored (in, out)
    return shapes


def shape_gflops(shapes: Counter, rows: int, dtype: torch.dtype, seconds: float = 0.3) -> float:
    """Rate of the layers' three products per step at `rows` tokens: forward, input and weight gradients."""
    flops = spent = 0.0
    for (k, n), count in shapes.items():
        x, w, dy = (torch.randn(*shape, dtype=dtype) for shape in ((rows, k), (n, k), (rows, n)))
        for a, b in ((x, w.T), (dy, w), (dy.T, x)):  # y = x W^T; dx = dy W; dW = dy^T x
            a @ b  # untimed: a first call's one-off set-up
            calls, start = 0, time.perf_counter()
            while time.perf_counter() - start < seconds:
                a @ b
                calls += 1
            flops += count * 2 * rows * k * n
            spent += count * (time.perf_counter() - start) / calls
    return flops / spent / 1e9


def cola_source() -> str:
    """A GLUE-form CoLA folder from $WORKSHOP_COLA_DIR (the folder or its glue/ child), else 'embedded'."""
    root = os.environ.get("WORKSHOP_COLA_DIR")
    if root:
        for folder in (Path(root), Path(root) / "glue"):
            if (folder / "train.tsv").is_file():
                return str(folder)
    return "embedded"


def gpt2_small_dir(out: Path, sentences: list[str]) -> tuple[Path, int, int]:
    """Save a random-weight GPT-2 small classifier and its tokenizer; return the folder and parameters."""
    path = os.environ.get("WORKSHOP_GPT2_TOKENIZER")
    tokenizer = load_tokenizer(path) if path else ensure_pad_token(train_bpe_tokenizer(sentences))
    tokenizer.model_max_length = 1024
    torch.manual_seed(0)
    pad = tokenizer.pad_token_id
    config = GPT2Config(num_labels=2, id2label=ID2LABEL, label2id=LABEL2ID, pad_token_id=pad)
    model = GPT2ForSequenceClassification(config)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out, sum(p.numel() for p in model.parameters()), non_embedding_parameters(model)


def sample_settings(model_dir: str | None, work: Path, steps: int) -> Settings:
    """Quick-profile settings over a sample of `steps` batches, for the model given or GPT-2 small's."""
    data = cola_source()
    model = model_dir or str(gpt2_small_dir(work / "gpt2", load_cola(data)["train"]["sentence"])[0])
    settings = resolve("quick", model_name=model, data_source=data, output_dir=f"{work}/run")
    return dataclasses.replace(settings, train_limit=settings.batch_size * steps)


def timed_steps(
    settings: Settings,
    prepare: Callable[[torch.nn.Module], object] | None = None,
    callbacks: list[TrainerCallback] | None = None,
) -> float:
    """Wall seconds of one epoch of the recipe over the sample, after `prepare(model)`; no eval, no saves."""
    trainer = training.build_trainer(
        settings,
        callbacks,
        eval_strategy="no",
        save_strategy="no",
        load_best_model_at_end=False,
        disable_tqdm=True,
    )
    if prepare is not None:
        prepare(trainer.model)
    start = time.perf_counter()
    trainer.train()
    return time.perf_counter() - start


def release_memory() -> None:
    """Free garbage and hand freed heap pages back to the system, so the next leg's RSS is its own."""
    gc.collect()
    if sys.platform.startswith("linux"):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def non_embedding_parameters(model: torch.nn.Module) -> int:
    """Parameters outside the token and position embeddings (the 6·N·tokens FLOP rule's N)."""
    base = model.transformer
    embedding = base.wte.weight.numel() + base.wpe.weight.numel()
    return sum(p.numel() for p in model.parameters()) - embedding


class StepClock(TrainerCallback):
    """Timestamps each Trainer step's phases: forward/backward/clip, optimizer, the rest."""

    def __init__(self):
        self.marks: list[dict[str, float]] = []

    def on_step_begin(self, args, state, control, **kwargs):
        self.marks.append({"begin": time.perf_counter()})

    def on_pre_optimizer_step(self, args, state, control, **kwargs):
        self.marks[-1]["pre_opt"] = time.perf_counter()

    def on_optimizer_step(self, args, state, control, **kwargs):
        self.marks[-1]["opt"] = time.perf_counter()

    def on_step_end(self, args, state, control, **kwargs):
        self.marks[-1]["end"] = time.perf_counter()

    def on_evaluate(self, args, state, control, **kwargs):
        self.evaluated = time.perf_counter()

    def on_save(self, args, state, control, **kwargs):
        self.saved = time.perf_counter()


class CountingCollator:
    """Wrap a collator and record each batch's rows, real tokens and padded tokens, in order."""

    def __init__(self, collator):
        self.collator, self.batches = collator, []

    def __call__(self, features):
        batch = self.collator(features)
        mask = batch["attention_mask"]
        self.batches.append((mask.shape[0], int(mask.sum()), mask.numel()))
        return batch


def epoch_batches(lengths: list[int], batch_size: int, seed: int) -> np.ndarray:
    """Padded tokens of each batch of one epoch with the Trainer's length-grouped sampler."""
    order = get_length_grouped_indices(lengths, batch_size, generator=torch.Generator().manual_seed(seed))
    grouped = np.asarray(lengths)[order]
    batches = np.split(grouped, range(batch_size, len(grouped), batch_size))
    return np.array([len(b) * b.max() for b in batches])


def workshop_leg(
    model_dir: Path,
    source: str,
    work: Path,
    steps: int,
    args,
    gelu_new: bool = False,
    variant: dict | None = None,
) -> dict:
    """Leg (b): the workshop's full-profile recipe through build_trainer, for `steps` optimizer steps."""
    settings = resolve("full", model_name=str(model_dir), data_source=source, output_dir=str(work / "run"))
    variant = dict(variant or {})
    pad_multiple = variant.pop("pad_to_multiple_of", None)
    overrides = dict(
        max_steps=steps,
        # One evaluation of the whole validation split and one checkpoint save after the last step: a
        # full run does both once per epoch. They are timed apart from the steps.
        eval_strategy="steps",
        eval_steps=steps,
        save_strategy="steps",
        save_steps=steps,
        load_best_model_at_end=False,
        disable_tqdm=True,
        **dict(args.set),
        **variant,
    )
    trainer = training.build_trainer(settings, **overrides)
    if pad_multiple:
        trainer.data_collator.pad_to_multiple_of = pad_multiple
    if args.attn:
        trainer.model.set_attn_implementation(args.attn)
    if gelu_new:  # undo load_model's fused GELU, to measure what it saves
        for block in trainer.model.transformer.h:
            block.mlp.act = NewGELUActivation()
    clock, counter = StepClock(), CountingCollator(trainer.data_collator)
    trainer.data_collator = counter
    trainer.add_callback(clock)
    with PeakRSS() as mem:
        trainer.train()
    # Step 1 holds one-time costs (allocations, the longest batch that the sampler puts first): skip it.
    marks, batches = clock.marks[1:], counter.batches[1:steps]
    seconds = marks[-1]["end"] - clock.marks[0]["end"]
    rows, real, padded = (sum(b[i] for b in batches) for i in range(3))
    phases = {
        "forward_backward_clip": sum(m["pre_opt"] - m["begin"] for m in marks),
        "optimizer": sum(m["opt"] - m["pre_opt"] for m in marks),
        "scheduler_zero_grad": sum(m["end"] - m["opt"] for m in marks),
    }
    phases["data_logging_other"] = seconds - sum(phases.values())
    lengths = list(trainer.train_dataset["length"])
    epoch = epoch_batches(lengths, settings.batch_size, settings.seed)
    epoch_padded = int(epoch.sum())
    per_step = seconds / len(marks)
    # A length-grouped epoch starts with its longest batches: fit seconds = c0 + c1 x padded tokens per step
    # over the timed steps and sum it over every batch of the epoch.
    ends = [clock.marks[0]["end"]] + [m["end"] for m in marks]
    step_seconds = np.diff(ends)
    step_padded = np.array([b[2] for b in batches], dtype=float)
    if np.ptp(step_padded) > 0:
        c1, c0 = np.polyfit(step_padded, step_seconds, 1)
    else:  # all timed batches equally long: no slope to fit
        c1, c0 = 0.0, per_step
    scale = EPOCHS * WORKSHOP_TRAIN_SENTENCES / len(lengths)  # the embedded set stands in for full CoLA
    extrapolated = {
        "linear_fit": float(np.sum(c0 + c1 * epoch)) * scale,
        "by_steps": per_step * len(epoch) * scale,
        "by_padded_tokens": seconds / padded * epoch_padded * scale,
    }
    # What a full run adds to its steps: an evaluation and a checkpoint save at every epoch's end.
    evaluation = clock.evaluated - clock.marks[-1]["end"]
    save = clock.saved - clock.evaluated
    eval_scale = FULL_SELECTION_SENTENCES / len(trainer.eval_dataset)  # the per-epoch evaluation
    return {
        "recipe": f"workshop full profile: batch {settings.batch_size}, dynamic padding, length grouping, "
        f"lr {settings.learning_rate}, optim {trainer.args.optim}, "
        f"attention {trainer.model.config._attn_implementation}",
        "overrides": dict(args.set)
        | dict(variant)
        | ({"pad_to_multiple_of": pad_multiple} if pad_multiple else {})
        | ({"attn": args.attn} if args.attn else {})
        | ({"activation": "gelu_new"} if gelu_new else {}),
        "precision": "bf16" if trainer.args.bf16 else "fp16" if trainer.args.fp16 else "fp32",
        "batch_size": settings.batch_size,
        "timed_steps": len(marks),
        "seconds_per_step": per_step,
        "samples_per_second": rows / seconds,
        "real_tokens_per_second": real / seconds,
        "padded_tokens_per_second": padded / seconds,
        "mean_padded_length": padded / rows,
        "phase_share": {k: v / seconds for k, v in phases.items()},
        "train_sentences": len(lengths),
        "fit_seconds_per_step": float(c0),
        "fit_seconds_per_padded_token": float(c1),
        "epoch_real_tokens": int(sum(lengths)),
        "epoch_padded_tokens": epoch_padded,
        "epoch_mean_padded_length": epoch_padded / len(lengths),
        "extrapolated_3_epochs_seconds": extrapolated,
        "evaluation_seconds": evaluation,
        "checkpoint_save_seconds": save,
        "extrapolated_run_seconds": extrapolated["linear_fit"] + EPOCHS * (evaluation * eval_scale + save),
        "rss_at_start_gib": mem.start / GIB,
        "peak_rss_gib": mem.peak / GIB,
        "high_water_gib": high_water() / GIB,
        "load": load(),
    }


def article_step(model, opt, micro: list[tuple[torch.Tensor, ...]]) -> None:
    """One optimizer step over the micro-batches (gradient accumulation), loss scaled to the full batch."""
    for ids, mask, labels in micro:
        loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
        (loss * len(labels) / ARTICLE["batch_size"]).backward()
    opt.step()
    opt.zero_grad()


def article_leg(model_dir: Path, sentences: list[str], labels: list[int], steps: int, args) -> dict:
    """Leg (a): pad every sentence to 1024, batch 8 (accumulated where 8 does not fit), lr 5e-5."""
    tokenizer = load_tokenizer(model_dir)
    model = GPT2ForSequenceClassification.from_pretrained(model_dir, attn_implementation=args.article_attn)
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=ARTICLE["learning_rate"])
    need = ARTICLE["batch_size"] * (steps + 1)
    enc = tokenizer(
        sentences[:need],
        padding="max_length",
        max_length=ARTICLE["max_length"],
        truncation=True,
        return_tensors="pt",
    )
    ys = torch.tensor(labels[:need])

    def batch(start: int, size: int) -> tuple[torch.Tensor, ...]:
        part = slice(start, start + size)
        return enc["input_ids"][part], enc["attention_mask"][part], ys[part]

    # Probe: memory of one and two padded sentences (forward + backward), extrapolated to bigger batches.
    probe = {}
    for size in (1, 2):
        gc.collect()
        with PeakRSS() as mem:
            t = time.perf_counter()
            ids, mask, ys_ = batch(0, size)
            model(input_ids=ids, attention_mask=mask, labels=ys_).loss.backward()
            probe[size] = {"seconds": time.perf_counter() - t, "peak_gib": mem.peak / GIB}
        model.zero_grad(set_to_none=True)
    per_sample = max(probe[2]["peak_gib"] - probe[1]["peak_gib"], 1e-3)
    fixed = probe[1]["peak_gib"] - per_sample
    # Stay well inside this shared machine's memory: 40% of it, and 70% of what is free plus our own.
    free = psutil.virtual_memory().available + psutil.Process().memory_info().rss
    budget = args.memory_budget_gb or min(psutil.virtual_memory().total * 0.4, free * 0.7) / GIB
    fits = [k for k in (8, 4, 2, 1) if fixed + k * per_sample <= budget]
    micro = fits[0] if fits else 1
    accumulation = ARTICLE["batch_size"] // micro
    note = (
        f"batch 8 needs ~{fixed + 8 * per_sample:.1f} GiB (extrapolated from micro-batches 1 and 2) > budget "
        f"{budget:.1f} GiB: micro-batch {micro} x {accumulation} accumulation steps = effective batch 8"
        if accumulation > 1
        else f"batch 8 fits (~{fixed + 8 * per_sample:.1f} GiB of {budget:.1f} GiB budget)"
    )
    print(f"[article] {note}", flush=True)
    start = ARTICLE["batch_size"]  # the probe's sentences are done
    with PeakRSS() as mem:
        t = time.perf_counter()
        for _ in range(steps):
            micro_batches = [batch(start + i, micro) for i in range(0, ARTICLE["batch_size"], micro)]
            article_step(model, opt, micro_batches)
            start += ARTICLE["batch_size"]
        seconds = time.perf_counter() - t
    samples = steps * ARTICLE["batch_size"]
    real = int(enc["attention_mask"][ARTICLE["batch_size"] : start].sum())
    return {
        "recipe": f"article: pad to {ARTICLE['max_length']}, batch {ARTICLE['batch_size']}, "
        f"lr {ARTICLE['learning_rate']}, torch AdamW, attention {args.article_attn}",
        "memory_probe": probe,
        "micro_batch": micro,
        "accumulation_steps": accumulation,
        "memory_note": note,
        "timed_steps": steps,
        "seconds_per_step": seconds / steps,
        "samples_per_second": samples / seconds,
        "real_tokens_per_second": real / seconds,
        "padded_tokens_per_second": samples * ARTICLE["max_length"] / seconds,
        "extrapolated_3_epochs_seconds": FULL_TRAIN_SENTENCES * EPOCHS / (samples / seconds),
        "peak_rss_gib": mem.peak / GIB,
        "high_water_gib": high_water() / GIB,
        "load": load(),
    }


def inference_leg(model_dir: Path, work: Path, sentences: list[str], batch_size: int) -> dict:
    """Validation-split sentences per second: PyTorch `predict_logits` and the exported ONNX model."""
    try:
        from workshop_lib.export import export_onnx, onnx_logits, onnx_session
        from workshop_lib.inference import predict_logits
    except ImportError as err:
        return {"skipped": f"workshop_lib inference/export not available: {err}"}
    from workshop_lib.modeling import load_model

    tokenizer = load_tokenizer(model_dir)
    model = load_model(model_dir, tokenizer).eval()
    out = {"sentences": len(sentences), "batch_size": batch_size}
    predict_logits(model, tokenizer, sentences[:batch_size], batch_size)  # warm-up
    t = time.perf_counter()
    predict_logits(model, tokenizer, sentences, batch_size)
    out["pytorch_sentences_per_second"] = len(sentences) / (time.perf_counter() - t)
    t = time.perf_counter()
    session = onnx_session(export_onnx(model_dir, work / "model.onnx"))
    out["onnx_export_and_load_seconds"] = time.perf_counter() - t
    onnx_logits(session, tokenizer, sentences[:batch_size], batch_size)  # warm-up
    t = time.perf_counter()
    onnx_logits(session, tokenizer, sentences, batch_size)
    out["onnx_sentences_per_second"] = len(sentences) / (time.perf_counter() - t)
    out["load"] = load()
    return out


def main(argv: list[str] | None = None) -> dict:
    """Run the legs, print each and the comparison as JSON; return the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--steps",
        type=int,
        default=50,
        help="optimizer steps of the workshop recipe (50: one mega-batch of the length-grouped sampler)",
    )
    parser.add_argument("--article-steps", type=int, default=1, help="optimizer steps of the article recipe")
    parser.add_argument("--legs", default="ab", help="which legs: a (article), b (workshop), i (inference)")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        type=parse_setting,
        help="TrainingArguments override for leg (b), e.g. optim=adamw_torch",
    )
    parser.add_argument(
        "--attn", choices=["eager", "sdpa"], help="attention for leg (b) (default: as loaded)"
    )
    parser.add_argument(
        "--article-attn",
        choices=["eager", "sdpa"],
        default="eager",
        help="attention for leg (a); the article's transformers had only eager",
    )
    parser.add_argument("--threads", type=int, help="torch threads (default: torch's choice)")
    parser.add_argument(
        "--b-threads",
        type=lambda text: [int(x) for x in text.split(",")],
        help="run leg (b) once per thread count, e.g. 2,1 (default: once, with --threads)",
    )
    parser.add_argument(
        "--compare-gelu",
        action="store_true",
        help="run leg (b) once more with GPT-2's original Python GELU (gelu_new) instead of the fused one",
    )
    parser.add_argument(
        "--variant",
        action="append",
        default=[],
        metavar="NAME=VALUE[,NAME=VALUE]",
        type=lambda text: dict(parse_setting(pair) for pair in text.split(",")),
        help="run leg (b) once more with these TrainingArguments overrides (or pad_to_multiple_of=N), "
        "after the default, in the same process (repeatable)",
    )
    parser.add_argument("--memory-budget-gb", type=float, help="memory the article's micro-batch may use")
    parser.add_argument("--inference-batch", type=int, default=64)
    parser.add_argument("--json", type=Path, help="also write the report here")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    transformers.logging.set_verbosity_error()

    report: dict = {"command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]), "machine": machine()}
    report["started_utc"] = datetime.now(timezone.utc).isoformat(timespec="minutes")
    report["load_at_start"] = load()
    # per precision a run may use here: fp32, and bf16 where this CPU computes it natively
    dtypes = {"fp32": torch.float32} | ({"bf16": torch.bfloat16} if cpu_has_native_bf16() else {})
    report["matmul_gflops"] = {name: matmul_gflops(dtype) for name, dtype in dtypes.items()}
    print(json.dumps({k: report[k] for k in ("machine", "load_at_start", "matmul_gflops")}), flush=True)
    source = cola_source()
    data = load_cola(source)
    report["data"] = source
    report["tokenizer"] = os.environ.get("WORKSHOP_GPT2_TOKENIZER") or "BPE trained on the embedded set"
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        model_dir, report["parameters"], report["non_embedding_parameters"] = gpt2_small_dir(
            work / "gpt2-small-random", data["train"]["sentence"]
        )
        release_memory()
        if "b" in args.legs:  # first, so the process's high-water mark after it is this leg's own
            default_threads = torch.get_num_threads()
            runs = [(threads, False, {}) for threads in args.b_threads or [default_threads]]
            runs += [(default_threads, True, {})] if args.compare_gelu else []
            runs += [(default_threads, False, variant) for variant in args.variant]
            for threads, gelu_new, variant in runs:
                torch.set_num_threads(threads)
                name = (
                    "b_" + ",".join(f"{k}={v}" for k, v in variant.items())
                    if variant
                    else "b_gelu_new"
                    if gelu_new
                    else "b"
                    if "b" not in report
                    else f"b_threads_{threads}"
                )
                report[name] = workshop_leg(
                    model_dir, source, work / name.replace("=", "-"), args.steps, args, gelu_new, variant
                )
                report[name]["torch_threads"] = threads
                print(json.dumps({name: report[name]}), flush=True)
                release_memory()
            torch.set_num_threads(default_threads)
        if "a" in args.legs:
            train = data["train"].shuffle(seed=42)
            report["a"] = article_leg(model_dir, train["sentence"], train["label"], args.article_steps, args)
            print(json.dumps({"a": report["a"]}), flush=True)
        if "i" in args.legs:
            report["inference"] = inference_leg(
                model_dir, work, data["validation"]["sentence"], args.inference_batch
            )
            print(json.dumps({"inference": report["inference"]}), flush=True)
        if "b" in report:  # the matrix-product rates at the run's own layer shapes, batch and length
            rows = report["b"]["batch_size"] * round(report["b"]["epoch_mean_padded_length"])
            shapes = layer_shapes(model_dir)
            report["shape_rows"] = rows
            report["shape_gflops"] = {name: shape_gflops(shapes, rows, d) for name, d in dtypes.items()}
    report["summary"] = summary(report)
    brief = {k: v for k, v in report.items() if not isinstance(v, dict) or k == "summary"}
    print(json.dumps(brief, indent=2))
    if args.json:
        write_result(args.json, report)
    return report


def summary(report: dict) -> dict:
    """Ratios and the compute floor: 6 x non-embedding parameters x real tokens / measured matmul rate."""
    out: dict = {}
    if "a" in report:
        out["a_3_epochs_hours_extrapolated"] = report["a"]["extrapolated_3_epochs_seconds"] / 3600
        out["article_machine_vs_a"] = ARTICLE_SAMPLES_PER_SECOND / report["a"]["samples_per_second"]
    for name in [k for k in report if k == "b" or k.startswith("b_")]:
        b = report[name]
        tokens = b["epoch_real_tokens"] * EPOCHS * WORKSHOP_TRAIN_SENTENCES / b["train_sentences"]
        # the floor at the run's own precision (a bf16 run's matmuls are bf16), and at fp32 beside it
        rate = report["matmul_gflops"].get(b["precision"], report["matmul_gflops"]["fp32"])
        floor = 6 * report["non_embedding_parameters"] * tokens / (rate * 1e9)
        fp32_floor = 6 * report["non_embedding_parameters"] * tokens / (report["matmul_gflops"]["fp32"] * 1e9)
        ways = b["extrapolated_3_epochs_seconds"]
        # The fit, unless noise made a coefficient negative; then the per-step mean (biased high: the
        # first steps of a length-grouped epoch hold its longest batches).
        fit_ok = b["fit_seconds_per_step"] >= 0 and b["fit_seconds_per_padded_token"] >= 0
        estimate = ways["linear_fit"] if fit_ok else ways["by_steps"]
        out["floor_3_epochs_minutes"] = floor / 60
        out["fp32_floor_3_epochs_minutes"] = fp32_floor / 60
        # beside the peak floors, the floors at the rate the run's own layer shapes reach (what is left)
        shaped = report.get("shape_gflops", {})
        work = 6 * report["non_embedding_parameters"] * tokens / 1e9
        shape_floor = work / shaped[b["precision"]] if b["precision"] in shaped else None
        fp32_shape_floor = work / shaped["fp32"] if "fp32" in shaped else None
        out[name] = {
            "torch_threads": b["torch_threads"],
            "samples_per_second": b["samples_per_second"],
            "3_epochs_minutes_extrapolated": estimate / 60,
            "run_minutes_extrapolated": (estimate + b["extrapolated_run_seconds"] - ways["linear_fit"]) / 60,
            "epoch_samples_per_second_extrapolated": EPOCHS * WORKSHOP_TRAIN_SENTENCES / estimate,
            "extrapolated_by": "linear_fit" if fit_ok else "by_steps",
            "precision": b["precision"],
            "over_floor": estimate / floor,
            "over_fp32_floor": estimate / fp32_floor,
            "shape_floor_3_epochs_minutes": shape_floor and shape_floor / 60,
            "over_shape_floor": shape_floor and estimate / shape_floor,
            "over_fp32_shape_floor": fp32_shape_floor and estimate / fp32_shape_floor,
            "peak_gib": max(b["peak_rss_gib"], b["high_water_gib"]),
        }
        if "a" in report:
            a_rate = report["a"]["samples_per_second"]
            out[name]["over_a_samples_per_second"] = b["samples_per_second"] / a_rate
            epoch_rate = out[name]["epoch_samples_per_second_extrapolated"]
            out[name]["over_a_epoch_samples_per_second"] = epoch_rate / a_rate
    out["load_at_end"] = load()
    return out


if __name__ == "__main__":
    main()
