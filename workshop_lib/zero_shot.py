"""Zero-shot acceptability: score sentences by the base language model's likelihood, then threshold."""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np
import torch
from tqdm.auto import tqdm
from transformers import AutoModelForCausalLM, PreTrainedModel, PreTrainedTokenizerBase

from .metrics import classification_metrics
from .modeling import load_pretrained

SINGLE_THREAD_PARAMS = 10_000_000  # smaller models score faster on one thread (2-60x, smoke model, busy CPU)


def load_language_model(name_or_path: str) -> PreTrainedModel:
    """Load the base model with its language-modelling head (hub ids fail fast when offline)."""
    model = load_pretrained(AutoModelForCausalLM, name_or_path, "the language model", use_safetensors=True)
    return model.eval()


@contextmanager
def _cpu_threads(model: PreTrainedModel):
    """Run a tiny model on one CPU thread: on a busy CPU, syncing threads costs more than its matmuls."""
    small = sum(p.numel() for p in model.parameters()) < SINGLE_THREAD_PARAMS
    saved = torch.get_num_threads()
    if small and next(model.parameters()).device.type == "cpu":
        torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(saved)


@torch.inference_mode()
def sentence_scores(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    sentences: list[str],
    batch_size: int = 64,
    progress: bool = True,
) -> np.ndarray:
    """Mean log-probability per token of each sentence (length-normalised), in the input order."""
    start = tokenizer.bos_token_id if tokenizer.bos_token_id is not None else tokenizer.eos_token_id
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else start  # masked out anyway
    # Prepend <|endoftext|> so the model also predicts the sentence's first token.
    encoded = [[start, *ids] for ids in tokenizer(list(sentences), add_special_tokens=False)["input_ids"]]
    order = np.argsort([len(ids) for ids in encoded], kind="stable")  # similar lengths share a batch
    scores = np.empty(len(sentences), dtype=np.float64)
    device = next(model.parameters()).device
    batches = range(0, len(order), batch_size)
    with _cpu_threads(model):
        for begin in tqdm(batches, desc="Scoring", unit="batch", disable=not progress):
            rows = order[begin : begin + batch_size]
            width = max(len(encoded[i]) for i in rows)
            ids = torch.full((len(rows), width), pad, dtype=torch.long)
            mask = torch.zeros((len(rows), width), dtype=torch.long)
            for r, i in enumerate(rows):
                ids[r, : len(encoded[i])] = torch.tensor(encoded[i])
                mask[r, : len(encoded[i])] = 1
            ids, mask = ids.to(device), mask.to(device)
            logits = model(input_ids=ids, attention_mask=mask).logits[:, :-1].float()
            targets, target_mask = ids[:, 1:], mask[:, 1:].float()
            # log p(token | tokens before it), without materialising the whole log-softmax.
            token_logp = logits.gather(-1, targets.unsqueeze(-1)).squeeze(-1) - logits.logsumexp(-1)
            mean = (token_logp * target_mask).sum(-1) / target_mask.sum(-1).clamp(min=1)
            scores[rows] = mean.cpu().numpy()
    return scores


def best_threshold(scores, labels) -> tuple[float, float]:
    """The cut (score >= cut means acceptable) with the highest MCC on (scores, labels), and that MCC."""
    scores, labels = np.asarray(scores, dtype=np.float64), np.asarray(labels, dtype=np.int64)
    order = np.argsort(-scores, kind="stable")
    s, y = scores[order], labels[order]
    # Calling the top k acceptable for every k at once: cumulative confusion counts.
    last_of_tie = np.r_[s[1:] != s[:-1], True]  # a cut can only fall between different scores
    k = np.arange(1, len(s) + 1)[last_of_tie]
    tp = np.cumsum(y)[last_of_tie].astype(np.float64)
    fp = k - tp
    fn, tn = y.sum() - tp, (len(y) - y.sum()) - fp
    denom = np.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    mcc = np.divide(tp * tn - fp * fn, denom, out=np.zeros_like(denom), where=denom > 0)
    best = int(np.argmax(mcc))
    cut_at = k[best]  # rows [0, cut_at) are called acceptable
    threshold = s[cut_at - 1] if cut_at == len(s) else (s[cut_at - 1] + s[cut_at]) / 2
    return float(threshold), float(mcc[best])


def predict(scores, threshold: float) -> np.ndarray:
    """Label 1 (acceptable) where the score reaches the threshold, else 0."""
    return (np.asarray(scores) >= threshold).astype(np.int64)


def zero_shot_metrics(scores, labels, threshold: float) -> dict[str, float]:
    """MCC, accuracy and F1 of the thresholded scores."""
    return classification_metrics(labels, predict(scores, threshold))
