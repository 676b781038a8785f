"""Tokenizers and sequence-classification models from a hub id or a checked local folder."""

from __future__ import annotations

from pathlib import Path

from transformers import (
    AutoConfig,
    AutoModelForSequenceClassification,
    AutoTokenizer,
    PreTrainedModel,
    PreTrainedTokenizerBase,
)

from .config import HUB_MODEL
from .data import LABEL_NAMES
from .hub import hub_load, is_local
from .model_folder import check_model_folder

ID2LABEL = dict(enumerate(LABEL_NAMES))
LABEL2ID = {name: i for i, name in ID2LABEL.items()}
# GPT-2's gelu_new is Python arithmetic that keeps several tensors per MLP for backward; PyTorch's one-kernel
# tanh GELU computes the same formula (to 1e-6) and keeps one, which lowers GPT-2 small's peak training
# memory on CoLA (measured: BENCHMARKS.md, finding 9). Only this exact equivalence is swapped: BERT's erf
# GELU ("gelu") and Llama's SiLU stay as they are.
FUSED_ACTIVATIONS = {"gelu_new": "gelu_pytorch_tanh"}
OFFLINE_ALTERNATIVES = (
    "  - a local model directory (config.json, model.safetensors, tokenizer files): "
    "MODEL_NAME='/path/to/model'\n"
    "  - a tiny offline model the workshop builds itself: PROFILE='smoke', or MODEL_NAME='tiny' (GPT-2), "
    "'tiny-llama' or 'tiny-bert'"
)


def _needs(loader) -> str:
    """What a loader reads from a folder: the tokenizer, the config, or the whole model."""
    if loader is AutoTokenizer or (isinstance(loader, type) and issubclass(loader, PreTrainedTokenizerBase)):
        return "tokenizer"
    return "config" if loader is AutoConfig else "model"


def _from(loader, name_or_path: str | Path, what: str, **kwargs):
    """Call `loader.from_pretrained` on a checked local folder, or on the hub with a fast failure."""
    if is_local(name_or_path):
        folder = check_model_folder(name_or_path, _needs(loader))
        return loader.from_pretrained(str(folder), **kwargs)
    advice = OFFLINE_ALTERNATIVES
    if "/" in str(name_or_path):
        advice += (
            f"\n  - if '{name_or_path}' is meant as a local folder: it does not exist here; "
            f"write it as './{name_or_path}' or an absolute path"
        )
    return hub_load(
        lambda: loader.from_pretrained(str(name_or_path), **kwargs), f"{what} '{name_or_path}'", advice
    )


def ensure_pad_token(tokenizer: PreTrainedTokenizerBase) -> PreTrainedTokenizerBase:
    """Give a tokenizer without a pad token (GPT-2, Llama) its end-of-text token as pad token."""
    if tokenizer.pad_token is None:
        if tokenizer.eos_token is None:
            raise ValueError("The tokenizer has neither a pad nor an end-of-sequence token to pad with.")
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def load_tokenizer(name_or_path: str | Path = HUB_MODEL) -> PreTrainedTokenizerBase:
    """Load a tokenizer from the hub or a folder, with a pad token."""
    return ensure_pad_token(_from(AutoTokenizer, name_or_path, "the tokenizer"))


def load_model(
    name_or_path: str | Path = HUB_MODEL, tokenizer: PreTrainedTokenizerBase | None = None
) -> PreTrainedModel:
    """Load a 2-label sequence classifier with pad_token_id, readable labels and a fused GELU."""
    tokenizer = tokenizer or load_tokenizer(name_or_path)
    config = _from(
        AutoConfig,
        name_or_path,
        "the model",
        num_labels=len(LABEL_NAMES),
        id2label=ID2LABEL,
        label2id=LABEL2ID,
    )
    # Decoders' classifiers pool the last non-pad token, found through config.pad_token_id; encoders pool
    # their first ([CLS]) token, and need the id only for their embeddings' padding row.
    config.pad_token_id = tokenizer.pad_token_id
    config.update(fused_activation(config))
    return _from(
        AutoModelForSequenceClassification, name_or_path, "the model", config=config, use_safetensors=True
    )


def fused_activation(config) -> dict:
    """{"activation_function": its one-kernel twin} for GPT-2's Python GELU; {} for every other model."""
    name = getattr(config, "activation_function", None)
    return {"activation_function": FUSED_ACTIVATIONS[name]} if name in FUSED_ACTIVATIONS else {}


def load_pretrained(loader, name_or_path: str | Path, what: str = "the files", **kwargs):
    """`loader.from_pretrained` (AutoTokenizer, AutoModelFor...): checked folders, fast-failing hub ids."""
    return _from(loader, name_or_path, what, **kwargs)
