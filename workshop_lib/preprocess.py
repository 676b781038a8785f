"""Tokenize with per-batch (dynamic) padding, measure padding waste, save and load the result."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
from datasets import DatasetDict, load_from_disk
from transformers import PreTrainedTokenizerBase

from .data import SELECTION_SHARE, load_data
from .paths import TOKENIZED
from .records import atomic_dir
from .settings import Settings

MAX_LENGTH = 128  # above CoLA's longest sentence in tokens (notebook 02 measures it): no truncation
DATA_SETTINGS = ("model_name", "data_source", "train_limit", "eval_limit", "seed")  # which sentences, tokens


def tokenize(data: DatasetDict, tokenizer: PreTrainedTokenizerBase, max_length: int = 128) -> DatasetDict:
    """Tokenize every split without padding (the collator pads each batch); add a `length` column."""

    def encode(batch: dict) -> dict:
        enc = tokenizer(batch["sentence"], truncation=True, max_length=max_length)
        enc["length"] = [len(ids) for ids in enc["input_ids"]]
        return enc

    return data.map(encode, batched=True, desc="Tokenizing")


def length_batches(lengths, batch_size: int) -> list[np.ndarray]:
    """Row indices in batches of similar length (a stable sort by length): the least padding per batch."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, not {batch_size}.")
    order = np.argsort(np.asarray(lengths), kind="stable")
    return [order[begin : begin + batch_size] for begin in range(0, len(order), batch_size)]


def pad_ids(rows: list[list[int]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-pad lists of token ids to the longest: (input_ids, attention_mask) tensors."""
    width = max(len(ids) for ids in rows)
    ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for r, row in enumerate(rows):
        ids[r, : len(row)] = torch.tensor(row)
        mask[r, : len(row)] = 1
    return ids, mask


def padded_tokens(lengths, batch_size: int, pad_to: int | None = None, sort: bool = False) -> int:
    """Tokens the model processes when batches are padded to `pad_to`, or to their longest row."""
    lengths = np.asarray(lengths)
    if pad_to is not None:
        return int(len(lengths) * pad_to)
    if sort:
        lengths = np.sort(lengths)
    batches = [lengths[i : i + batch_size] for i in range(0, len(lengths), batch_size)]
    return int(sum(len(b) * b.max() for b in batches))


def padding_report(lengths, batch_size: int, max_length: int = 1024) -> dict[str, dict[str, float]]:
    """Compare padding to `max_length`, per random batch and per length-sorted batch."""
    real = int(np.sum(lengths))
    shuffled = np.random.default_rng(0).permutation(np.asarray(lengths))
    report = {}
    for name, total in {
        f"pad to {max_length}": padded_tokens(shuffled, batch_size, pad_to=max_length),
        "pad per batch": padded_tokens(shuffled, batch_size),
        "pad per length-sorted batch": padded_tokens(shuffled, batch_size, sort=True),
    }.items():
        report[name] = {"tokens": total, "wasted_share": 1 - real / total, "vs_real": total / real}
    return report


def save_tokenized(data: DatasetDict, path: str | Path, meta: dict, overwrite: bool = False) -> Path:
    """Save the tokenized splits and the settings that made them, atomically."""
    with atomic_dir(path, overwrite=overwrite) as tmp:
        data.save_to_disk(str(tmp / "data"))
        (tmp / "meta.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
    return Path(path)


def load_tokenized(path: str | Path, expect: dict | None = None) -> DatasetDict | None:
    """Load a saved tokenized set; None when absent or made with other settings than `expect`."""
    path = Path(path)
    if not (path / "meta.json").is_file():
        return None
    meta = json.loads((path / "meta.json").read_text())
    if expect is not None and meta != expect:
        return None
    return load_from_disk(str(path / "data"))


def data_settings(settings: Settings) -> dict:
    """The settings that decide which sentences, as which tokens, a run trains and evaluates on."""
    chosen = {name: getattr(settings, name) for name in DATA_SETTINGS}
    return {**chosen, "selection_share": SELECTION_SHARE, "max_length": MAX_LENGTH}


def tokenized_meta(settings: Settings, tokenizer: PreTrainedTokenizerBase) -> dict:
    """What a saved tokenized set depends on; a mismatch means it must be rebuilt."""
    return {**data_settings(settings), "vocab_size": len(tokenizer)}


def tokenized_data(settings: Settings, tokenizer: PreTrainedTokenizerBase) -> DatasetDict:
    """Load phase 3's tokenized set, or rebuild and save it when missing or made otherwise."""
    path, meta = settings.out / TOKENIZED, tokenized_meta(settings, tokenizer)
    data = load_tokenized(path, expect=meta)
    if data is None:
        if path.exists():
            print(f"{path} was made with other settings; rebuilding it.")
        data = tokenize(load_data(settings), tokenizer, MAX_LENGTH)
        save_tokenized(data, path, meta, overwrite=True)
    return data
