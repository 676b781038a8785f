"""What every notebook does around its lesson: check the settings, quiet library output, record metrics."""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from typing import Any

import datasets
import torch
from transformers import AutoConfig, PreTrainedModel
from transformers.utils import logging as hf_logging

from ..declare import check_value, parameter
from ..device import describe, pick_device, training_attention, versions
from ..modeling import freeze_lower_blocks, fused_activation, load_pretrained
from ..paths import METRICS
from ..records import atomic_write_json, read_metrics
from ..settings import NOTEBOOK_OPTIONS, Settings, from_parameters, frozen_parts

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def start(namespace: MutableMapping[str, Any]) -> Settings:
    """Check the notebook's parameters (`start(globals())`), print the setup and save <output>/settings.json.

    The shared settings are resolved from PROFILE; a notebook's own parameters (OVERWRITE, ...) are
    checked too and stored back in `namespace` with their declared type.
    """
    settings = from_parameters(namespace)
    own = {
        parameter(f.name): check_value(options, f.name, namespace[parameter(f.name)])
        for options in NOTEBOOK_OPTIONS.values()
        for f in dataclasses.fields(options)
        if parameter(f.name) in namespace
    }
    namespace.update(own)
    saved = atomic_write_json(settings.out / "settings.json", dataclasses.asdict(settings))
    print(f"profile {settings.profile}: model {settings.model_name}, data {settings.data_source}, "
          f"seed {settings.seed}")
    recipe = (
        f"{settings.epochs:g} epochs, batch {settings.batch_size}, rate {settings.learning_rate:g}, "
        f"warm-up {settings.warmup_steps:g}, weight decay {settings.weight_decay:g}"
        + (f", {frozen_parts(settings)}" if frozen_parts(settings) else "")
    )
    limits = f"train {settings.train_limit or 'all'}, eval {settings.eval_limit or 'all'}"
    print(f"recipe: {recipe}; sentences: {limits}")
    print(f"device: {describe(settings.precision)}; all settings in {saved}")
    found = versions()
    print(f"transformers {found['transformers']}, torch {found['torch']} (the others: `workshop doctor`)")
    if own:
        print("this notebook: " + ", ".join(f"{name} = {value!r}" for name, value in own.items()))
    return settings


def save_metrics(settings: Settings, phase: str, metrics: dict) -> None:
    """Record a phase's headline numbers in <output>/metrics/<phase>.json for the run report."""
    atomic_write_json(settings.out / METRICS / f"{phase}.json", metrics)


def load_metrics(settings: Settings) -> dict[str, dict]:
    """Read every phase's recorded metrics, keyed by phase."""
    return read_metrics(settings.out)


# A fast run saves checkpoints under a second apart; transformers then sorts them by step, which is right.
NOISE = ("mtime may not be reliable on this filesystem",)


class _Tidy(logging.Filter):
    """Remove terminal colour codes from transformers' log lines; drop load reports unless asked for, and
    lines that say nothing about the learner's run."""

    show_load_reports = False

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = ANSI.sub("", str(record.msg))
        if any(noise in record.msg for noise in NOISE):
            return False
        return self.show_load_reports or "LOAD REPORT" not in record.msg


_TIDY = _Tidy()


def _tidy_transformers_logs(show_load_reports: bool) -> None:
    """Install the filter on transformers' log handlers, so saved notebook outputs stay plain text."""
    _TIDY.show_load_reports = show_load_reports
    for handler in logging.getLogger("transformers").handlers:
        if _TIDY not in handler.filters:
            handler.addFilter(_TIDY)


def quiet() -> None:
    """Silence load reports, weight loading/saving bars and `map`'s bars (notebook 01 shows a report once)."""
    # Only these: raising the log level would also turn the Trainer's progress table into printed dicts.
    hf_logging.disable_progress_bar()
    datasets.disable_progress_bars()  # a bar per split for every small map, filter or save
    _tidy_transformers_logs(show_load_reports=False)


@contextmanager
def load_report() -> Iterator[None]:
    """Show transformers' load reports (without colour codes) inside the block, quiet again after it."""
    _tidy_transformers_logs(show_load_reports=True)
    try:
        yield
    finally:
        quiet()


def faster_gelu(source: str) -> dict:
    """from_pretrained keywords that swap GPT-2's GELU for its one-kernel twin; {} for other models."""
    return fused_activation(load_pretrained(AutoConfig, source, "the model"))


def faster_kernels(source: str) -> dict:
    """from_pretrained keywords for what `build_trainer` loads: the device's attention, a fused GELU."""
    return {"attn_implementation": training_attention(pick_device()), **faster_gelu(source)}


def recipe_extras(model: PreTrainedModel, settings: Settings) -> None:
    """What `build_trainer` does to the model besides loading it: the profile's frozen parts, and a batch-mean
    loss flag that matters only with several processes or accumulated gradients."""
    model.accepts_loss_kwargs = False  # the Trainer must average the head's batch-mean loss, not sum it
    if settings.freeze_embeddings:
        model.get_input_embeddings().requires_grad_(False)  # kept as pretrained: no gradient, no AdamW update
    freeze_lower_blocks(model, settings.freeze_blocks)


def head(model: PreTrainedModel) -> torch.nn.Module:
    """The new classification head: `score` in GPT-2 and Llama-style decoders, `classifier` in BERT-style
    encoders."""
    return model.score if hasattr(model, "score") else model.classifier


def head_logits(model: PreTrainedModel, hidden: torch.Tensor, last_real: torch.Tensor) -> torch.Tensor:
    """The head applied as the model's forward applies it: in GPT-2 and Llama-style decoders `score` on each
    row's last real token; BERT-style encoders read their first token (through a pooler if they have one)."""
    if hasattr(model, "score"):
        return model.score(hidden[torch.arange(len(last_real)), last_real])
    if hasattr(model, "pre_classifier"):  # DistilBERT
        return model.classifier(torch.relu(model.pre_classifier(hidden[:, 0])))
    if getattr(model.base_model, "pooler", None) is not None:  # BERT
        return model.classifier(model.base_model.pooler(hidden))
    return model.classifier(hidden)  # RoBERTa, ELECTRA: their head takes the first token itself


def causal_scores(method: str) -> bool:
    """Whether a sentence's score is the causal mean log-probability computed by hand below; for a masked
    model, says where its own scoring is shown."""
    if method == "mean-log-prob":
        return True
    print(f"{method}: a masked model scores a sentence another way (the appendix notebook shows how)")
    return False
