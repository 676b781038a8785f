"""Tokenizers and sequence-classification models: hub ids, local folders and a tiny local GPT-2."""

from __future__ import annotations

from pathlib import Path

import torch
from transformers import (
    AutoConfig,
    AutoModelForSequenceClassification,
    AutoTokenizer,
    GPT2Config,
    GPT2LMHeadModel,
    GPT2TokenizerFast,
    PreTrainedModel,
    PreTrainedTokenizerBase,
)

from .config import HUB_MODEL
from .data import LABEL_NAMES
from .hub import hub_load

ID2LABEL = dict(enumerate(LABEL_NAMES))
LABEL2ID = {name: i for i, name in ID2LABEL.items()}
TINY_CONFIG = {"n_layer": 2, "n_head": 2, "n_embd": 64, "n_positions": 128}  # seconds on a CPU
# GPT-2's gelu_new is Python arithmetic that keeps several tensors per MLP for backward; PyTorch's one-kernel
# tanh GELU computes the same formula (to 1e-6) and keeps one: GPT-2 small's peak training memory on CoLA
# fell from 3.78 to 2.84 GiB (BENCHMARKS.md, finding 9).
FUSED_ACTIVATIONS = {"gelu_new": "gelu_pytorch_tanh"}
OFFLINE_ALTERNATIVES = (
    "  - a local model directory (config.json, model.safetensors, tokenizer files): "
    "MODEL_NAME='/path/to/model'\n"
    "  - the tiny offline GPT-2 the workshop builds itself: PROFILE='smoke' "
    "(or `python -m workshop_lib.cli build-tiny-gpt2 DIR`)"
)


def _is_local(name_or_path: str | Path) -> bool:
    """True when the argument names an existing local directory."""
    return Path(name_or_path).expanduser().is_dir()


def _from(loader, name_or_path: str | Path, what: str, **kwargs):
    """Call `loader.from_pretrained` on a local folder directly, or on the hub with a fast failure."""
    if _is_local(name_or_path):
        return loader.from_pretrained(str(Path(name_or_path).expanduser()), **kwargs)
    return hub_load(
        lambda: loader.from_pretrained(str(name_or_path), **kwargs),
        f"{what} '{name_or_path}'",
        OFFLINE_ALTERNATIVES,
    )


def ensure_pad_token(tokenizer: PreTrainedTokenizerBase) -> PreTrainedTokenizerBase:
    """Give a tokenizer without a pad token (GPT-2) its end-of-text token as pad token."""
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
    # The classifier pools the last non-pad token, found through config.pad_token_id.
    config.pad_token_id = tokenizer.pad_token_id
    if getattr(config, "activation_function", None) in FUSED_ACTIVATIONS:
        config.activation_function = FUSED_ACTIVATIONS[config.activation_function]
    return _from(
        AutoModelForSequenceClassification, name_or_path, "the model", config=config, use_safetensors=True
    )


def train_bpe_tokenizer(texts: list[str], vocab_size: int = 600) -> GPT2TokenizerFast:
    """Train a byte-level BPE (GPT-2's algorithm) on `texts`, with GPT-2's end-of-text token."""
    from tokenizers import ByteLevelBPETokenizer

    bpe = ByteLevelBPETokenizer(add_prefix_space=False)
    bpe.train_from_iterator(
        texts, vocab_size=vocab_size, min_frequency=1, special_tokens=["<|endoftext|>"], show_progress=False
    )
    return GPT2TokenizerFast(
        tokenizer_object=bpe._tokenizer,
        bos_token="<|endoftext|>",
        eos_token="<|endoftext|>",
        unk_token="<|endoftext|>",
        model_max_length=TINY_CONFIG["n_positions"],
    )


def build_tiny_gpt2(out_dir: str | Path, tokenizer_dir: str | Path | None = None, seed: int = 0) -> Path:
    """Save a small random-weight GPT-2 (config, safetensors, tokenizer) that loads like the real one."""
    out_dir = Path(out_dir)
    if tokenizer_dir is not None:
        tokenizer = GPT2TokenizerFast.from_pretrained(str(tokenizer_dir))
        tokenizer.model_max_length = TINY_CONFIG["n_positions"]
    else:
        from .data import load_cola

        tokenizer = train_bpe_tokenizer(load_cola("embedded")["train"]["sentence"])
    torch.manual_seed(seed)
    config = GPT2Config(
        vocab_size=len(tokenizer),
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        architectures=["GPT2LMHeadModel"],
        **TINY_CONFIG,
    )
    model = GPT2LMHeadModel(config)
    from .artifacts import atomic_dir

    with atomic_dir(out_dir) as tmp:
        model.save_pretrained(tmp)  # safetensors, the transformers default
        tokenizer.save_pretrained(tmp)
        tokenizer.backend_tokenizer.model.save(str(tmp))  # vocab.json + merges.txt, as on the hub
    return out_dir


def tiny_gpt2(cache_dir: str | Path = "artifacts/tiny-gpt2", seed: int = 0) -> Path:
    """Return the tiny GPT-2 folder (BPE trained on the embedded set), building it on first use."""
    cache_dir = Path(cache_dir)
    if not (cache_dir / "config.json").exists():
        build_tiny_gpt2(cache_dir, seed=seed)
    return cache_dir


def load_pretrained(loader, name_or_path: str | Path, what: str = "the files", **kwargs):
    """`loader.from_pretrained` (AutoTokenizer, AutoModelFor...) with the fast offline failure of hub ids."""
    return _from(loader, name_or_path, what, **kwargs)
