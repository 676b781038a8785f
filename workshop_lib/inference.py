"""Classify sentences with a fine-tuned model: checked inputs, length-sorted batches, readable labels."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from .device import pick_device
from .modeling import load_model, load_tokenizer
from .preprocess import length_batches


class TruncationWarning(UserWarning):
    """A text was longer than the model can read and was cut to its first tokens."""


def check_texts(texts: Iterable[str]) -> list[str]:
    """Return the texts as a list, or raise a TypeError/ValueError naming the bad input and the fix."""
    if texts is None:
        raise TypeError("texts is None; pass a list of sentences, e.g. ['The cat sat on the mat.'].")
    if isinstance(texts, str):
        raise TypeError(f"Pass a list of sentences, not one string: [{texts[:40]!r}].")
    if isinstance(texts, Mapping):
        raise TypeError(
            "texts is a dict; pass a list of sentences: list(texts.values()) for its values, "
            "or list(texts) for its keys."
        )
    if isinstance(texts, set | frozenset):
        raise TypeError(
            "texts is a set, which has no order: the results could not be matched to the sentences. "
            "Pass a list, e.g. sorted(texts)."
        )
    if isinstance(texts, bytes) or not isinstance(texts, Iterable):
        raise TypeError(f"texts must be a list of strings, not {type(texts).__name__}.")
    texts = list(texts)
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(
                f"texts[{i}] is {text!r} of type {type(text).__name__}, not a string. "
                "Convert it with str(...) or remove it."
            )
        if not text.strip():
            raise ValueError(
                f"texts[{i}] is {'empty' if not text else 'whitespace only'} ({text!r}): there is no "
                "sentence to judge. Remove it or replace it with a sentence."
            )
    return texts


def max_tokens(model_config, tokenizer: PreTrainedTokenizerBase) -> int:
    """The most tokens the model reads: its position limit, or the tokenizer's if smaller."""
    limit = getattr(model_config, "max_position_embeddings", None) or tokenizer.model_max_length
    return int(min(limit, tokenizer.model_max_length))


def sorted_batches(
    tokenizer: PreTrainedTokenizerBase,
    texts: list[str],
    batch_size: int,
    max_length: int,
    run: Callable[[dict[str, np.ndarray]], np.ndarray],
    progress: bool = False,
) -> tuple[np.ndarray, list[int]]:
    """Run `run` on length-sorted padded batches; return outputs in input order and the truncated ids."""
    full = tokenizer(texts, truncation=False, verbose=False)["input_ids"]
    truncated = [i for i, ids in enumerate(full) if len(ids) > max_length]
    if truncated:  # cut by the tokenizer itself, so closing tokens such as BERT's [SEP] stay in place
        cut = tokenizer([texts[i] for i in truncated], truncation=True, max_length=max_length)["input_ids"]
        for i, ids in zip(truncated, cut, strict=True):
            full[i] = ids
    encoded = [{"input_ids": ids, "attention_mask": [1] * len(ids)} for ids in full]
    batches = length_batches([len(ids) for ids in full], batch_size)  # similar lengths share a batch
    outputs = []
    for rows in tqdm(batches, desc="Predicting", unit="batch", disable=not progress):
        outputs.append(run(tokenizer.pad([encoded[i] for i in rows], return_tensors="np")))
    result = np.empty((len(texts), *outputs[0].shape[1:]), dtype=outputs[0].dtype)
    result[np.concatenate(batches)] = np.concatenate(outputs)  # back to the callers' order
    return result, truncated


def warn_truncated(truncated: list[int], max_length: int) -> None:
    """Say which texts were cut to the model's length limit."""
    if truncated:
        warnings.warn(
            f"texts {truncated} are longer than the {max_length} tokens the model reads; "
            f"only their first {max_length} tokens were classified. Split long texts into sentences.",
            TruncationWarning,
            stacklevel=3,
        )


def _torch_logits(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    texts: list[str],
    batch_size: int,
    device: str,
    progress: bool = False,
) -> tuple[np.ndarray, list[int], int]:
    """Logits for checked texts with the model on `device`; also the truncated ids and the length limit."""
    model.to(device).eval()
    limit = max_tokens(model.config, tokenizer)
    if not texts:
        return np.zeros((0, model.config.num_labels), dtype=np.float32), [], limit

    def run(batch: dict[str, np.ndarray]) -> np.ndarray:
        inputs = {k: torch.from_numpy(v).to(device) for k, v in batch.items()}
        return model(**inputs).logits.float().cpu().numpy()

    with torch.inference_mode():
        logits, truncated = sorted_batches(tokenizer, texts, batch_size, limit, run, progress)
    return logits, truncated, limit


def predict_logits(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    sentences: list[str],
    batch_size: int = 64,
    device: str | None = None,
    progress: bool = False,
) -> np.ndarray:
    """Return (n, labels) logits, batched by length; moves the model to `device` (None: the best one)."""
    texts = check_texts(sentences)
    device = device or pick_device()
    logits, truncated, limit = _torch_logits(model, tokenizer, texts, batch_size, device, progress)
    warn_truncated(truncated, limit)
    return logits


class AcceptabilityClassifier:
    """Judge sentences with a fine-tuned model: `AcceptabilityClassifier.from_dir(d).predict([...])`."""

    def __init__(
        self, model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, device: str | None = None
    ) -> None:
        self.device = device or pick_device()
        self.model = model.to(self.device).eval()
        self.tokenizer = tokenizer
        self.labels = [model.config.id2label[i] for i in range(model.config.num_labels)]

    @classmethod
    def from_dir(cls, model_dir: str | Path, device: str | None = None) -> AcceptabilityClassifier:
        """Load a saved model folder (config, safetensors weights, tokenizer files)."""
        model_dir = Path(model_dir)
        if not (model_dir / "config.json").is_file():
            raise FileNotFoundError(
                f"{model_dir} holds no saved model (config.json is missing). "
                "Train one first with notebook 05_training, or pass the folder it saved."
            )
        tokenizer = load_tokenizer(model_dir)
        return cls(load_model(model_dir, tokenizer), tokenizer, device)

    def predict(self, texts: str | list[str], batch_size: int = 64) -> list[dict]:
        """One {'label', 'score', 'truncated'} per text; a single string counts as a list of one."""
        texts = check_texts([texts] if isinstance(texts, str) else texts)
        logits, truncated, limit = _torch_logits(self.model, self.tokenizer, texts, batch_size, self.device)
        warn_truncated(truncated, limit)
        probs = torch.softmax(torch.from_numpy(logits), dim=-1).numpy()
        cut = set(truncated)
        return [
            {"label": self.labels[int(p.argmax())], "score": float(p.max()), "truncated": i in cut}
            for i, p in enumerate(probs)
        ]
