"""Zero-shot acceptability: score sentences with the base language model, then threshold the scores.

Causal LMs (GPT-2, Llama) give each sentence its mean log-probability per token, every token predicted from
the tokens before it. Masked LMs (BERT and its kin) have no left-to-right probability; they give the mean
pseudo-log-likelihood per token (Salazar et al., 2020, "Masked Language Model Scoring"): mask each token in
turn and score it from all the others, with many masked copies in one forward pass.
"""

from __future__ import annotations

import warnings
from contextlib import contextmanager

import numpy as np
import torch
from tqdm.auto import tqdm
from transformers import (
    AutoConfig,
    AutoModelForCausalLM,
    AutoModelForMaskedLM,
    PreTrainedModel,
    PreTrainedTokenizerBase,
)
from transformers.models.auto.modeling_auto import MODEL_FOR_MASKED_LM_MAPPING_NAMES

from .metrics import classification_metrics
from .modeling import load_pretrained
from .preprocess import length_batches, pad_ids

SINGLE_THREAD_PARAMS = 10_000_000  # smaller models score faster on one thread (seen with the smoke model)
Tokenizer = PreTrainedTokenizerBase
CAUSAL, MASKED = "mean-log-prob", "pseudo-log-likelihood"  # the method names saved in metrics/zero_shot.json
METHODS = {
    CAUSAL: "causal LM: mean log-probability per token, each token given the tokens before it",
    MASKED: "masked LM: mean pseudo-log-likelihood per token (Salazar et al. 2020), each token masked "
    "in turn and given all the others",
}


def scoring_method(config) -> str:
    """The zero-shot method for a model config: pseudo-log-likelihood for masked LMs, else mean log-prob."""
    return MASKED if config.model_type in MODEL_FOR_MASKED_LM_MAPPING_NAMES else CAUSAL


def load_language_model(name_or_path: str) -> PreTrainedModel:
    """Load the base model with its language-modelling head, causal or masked (hub ids fail fast offline)."""
    config = load_pretrained(AutoConfig, name_or_path, "the language model")
    loader = AutoModelForMaskedLM if scoring_method(config) == MASKED else AutoModelForCausalLM
    model, info = load_pretrained(
        loader, name_or_path, "the language model", use_safetensors=True, output_loading_info=True
    )
    missing = sorted(info["missing_keys"])
    if missing:
        warnings.warn(
            f"{name_or_path} has no trained language-model head ({', '.join(missing[:3])} "
            "missing, so drawn at random): its zero-shot scores mean nothing. ELECTRA discriminators and "
            "checkpoints saved without their head are like this.",
            stacklevel=2,
        )
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


def sentence_scores(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    sentences: list[str],
    batch_size: int = 64,
    progress: bool = True,
) -> np.ndarray:
    """Each sentence's score by the model's method (see `scoring_method`), in the input order."""
    score = pseudo_log_likelihoods if scoring_method(model.config) == MASKED else mean_log_probs
    with _cpu_threads(model):
        return score(model, tokenizer, sentences, batch_size, progress)


def start_token_id(tokenizer: Tokenizer) -> int:
    """The token put before each sentence so that its first word is scored too: begin-of-text, else end."""
    return tokenizer.bos_token_id if tokenizer.bos_token_id is not None else tokenizer.eos_token_id


@torch.inference_mode()
def mean_log_probs(
    model: PreTrainedModel, tokenizer: Tokenizer, sentences: list[str], batch_size: int, progress: bool
) -> np.ndarray:
    """Causal LM: mean log-probability per token of each sentence (length-normalised), in the input order."""
    start = start_token_id(tokenizer)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else start  # masked out anyway
    # Prepend the start token (GPT-2's <|endoftext|>, Llama's begin-of-text) so the first word is scored too.
    encoded = [[start, *ids] for ids in tokenizer(list(sentences), add_special_tokens=False)["input_ids"]]
    scores = np.empty(len(sentences), dtype=np.float64)
    device = next(model.parameters()).device
    batches = length_batches([len(ids) for ids in encoded], batch_size)
    for rows in tqdm(batches, desc="Scoring", unit="batch", disable=not progress):
        ids, mask = pad_ids([encoded[i] for i in rows], pad)
        ids, mask = ids.to(device), mask.to(device)
        logits = model(input_ids=ids, attention_mask=mask).logits[:, :-1].float()
        targets, target_mask = ids[:, 1:], mask[:, 1:].float()
        # log p(token | tokens before it), without materialising the whole log-softmax.
        token_logp = logits.gather(-1, targets.unsqueeze(-1)).squeeze(-1) - logits.logsumexp(-1)
        mean = (token_logp * target_mask).sum(-1) / target_mask.sum(-1).clamp(min=1)
        scores[rows] = mean.cpu().numpy()
    return scores


@torch.inference_mode()
def pseudo_log_likelihoods(
    model: PreTrainedModel, tokenizer: Tokenizer, sentences: list[str], batch_size: int, progress: bool
) -> np.ndarray:
    """Masked LM: mean pseudo-log-likelihood per token, `batch_size` masked copies per forward pass."""
    if tokenizer.mask_token_id is None:
        raise ValueError("pseudo-log-likelihood needs a tokenizer with a mask token (BERT's [MASK]).")
    encoded = tokenizer(list(sentences), return_special_tokens_mask=True)
    # One masked copy per (sentence, word-piece); [CLS], [SEP] and the like are not scored.
    copies = [
        (i, pos)
        for i, special in enumerate(encoded["special_tokens_mask"])
        for pos, is_special in enumerate(special)
        if not is_special
    ]
    lengths = [len(ids) for ids in encoded["input_ids"]]
    totals, counts = np.zeros(len(sentences)), np.zeros(len(sentences))
    device = next(model.parameters()).device
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0  # masked out anyway
    batches = length_batches([lengths[i] for i, _ in copies], batch_size)  # similar lengths share a batch
    for batch in tqdm(batches, desc="Scoring (masked copies)", unit="batch", disable=not progress):
        rows = [copies[j] for j in batch]
        ids, mask = pad_ids([encoded["input_ids"][i] for i, _ in rows], pad)
        sentence = torch.tensor([i for i, _ in rows])
        position = torch.tensor([pos for _, pos in rows])
        targets = ids[torch.arange(len(rows)), position].clone()
        ids[torch.arange(len(rows)), position] = tokenizer.mask_token_id
        logits = model(input_ids=ids.to(device), attention_mask=mask.to(device)).logits
        logits = logits[torch.arange(len(rows), device=device), position.to(device)].float()
        token_logp = logits.gather(-1, targets.to(device)[:, None]).squeeze(-1) - logits.logsumexp(-1)
        np.add.at(totals, sentence.numpy(), token_logp.cpu().numpy())
        np.add.at(counts, sentence.numpy(), 1)
    return totals / np.maximum(counts, 1)


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
