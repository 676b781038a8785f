"""What leaves the workshop with a model: its files, ONNX and onnxruntime logits (its card: card.py)."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import torch
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from .inference import check_texts, max_tokens, sorted_batches, warn_truncated
from .modeling import load_model, load_tokenizer

if TYPE_CHECKING:
    from onnxruntime import InferenceSession

INPUTS = ("input_ids", "attention_mask")
MAX_LENGTH_KEY = "workshop.max_length"  # ONNX metadata: the most tokens the model reads


class LogitsOnly(torch.nn.Module):
    """Wrap a sequence classifier so it maps (input_ids, attention_mask) to logits and nothing else."""

    def __init__(self, model: PreTrainedModel) -> None:
        super().__init__()
        self.model = model

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """Return the (batch, labels) logits."""
        # Skip the key-value cache; models without one (DistilBERT) do not take the argument.
        no_cache = {"use_cache": False} if hasattr(self.model.config, "use_cache") else {}
        return self.model(input_ids=input_ids, attention_mask=attention_mask, **no_cache).logits


def export_onnx(model_dir: str | Path, out_path: str | Path) -> Path:
    """Export a saved model folder to one ONNX file with dynamic batch and sequence axes."""
    tokenizer = load_tokenizer(model_dir)
    model = load_model(model_dir, tokenizer).to("cpu").eval()
    example = tokenizer(["An example sentence to trace.", "Two more."], padding=True, return_tensors="pt")
    batch, seq = torch.export.Dim("batch"), torch.export.Dim("sequence")
    # The dynamo exporter (torch.export + onnxscript); the legacy TorchScript tracer gave wrong logits
    # for padded batches with transformers 5 in this project's check (far outside the parity tolerance).
    registry_log = logging.getLogger("torch.onnx._internal.exporter._registration")
    level = registry_log.level
    registry_log.setLevel(logging.ERROR)  # silences "torchvision is not installed" notes
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            program = torch.onnx.export(
                LogitsOnly(model),
                tuple(example[name] for name in INPUTS),
                input_names=list(INPUTS),
                output_names=["logits"],
                dynamic_shapes={name: {0: batch, 1: seq} for name in INPUTS},
                dynamo=True,
                verbose=False,
            )
    finally:
        registry_log.setLevel(level)
    program.model.metadata_props[MAX_LENGTH_KEY] = str(max_tokens(model.config, tokenizer))
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    program.save(str(out_path), external_data=False)  # one file: GPT-2 small fits protobuf's 2 GB limit
    return out_path


def onnx_session(onnx_path: str | Path) -> InferenceSession:
    """Open an onnxruntime CPU session on an exported model."""
    import onnxruntime

    return onnxruntime.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])


def onnx_logits(
    onnx_path: str | Path | InferenceSession,
    tokenizer: PreTrainedTokenizerBase,
    sentences: list[str],
    batch_size: int = 64,
    progress: bool = False,
) -> np.ndarray:
    """Return (n, labels) logits from onnxruntime, batched by length as `predict_logits` does."""
    texts = check_texts(sentences)
    session = onnx_path if hasattr(onnx_path, "run") else onnx_session(onnx_path)
    meta = session.get_modelmeta().custom_metadata_map
    limit = int(meta.get(MAX_LENGTH_KEY, tokenizer.model_max_length))
    if not texts:
        return np.zeros((0, session.get_outputs()[0].shape[1]), dtype=np.float32)

    def run(batch: dict[str, np.ndarray]) -> np.ndarray:
        return session.run(["logits"], {name: batch[name].astype(np.int64) for name in INPUTS})[0]

    logits, truncated = sorted_batches(tokenizer, texts, batch_size, limit, run, progress)
    warn_truncated(truncated, limit)
    return logits


def saved_files(folder: str | Path) -> pd.DataFrame:
    """List a folder's files (recursively) with their sizes, largest first."""
    folder = Path(folder)
    rows = [
        {
            "file": str(p.relative_to(folder)),
            "bytes": p.stat().st_size,
            "MB": round(p.stat().st_size / 1e6, 2),
        }
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    ]
    table = pd.DataFrame(rows, columns=["file", "bytes", "MB"])
    return table.sort_values("bytes", ascending=False, ignore_index=True)
