"""Realistic faults, one per name, injected into a `workshop train` child (tests/test_regression_faults.py).

python tests/faults.py FAULT train --profile smoke --output-dir DIR   (FAULT "none": no fault)
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import workshop_lib.data as data
import workshop_lib.preprocess as preprocess
import workshop_lib.training as training
from workshop_lib.commands.baseline import compare, default_baseline, invariants, kind_of, read_log_history


def _after(module, name: str, change: Callable) -> None:
    """Make `module.name` return change(its result, *its arguments): a fault's edit of one function."""
    original = getattr(module, name)

    def faulty(*args, **kwargs):
        return change(original(*args, **kwargs), *args, **kwargs)

    setattr(module, name, faulty)


def shuffled_training_labels() -> None:
    """Data loading: the training rows' labels come out of order (a misaligned join)."""

    def change(out, splits, seed):
        labels = out["train"].shuffle(seed=seed)["label"]
        out["train"] = out["train"].remove_columns("label").add_column("label", labels)
        return out

    _after(data, "hold_out_selection", change)


def selection_inside_training() -> None:
    """Data loading: the selection split is drawn from rows that are also trained on."""

    def change(out, splits, seed):
        out["selection"] = out["train"].select(range(len(out["selection"])))
        return out

    _after(data, "hold_out_selection", change)


def validation_chooses_checkpoint() -> None:
    """Data loading: the validation split is used as the selection split (choosing on what is reported)."""

    def change(out, splits, seed):
        out["selection"] = out["validation"]
        return out

    _after(data, "hold_out_selection", change)


def validation_in_training() -> None:
    """Data loading: the validation rows are trained on too (a concatenation that leaks)."""

    def change(out, splits, seed):
        from datasets import concatenate_datasets

        out["train"] = concatenate_datasets([out["train"], out["validation"]])
        return out

    _after(data, "hold_out_selection", change)


def truncated_to_four_tokens() -> None:
    """Tokenization: sentences cut to 4 tokens (a wrong max_length)."""
    preprocess.MAX_LENGTH = 4


def head_reads_first_token() -> None:
    """The model: the classification head reads the first token's state instead of the last real one."""

    def first_token(module, inputs, output):
        output.last_hidden_state = output.last_hidden_state[:, :1].expand_as(output.last_hidden_state)
        return output

    def change(model, source, tokenizer):
        model.base_model.register_forward_hook(first_token)
        return model

    _after(training, "load_model", change)


def learning_rate_unit_slip() -> None:
    """The optimizer: the peak learning rate read in the wrong unit (1000 times smaller)."""

    def change(args, settings, **overrides):
        args.learning_rate = settings.learning_rate / 1000
        return args

    _after(training, "training_arguments", change)


def keeps_worst_checkpoint() -> None:
    """The training loop: the checkpoint kept is the selection split's worst (comparison flipped)."""
    arguments = training.training_arguments

    def faulty(settings, **overrides):
        return arguments(settings, greater_is_better=False, **overrides)

    training.training_arguments = faulty


FAULTS = {
    f.__name__: f
    for f in (
        shuffled_training_labels,
        selection_inside_training,
        validation_chooses_checkpoint,
        validation_in_training,
        truncated_to_four_tokens,
        head_reads_first_token,
        learning_rate_unit_slip,
        keeps_worst_checkpoint,
    )
}
FRESH_SEEDS = (101, 102, 103, 104, 105)  # never used to make the bands (benchmarks/results/smoke-bands.json)
STAGE = {  # where in the chain each fault sits
    "shuffled_training_labels": "data loading",
    "selection_inside_training": "data loading",
    "validation_chooses_checkpoint": "data loading",
    "validation_in_training": "data loading",
    "truncated_to_four_tokens": "tokenization",
    "head_reads_first_token": "model",
    "learning_rate_unit_slip": "optimizer",
    "keeps_worst_checkpoint": "training loop",
}


def problems(fault: str, out: Path, seed: int = 42) -> list[str]:
    """Train the smoke profile with `fault` ("none": none) into `out`; what the regression check reports."""
    command = [sys.executable, __file__, fault, "train", "--profile", "smoke", "--output-dir", str(out)]
    subprocess.run([*command, "--set", f"seed={seed}"], check=True, capture_output=True)
    metrics = {"training": json.loads((out / "model" / "metrics.json").read_text())}
    baseline = json.loads(default_baseline("smoke").read_text())
    return compare(metrics, baseline, seed, phases=("training",)) + invariants(metrics, read_log_history(out))


def by_learning(found: list[str]) -> bool:
    """Whether a band or an invariant (not only an exact count) caught it."""
    return any(p.startswith("invariant") or kind_of(p.split(":")[0]) == "learned" for p in found)


if __name__ == "__main__":
    name, argv = sys.argv[1], sys.argv[2:]
    if name != "none":
        FAULTS[name]()
    from workshop_lib.commands.main import main

    sys.exit(main(argv))
