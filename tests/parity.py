"""The ONNX parity measure the export tests share."""

from __future__ import annotations

import numpy as np
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from workshop_lib.export import onnx_logits
from workshop_lib.inference import predict_logits


def max_abs_logit_diff(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    onnx_path,
    sentences: list[str],
    batch_size: int = 64,
) -> float:
    """Largest absolute difference between PyTorch (CPU) and ONNX logits on the same padded batches."""
    torch_out = predict_logits(model, tokenizer, sentences, batch_size=batch_size, device="cpu")
    onnx_out = onnx_logits(onnx_path, tokenizer, sentences, batch_size=batch_size)
    return float(np.abs(torch_out - onnx_out).max()) if len(torch_out) else 0.0
